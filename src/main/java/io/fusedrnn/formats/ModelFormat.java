package io.fusedrnn.formats;

/** The model file formats {@link FormatSniffer} recognises by content. */
public enum ModelFormat {
    /** safetensors: 8-byte little-endian header length, then a JSON header. */
    SAFETENSORS("safetensors"),
    /** ONNX: a protobuf {@code ModelProto}. */
    ONNX("ONNX ModelProto"),
    /** PyTorch {@code torch.save} zip ({@code <root>/data.pkl} and {@code <root>/data/N}). */
    TORCH_ZIP("PyTorch torch.save zip"),
    /** PyTorch's pre-1.6 pickle stream (refused). */
    TORCH_LEGACY("PyTorch legacy (pre-1.6) torch.save"),
    /** Keras 3 {@code .keras} zip (config.json + model.weights.h5). */
    KERAS_ZIP("Keras .keras zip"),
    /** HDF5, as Keras' legacy whole-model {@code .h5} files. */
    HDF5("HDF5 (Keras .h5)");

    private final String label;

    ModelFormat(String label) {
        this.label = label;
    }

    /** {@return a short human name} */
    public String label() {
        return label;
    }

    /** The formats accepted, for error messages. */
    public static final String ACCEPTED = "safetensors, ONNX (.onnx), PyTorch torch.save zip (.pt/.pth), Keras .keras or Keras HDF5 .h5";
}
