#!/usr/bin/python3
"""Writes the torch.save fixtures of io.fusedrnn.formats (PyTorch's own writer, Debian's python3-torch).

    /usr/bin/python3 src/test/python/make_torch_fixtures.py

Outputs, under src/test/resources/fixtures/torch/:
  lstm_l2_bi.pt        nn.LSTM(3, 5, num_layers=2, bidirectional=True).state_dict(), float32
  lstm_l2_bi_p4.pt     the same saved with pickle_protocol=4
  checkpoint.pth       {"epoch", "model_state_dict" (encoder.rnn = 2-layer GRU, head = Linear),
                        "optimizer_state_dict" (Adam after one step), "loss"}
  shared.pt            an LSTM state_dict whose tensors are views of two storages: slices with
                       offsets, a transposed (non-contiguous) view and a stride-2 view
  gru_f16.pt           a bidirectional GRU state_dict in float16
  lstm_bf16.pt         an LSTM state_dict in bfloat16
  module.pt            torch.save(model): a whole pickled nn.LSTM (must be refused)
  legacy.pt            the pre-1.6 format (_use_new_zipfile_serialization=False; must be refused)
  malicious.pt         a torch.save-shaped zip whose data.pkl calls os.system (must run nothing)
  NAME.expect.safetensors  x (and h0, c0, lengths) with torch's outputs: y64/hn64/cn64 from the
                       model in float64 (weights widened exactly), y32/hn32/cn32 from float32
"""
import io
import os
import pickle
import zipfile

import numpy as np
import torch

from make_fixtures import save_safetensors

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "torch")


def expect(name, module, x, h0=None, c0=None, lengths=None, root=ROOT):
    """Runs module in float64 and float32 (batch-first False) and stores inputs and outputs."""
    t = {"x": x.numpy()}
    outs = {}
    for tag, dt in (("64", torch.float64), ("32", torch.float32)):
        m = module.to(dt)
        xx = x.to(dt)
        state = None
        if h0 is not None:
            state = (h0.to(dt), c0.to(dt)) if isinstance(m, torch.nn.LSTM) else h0.to(dt)
        with torch.no_grad():
            if lengths is not None:
                packed = torch.nn.utils.rnn.pack_padded_sequence(xx, lengths, enforce_sorted=False)
                y, s = m(packed, state)
                y, _ = torch.nn.utils.rnn.pad_packed_sequence(y, total_length=x.shape[0])
            else:
                y, s = m(xx, state)
        outs["y" + tag] = y
        if isinstance(s, tuple):
            outs["hn" + tag], outs["cn" + tag] = s
        else:
            outs["hn" + tag] = s
    for k, v in outs.items():
        t[k] = v.double().numpy()
    if h0 is not None:
        t["h0"] = h0.numpy()
        if c0 is not None:
            t["c0"] = c0.numpy()
    if lengths is not None:
        t["lengths"] = np.array(lengths, dtype=np.float64)
    save_safetensors(os.path.join(root, name + ".expect.safetensors"), t)


def main():
    os.makedirs(ROOT, exist_ok=True)
    torch.manual_seed(12)

    # 1. a plain state_dict, two bidirectional layers
    lstm = torch.nn.LSTM(3, 5, num_layers=2, bidirectional=True)
    torch.save(lstm.state_dict(), os.path.join(ROOT, "lstm_l2_bi.pt"))
    torch.save(lstm.state_dict(), os.path.join(ROOT, "lstm_l2_bi_p4.pt"), pickle_protocol=4)  # FRAME, MEMOIZE, STACK_GLOBAL
    x = torch.randn(6, 3, 3, dtype=torch.float64)
    h0 = torch.randn(4, 3, 5, dtype=torch.float64)
    c0 = torch.randn(4, 3, 5, dtype=torch.float64)
    expect("lstm_l2_bi", lstm, x, h0, c0)

    # 2. a training checkpoint: nested dicts, an optimizer state with int keys, packed lengths
    class Encoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = torch.nn.GRU(4, 6, num_layers=2)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = Encoder()
            self.head = torch.nn.Linear(6, 2)

        def forward(self, x):
            return self.head(self.encoder.rnn(x)[0])

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    net(torch.randn(3, 2, 4)).sum().backward()
    opt.step()
    torch.save({"epoch": 4, "model_state_dict": net.state_dict(), "optimizer_state_dict": opt.state_dict(), "loss": 0.25},
               os.path.join(ROOT, "checkpoint.pth"))
    x = torch.randn(5, 3, 4, dtype=torch.float64)
    expect("checkpoint", net.encoder.rnn, x, lengths=[5, 2, 4])

    # 3. views sharing storages: offsets, a transposed view and a stride-2 view
    H, I = 4, 3
    base = torch.randn(4 * H * I + 4 * H * H + 7)
    wide = torch.randn(H, 4 * H)  # its transpose is weight_hh: non-contiguous
    biases = torch.randn(2 * 4 * H)  # bias_ih = even elements, bias_hh = odd ones
    sd = {
        "weight_ih_l0": base[5:5 + 4 * H * I].view(4 * H, I),
        "weight_hh_l0": wide.t(),
        "bias_ih_l0": biases[0::2],
        "bias_hh_l0": biases[1::2],
    }
    assert not sd["weight_hh_l0"].is_contiguous() and sd["bias_ih_l0"].stride() == (2,)
    torch.save(sd, os.path.join(ROOT, "shared.pt"))
    m = torch.nn.LSTM(I, H)
    m.load_state_dict({k: v.clone() for k, v in sd.items()})
    expect("shared", m, torch.randn(4, 2, I, dtype=torch.float64))

    # 4. half precision state_dicts: the expected outputs use the same weights widened exactly
    gru = torch.nn.GRU(3, 4, bidirectional=True).half()
    torch.save(gru.state_dict(), os.path.join(ROOT, "gru_f16.pt"))
    expect("gru_f16", gru.double(), torch.randn(5, 2, 3, dtype=torch.float64))
    lstm = torch.nn.LSTM(3, 4).to(torch.bfloat16)
    torch.save(lstm.state_dict(), os.path.join(ROOT, "lstm_bf16.pt"))
    expect("lstm_bf16", lstm.double(), torch.randn(5, 2, 3, dtype=torch.float64))

    # 5. files that must be refused
    torch.save(torch.nn.LSTM(2, 3), os.path.join(ROOT, "module.pt"))
    torch.save(torch.nn.GRU(2, 3).state_dict(), os.path.join(ROOT, "legacy.pt"), _use_new_zipfile_serialization=False)

    class Evil:
        def __reduce__(self):
            return (os.system, ("touch /tmp/fusedrnn-pwned-by-malicious-pt",))

    buf = io.BytesIO()
    pickle.Pickler(buf, protocol=2).dump({"weight_ih_l0": Evil()})
    with zipfile.ZipFile(os.path.join(ROOT, "malicious.pt"), "w") as z:
        z.writestr("malicious/data.pkl", buf.getvalue())
        z.writestr("malicious/version", "3\n")


if __name__ == "__main__":
    main()
