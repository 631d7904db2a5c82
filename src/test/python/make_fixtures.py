#!/usr/bin/python3
"""Writes the committed test fixtures of io.fusedrnn.model and io.fusedrnn.io.

Run with Debian's python3 (python3-torch, python3-onnx, python3-numpy) from the repository root:

    /usr/bin/python3 src/test/python/make_fixtures.py

Outputs, under src/test/resources/fixtures/:
  pytorch/NAME.weights.safetensors  an nn.LSTM/nn.GRU state_dict (float64), sometimes under a prefix
  pytorch/NAME.data.safetensors     x, h0, c0, lengths, y, h_n, c_n, the loss weights gy, gh, gc and
                                    the gradients of L = sum(y*gy) + sum(h_n*gh) + sum(c_n*gc)
                                    (dx, dh0, dc0, grad.<param>), all float64
  pytorch/dtypes.safetensors        one vector stored as F16, BF16, F32, F64 plus its exact decoded values
  onnx/NAME.safetensors             ONNX W, R, B, X, initial states, and Y, Y_h from ONNX's own numpy
                                    LSTM/GRU helpers (onnx.backend.test.case.node)
  keras/NAME.safetensors            Keras kernel, recurrent_kernel, bias, x, h0 (c0) and y from a numpy
                                    re-implementation of Keras' LSTM/GRU cells
  npy/*.npy                         files written by numpy itself, for the .npy reader
The safetensors files are written by the small writer below (no safetensors package needed).
"""
import json
import os
import struct

import numpy as np
import torch
from onnx.backend.test.case.node.gru import GRU_Helper
from onnx.backend.test.case.node.lstm import LSTM_Helper

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures")


def save_safetensors(path, tensors, dtype="F64"):
    """tensors: dict name -> numpy array (or (array, dtype) to override the dtype)."""
    header, blobs, offset = {}, [], 0
    for name, value in tensors.items():
        arr, dt = value if isinstance(value, tuple) else (value, dtype)
        arr = np.ascontiguousarray(arr)
        if dt == "F64":
            raw = arr.astype("<f8").tobytes()
        elif dt == "F32":
            raw = arr.astype("<f4").tobytes()
        elif dt == "F16":
            raw = arr.astype("<f2").tobytes()
        elif dt == "BF16":
            raw = torch.from_numpy(arr.astype(np.float32)).to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            raise ValueError(dt)
        header[name] = {"dtype": dt, "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def pytorch_case(name, cell, I, H, L, bi, T, B, bias=True, proj=0, lengths=None, states=True, prefix="", seed=0):
    torch.manual_seed(seed)
    kw = dict(num_layers=L, bidirectional=bi, bias=bias)
    if cell == "lstm":
        rnn = torch.nn.LSTM(I, H, proj_size=proj, **kw).double()
    else:
        rnn = torch.nn.GRU(I, H, **kw).double()
    D = 2 if bi else 1
    Hout = proj if proj else H
    x = torch.randn(T, B, I, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(L * D, B, Hout, dtype=torch.float64, requires_grad=True)
    c0 = torch.randn(L * D, B, H, dtype=torch.float64, requires_grad=True)
    hx = None
    if states:
        hx = (h0, c0) if cell == "lstm" else h0
    inp = x
    if lengths is not None:
        inp = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
    out, st = rnn(inp, hx)
    if lengths is not None:
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, total_length=T)
    h_n, c_n = st if cell == "lstm" else (st, None)
    gy, gh = torch.randn_like(out), torch.randn_like(h_n)
    loss = (out * gy).sum() + (h_n * gh).sum()
    gc = None
    if c_n is not None:
        gc = torch.randn_like(c_n)
        loss = loss + (c_n * gc).sum()
    loss.backward()

    params = dict(rnn.named_parameters())
    weights = {prefix + k: v.detach().numpy() for k, v in params.items()}
    if prefix:  # other modules' tensors beside the RNN, which the importer must ignore
        weights["embed.weight"] = np.random.default_rng(seed).standard_normal((7, I))
        weights["head.weight"] = np.random.default_rng(seed + 1).standard_normal((3, D * Hout))
    data = {"x": x.detach().numpy(), "y": out.detach().numpy(), "h_n": h_n.detach().numpy(),
            "gy": gy.numpy(), "gh": gh.numpy(), "dx": x.grad.numpy()}
    if states:
        data["h0"] = h0.detach().numpy()
        data["dh0"] = h0.grad.numpy()
        if cell == "lstm":
            data["c0"] = c0.detach().numpy()
            data["dc0"] = c0.grad.numpy()
    if c_n is not None:
        data["c_n"] = c_n.detach().numpy()
        data["gc"] = gc.numpy()
    if lengths is not None:
        data["lengths"] = np.array(lengths, dtype=np.float64)
    for k, v in params.items():
        data["grad." + k] = v.grad.numpy()
    save_safetensors(os.path.join(ROOT, "pytorch", name + ".weights.safetensors"), weights)
    save_safetensors(os.path.join(ROOT, "pytorch", name + ".data.safetensors"), data)


def dtypes_case():
    v = np.array([0.0, -0.0, 1.0, -2.5, 3.140625, 65504.0, 6e-8, 1e-3, 1e30, -1e-30, np.inf, -np.inf, 0.1, 123.456],
                 dtype=np.float64)
    t = {
        "f16": (v, "F16"), "bf16": (v, "BF16"), "f32": (v, "F32"), "f64": (v, "F64"),
        "f16_exact": v.astype(np.float16).astype(np.float64),
        "bf16_exact": torch.from_numpy(v.astype(np.float32)).to(torch.bfloat16).double().numpy(),
        "f32_exact": v.astype(np.float32).astype(np.float64),
    }
    save_safetensors(os.path.join(ROOT, "pytorch", "dtypes.safetensors"), t)
    # the same LSTM state_dict stored as F32 and F16, with the decoded values in F64 beside it
    torch.manual_seed(5)
    rnn = torch.nn.LSTM(3, 2).double()
    sd = {k: v.detach().numpy() for k, v in rnn.state_dict().items()}
    save_safetensors(os.path.join(ROOT, "pytorch", "lstm_f16.weights.safetensors"), {k: (v, "F16") for k, v in sd.items()})
    save_safetensors(os.path.join(ROOT, "pytorch", "lstm_f16.exact.safetensors"),
                     {k: v.astype(np.float16).astype(np.float64) for k, v in sd.items()})


def onnx_case(name, cell, I, H, T, B, D, lbr=1, seed=0):
    rng = np.random.default_rng(seed)
    G = 4 if cell == "lstm" else 3
    W = rng.uniform(-0.6, 0.6, (D, G * H, I))
    R = rng.uniform(-0.6, 0.6, (D, G * H, H))
    Bb = rng.uniform(-0.6, 0.6, (D, 2 * G * H))
    X = rng.standard_normal((T, B, I))
    h0 = rng.standard_normal((D, B, H))
    c0 = rng.standard_normal((D, B, H))
    Y = np.zeros((T, D, B, H))
    Yh = np.zeros((D, B, H))
    for d in range(D):
        xs = X if d == 0 else X[::-1]  # the reverse direction is the forward one on the reversed sequence
        p = dict(X=xs.copy(), W=W[d:d + 1].copy(), R=R[d:d + 1].copy(), B=Bb[d:d + 1].copy(), initial_h=h0[d:d + 1].copy())
        if cell == "lstm":
            p["initial_c"] = c0[d:d + 1].copy()
            y, yh = LSTM_Helper(**p).step()
        else:
            p["linear_before_reset"] = lbr
            y, yh = GRU_Helper(**p).step()
        Y[:, d] = y[:, 0] if d == 0 else y[::-1, 0]
        Yh[d] = yh[0]
    t = {"W": W, "R": R, "B": Bb, "X": X, "initial_h": h0, "Y": Y, "Y_h": Yh}
    if cell == "lstm":
        t["initial_c"] = c0
    save_safetensors(os.path.join(ROOT, "onnx", name + ".safetensors"), t)


def sig(v):
    return 1 / (1 + np.exp(-v))


def keras_case(name, cell, I, H, T, B, reset_after=True, seed=0):
    rng = np.random.default_rng(seed)
    G = 4 if cell == "lstm" else 3
    kernel = rng.uniform(-0.6, 0.6, (I, G * H))
    rec = rng.uniform(-0.6, 0.6, (H, G * H))
    bias = rng.uniform(-0.6, 0.6, (2, G * H) if cell == "gru" and reset_after else (G * H,))
    x = rng.standard_normal((T, B, I))
    h = rng.standard_normal((B, H))
    c = rng.standard_normal((B, H))
    t = {"kernel": kernel, "recurrent_kernel": rec, "bias": bias, "x": x, "h0": h.copy()}
    if cell == "lstm":
        t["c0"] = c.copy()
    ys = []
    for step in range(T):
        xt = x[step]
        if cell == "lstm":  # keras.layers.LSTMCell: gates i, f, c, o
            z = xt @ kernel + h @ rec + bias
            i, f, g, o = np.split(z, 4, axis=-1)
            c = sig(f) * c + sig(i) * np.tanh(g)
            h = sig(o) * np.tanh(c)
        elif reset_after:  # keras.layers.GRUCell(reset_after=True): gates z, r, h; bias [input; recurrent]
            mx = xt @ kernel + bias[0]
            mi = h @ rec + bias[1]
            xz, xr, xh = np.split(mx, 3, axis=-1)
            rz, rr, rh = np.split(mi, 3, axis=-1)
            z, r = sig(xz + rz), sig(xr + rr)
            hh = np.tanh(xh + r * rh)
            h = z * h + (1 - z) * hh
        else:  # GRUCell(reset_after=False): one bias, reset applied to h before the recurrent product
            mx = xt @ kernel + bias
            xz, xr, xh = np.split(mx, 3, axis=-1)
            uz, ur, uh = np.split(rec, 3, axis=-1)
            z, r = sig(xz + h @ uz), sig(xr + h @ ur)
            hh = np.tanh(xh + (r * h) @ uh)
            h = z * h + (1 - z) * hh
        ys.append(h)
    t["y"] = np.stack(ys)
    t["h_n"] = h
    if cell == "lstm":
        t["c_n"] = c
    save_safetensors(os.path.join(ROOT, "keras", name + ".safetensors"), t)


def npy_cases():
    d = os.path.join(ROOT, "npy")
    os.makedirs(d, exist_ok=True)
    a = (np.arange(24, dtype=np.float64).reshape(2, 3, 4) - 7) / 4
    np.save(os.path.join(d, "f8_2x3x4.npy"), a)
    np.save(os.path.join(d, "f4_2x3x4.npy"), a.astype(np.float32))
    np.save(os.path.join(d, "i8_lengths.npy"), np.array([5, 3, 1], dtype=np.int64))
    np.save(os.path.join(d, "i4_lengths.npy"), np.array([5, 3, 1], dtype=np.int32))
    np.save(os.path.join(d, "fortran.npy"), np.asfortranarray(a))
    np.save(os.path.join(d, "big_endian.npy"), a.astype(">f8"))
    np.save(os.path.join(d, "f2.npy"), a.astype(np.float16))
    np.save(os.path.join(d, "scalar.npy"), np.float64(2.5))


if __name__ == "__main__":
    pytorch_case("lstm_l2_bi", "lstm", I=5, H=4, L=2, bi=True, T=6, B=3, prefix="encoder.rnn.", seed=1)
    pytorch_case("gru_l2_bi_lengths", "gru", I=3, H=5, L=2, bi=True, T=5, B=4, lengths=[5, 2, 4, 1], seed=2)
    pytorch_case("lstm_nobias", "lstm", I=4, H=3, L=1, bi=False, T=4, B=2, bias=False, seed=3)
    pytorch_case("lstm_proj_l2_bi_lengths", "lstm", I=4, H=5, L=2, bi=True, T=5, B=3, proj=3, lengths=[5, 3, 1], seed=4)
    pytorch_case("gru_nobias_l3_lengths", "gru", I=2, H=4, L=3, bi=False, T=7, B=3, bias=False, lengths=[7, 4, 2],
                 states=False, prefix="rnn.", seed=5)
    pytorch_case("lstm_l1", "lstm", I=3, H=2, L=1, bi=False, T=3, B=1, states=False, seed=6)
    dtypes_case()
    onnx_case("lstm_bi", "lstm", I=3, H=4, T=5, B=2, D=2, seed=7)
    onnx_case("gru_lbr1", "gru", I=3, H=4, T=5, B=2, D=1, lbr=1, seed=8)
    onnx_case("gru_lbr0_bi", "gru", I=2, H=3, T=4, B=3, D=2, lbr=0, seed=9)
    keras_case("lstm", "lstm", I=3, H=4, T=5, B=2, seed=10)
    keras_case("gru_reset_after", "gru", I=3, H=4, T=5, B=2, reset_after=True, seed=11)
    keras_case("gru_reset_before", "gru", I=2, H=3, T=4, B=3, reset_after=False, seed=12)
    npy_cases()
