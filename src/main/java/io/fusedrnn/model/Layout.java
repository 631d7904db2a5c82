package io.fusedrnn.model;

/** How a sequence tensor orders its first two dimensions, as PyTorch's {@code batch_first} says. */
public enum Layout {
    /** [T, B, features]: the backends' own layout ({@code batch_first=False}). */
    TIME_FIRST,
    /** [B, T, features] ({@code batch_first=True}): transposed on the backend on the way in and out. */
    BATCH_FIRST
}
