package io.fusedrnn.formats;

import io.fusedrnn.FusedRnnException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * Recognises a model file by its first bytes (never by its name). Zip archives are told apart by
 * their entries ({@link BoundedZip#classify}); anything else gets one line naming what was found and
 * what is accepted.
 */
public final class FormatSniffer {
    private static final byte[] HDF5 = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    /** pickle PROTO 2, LONG1 of 10 bytes: torch's legacy magic number 0x1950a86a20f9469cfc6c. */
    private static final byte[] TORCH_LEGACY = {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20,
        0x6a, (byte) 0xa8, 0x50, 0x19};

    private FormatSniffer() {
    }

    /**
     * The format of {@code file}; throws a one-line {@link FusedRnnException} for anything else.
     *
     * @param file the model file
     * @return its format, read from its first bytes
     */
    public static ModelFormat detect(Path file) {
        byte[] head = head(file, 512);
        if (head.length == 0) throw new FusedRnnException(file + ": empty file (expected " + ModelFormat.ACCEPTED + ")");
        if (startsWith(head, HDF5)) return ModelFormat.HDF5;
        if (startsWith(head, TORCH_LEGACY)) return ModelFormat.TORCH_LEGACY;
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && (head[2] == 3 || head[2] == 5)) return BoundedZip.classify(file);
        if (isSafetensors(head)) return ModelFormat.SAFETENSORS;
        if (head.length >= 262 && new String(head, 257, 5, java.nio.charset.StandardCharsets.US_ASCII).equals("ustar")) {
            throw new FusedRnnException(file + ": a tar archive (PyTorch's oldest legacy torch.save format?): not supported; expected "
                    + ModelFormat.ACCEPTED + "; re-save it with a current PyTorch: torch.save(torch.load(old), new)");
        }
        if (head[0] == (byte) 0x80 && head.length > 1 && head[1] >= 2 && head[1] <= 5) {
            throw new FusedRnnException(file + ": a bare Python pickle (protocol " + head[1] + "), not a torch.save zip; expected "
                    + ModelFormat.ACCEPTED);
        }
        if (looksLikeOnnx(head)) return ModelFormat.ONNX;
        if (head[0] == '{' || head[0] == '[') {
            throw new FusedRnnException(file + ": a JSON text (a Keras config.json alone?), not a model file; expected " + ModelFormat.ACCEPTED);
        }
        byte[] shown = java.util.Arrays.copyOf(head, Math.min(8, head.length));
        throw new FusedRnnException(file + ": unrecognised content (first bytes " + HexFormat.ofDelimiter(" ").formatHex(shown)
                + "); expected " + ModelFormat.ACCEPTED);
    }

    /** 8-byte little-endian length below 100 MB, then '{'. */
    private static boolean isSafetensors(byte[] h) {
        if (h.length < 9 || h[8] != '{') return false;
        for (int i = 4; i < 8; i++) if (h[i] != 0) return false;
        return true;
    }

    /**
     * A ModelProto's first field is one of its known tags (ir_version, producer_name, …, graph,
     * opset_import) with a wire type that matches; the parser decides the rest.
     */
    private static boolean looksLikeOnnx(byte[] h) {
        int tag = h[0] & 0xff;
        return switch (tag) {
            case 0x08, 0x28 -> true; // ir_version, model_version (varint)
            case 0x12, 0x1a, 0x22, 0x32, 0x3a, 0x42, 0x72 -> true; // strings, graph, opset_import, metadata
            default -> false;
        };
    }

    private static boolean startsWith(byte[] a, byte[] prefix) {
        if (a.length < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if (a[i] != prefix[i]) return false;
        return true;
    }

    private static byte[] head(Path file, int n) {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(n);
        } catch (NoSuchFileException e) {
            throw new FusedRnnException(file + ": no such file", e);
        } catch (IOException e) {
            throw new FusedRnnException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }
}
