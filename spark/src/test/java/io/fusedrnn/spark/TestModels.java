package io.fusedrnn.spark;

import io.fusedrnn.Backend;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import io.fusedrnn.io.NdArray;
import io.fusedrnn.io.SafetensorsDType;
import io.fusedrnn.io.SafetensorsWriter;
import io.fusedrnn.model.PreparedRnn;
import io.fusedrnn.model.RnnConfig;
import io.fusedrnn.model.RnnModel;
import io.fusedrnn.model.RnnOutput;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Seeded models saved as PyTorch state_dicts, tables of variable-length sequences, and each sequence run alone. */
final class TestModels {
    static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.LongType, false)
            .add("tag", DataTypes.StringType, true)
            .add("x", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType, true), true), true);

    private TestModels() {
    }

    /** Saves a seeded random model of {@code config} as a safetensors state_dict; returns the file. */
    static Path save(RnnConfig config, long seed, Path dir, String name) {
        RnnModel m = RnnModel.random(config, seed);
        Map<String, NdArray> out = new LinkedHashMap<>();
        for (int i = 0; i < config.sweeps(); i++) {
            LayerWeights w = m.weights().get(i);
            String s = "_" + RnnModel.name(config, i);
            int rows = w.spec().gateRows();
            out.put("weight_ih" + s, new NdArray(new int[] {rows, w.spec().inputSize()}, w.wIh()));
            out.put("weight_hh" + s, new NdArray(new int[] {rows, w.spec().outputSize()}, w.wHh()));
            out.put("bias_ih" + s, new NdArray(new int[] {rows}, w.bIh()));
            out.put("bias_hh" + s, new NdArray(new int[] {rows}, w.bHh()));
            if (config.projSize() > 0) out.put("weight_hr" + s, new NdArray(new int[] {config.projSize(), config.hiddenSize()}, w.wHr()));
        }
        Path p = dir.resolve(name + ".safetensors");
        SafetensorsWriter.write(p, out, SafetensorsDType.F32);
        return p;
    }

    /** Rows (id, tag, x) with seeded lengths in 0..maxSteps and values in [-1, 1). */
    static List<Row> rows(int count, int inputSize, int maxSteps, long seed) {
        Random r = new Random(seed);
        List<Row> out = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            int steps = k == 0 ? 0 : 1 + r.nextInt(maxSteps);
            float[][] x = new float[steps][inputSize];
            for (float[] step : x) for (int i = 0; i < inputSize; i++) step[i] = r.nextFloat() * 2 - 1;
            out.add(RowFactory.create((long) k, "tag" + k, x));
        }
        return out;
    }

    /** y [T][D·H_out], h_n and c_n of one sequence run alone (batch 1, no lengths). */
    static float[][][] alone(PreparedRnn rnn, float[][] x) {
        RnnConfig c = rnn.config();
        int steps = x.length, in = c.inputSize();
        if (steps == 0) { // an empty sequence: no output steps, zero states
            return new float[][][] {new float[0][], new float[c.sweeps()][c.outputSize()],
                    c.cell().gates() == 4 ? new float[c.sweeps()][c.hiddenSize()] : null};
        }
        float[] flat = new float[steps * in];
        for (int t = 0; t < steps; t++) System.arraycopy(x[t], 0, flat, t * in, in);
        Backend be = rnn.backend();
        try (Tensor xt = be.allocate(Precision.FP32, steps, 1, in)) {
            xt.write(flat);
            try (RnnOutput out = rnn.forward(xt, null, null, null)) {
                return new float[][][] {split(out.y().toFloatArray(), steps), split(out.hN().toFloatArray(), c.sweeps()),
                        out.cN() == null ? null : split(out.cN().toFloatArray(), c.sweeps())};
            }
        }
    }

    private static float[][] split(float[] flat, int rows) {
        int w = flat.length / rows;
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) out[r] = java.util.Arrays.copyOfRange(flat, r * w, (r + 1) * w);
        return out;
    }

    /** A row's [rows][cols] float column as Java arrays. */
    static float[][] matrix(Row row, String column) {
        List<Object> outer = row.getList(row.fieldIndex(column));
        float[][] out = new float[outer.size()][];
        for (int t = 0; t < out.length; t++) {
            scala.collection.Seq<?> s = (scala.collection.Seq<?>) outer.get(t);
            out[t] = new float[s.length()];
            for (int j = 0; j < out[t].length; j++) out[t][j] = ((Number) s.apply(j)).floatValue();
        }
        return out;
    }

    /** The x column of an input row as Java arrays. */
    static float[][] input(Row row) {
        return matrix(row, "x");
    }
}
