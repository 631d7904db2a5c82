/**
 * The OpenCL backend through JOCL: the only package that touches OpenCL. The design, the kernel
 * files and the ladder are described in docs/DESIGN.md, OpenCL kernel ladder.
 *
 * <p>Rooms: {@code ClDevice} (enumeration, selection, what a device offers, its vector widths),
 * {@code ClContext} (context, in-order queue, every buffer, live-object counts), {@code ProgramCache}
 * (kernels/*.cl, each behind kernels/preamble.cl with #line directives, built once per device,
 * driver, source hash and options; build logs in errors), {@code ClStatus} (status names),
 * {@code Launch} and {@code KernelSignature} (arguments bound by name and kind, checked against the
 * kernel's signature, then enqueued), {@code ClOps} (which kernel rung runs, with which -D options and
 * sizes), {@code CellSweep} (what a sweep of either cell shares: sizes, state slots, the forward and
 * backward frame, the dh_prev and dx GEMMs) with {@code LstmSweep}/{@code GruSweep} (each cell's
 * kernels, host side), {@code ClLayer},
 * {@code ClTensor}, {@code ClReserve} (device-side data), {@code DeviceSweep} (one sweep's step
 * order and temporaries).
 *
 * <p>A forward sweep: gather x into step order when lengths or the direction require it; one GEMM
 * for the input projection of all steps; then the recurrent steps, all enqueued without a host
 * round trip. Backward: per step a fused gate-gradient kernel and a recurrent GEMM, then the weight
 * gradients as GEMMs over all T·B rows and dx added into the caller's tensor.
 *
 * <p>The kernel ladder, chosen in {@code ClOps} by named predicates:
 * <ul>
 *   <li>tiled (GPUs, accelerators, or {@code -Dfusedrnn.opencl.kernels=tiled}): {@code gemm},
 *       {@code lstm_step}, {@code gru_step}: local-memory tiles shared by a work-group;</li>
 *   <li>vector ({@code vectorKernels}: CPU devices whose preferred vector width is 2, 4, 8 or 16):
 *       {@code gemm_vec}, {@code *_step_vec}: explicit vectors of the device's width, no local memory
 *       or barriers, since a CPU compiler keeps values live across a barrier in memory; weights
 *       packed once at prepare into panels each work-item streams contiguously
 *       ({@code ClLayer.pack}, {@code ClLayer.packColumns}); weight-gradient reductions split into K
 *       slices;</li>
 *   <li>one work-group ({@code oneGroupSweep}: CPU, B ≤ 2, B·H ≤ 256, no projection):
 *       {@code *_sweep_vec} runs every step in one launch, where launches cost more than steps.</li>
 * </ul>
 * Not yet tuned for CPUs: the reset-before-linear GRU backward (per-step launches, tiled rung) and
 * the small-batch one-work-group path for LSTMP and reset-before-linear GRU; all correct everywhere.
 */
package io.fusedrnn.opencl;
