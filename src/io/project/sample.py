"""Write text with a gatescope model: the prompt is fed in, then one character at a time
is drawn from the softmax of the logits divided by the temperature (the top k only, when
--top-k is given), each fed back in, as the playground's sampler does.

    python sample.py --prompt "The " --length 400 --temperature 0.8
    python sample.py --weights trained.safetensors --seed 7

Dimension legend: V vocabulary.
"""

import argparse
import json
import os

import torch

from gatescope import encode, load_model, normalize_text


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--weights", default=os.path.join(here, "model.safetensors"))
    p.add_argument(
        "--prompt",
        help="text to start from, every character in the vocabulary (default: a new line, "
        "or the vocabulary's first character when the text has no new lines)",
    )
    p.add_argument("--length", type=int, default=300, help="characters to write")
    p.add_argument("--temperature", type=float, default=0.8, help="below 1 surer, above 1 wilder")
    p.add_argument("--top-k", type=int, default=0, help="draw among the k likeliest only (0: all)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    if args.temperature <= 0:
        raise SystemExit("--temperature must be above 0")

    torch.manual_seed(args.seed)
    model, metadata, _ = load_model(args.weights)
    model.eval()
    itos = json.loads(metadata["vocab"])["itos"]
    prompt = normalize_text(args.prompt if args.prompt is not None else "\n")
    if args.prompt is None and prompt not in itos:
        prompt = itos[0]
    if not prompt:
        raise SystemExit("--prompt must hold at least one character")
    ids = encode(prompt, {ch: i for i, ch in enumerate(itos)})
    out = []
    with torch.no_grad():
        logits, state = model(ids[:, None], model.zero_state(1))  # (P, 1, V)
        last = logits[-1, 0]
        for _ in range(args.length):
            scaled = last / args.temperature
            if 0 < args.top_k < scaled.numel():
                cut = torch.topk(scaled, args.top_k).values[-1]
                scaled = scaled.masked_fill(scaled < cut, float("-inf"))
            token = torch.multinomial(torch.softmax(scaled, dim=-1), 1)
            out.append(itos[token.item()])
            logits, state = model(token[:, None], state)
            last = logits[-1, 0]
    print(prompt + "".join(out))


if __name__ == "__main__":
    main()
