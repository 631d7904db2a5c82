package io.fusedrnn.opencl;

import io.fusedrnn.FusedRnnException;
import org.jocl.CL;

/**
 * OpenCL status codes as their names ({@code CL_INVALID_KERNEL_NAME}, not -46), and the one check
 * every OpenCL call's status goes through, so each failure names the call and the status.
 */
final class ClStatus {
    private ClStatus() {
    }

    /** The status's symbolic name, e.g. {@code CL_OUT_OF_RESOURCES}. */
    static String name(int status) {
        String s = CL.stringFor_errorCode(status);
        return s == null || s.isEmpty() ? "CL status " + status : s;
    }

    /** Throws a {@link FusedRnnException} naming {@code call} and the status when it is not CL_SUCCESS. */
    static void check(int status, String call) {
        if (status != CL.CL_SUCCESS) throw failure(status, call);
    }

    static FusedRnnException failure(int status, String call) {
        return new FusedRnnException("OpenCL " + call + " failed: " + name(status) + " (" + status + ")");
    }
}
