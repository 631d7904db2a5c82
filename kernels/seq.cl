/*
 * seq.cl: moving rows between time order (t, as x, y and dx are stored) and step order (k, the order a
 * sweep processes them), plus small reductions. Row b at step k reads time time_of(k, len[b], reverse)
 * and is active while k < len[b] (docs/DESIGN.md, Semantics).
 *
 * Work-items: one per element; dimension 0 runs along the contiguous feature index, dimension 1 over
 * rows (k·B + b or t·B + b). Preconditions: none beyond in-range arguments.
 */

/* dst[k, b, :] = src[t(k, b), b, :] for active rows, 0 otherwise. dst and src are [T, B, W]. */
__kernel void gather_steps(const int T, const int B, const int W, const int reverse,
                           __global const int* lengths, __global const REAL* src, __global REAL* dst)
{
    const int j = get_global_id(0), row = get_global_id(1);
    if (j >= W || row >= T * B) return;
    const int k = row / B, b = row % B, len = lengths[b];
    const int t = time_of(k, len, reverse);
    dst[row * W + j] = k < len ? src[(t * B + b) * W + j] : (REAL) 0;
}

/* dst[t(k, b), b, :] += src[k, b, :] for active rows (the inverse of gather_steps, accumulating). */
__kernel void scatter_add_steps(const int T, const int B, const int W, const int reverse,
                                __global const int* lengths, __global const REAL* src, __global REAL* dst)
{
    const int j = get_global_id(0), row = get_global_id(1);
    if (j >= W || row >= T * B) return;
    const int k = row / B, b = row % B, len = lengths[b];
    if (k >= len) return;
    const int t = time_of(k, len, reverse);
    dst[(t * B + b) * W + j] += src[row * W + j];
}

/* y[t, b, col .. col+OUT) = 0 for t ≥ len[b]: the padding a sweep never visits. y is [T, B, yW]. */
__kernel void zero_padding(const int T, const int B, const int OUT, __global const int* lengths,
                           __global REAL* y, const int yCol, const int yW)
{
    const int j = get_global_id(0), row = get_global_id(1);
    if (j >= OUT || row >= T * B) return;
    const int t = row / B, b = row % B;
    if (t >= lengths[b]) y[row * yW + yCol + j] = 0;
}

/* out[n] = Σ_m a[aOff + m·N + n] over M rows: bias gradients Σ over all T·B rows of dA. */
__kernel void column_sums(const int M, const int N, __global const REAL* a, const int aOff, __global REAL* out)
{
    const int n = get_global_id(0);
    if (n >= N) return;
    REAL s = 0;
    for (int m = 0; m < M; m++) s += a[aOff + m * N + n];
    out[n] = s;
}
