package io.fusedrnn.opencl;

import io.fusedrnn.BackendUnavailableException;
import io.fusedrnn.Backends;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.jocl.CL.*;

/**
 * One OpenCL device and what fusedrnn needs to know about it; also enumeration and the selector
 * syntax ("" = first GPU else first device, "P:D" = indices, else a device-name substring).
 */
record ClDevice(int platformIndex, int deviceIndex, cl_platform_id platform, cl_device_id id,
                String platformName, String name, String type, int computeUnits, long globalMemory,
                long localMemory, long maxWorkGroupSize, boolean fp64, String driverVersion,
                int floatVectorWidth, int doubleVectorWidth) {

    private static final Pattern INDICES = Pattern.compile("\\s*(\\d+)\\s*:\\s*(\\d+)\\s*");

    /**
     * Every device of every platform, in platform then device order. Loading the drivers can replace the
     * JVM's signal handlers: {@link JvmSignals} puts them back.
     */
    static List<ClDevice> all() {
        return JvmSignals.guarded("loading the OpenCL drivers", ClDevice::enumerate);
    }

    private static List<ClDevice> enumerate() {
        cl_platform_id[] platforms;
        try {
            CL.setExceptionsEnabled(false);
            int[] n = new int[1];
            int status = clGetPlatformIDs(0, null, n);
            if (status == CL_PLATFORM_NOT_FOUND_KHR || (status == CL_SUCCESS && n[0] == 0)) {
                throw new BackendUnavailableException("opencl: no OpenCL platform found (the ICD loader lists none); " + Backends.OPENCL_FIX);
            }
            ClStatus.check(status, "clGetPlatformIDs");
            platforms = new cl_platform_id[n[0]];
            ClStatus.check(clGetPlatformIDs(n[0], platforms, null), "clGetPlatformIDs");
        } catch (LinkageError | CLException e) {
            // UnsatisfiedLinkError the first time JOCL's natives fail to load, NoClassDefFoundError after
            throw new BackendUnavailableException("opencl: the OpenCL library cannot be loaded (" + e.getMessage() + "); " + Backends.OPENCL_FIX, e);
        }
        List<ClDevice> out = new ArrayList<>();
        for (int p = 0; p < platforms.length; p++) {
            int[] n = new int[1];
            int status = clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, 0, null, n);
            if (status == CL_DEVICE_NOT_FOUND || n[0] == 0) continue;
            ClStatus.check(status, "clGetDeviceIDs");
            cl_device_id[] ids = new cl_device_id[n[0]];
            ClStatus.check(clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, n[0], ids, null), "clGetDeviceIDs");
            String platformName = platformString(platforms[p], CL_PLATFORM_NAME);
            for (int d = 0; d < ids.length; d++) out.add(describe(p, d, platforms[p], platformName, ids[d]));
        }
        if (out.isEmpty()) throw new BackendUnavailableException("opencl: OpenCL platforms found, but no devices; " + Backends.OPENCL_FIX);
        return out;
    }

    /** The device the selector names; see the class comment for the syntax. */
    static ClDevice select(String selector) {
        List<ClDevice> devices = all();
        String s = selector == null ? "" : selector.trim();
        if (s.isEmpty()) {
            for (ClDevice d : devices) if (d.type.contains("GPU")) return d;
            return devices.getFirst();
        }
        Matcher m = INDICES.matcher(s);
        if (m.matches()) {
            int p = Integer.parseInt(m.group(1)), d = Integer.parseInt(m.group(2));
            for (ClDevice dev : devices) if (dev.platformIndex == p && dev.deviceIndex == d) return dev;
            throw new BackendUnavailableException("opencl: no OpenCL device " + p + ":" + d + "; devices are " + summary(devices));
        }
        String needle = s.toLowerCase(Locale.ROOT);
        for (ClDevice d : devices) if (d.name.toLowerCase(Locale.ROOT).contains(needle)) return d;
        throw new BackendUnavailableException("opencl: no OpenCL device name contains '" + s + "'; devices are " + summary(devices));
    }

    /** One line per device for {@code ./fusedrnn devices}. */
    String line() {
        return String.format(Locale.ROOT, "%d:%d %s | %s | %s | %d compute units | %d MiB global | fp64 %s | driver %s",
                platformIndex, deviceIndex, platformName, name, type, computeUnits, globalMemory >> 20,
                fp64 ? "yes" : "no", driverVersion);
    }

    private static String summary(List<ClDevice> devices) {
        List<String> s = new ArrayList<>();
        for (ClDevice d : devices) s.add(d.platformIndex + ":" + d.deviceIndex + " " + d.name);
        return s.toString();
    }

    private static ClDevice describe(int p, int d, cl_platform_id platform, String platformName, cl_device_id id) {
        long type = deviceNumber(id, CL_DEVICE_TYPE, Sizeof.cl_ulong);
        String typeName = (type & CL_DEVICE_TYPE_GPU) != 0 ? "GPU"
                : (type & CL_DEVICE_TYPE_CPU) != 0 ? "CPU"
                : (type & CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "accelerator" : "other";
        String extensions = deviceString(id, CL_DEVICE_EXTENSIONS);
        return new ClDevice(p, d, platform, id, platformName, deviceString(id, CL_DEVICE_NAME).trim(), typeName,
                (int) deviceNumber(id, CL_DEVICE_MAX_COMPUTE_UNITS, Sizeof.cl_uint),
                deviceNumber(id, CL_DEVICE_GLOBAL_MEM_SIZE, Sizeof.cl_ulong),
                deviceNumber(id, CL_DEVICE_LOCAL_MEM_SIZE, Sizeof.cl_ulong),
                deviceNumber(id, CL_DEVICE_MAX_WORK_GROUP_SIZE, Sizeof.size_t),
                extensions.contains("cl_khr_fp64"), deviceString(id, CL_DRIVER_VERSION).trim(),
                vectorWidth(id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT, CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT),
                vectorWidth(id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_DOUBLE, CL_DEVICE_NATIVE_VECTOR_WIDTH_DOUBLE));
    }

    /** The preferred vector width, else the native one (0 where the type is unsupported). */
    private static int vectorWidth(cl_device_id id, int preferred, int nativeWidth) {
        int w = (int) deviceNumber(id, preferred, Sizeof.cl_uint);
        return w > 0 ? w : (int) deviceNumber(id, nativeWidth, Sizeof.cl_uint);
    }

    /** One clGet*Info call (platform, device, kernel argument, build) with its object bound: (param, size, value, size returned) → status. */
    interface InfoQuery {
        int get(int param, long size, Pointer value, long[] sizeReturned);
    }

    private static String platformString(cl_platform_id p, int param) {
        return infoString("clGetPlatformInfo", (q, size, v, ret) -> clGetPlatformInfo(p, q, size, v, ret), param);
    }

    private static String deviceString(cl_device_id d, int param) {
        return infoString("clGetDeviceInfo", (q, size, v, ret) -> clGetDeviceInfo(d, q, size, v, ret), param);
    }

    /** A string-valued info: its size first, then its bytes up to the first NUL. */
    private static String infoString(String call, InfoQuery query, int param) {
        String s = optionalString(query, param);
        if (s == null) throw new IllegalStateException(call + " failed for parameter " + param);
        return s;
    }

    /**
     * A string-valued info (kernel argument names, build logs, device names), or null when the driver
     * does not answer. Read into native memory: JOCL writes into a Java array only where the JVM hands
     * out the array itself, and under -Xcheck:jni it hands out a copy (the string read back empty).
     */
    static String optionalString(InfoQuery query, int param) {
        long[] size = new long[1];
        if (query.get(param, 0, null, size) != CL_SUCCESS) return null;
        ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.max(1, size[0]));
        if (query.get(param, size[0], Pointer.to(buf), null) != CL_SUCCESS) return null;
        byte[] bytes = new byte[(int) size[0]];
        buf.get(0, bytes);
        return cString(bytes);
    }

    /** An unsigned numeric device info of {@code bytes} bytes: cl_uint (4), cl_ulong (8) or size_t. */
    private static long deviceNumber(cl_device_id d, int param, int bytes) {
        ByteBuffer v = ByteBuffer.allocateDirect(Long.BYTES).order(ByteOrder.nativeOrder());
        ClStatus.check(clGetDeviceInfo(d, param, bytes, Pointer.to(v), null), "clGetDeviceInfo");
        return bytes == Integer.BYTES ? Integer.toUnsignedLong(v.getInt(0)) : v.getLong(0);
    }

    private static String cString(byte[] buf) {
        int n = 0;
        while (n < buf.length && buf[n] != 0) n++;
        return new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }
}
