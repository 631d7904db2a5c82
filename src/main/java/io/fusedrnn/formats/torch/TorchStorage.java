package io.fusedrnn.formats.torch;

/** A storage named by a persistent id: its entry key under {@code data/}, dtype and element count. */
record TorchStorage(String key, TorchDType dtype, long numel) {
}
