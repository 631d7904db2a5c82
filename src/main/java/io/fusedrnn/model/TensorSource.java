package io.fusedrnn.model;

import io.fusedrnn.io.NdArray;
import io.fusedrnn.io.SafetensorsFile;

import java.util.Set;

/**
 * Named tensors that {@link PyTorchImporter} reads a state_dict from: a safetensors file or the
 * flattened tensors of a torch.save archive. Shapes are known without reading the data.
 */
public interface TensorSource {
    /** {@return the file's name, for messages} */
    String file();

    /** {@return every tensor name} */
    Set<String> names();

    /**
     * {@return whether {@code name} exists}
     *
     * @param name the tensor's name
     */
    default boolean contains(String name) {
        return names().contains(name);
    }

    /**
     * {@return the shape of an existing tensor}
     *
     * @param name the tensor's name
     */
    int[] shape(String name);

    /**
     * {@return the values of an existing tensor, widened to double}
     *
     * @param name the tensor's name
     */
    NdArray read(String name);

    /**
     * {@return a view of an open safetensors file}
     *
     * @param f the open file; it stays open and owned by the caller
     */
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
