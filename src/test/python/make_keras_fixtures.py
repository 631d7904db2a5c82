#!/usr/bin/python3
"""Writes the Keras model fixtures of io.fusedrnn.formats with h5py (Debian's python3-h5py); no Keras.

    /usr/bin/python3 src/test/python/make_keras_fixtures.py

The files copy the layouts Keras' own saving code writes (keras-team/keras, read at commit
3422977a5e38fb2f7709aaa9a08e47f0c43d0f60):
  * .keras (keras/src/saving/saving_lib.py): a zip (stored, not deflated) of metadata.json,
    config.json ({"module", "class_name": "Sequential", "config": {"layers": [...]}}) and
    model.weights.h5, written by H5IOStore: each saveable's variables in `<path>/vars/<i>` where the
    path follows the object tree: a Sequential's layers under `layers/<snake_case(class)>[_k]`
    (InputLayer excluded), an RNN layer's cell under `.../cell`, a Bidirectional's two layers under
    `.../forward_layer` and `.../backward_layer`; every `vars` group made with metadata carries a
    `name` attribute, also the model's own (empty) root `vars`.
  * legacy .h5 (keras/src/legacy/saving/legacy_h5_format.py): root attributes `model_config` (the
    JSON config as UTF-8 bytes), `keras_version`, `backend`; group `model_weights` with attributes
    `layer_names` (bytes), `backend`, `keras_version`; one group per layer (by layer name) with
    attribute `weight_names` (the variables' paths, bytes) and one dataset per name at that path
    inside the layer's group (so `sequential/gru/gru_cell/kernel` makes nested groups); weights in
    trainable order (a Bidirectional's forward kernel, recurrent_kernel, bias, then backward's);
    a `top_level_model_weights` group with empty `weight_names`.
Expected outputs come from a numpy re-implementation of Keras' LSTMCell/GRUCell and Bidirectional
(backward layer run on the reversed sequence, its outputs reversed back, concatenated after the
forward ones), starting from zero states as a Keras model does.

Outputs, under src/test/resources/fixtures/keras/ (NAME.expect.safetensors: x [T, B, I] and the
expected y64 [T, B, D*H], hn64 [L*D, B, H], cn64):
  lstm2_dense.keras        InputLayer, LSTM(5, return_sequences), LSTM(5), Dense(2)
  gru_bi_after.keras       InputLayer, Bidirectional(GRU(4, reset_after=True, return_sequences))
  gru_before_dropout.h5    GRU(4, reset_after=False, return_sequences), Dropout, GRU(4, reset_after=False) (Keras 3 names)
  lstm_bi_tf2.h5           Bidirectional(LSTM(3, return_sequences)), tf.keras 2 names (`.../kernel:0`)
"""
import io
import json
import os
import zipfile

import h5py
import numpy as np

from make_fixtures import save_safetensors

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "keras")


def sig(v):
    return 1 / (1 + np.exp(-v))


def run_cell(cell, x, kernel, rec, bias, reset_after, backwards):
    """Keras LSTM/GRU on x [B, T, I] from zero states; outputs [B, T, H] in input time order, h, c."""
    B, T, _ = x.shape
    H = rec.shape[0]
    h, c = np.zeros((B, H)), np.zeros((B, H))
    ys = [None] * T
    for t in (range(T - 1, -1, -1) if backwards else range(T)):
        xt = x[:, t]
        if cell == "LSTM":  # gates i, f, c, o
            z = xt @ kernel + h @ rec + (bias if bias is not None else 0)
            i, f, g, o = np.split(z, 4, axis=-1)
            c = sig(f) * c + sig(i) * np.tanh(g)
            h = sig(o) * np.tanh(c)
        elif reset_after:  # gates z, r, h; bias [input; recurrent]
            mx = xt @ kernel + bias[0]
            mi = h @ rec + bias[1]
            xz, xr, xh = np.split(mx, 3, axis=-1)
            rz, rr, rh = np.split(mi, 3, axis=-1)
            z, r = sig(xz + rz), sig(xr + rr)
            h = z * h + (1 - z) * np.tanh(xh + r * rh)
        else:
            mx = xt @ kernel + bias
            xz, xr, xh = np.split(mx, 3, axis=-1)
            uz, ur, uh = np.split(rec, 3, axis=-1)
            z, r = sig(xz + h @ uz), sig(xr + h @ ur)
            h = z * h + (1 - z) * np.tanh(xh + (r * h) @ uh)
        ys[t] = h
    return np.stack(ys, axis=1), h, c


def weights(rng, cell, I, H, reset_after=True):
    G = 4 if cell == "LSTM" else 3
    k = rng.uniform(-0.6, 0.6, (I, G * H)).astype(np.float32)
    r = rng.uniform(-0.6, 0.6, (H, G * H)).astype(np.float32)
    b = rng.uniform(-0.6, 0.6, (2, G * H) if cell == "GRU" and reset_after else (G * H,)).astype(np.float32)
    return [k, r, b]


def rnn_config(cell, name, units, return_sequences, reset_after=True, go_backwards=False):
    c = {"name": name, "trainable": True, "dtype": "float32", "return_sequences": return_sequences, "return_state": False,
         "go_backwards": go_backwards, "stateful": False, "unroll": False, "zero_output_for_mask": False, "units": units,
         "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": True, "dropout": 0.0, "recurrent_dropout": 0.0, "seed": None}
    if cell == "GRU":
        c["reset_after"] = reset_after
    else:
        c["unit_forget_bias"] = True
    return {"module": "keras.layers", "class_name": cell, "config": c, "registered_name": None}


def input_config(T, I):
    return {"module": "keras.layers", "class_name": "InputLayer",
            "config": {"batch_shape": [None, T, I], "dtype": "float32", "sparse": False, "name": "input_layer"}, "registered_name": None}


def sequential(layers, T, I):
    return {"module": "keras", "class_name": "Sequential",
            "config": {"name": "sequential", "trainable": True, "dtype": "float32", "layers": layers},
            "registered_name": None, "build_config": {"input_shape": [None, T, I]}}


def write_keras(path, config, groups):
    """groups: list of (h5 path, name attribute, [variables]) in saving order."""
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.create_group("vars").attrs["name"] = "sequential"
        for p, name, vs in groups:
            g = f.create_group(p).create_group("vars")
            g.attrs["name"] = name
            for i, v in enumerate(vs):
                g[str(i)] = v
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.6.0", "date_saved": "2026-11-30@09:30:00"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", buf.getvalue())


def write_legacy_h5(path, config, layers):
    """layers: list of (layer name, [(weight path, value)]) in model.layers order."""
    with h5py.File(path, "w") as f:
        f.attrs["backend"] = "tensorflow"
        f.attrs["keras_version"] = "3.6.0"
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = [n.encode("utf8") for n, _ in layers]
        mw.attrs["backend"] = b"tensorflow"
        mw.attrs["keras_version"] = b"3.6.0"
        for name, ws in sorted(layers, key=lambda l: l[0]):
            g = mw.create_group(name)
            g.attrs["weight_names"] = [w.encode("utf8") for w, _ in ws]
            for w, v in ws:
                d = g.create_dataset(w, v.shape, dtype=v.dtype)
                d[...] = v
        top = mw.create_group("top_level_model_weights")
        top.attrs["weight_names"] = np.array([], dtype="S1")


def save_expect(name, x, ys, hs, cs):
    t = {"x": x.transpose(1, 0, 2), "y64": ys.transpose(1, 0, 2), "hn64": np.stack(hs)}
    if cs:
        t["cn64"] = np.stack(cs)
    save_safetensors(os.path.join(ROOT, name + ".expect.safetensors"), t)


def lstm2_dense(rng):
    T, B, I, H = 5, 2, 3, 5
    l1, l2 = weights(rng, "LSTM", I, H), weights(rng, "LSTM", H, H)
    dense = [rng.uniform(-1, 1, (H, 2)).astype(np.float32), np.zeros(2, np.float32)]
    x = rng.standard_normal((B, T, I))
    y1, h1, c1 = run_cell("LSTM", x, *[w.astype(np.float64) for w in l1], True, False)
    y2, h2, c2 = run_cell("LSTM", y1, *[w.astype(np.float64) for w in l2], True, False)
    dense_cfg = {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 2, "activation": "linear", "use_bias": True},
                 "registered_name": None}
    cfg = sequential([input_config(T, I), rnn_config("LSTM", "lstm", H, True), rnn_config("LSTM", "lstm_1", H, False), dense_cfg], T, I)
    write_keras(os.path.join(ROOT, "lstm2_dense.keras"), cfg, [
        ("layers/lstm", "lstm", []), ("layers/lstm/cell", "lstm_cell", l1),
        ("layers/lstm_1", "lstm_1", []), ("layers/lstm_1/cell", "lstm_cell", l2),
        ("layers/dense", "dense", dense)])
    save_expect("lstm2_dense", x, y2, [h1, h2], [c1, c2])


def bidirectional(x, cell, fw, bw, reset_after):
    yf, hf, cf = run_cell(cell, x, *[w.astype(np.float64) for w in fw], reset_after, False)
    yb, hb, cb = run_cell(cell, x, *[w.astype(np.float64) for w in bw], reset_after, True)
    return np.concatenate([yf, yb], axis=-1), [hf, hb], [cf, cb]


def gru_bi_after(rng):
    T, B, I, H = 4, 3, 2, 4
    fw, bw = weights(rng, "GRU", I, H), weights(rng, "GRU", I, H)
    x = rng.standard_normal((B, T, I))
    y, hs, _ = bidirectional(x, "GRU", fw, bw, True)
    bi = {"module": "keras.layers", "class_name": "Bidirectional", "registered_name": None,
          "config": {"name": "bidirectional", "trainable": True, "merge_mode": "concat",
                     "layer": rnn_config("GRU", "forward_gru", H, True),
                     "backward_layer": rnn_config("GRU", "backward_gru", H, True, go_backwards=True)}}
    write_keras(os.path.join(ROOT, "gru_bi_after.keras"), sequential([input_config(T, I), bi], T, I), [
        ("layers/bidirectional", "bidirectional", []),
        ("layers/bidirectional/forward_layer", "forward_gru", []), ("layers/bidirectional/forward_layer/cell", "gru_cell", fw),
        ("layers/bidirectional/backward_layer", "backward_gru", []), ("layers/bidirectional/backward_layer/cell", "gru_cell", bw)])
    save_expect("gru_bi_after", x, y, hs, None)


def gru_before_dropout(rng):
    T, B, I, H = 5, 2, 3, 4
    l1, l2 = weights(rng, "GRU", I, H, False), weights(rng, "GRU", H, H, False)
    x = rng.standard_normal((B, T, I))
    y1, h1, _ = run_cell("GRU", x, *[w.astype(np.float64) for w in l1], False, False)
    y2, h2, _ = run_cell("GRU", y1, *[w.astype(np.float64) for w in l2], False, False)
    drop = {"module": "keras.layers", "class_name": "Dropout", "config": {"name": "dropout", "rate": 0.5}, "registered_name": None}
    cfg = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, T, I], "name": "input_layer"}},
        rnn_config("GRU", "gru", H, True, reset_after=False), drop, rnn_config("GRU", "gru_1", H, False, reset_after=False)]}}
    names = ("kernel", "recurrent_kernel", "bias")
    write_legacy_h5(os.path.join(ROOT, "gru_before_dropout.h5"), cfg, [
        ("gru", [("sequential/gru/gru_cell/" + n, v) for n, v in zip(names, l1)]),
        ("dropout", []),
        ("gru_1", [("sequential/gru_1/gru_cell/" + n, v) for n, v in zip(names, l2)])])
    save_expect("gru_before_dropout", x, y2, [h1, h2], None)


def lstm_bi_tf2(rng):
    T, B, I, H = 4, 2, 3, 3
    fw, bw = weights(rng, "LSTM", I, H), weights(rng, "LSTM", I, H)
    x = rng.standard_normal((B, T, I))
    y, hs, cs = bidirectional(x, "LSTM", fw, bw, True)
    bi = {"class_name": "Bidirectional", "config": {"name": "bidirectional", "merge_mode": "concat",
                                                     "layer": rnn_config("LSTM", "lstm", H, True)}}
    cfg = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [bi]}}
    names = ("kernel:0", "recurrent_kernel:0", "bias:0")
    ws = [("bidirectional/forward_lstm/lstm_cell/" + n, v) for n, v in zip(names, fw)]
    ws += [("bidirectional/backward_lstm/lstm_cell/" + n, v) for n, v in zip(names, bw)]
    write_legacy_h5(os.path.join(ROOT, "lstm_bi_tf2.h5"), cfg, [("bidirectional", ws)])
    save_expect("lstm_bi_tf2", x, y, hs, cs)


def main():
    os.makedirs(ROOT, exist_ok=True)
    rng = np.random.default_rng(11)
    lstm2_dense(rng)
    gru_bi_after(rng)
    gru_before_dropout(rng)
    lstm_bi_tf2(rng)


if __name__ == "__main__":
    main()
