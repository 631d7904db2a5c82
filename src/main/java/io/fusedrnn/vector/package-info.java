/**
 * The Vector API CPU backend ({@link io.fusedrnn.vector.VectorBackend}); the only package that imports
 * {@code jdk.incubator.vector}.
 *
 * <p>How a sweep runs: {@code VecLayer} packs the weights once into panels; {@code Recurrence}
 * ({@code LstmRecurrence}, {@code GruRecurrence}) runs one pool job per sweep on {@code WorkerPool}:
 * the input projection of all T steps as one GEMM, then each step as one or more {@code Phase}s over
 * chunks of hidden units (recurrent GEMM for those units of every gate, then the fused cell), and in
 * backward the weight gradients as GEMMs over all T·B rows. The numeric kernels sit behind
 * {@code Kernels}, once per precision: {@code FloatKernels}/{@code FloatGemm} and their float64 twins
 * {@code DoubleKernels}/{@code DoubleGemm}, which are generated from them; after editing a float file run
 * {@code sed -e "s/Float/Double/g; s/float/double/g" FloatGemm.java > DoubleGemm.java} (and the same for
 * the kernels).
 */
package io.fusedrnn.vector;
