package io.fusedrnn.serve;

import io.fusedrnn.FusedRnnException;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** An output a request may ask for, with its name in the HTTP API: {@code y}, {@code h_n}, {@code c_n} (LSTM only). */
public enum Output {
    /** y [T][D·H_out]: every step's output. */
    Y,
    /** h_n [L·D][H_out]: the state after the last step of each layer-direction. */
    H_N,
    /** c_n [L·D][H]: the LSTM cell state after the last step. */
    C_N;

    /** {@return the JSON name: {@code y}, {@code h_n} or {@code c_n}, the constant's name in lower case} */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * {@return every output the model has: y and h_n, and c_n when {@code lstm}}
     *
     * @param lstm whether the model is an LSTM
     */
    public static Set<Output> all(boolean lstm) {
        return lstm ? EnumSet.allOf(Output.class) : EnumSet.of(Y, H_N);
    }

    /**
     * The output named {@code key}.
     *
     * @param field the request field, for the message
     * @param key the name as sent
     * @return the output it names
     * @throws FusedRnnException naming {@code field} when the name is unknown
     */
    public static Output parse(String field, String key) {
        for (Output o : values()) if (o.key().equals(key)) return o;
        throw new FusedRnnException(field + ": expected one of "
                + Arrays.stream(values()).map(o -> "\"" + o.key() + "\"").collect(Collectors.joining(", ")) + ", found \"" + key + "\"");
    }
}
