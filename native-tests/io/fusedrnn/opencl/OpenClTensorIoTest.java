package io.fusedrnn.opencl;

import io.fusedrnn.Backend;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import io.fusedrnn.Tensor.Block;
import io.fusedrnn.TensorIoContract;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Host copies of OpenCL buffers (clEnqueueWrite/Read/CopyBuffer and their Rect forms), and transfers split by span. */
class OpenClTensorIoTest extends TensorIoContract {
    @Override
    protected Backend open() {
        return OpenClPlatform.open();
    }

    @Test
    void transfersLongerThanOneCallAreSplitWithoutChangingAByte() {
        long saved = ClTensor.maxSpanBytes;
        ClTensor.maxSpanBytes = 24; // six floats per call: every path below splits
        try (Arena arena = Arena.ofConfined()) {
            float[] v = new float[7 * 11];
            for (int i = 0; i < v.length; i++) v[i] = i * 0.5f - 3;
            MemorySegment nativeCopy = arena.allocate(v.length * 4L);
            MemorySegment.copy(v, 0, nativeCopy, ValueLayout.JAVA_FLOAT, 0, v.length);
            for (MemorySegment src : new MemorySegment[] {MemorySegment.ofArray(v), nativeCopy, MemorySegment.ofArray(v.clone()).asReadOnly()}) {
                try (Tensor t = backend.upload(Precision.FP32, src, 7, 11); Tensor s = backend.allocate(Precision.FP32, 7, 4)) {
                    assertArrayEquals(v, t.toFloatArray(), 0f, "contiguous, " + src);
                    Block cols = new Block(3, 11, 0, 4, 4, 7); // columns 3..6 of each row
                    s.write(src, cols);
                    float[] want = new float[28];
                    for (int r = 0; r < 7; r++) System.arraycopy(v, r * 11 + 3, want, r * 4, 4);
                    assertArrayEquals(want, s.toFloatArray(), 0f, "rect in, " + src);
                    MemorySegment out = arena.allocate(28 * 4L);
                    t.read(out, cols);
                    assertArrayEquals(want, out.toArray(ValueLayout.JAVA_FLOAT), 0f, "rect out");
                    Block longRows = new Block(0, 11, 0, 11, 10, 7); // rows longer than one call
                    MemorySegment rows = arena.allocate(v.length * 4L);
                    t.read(rows, longRows);
                    float[] got = rows.toArray(ValueLayout.JAVA_FLOAT);
                    for (int r = 0; r < 7; r++) for (int k = 0; k < 10; k++) assertArrayEquals(new float[] {v[r * 11 + k]}, new float[] {got[r * 11 + k]}, 0f);
                }
            }
        } finally {
            ClTensor.maxSpanBytes = saved;
        }
    }
}
