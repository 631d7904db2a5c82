package io.fusedrnn.model;

import io.fusedrnn.io.NdArray;
import io.fusedrnn.io.SafetensorsFile;

import java.util.Set;

/**
 * Named tensors that {@link PyTorchImporter} reads a state_dict from: a safetensors file or the
 * flattened tensors of a torch.save archive. Shapes are known without reading the data.
 */
public interface TensorSource {
    /** The file's name, for messages. */
    String file();

    /** Every tensor name. */
    Set<String> names();

    /** Whether {@code name} exists. */
    default boolean contains(String name) {
        return names().contains(name);
    }

    /** The shape of an existing tensor. */
    int[] shape(String name);

    /** The values of an existing tensor, widened to double. */
    NdArray read(String name);

    /** A view of an open safetensors file. */
    static TensorSource of(SafetensorsFile f) {
        return new TensorSource() {
            @Override
            public String file() {
                return f.file();
            }

            @Override
            public Set<String> names() {
                return f.names();
            }

            @Override
            public boolean contains(String name) {
                return f.contains(name);
            }

            @Override
            public int[] shape(String name) {
                return f.shape(name);
            }

            @Override
            public NdArray read(String name) {
                return f.read(name);
            }
        };
    }
}
