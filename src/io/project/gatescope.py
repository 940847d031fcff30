"""The gatescope model in PyTorch, and the files it travels in.

Shared by train.py and sample.py. Written for torch 1.13 and every later
release: only APIs both have (nn.LSTM/GRU/RNN, nn.Embedding, nn.Linear,
torch.optim.AdamW, torch.distributed with gloo or NCCL).

Dimension legend: B streams (batch), T window, E embedding, H hidden,
V vocabulary, L layers, G gates per unit (LSTM 4, GRU 3, RNN 1).

The model is gatescope's: Embedding(V, E) -> L recurrent layers (PyTorch's own
nn.LSTM, nn.GRU or nn.RNN with tanh, PyTorch's gate order) -> Linear(H, V).
Each layer is its own one-layer module, so dropout can sit between layers the
way gatescope places it (Zaremba et al.: the embedding output, between layers,
before the head; never on the recurrent h -> h path), in either of gatescope's
kinds: 'standard' (a mask per position) or 'variational' (one mask per window,
stream and unit). On disk the tensors keep the names of gatescope's PyTorch
export, `lstm.weight_ih_l0` ... (the one nn.LSTM(num_layers=L) state_dict):
`gatescope_tensors` and `load_gatescope_tensors` translate.

gatescope has ONE bias per gate (plus the GRU's b_hn inside r * (.)), where
PyTorch has bias_ih and bias_hh. Trained as two, both would take Adam steps of
their own and the bias would move twice as fast as in gatescope; so the model
folds bias_hh into bias_ih on load and keeps bias_hh at zero (its gradient is
masked), except the GRU's n block, which is b_hn.
"""

import json
import math
import struct
import unicodedata

import numpy as np
import torch
from torch import nn

RECURRENT = {"lstm": (nn.LSTM, 4), "gru": (nn.GRU, 3), "rnn": (nn.RNN, 1)}


# --- safetensors: 8-byte little-endian header length, a JSON header, raw bytes ---


def read_safetensors(path):
    """(tensors by name, metadata) of a float32 safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    start = 8 + length
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {entry['dtype']}, only F32 is read")
        begin, end = entry["data_offsets"]
        values = np.frombuffer(data, dtype="<f4", count=(end - begin) // 4, offset=start + begin)
        tensors[name] = torch.from_numpy(values.copy()).reshape(entry["shape"])
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    """Writes [(name, tensor)] as float32, in that order, with string metadata."""
    header = {"__metadata__": {k: str(v) for k, v in metadata.items()}}
    blobs, offset = [], 0
    for name, tensor in tensors:
        blob = tensor.detach().to("cpu", torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {
            "dtype": "F32",
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + len(blob)],
        }
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data section starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


# --- vocabulary: one character (Unicode code point) per token id ---


def normalize_text(text):
    """NFC with LF line endings, as gatescope reads every text and prompt."""
    return unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")


def read_vocab(path):
    with open(path, encoding="utf-8") as f:
        itos = json.load(f)["itos"]
    return itos, {ch: i for i, ch in enumerate(itos)}


def encode(text, stoi):
    missing = sorted({ch for ch in text if ch not in stoi})
    if missing:
        # A message, not a traceback: both scripts are run from a shell.
        raise SystemExit(f"the text has characters the model has not seen: {missing[:5]}")
    return torch.tensor([stoi[ch] for ch in text], dtype=torch.long)


# --- the model ---


def hash32(x):
    """gatescope's 32-bit hash (engine/dropout.ts, Wellons' lowbias32) of u32 values held
    in int64 tensors or Python ints. Each product is taken in 16-bit halves of the
    constant, so no int64 product overflows."""

    def mul(x, c):
        return (x * (c & 0xFFFF) + (((x * (c >> 16)) & 0xFFFF) << 16)) & 0xFFFFFFFF

    x = x ^ (x >> 16)
    x = mul(x, 0x7FEB352D)
    x = x ^ (x >> 15)
    x = mul(x, 0x846CA68B)
    return x ^ (x >> 16)


class Dropout(nn.Module):
    """gatescope's dropout on one site (engine/dropout.ts), drawn exactly as gatescope
    draws it: element (t, b, u) of a (T, B, X) window is kept when
    hash32(key ^ hash32(index)) >> 8 >= round(rate * 2^24), key = hash of (seed, step,
    site), index = (t*B + b)*X + u ('standard': a mask per position) or b*X + u
    ('variational': one mask per window, stream and unit); kept units are scaled by
    float32(1 / (1 - rate)). b is the stream's index among all B, so every rank of a
    distributed run draws the masks of its own streams. Training only."""

    def __init__(self, rate, kind, site, where):
        super().__init__()
        self.rate, self.variational, self.site, self.where = (
            rate,
            kind == "variational",
            site,
            where,
        )
        self.threshold = math.floor(rate * 2**24 + 0.5)
        self.scale = float(torch.tensor(1 / (1 - rate), dtype=torch.float32)) if rate < 1 else 0.0

    def forward(self, x):  # x: (T, b, X), streams first .. first + b of B
        if not self.training or self.rate <= 0:
            return x
        w = self.where
        T, b, X = x.shape
        seed, step = w["seed"] & 0xFFFFFFFF, w["step"] & 0xFFFFFFFF
        key = hash32(hash32(hash32(seed) ^ step) ^ self.site)
        ids = lambda n, at=0: torch.arange(at, at + n, device=x.device)  # noqa: E731
        streams = ids(b, w["first"])[None, :, None]
        if self.variational:
            index = streams * X + ids(X)
        else:
            index = (ids(T)[:, None, None] * w["streams"] + streams) * X + ids(X)
        draw = hash32(hash32(index & 0xFFFFFFFF) ^ key) >> 8
        return x * ((draw >= self.threshold).to(x.dtype) * self.scale)


class CharModel(nn.Module):
    def __init__(self, config, dropout=0.0, dropout_kind="standard", seed=0):
        super().__init__()
        task = config.get("task", "lm")
        if task != "lm" or config.get("direction", "uni") != "uni":
            raise ValueError(f"this project trains left-to-right language models, not {task}")
        self.cell = config.get("cell", "lstm")
        Recurrent, self.gates = RECURRENT[self.cell]
        V, E, H, L = (config[k] for k in ("vocabSize", "embedSize", "hiddenSize", "layers"))
        self.hidden, self.layer_count = H, L
        self.embedding = nn.Embedding(V, E)
        # One module per layer (input E, then H), time-major (T, B, .) like gatescope's windows.
        self.layers = nn.ModuleList(Recurrent(E if l == 0 else H, H) for l in range(L))
        self.head = nn.Linear(H, V)
        # Sites 0..L: the input of layer l, then the top layer's output before the head.
        # What the masks of the step being taken are drawn from (dropout_at).
        self.dropout_where = {"seed": seed, "step": 1, "first": 0, "streams": 1}
        self.drops = nn.ModuleList(
            Dropout(dropout, dropout_kind, site, self.dropout_where) for site in range(L + 1)
        )
        for layer in self.layers:
            mask = torch.zeros(self.gates * H)
            if self.cell == "gru":
                mask[2 * H :] = 1  # b_hn, the n block, is a parameter of its own in gatescope
            layer.register_buffer("bias_hh_mask", mask, persistent=False)
            layer.bias_hh_l0.register_hook(lambda g, layer=layer: g * layer.bias_hh_mask)

    def dropout_at(self, step, first, streams):
        """The masks of the 1-based step `step`, for the window of streams first.. of
        `streams` (B) in all."""
        self.dropout_where.update(step=step, first=first, streams=streams)

    def zero_state(self, B, device=None):
        """The carried state of every layer: (h, c) for an LSTM, h otherwise; each (1, B, H)."""
        z = lambda: torch.zeros(1, B, self.hidden, device=device)  # noqa: E731
        return [(z(), z()) if self.cell == "lstm" else z() for _ in range(self.layer_count)]

    def forward(self, x, state):
        """x: (T, B) token ids; state: zero_state's list. Returns logits (T, B, V) and the
        state after the window (still attached to the graph: detach it to carry it on)."""
        y = self.embedding(x)
        out_state = []
        for layer, drop, s in zip(self.layers, self.drops, state):
            y, s = layer(drop(y), s)
            out_state.append(s)
        return self.head(self.drops[-1](y)), out_state

    def decayed_parameters(self):
        """(decayed, not decayed): gatescope's AdamW decays the matrices only,
        never the embedding or a bias."""
        decay = [
            p for n, p in self.named_parameters() if n.startswith("layers.") and ".weight_" in n
        ]
        decay.append(self.head.weight)
        ids = {id(p) for p in decay}
        return decay, [p for p in self.parameters() if id(p) not in ids]

    # The names of gatescope's export, in its state_dict order, beside this model's tensors.
    def named_for_gatescope(self):
        out = [("embedding.weight", self.embedding.weight)]
        for l, layer in enumerate(self.layers):
            for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                out.append((f"{self.cell}.{kind}_l{l}", getattr(layer, f"{kind}_l0")))
        out += [("head.weight", self.head.weight), ("head.bias", self.head.bias)]
        return out


def detach_state(state):
    return [tuple(t.detach() for t in s) if isinstance(s, tuple) else s.detach() for s in state]


def load_gatescope_tensors(model, tensors):
    """Copies a gatescope export's tensors in, folding bias_hh into bias_ih
    (all of it but the GRU's n block), so the model computes the same function."""
    H = model.hidden
    with torch.no_grad():
        names = model.named_for_gatescope()
        expected = {n for n, _ in names}
        extra = set(tensors) - expected
        if extra:
            raise ValueError(f"unexpected tensors {sorted(extra)[:5]}: not this model's file")
        for name, p in names:
            if name not in tensors:
                raise ValueError(f"the file has no tensor {name}")
            t = tensors[name]
            if tuple(t.shape) != tuple(p.shape):
                raise ValueError(f"{name} is {tuple(t.shape)}, the model needs {tuple(p.shape)}")
            p.copy_(t)
        for l, layer in enumerate(model.layers):
            hh = tensors[f"{model.cell}.bias_hh_l{l}"]
            keep = 2 * H if model.cell == "gru" else hh.numel()
            layer.bias_ih_l0[:keep] += hh[:keep]
            layer.bias_hh_l0[:keep] = 0


def load_model(path, dropout=0.0, dropout_kind="standard", seed=0):
    """The model of a gatescope model.safetensors, its metadata and its config."""
    tensors, metadata = read_safetensors(path)
    config = json.loads(metadata["config"])
    model = CharModel(config, dropout, dropout_kind, seed)
    load_gatescope_tensors(model, tensors)
    return model, metadata, config


# --- the learning-rate schedule (gatescope's training/schedule.ts) ---


def scheduled_rate(o, step):
    """The rate of 1-based step `step` under OptimizerConfig `o`."""
    peak = o["learningRate"]
    if o["schedule"] == "constant":
        return peak
    if step <= o["warmupSteps"]:
        return peak * step / o["warmupSteps"]
    after = step - o["warmupSteps"]
    if o["schedule"] == "step":
        return peak * o["decayFactor"] ** (after // o["decayEvery"])
    progress = min(1.0, after / o["decaySteps"])
    floor = peak * o["lrFloor"]
    return floor + (peak - floor) * 0.5 * (1 + math.cos(math.pi * progress))
