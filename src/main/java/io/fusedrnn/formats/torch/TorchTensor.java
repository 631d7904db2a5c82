package io.fusedrnn.formats.torch;

/** A tensor as {@code _rebuild_tensor_v2} describes it: a view (offset, sizes, strides in elements) of a storage. */
record TorchTensor(TorchStorage storage, long offset, int[] size, long[] stride) {
}
