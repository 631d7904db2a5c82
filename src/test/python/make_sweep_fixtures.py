#!/usr/bin/python3
"""Writes src/test/resources/fixtures/sweeps/*.json: single layer-direction sweeps computed by PyTorch
in float64 (outputs and the gradients of L = sum(y*G_y) + sum(h_n*G_h) + sum(c_n*G_c)).

Run with Debian's Python (python3-torch):  /usr/bin/python3 src/test/python/make_sweep_fixtures.py
A reverse sweep is the reverse half of a bidirectional PyTorch layer; the loss reads only that half.
Tensors are flat lists in row-major order; PyTorch's own layouts (weight_ih [G*H, I], ...).
"""
import json
import os

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "fixtures", "sweeps")

CASES = [
    # name, cell, I, H, P, T, B, reverse, initial states, lengths
    ("lstm_basic", "lstm", 5, 4, 0, 3, 2, False, True, None),
    ("lstm_reverse_lengths", "lstm", 3, 5, 0, 4, 3, True, True, [4, 2, 1]),
    ("lstm_proj_lengths", "lstm", 4, 6, 3, 5, 3, False, False, [5, 3, 2]),
    ("gru_basic", "gru", 5, 4, 0, 3, 2, False, True, None),
    ("gru_reverse_lengths", "gru", 3, 5, 0, 4, 3, True, True, [3, 4, 1]),
]


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def case(name, cell, I, H, P, T, B, reverse, init, lengths, seed):
    torch.manual_seed(seed)
    D = 2 if reverse else 1
    if cell == "lstm":
        net = torch.nn.LSTM(I, H, proj_size=P, bidirectional=reverse)
    else:
        net = torch.nn.GRU(I, H, bidirectional=reverse)
    Hout = P if P > 0 else H
    x = torch.randn(T, B, I, requires_grad=True)
    h0 = torch.randn(D, B, Hout, requires_grad=True)
    c0 = torch.randn(D, B, H, requires_grad=True)
    suffix = "_l0_reverse" if reverse else "_l0"
    d = D - 1
    inp = x if lengths is None else pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
    if cell == "lstm":
        hx = (h0, c0) if init else None
        y, (hn, cn) = net(inp, hx)
    else:
        y, hn = net(inp, h0 if init else None)
        cn = None
    if lengths is not None:
        y, _ = pad_packed_sequence(y, total_length=T)
    y = y[:, :, d * Hout:(d + 1) * Hout]
    hn = hn[d]
    gy = torch.randn_like(y)
    gh = torch.randn_like(hn)
    loss = (y * gy).sum() + (hn * gh).sum()
    out = {"name": name, "cell": cell, "linear_before_reset": True, "I": I, "H": H, "P": P, "T": T, "B": B,
           "reverse": reverse, "initial_states": init, "lengths": lengths,
           "x": flat(x), "y": flat(y), "h_n": flat(hn), "G_y": flat(gy), "G_h": flat(gh)}
    if cn is not None:
        cn = cn[d]
        gc = torch.randn_like(cn)
        loss = loss + (cn * gc).sum()
        out.update({"c_n": flat(cn), "G_c": flat(gc)})
    if init:
        out["h0"] = flat(h0[d])
        if cell == "lstm":
            out["c0"] = flat(c0[d])
    loss.backward()
    out["grad_x"] = flat(x.grad)
    if init:
        out["grad_h0"] = flat(h0.grad[d])
        if cell == "lstm":
            out["grad_c0"] = flat(c0.grad[d])
    names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] + (["weight_hr"] if P > 0 else [])
    for n in names:
        p = getattr(net, n + suffix)
        out[n] = flat(p)
        out["grad_" + n] = flat(p.grad)
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    for seed, c in enumerate(CASES):
        data = case(*c, seed=1000 + seed)
        with open(os.path.join(OUT, c[0] + ".json"), "w") as f:
            json.dump(data, f)
        print("wrote", c[0])


if __name__ == "__main__":
    main()
