"""Continue training a gatescope model in PyTorch, on one CPU, one GPU or many.

    python train.py                              # one process (CUDA when there is a GPU)
    python train.py --steps 2000 --lr 1e-3       # more steps, another peak learning rate
    torchrun --nproc_per_node=4 train.py         # four processes: DistributedDataParallel

It continues the run the browser was training, with the same model (model.safetensors),
text (corpus.txt, vocab.json), windows, optimizer, clipping, schedule and dropout
(config.json), from where the browser stood (state.safetensors: the step, the stream
position, the carried state and Adam's moments). It prints JSON lines: the validation
loss before and after, and the training loss as it goes. It writes trained.safetensors
(gatescope's PyTorch-named weights with the metadata its importer reads: the playground's
Import... takes it back) and trained-state.safetensors (to go on from there:
--init trained.safetensors --state trained-state.safetensors).

Dimension legend: B streams (batch), T window, V vocabulary, H hidden, L layers,
W processes (ranks).

How gatescope's batch is split across W ranks: the training text (everything but the
validation part at its end) is cut into B segments, one per stream, and every step reads
the next window of T characters from each of them, all at the same offset (a new random
phase at each epoch, drawn from the same PCG32 stream as in the browser). Rank r runs
streams r*B//W up to (r+1)*B//W, so the ranks together read exactly the browser's B
streams; each rank's loss is summed and divided by T*B (times W, which DDP's gradient
average divides out), so the gradient is the mean over all T*B positions, as in gatescope.
Clipping then sees the same global gradient on every rank. Dropout masks are drawn as
gatescope draws them (a hash of the seed, step, site, position, stream and unit), so
every rank drops the units the browser would have dropped in its streams.
"""

import argparse
import json
import math
import os

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from gatescope import (
    detach_state,
    encode,
    load_model,
    normalize_text,
    read_safetensors,
    read_vocab,
    scheduled_rate,
    write_safetensors,
)

STATE_FORMAT = "gatescope.pytorch-state.v1"


class Pcg32:
    """gatescope's random numbers (engine/rng.ts): PCG32, XSH-RR output, 64-bit state."""

    MUL, INC, MASK = 0x5851F42D4C957F2D, 0x14057B7EF767814F, (1 << 64) - 1

    def __init__(self, state):
        self.state = (state["hi"] << 32) | state["lo"]

    @classmethod
    def schedule_start(cls, seed):
        """The stream schedule's generator before its first draw: Rng(seed ^ 0x9e3779b9)."""
        rng = cls({"hi": 0, "lo": 0})
        rng.next_u32()
        rng.state = (rng.state + ((seed ^ 0x9E3779B9) & 0xFFFFFFFF)) & cls.MASK
        rng.next_u32()
        return rng.saved()

    def next_u32(self):
        old = self.state
        self.state = (old * self.MUL + self.INC) & self.MASK
        xorshifted = (((old >> 18) ^ old) >> 27) & 0xFFFFFFFF
        rot = old >> 59
        return ((xorshifted >> rot) | (xorshifted << (-rot & 31))) & 0xFFFFFFFF

    def int(self, n):
        return math.floor(self.next_u32() / 4294967296 * n)

    def saved(self):
        return {"hi": self.state >> 32, "lo": self.state & 0xFFFFFFFF}


class Streams:
    """gatescope's stream schedule (engine/streamSchedule.ts, batcher.ts) for streams
    [first, last) of B: windows (T, b) of inputs and their next-character targets."""

    def __init__(self, tokens, B, T, position, first, last):
        self.tokens, self.T, self.first, self.last = tokens, T, first, last
        self.segment = (len(tokens) - 1) // B
        self.per_epoch = self.segment // T
        if self.per_epoch == 0:
            raise SystemExit(f"the training text is too short for B={B} streams of T={T}")
        self.max_shift = self.segment - self.per_epoch * T
        self.epoch, self.window, self.shift = (
            position["epoch"],
            position["window"],
            position["shift"],
        )
        if not (0 <= self.window < self.per_epoch and 0 <= self.shift <= self.max_shift):
            raise SystemExit(
                "the saved stream position does not fit this text, B and T "
                "(another corpus.txt?): start it afresh with --state none"
            )
        self.rng = Pcg32(position["rng"])
        self.rng_saved = position["rng"]

    def next(self):
        starts_epoch = self.window == 0
        if starts_epoch and self.epoch > 0:
            self.shift = self.rng.int(self.max_shift + 1)
            self.rng_saved = self.rng.saved()
        start = self.shift + self.window * self.T
        self.window += 1
        if self.window == self.per_epoch:
            self.window, self.epoch = 0, self.epoch + 1
        base = torch.arange(self.first, self.last) * self.segment + start  # (b,)
        at = base[None, :] + torch.arange(self.T)[:, None]  # (T, b)
        return self.tokens[at], self.tokens[at + 1], starts_epoch

    def position(self):
        return {
            "epoch": self.epoch,
            "window": self.window,
            "shift": self.shift,
            "rng": self.rng_saved,
        }


def validation_windows(tokens, B, T, max_windows):
    """gatescope's validation windows (batcher.ts validationBatches): up to B streams over
    the held-out text, consecutive windows, at most max_windows of them."""
    n = len(tokens)
    if n < 2:
        return []
    T = min(T, n - 1)
    B = max(1, min(B, (n - 1) // T))
    segment = (n - 1) // B
    base = torch.arange(B) * segment
    out = []
    for w in range(min(max_windows, segment // T)):
        at = base[None, :] + w * T + torch.arange(T)[:, None]
        out.append((tokens[at], tokens[at + 1]))
    return out


@torch.no_grad()
def evaluate(model, windows, device):
    """Mean cross-entropy over every position of the windows, the state carried from one
    window to the next from zero, as gatescope's evaluate does."""
    if not windows:
        return None
    was_training = model.training
    model.eval()
    state = model.zero_state(windows[0][0].shape[1], device)
    total, count = 0.0, 0
    for x, y in windows:
        logits, state = model(x.to(device), state)
        total += F.cross_entropy(
            logits.flatten(0, 1), y.to(device).flatten(), reduction="sum"
        ).item()
        count += y.numel()
    model.train(was_training)
    return total / count


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=200, help="training steps to take (default 200)")
    p.add_argument("--lr", type=float, help="peak learning rate instead of config.json's")
    p.add_argument("--device", choices=["cpu", "cuda"], help="default: cuda when available")
    p.add_argument("--config", default=os.path.join(here, "config.json"))
    p.add_argument(
        "--init", default=os.path.join(here, "model.safetensors"), help="weights to start from"
    )
    p.add_argument(
        "--state",
        default=os.path.join(here, "state.safetensors"),
        help="step, stream position, carried state, Adam moments ('none': start them fresh)",
    )
    p.add_argument(
        "--out", default="trained.safetensors", help="weights written (gatescope imports them)"
    )
    p.add_argument(
        "--out-state", default="trained-state.safetensors", help="training state written"
    )
    p.add_argument(
        "--log-every", type=int, default=10, help="print the training loss every N steps"
    )
    p.add_argument(
        "--validate-every", type=int, default=0, help="validation every N steps too (0: at the end)"
    )
    args = p.parse_args()

    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = (args.device or ("cuda" if torch.cuda.is_available() else "cpu")) == "cuda"
    device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
        # gatescope computes in float32: no TensorFloat-32 shortcuts.
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    if world > 1:
        dist.init_process_group("nccl" if cuda else "gloo")  # MASTER_ADDR/PORT from torchrun
    say = (lambda **kw: print(json.dumps(kw), flush=True)) if rank == 0 else (lambda **kw: None)

    with open(args.config, encoding="utf-8") as f:
        config = json.load(f)
    train = config["train"]
    opt = dict(train["optimizer"])
    if args.lr is not None:
        opt["learningRate"] = args.lr
    reg = train["regularization"]
    model, metadata, _ = load_model(args.init, reg["dropout"], reg["dropoutMode"], train["seed"])
    model.to(device)
    itos, stoi = read_vocab(os.path.join(os.path.dirname(args.config), config["vocab"]))
    if itos != json.loads(metadata["vocab"])["itos"]:
        raise SystemExit(f"{args.init} was trained with another vocabulary than {config['vocab']}")
    with open(os.path.join(os.path.dirname(args.config), config["corpus"]), encoding="utf-8") as f:
        tokens = encode(normalize_text(f.read()), stoi)
    held_out = math.floor(len(tokens) * train["valFraction"])
    train_tokens, val_tokens = tokens[: len(tokens) - held_out], tokens[len(tokens) - held_out :]
    B, T = train["batchSize"], train["seqLen"]
    if world > B:
        raise SystemExit(f"{world} processes but only B={B} streams: use at most {B}")
    first, last = rank * B // world, (rank + 1) * B // world
    val = validation_windows(val_tokens, B, T, config["validation"]["maxWindows"])

    # Where the browser stood; without a state file, step 0 at the first window.
    saved, meta = read_safetensors(args.state) if args.state != "none" else ({}, {})
    step = int(meta.get("step", "0"))
    start = json.loads(meta["batcher"]) if "batcher" in meta else None
    start = start or {
        "epoch": 0,
        "window": 0,
        "shift": 0,
        "rng": Pcg32.schedule_start(train["seed"]),
    }
    streams = Streams(train_tokens, B, T, start, first, last)
    state = model.zero_state(last - first, device)
    if "state.h" in saved and saved["state.h"].shape[1] != B:
        raise SystemExit(
            f"{args.state} holds {saved['state.h'].shape[1]} streams, config.json B={B}: "
            "its carried state and position belong to another B (use --state none)"
        )
    if "state.h" in saved:  # (L, B, H): this rank's streams
        h, c = saved["state.h"][:, first:last], saved["state.c"][:, first:last]
        state = [
            (h[l : l + 1].to(device), c[l : l + 1].to(device))
            if model.cell == "lstm"
            else h[l : l + 1].to(device)
            for l in range(model.layer_count)
        ]

    decayed, plain = model.decayed_parameters()
    optimizer = torch.optim.AdamW(
        [
            {"params": decayed, "weight_decay": opt["weightDecay"]},
            {"params": plain, "weight_decay": 0.0},
        ],
        lr=opt["learningRate"],
        betas=(opt["beta1"], opt["beta2"]),
        eps=opt["epsilon"],
    )
    for name, p in model.named_for_gatescope():
        if f"exp_avg.{name}" in saved:
            optimizer.state[p] = {
                "step": torch.tensor(float(step)),
                "exp_avg": saved[f"exp_avg.{name}"].to(device),
                "exp_avg_sq": saved[f"exp_avg_sq.{name}"].to(device),
            }

    say(
        event="start",
        step=step,
        ranks=world,
        device=str(device),
        streams_per_rank=last - first,
        B=B,
        T=T,
        train_tokens=len(train_tokens),
        validation_tokens=len(val_tokens),
    )
    say(event="validation", when="before", step=step, loss=evaluate(model, val, device))

    net = model
    if world > 1:
        net = DistributedDataParallel(
            model, device_ids=[local_rank] if cuda else None, broadcast_buffers=False
        )
    model.train()
    clip = opt["clipNorm"] if opt["clipNorm"] > 0 else float("inf")
    for k in range(args.steps):
        x, y, starts_epoch = streams.next()
        if starts_epoch:
            state = model.zero_state(last - first, device)
        step += 1
        rate = scheduled_rate(opt, step)
        for group in optimizer.param_groups:
            group["lr"] = rate
        model.dropout_at(step, first, B)
        logits, state = net(x.to(device), state)
        summed = F.cross_entropy(logits.flatten(0, 1), y.to(device).flatten(), reduction="sum")
        optimizer.zero_grad()
        (summed * (world / (T * B))).backward()  # DDP averages over ranks: the mean over T*B
        state = detach_state(state)
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        if torch.isfinite(norm):
            optimizer.step()
        else:  # as gatescope: a non-finite gradient changes nothing
            say(event="skipped", step=step, reason="non-finite gradient norm")
        loss = summed.detach()
        if world > 1:
            dist.all_reduce(loss)
        if k == 0 or (k + 1) % args.log_every == 0 or k + 1 == args.steps:
            say(
                event="train", step=step, loss=loss.item() / (T * B), lr=rate, grad_norm=norm.item()
            )
        if args.validate_every > 0 and (k + 1) % args.validate_every == 0 and k + 1 < args.steps:
            say(event="validation", when="during", step=step, loss=evaluate(model, val, device))

    say(event="validation", when="after", step=step, loss=evaluate(model, val, device))

    # The carried state of all B streams, each rank's slice summed into place.
    L, H = model.layer_count, model.hidden
    carried = {n: torch.zeros(L, B, H, device=device) for n in ("state.h", "state.c")}
    for l, s in enumerate(state):
        h, c = s if model.cell == "lstm" else (s, None)
        carried["state.h"][l, first:last] = h[0]
        if c is not None:
            carried["state.c"][l, first:last] = c[0]
    if world > 1:
        for t in carried.values():
            dist.all_reduce(t)
    if rank == 0:
        weights = model.named_for_gatescope()
        write_safetensors(
            args.out,
            weights,
            {**metadata, "weights": "latest", "step": step, "trained_with": "PyTorch train.py"},
        )
        moments = []
        for name, p in weights:
            s = optimizer.state.get(p, {})
            for kind in ("exp_avg", "exp_avg_sq"):
                moments.append((f"{kind}.{name}", s.get(kind, torch.zeros_like(p))))
        write_safetensors(
            args.out_state,
            moments + list(carried.items()),
            {"format": STATE_FORMAT, "step": step, "batcher": json.dumps(streams.position())},
        )
        say(event="saved", weights=args.out, state=args.out_state, step=step)
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
