package io.fusedrnn.opencl;

import org.jocl.Pointer;
import org.jocl.cl_kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static org.jocl.CL.CL_KERNEL_ARG_NAME;
import static org.jocl.CL.CL_KERNEL_ARG_TYPE_NAME;
import static org.jocl.CL.CL_KERNEL_NUM_ARGS;
import static org.jocl.CL.clGetKernelArgInfo;
import static org.jocl.CL.clGetKernelInfo;

/**
 * A kernel's parameter names and whether each is a pointer, as the driver reports them (programs are
 * built with {@code -cl-kernel-arg-info}); {@link Launch} checks every binding against it. A driver
 * that keeps the names to itself still reports the count, which is then all that is checked.
 *
 * @param kernel   "file:kernel", for messages
 * @param names    parameter names in order, or null when the driver does not report them
 * @param pointers whether each parameter is a pointer (a buffer), or null with the names
 * @param count    number of parameters
 */
record KernelSignature(String kernel, String[] names, boolean[] pointers, int count) {

    /** Reads the signature of {@code k} from the driver. */
    static KernelSignature of(String kernel, cl_kernel k) {
        // a direct buffer, not an int[]: see ClDevice.optionalString
        ByteBuffer n = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
        ClStatus.check(clGetKernelInfo(k, CL_KERNEL_NUM_ARGS, 4, Pointer.to(n), null), "clGetKernelInfo(" + kernel + ", CL_KERNEL_NUM_ARGS)");
        int count = n.getInt(0);
        String[] names = new String[count];
        boolean[] pointers = new boolean[count];
        for (int i = 0; i < count; i++) {
            String name = argString(k, i, CL_KERNEL_ARG_NAME), type = argString(k, i, CL_KERNEL_ARG_TYPE_NAME);
            if (name == null || type == null) return new KernelSignature(kernel, null, null, count);
            names[i] = name;
            pointers[i] = type.endsWith("*");
        }
        return new KernelSignature(kernel, names, pointers, count);
    }

    private static String argString(cl_kernel k, int index, int param) {
        String s = ClDevice.optionalString((q, size, v, ret) -> clGetKernelArgInfo(k, index, q, size, v, ret), param);
        return s == null ? null : s.trim();
    }

    /** Whether the driver reported names (PoCL and NVIDIA do, given -cl-kernel-arg-info). */
    boolean named() {
        return names != null;
    }

    /** Throws unless parameter {@code index} exists, is called {@code name} and is a pointer exactly when {@code pointer}. */
    void check(int index, String name, boolean pointer) {
        if (index >= count) {
            throw new IllegalStateException(kernel + ": binding '" + name + "' as argument " + index + ", but the kernel takes "
                    + count + " arguments" + (named() ? " " + Arrays.toString(names) : ""));
        }
        if (!named()) return;
        if (!names[index].equals(name)) {
            throw new IllegalStateException(kernel + ": argument " + index + " is '" + names[index] + "' in the kernel, bound as '" + name + "'");
        }
        if (pointers[index] != pointer) {
            throw new IllegalStateException(kernel + ": argument '" + name + "' is " + (pointers[index] ? "a buffer" : "a scalar")
                    + " in the kernel, bound as " + (pointer ? "a buffer" : "an int"));
        }
    }

    /** Throws unless all {@link #count} arguments were bound. */
    void checkComplete(int bound) {
        if (bound != count) {
            throw new IllegalStateException(kernel + ": " + bound + " of " + count + " arguments bound before the launch"
                    + (named() ? "; next is '" + names[bound] + "'" : ""));
        }
    }
}
