#!/usr/bin/python3
"""Writes the ONNX model fixtures of io.fusedrnn.formats (Debian's python3-onnx and python3-torch).

    /usr/bin/python3 src/test/python/make_onnx_fixtures.py

Outputs, under src/test/resources/fixtures/onnx/ (NAME.onnx and NAME.expect.safetensors with x, h0,
c0, lengths and the expected y [T, B, D*H], hn, cn; the suffix 64 marks float64 expectations):
  export_lstm_l2_bi     torch.onnx.export of nn.LSTM(3, 5, num_layers=2, bidirectional=True): two
                        LSTM nodes chained by Transpose/Reshape; expected outputs from torch
  export_gru_l2         torch.onnx.export of nn.GRU(4, 3, num_layers=2): chained through Squeeze
  lstm_reverse_lens     one LSTM node, direction=reverse, float64, sequence_lens, initial_h and
                        initial_c as graph inputs; expected from ONNX's numpy LSTM_Helper run row
                        by row on each row's own valid steps (the ONNX sequence_lens semantics)
  gru_lbr0_bi_layout1   GRU, linear_before_reset=0, bidirectional, layout=1, sequence_lens, float64
  gru_lbr1_nobias       GRU, linear_before_reset=1, forward, float32, no B, no initial_h
  two_nodes             two unrelated LSTM nodes 'enc' and 'dec'; expected outputs of 'dec'
  lstm_external         an LSTM whose W, R, B live in lstm_external.weights (external data)
"""
import os

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from onnx.backend.test.case.node.gru import GRU_Helper
from onnx.backend.test.case.node.lstm import LSTM_Helper

from make_fixtures import save_safetensors
from make_torch_fixtures import expect

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "onnx")


def reference(cell, X, W, R, B, h0, c0, lens, direction, lbr=0):
    """ONNX semantics from ONNX's own one-direction helpers: each row runs on its own valid steps."""
    T, Bn, _ = X.shape
    D, _, H = R.shape
    Y = np.zeros((T, D, Bn, H))
    Yh = np.zeros((D, Bn, H))
    Yc = np.zeros((D, Bn, H))
    for d in range(D):
        backwards = direction == "reverse" or (direction == "bidirectional" and d == 1)
        for b in range(Bn):
            n = int(lens[b])
            xs = X[:n, b:b + 1]
            if backwards:
                xs = xs[::-1]
            p = dict(X=xs.copy(), W=W[d:d + 1].copy(), R=R[d:d + 1].copy(), B=B[d:d + 1].copy(), initial_h=h0[d:d + 1, b:b + 1].copy())
            if cell == "LSTM":
                p["initial_c"] = c0[d:d + 1, b:b + 1].copy()
                hlp = LSTM_Helper(**p)
                y, yh = hlp.step()
                # the helper keeps the last cell state in its loop only: recompute it from y's last step
                Yc[d, b] = last_c(hlp, xs)
            else:
                p["linear_before_reset"] = lbr
                y, yh = GRU_Helper(**p).step()
            y = y[:, 0, 0]
            Y[:n, d, b] = y[::-1] if backwards else y
            Yh[d, b] = yh[0, 0]
    return Y, Yh, Yc


def last_c(hlp, xs):
    """The final cell state of an LSTM_Helper run (it returns only Y and Y_h), same equations."""
    [p_i, p_o, p_f] = np.split(hlp.P, 3)
    H_t, C_t = hlp.H_0, hlp.C_0
    f = lambda v: 1 / (1 + np.exp(-v))
    for x in np.split(xs, xs.shape[0], axis=0):
        gates = np.dot(x, np.transpose(hlp.W)) + np.dot(H_t, np.transpose(hlp.R)) + np.add(*np.split(hlp.B, 2))
        i, o, ff, c = np.split(gates, 4, -1)
        i = f(i + p_i * C_t)
        ff = f(ff + p_f * C_t)
        c = np.tanh(c)
        C = ff * C_t + i * c
        o = f(o + p_o * C)
        H_t, C_t = o * np.tanh(C), C
    return C_t[0]


def to_torch_layout(Y):
    T, D, Bn, H = Y.shape
    return Y.transpose(0, 2, 1, 3).reshape(T, Bn, D * H)


def node_model(name, cell, T, Bn, I, H, direction, dtype, seed, layout=0, lbr=None, bias=True, lens=None, states=False, external=False):
    rng = np.random.default_rng(seed)
    G = 4 if cell == "LSTM" else 3
    D = 2 if direction == "bidirectional" else 1
    np_dt = np.float64 if dtype == TensorProto.DOUBLE else np.float32
    W = rng.uniform(-0.7, 0.7, (D, G * H, I)).astype(np_dt)
    R = rng.uniform(-0.7, 0.7, (D, G * H, H)).astype(np_dt)
    Bb = rng.uniform(-0.7, 0.7, (D, 2 * G * H)).astype(np_dt) if bias else np.zeros((D, 2 * G * H), np_dt)
    X = rng.standard_normal((T, Bn, I))
    h0 = rng.standard_normal((D, Bn, H)) if states else np.zeros((D, Bn, H))
    c0 = rng.standard_normal((D, Bn, H)) if states else np.zeros((D, Bn, H))
    L = np.array(lens if lens is not None else [T] * Bn)
    Y, Yh, Yc = reference(cell, X, W.astype(np.float64), R.astype(np.float64), Bb.astype(np.float64), h0, c0, L, direction, lbr or 0)

    xshape = [T, Bn, I] if layout == 0 else [Bn, T, I]
    inputs = [helper.make_tensor_value_info("X", dtype, xshape)]
    names = ["X", "W", "R", "B" if bias else "", "sequence_lens" if lens is not None else "", "initial_h" if states else ""]
    if cell == "LSTM":
        names.append("initial_c" if states else "")
    while names and names[-1] == "":
        names.pop()
    if lens is not None:
        inputs.append(helper.make_tensor_value_info("sequence_lens", TensorProto.INT32, [Bn]))
    if states:
        sshape = [D, Bn, H] if layout == 0 else [Bn, D, H]
        inputs.append(helper.make_tensor_value_info("initial_h", dtype, sshape))
        if cell == "LSTM":
            inputs.append(helper.make_tensor_value_info("initial_c", dtype, sshape))
    inits = [numpy_helper.from_array(W, "W"), numpy_helper.from_array(R, "R")]
    if bias:
        inits.append(numpy_helper.from_array(Bb, "B"))
    attrs = dict(hidden_size=H, direction=direction)
    if layout:
        attrs["layout"] = layout
    if lbr is not None:
        attrs["linear_before_reset"] = lbr
    outs = ["Y", "Y_h"] + (["Y_c"] if cell == "LSTM" else [])
    node = helper.make_node(cell, names, outs, name=name + "_node", **attrs)
    outputs = [helper.make_tensor_value_info(o, dtype, []) for o in outs]
    graph = helper.make_graph([node], name, inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], producer_name="fusedrnn-fixtures")
    onnx.checker.check_model(model)
    path = os.path.join(ROOT, name + ".onnx")
    if external:
        onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True, location=name + ".weights", size_threshold=0)
    else:
        onnx.save_model(model, path)
    t = {"x": X, "y64": to_torch_layout(Y), "hn64": Yh}
    if cell == "LSTM":
        t["cn64"] = Yc
    if states:
        t["h0"] = h0
        if cell == "LSTM":
            t["c0"] = c0
    if lens is not None:
        t["lengths"] = L.astype(np.float64)
    save_safetensors(os.path.join(ROOT, name + ".expect.safetensors"), t)


def two_nodes():
    rng = np.random.default_rng(7)
    H, I = 3, 2

    def lstm(prefix):
        W = rng.uniform(-0.7, 0.7, (1, 4 * H, I))
        R = rng.uniform(-0.7, 0.7, (1, 4 * H, H))
        Bb = rng.uniform(-0.7, 0.7, (1, 8 * H))
        inits = [numpy_helper.from_array(W, prefix + "W"), numpy_helper.from_array(R, prefix + "R"), numpy_helper.from_array(Bb, prefix + "B")]
        node = helper.make_node("LSTM", [prefix + "X", prefix + "W", prefix + "R", prefix + "B"], [prefix + "Y", prefix + "Y_h", prefix + "Y_c"],
                                name=prefix.rstrip("_"), hidden_size=H)
        return W, R, Bb, inits, node

    nodes, inits, params = [], [], {}
    for p in ("enc_", "dec_"):
        W, R, Bb, i, n = lstm(p)
        nodes.append(n)
        inits += i
        params[p] = (W, R, Bb)
    inputs = [helper.make_tensor_value_info(p + "X", TensorProto.DOUBLE, [4, 2, I]) for p in ("enc_", "dec_")]
    outputs = [helper.make_tensor_value_info(p + "Y", TensorProto.DOUBLE, []) for p in ("enc_", "dec_")]
    model = helper.make_model(helper.make_graph(nodes, "two", inputs, outputs, inits), opset_imports=[helper.make_opsetid("", 14)])
    onnx.checker.check_model(model)
    onnx.save_model(model, os.path.join(ROOT, "two_nodes.onnx"))
    X = rng.standard_normal((4, 2, I))
    W, R, Bb = params["dec_"]
    Y, Yh, Yc = reference("LSTM", X, W, R, Bb, np.zeros((1, 2, H)), np.zeros((1, 2, H)), [4, 4], "forward")
    save_safetensors(os.path.join(ROOT, "two_nodes.expect.safetensors"), {"x": X, "y64": to_torch_layout(Y), "hn64": Yh, "cn64": Yc})


def exported(name, module, x):
    path = os.path.join(ROOT, name + ".onnx")
    outs = ["y", "hn", "cn"] if isinstance(module, torch.nn.LSTM) else ["y", "hn"]
    torch.onnx.export(module, (x.float(),), path, input_names=["x"], output_names=outs, opset_version=14)
    expect(name, module, x, root=ROOT)


def main():
    os.makedirs(ROOT, exist_ok=True)
    torch.manual_seed(3)
    exported("export_lstm_l2_bi", torch.nn.LSTM(3, 5, num_layers=2, bidirectional=True), torch.randn(6, 2, 3, dtype=torch.float64))
    exported("export_gru_l2", torch.nn.GRU(4, 3, num_layers=2), torch.randn(5, 3, 4, dtype=torch.float64))
    node_model("lstm_reverse_lens", "LSTM", 5, 3, 3, 4, "reverse", TensorProto.DOUBLE, 1, lens=[5, 2, 4], states=True)
    node_model("gru_lbr0_bi_layout1", "GRU", 5, 3, 2, 3, "bidirectional", TensorProto.DOUBLE, 2, layout=1, lbr=0, lens=[3, 5, 1])
    node_model("gru_lbr1_nobias", "GRU", 4, 2, 3, 5, "forward", TensorProto.FLOAT, 3, lbr=1, bias=False)
    node_model("lstm_external", "LSTM", 4, 2, 3, 4, "bidirectional", TensorProto.FLOAT, 4, external=True)
    two_nodes()


if __name__ == "__main__":
    main()
