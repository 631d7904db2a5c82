package io.fusedrnn.vector;

import io.fusedrnn.LayerSpec;

/**
 * The arguments the sweep probes share: {@code [lstm|gru] [B T I H] [reps]} (defaults lstm 64 50 512 512,
 * and the probe's own reps; with two arguments the second is reps). GRU is PyTorch's (linear before reset).
 */
record ProbeArgs(String cell, int b, int t, int in, int h, int reps) {
    static ProbeArgs parse(String[] args, int defaultReps) {
        String cell = args.length > 0 ? args[0] : "lstm";
        if (!cell.equals("lstm") && !cell.equals("gru")) throw new IllegalArgumentException("cell: expected lstm or gru, found " + cell);
        boolean shape = args.length > 4;
        int reps = args.length > 5 ? Integer.parseInt(args[5]) : args.length == 2 ? Integer.parseInt(args[1]) : defaultReps;
        return new ProbeArgs(cell, shape ? Integer.parseInt(args[1]) : 64, shape ? Integer.parseInt(args[2]) : 50,
                shape ? Integer.parseInt(args[3]) : 512, shape ? Integer.parseInt(args[4]) : 512, reps);
    }

    boolean lstm() {
        return cell.equals("lstm");
    }

    LayerSpec spec() {
        return lstm() ? LayerSpec.lstm(in, h) : LayerSpec.gru(in, h, true);
    }
}
