#!/usr/bin/env python3
"""Checks a `scalelab export --format hf` directory with Hugging Face transformers.

Loads the export with AutoModelForCausalLM (GPT2LMHeadModel or LlamaForCausalLM, as config.json
says), recomputes the mean next-token cross-entropy over the evaluation windows ScaleLab wrote
(scalelab_eval_tokens.bin: uint32 windows of context + 1 tokens), and compares it with ScaleLab's
value in scalelab_eval.json. Exit status 0 when they agree to --tolerance (default 1e-4).

Needs: pip install torch transformers safetensors   (optional; not part of the test suite)
Usage: python3 scripts/check_hf_export.py EXPORT_DIR [--tolerance 1e-4]
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForCausalLM


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("export_dir", type=Path)
    ap.add_argument("--tolerance", type=float, default=1e-4)
    ap.add_argument("--batch", type=int, default=8)
    args = ap.parse_args()

    info = json.loads((args.export_dir / "scalelab_eval.json").read_text())
    context = info["context"]
    windows = np.fromfile(args.export_dir / info["tokens_file"], dtype="<u4").astype(np.int64)
    windows = windows.reshape(info["windows"], context + 1)

    torch.set_num_threads(2)
    model = AutoModelForCausalLM.from_pretrained(args.export_dir).float()
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(windows), args.batch):
            w = torch.from_numpy(windows[i : i + args.batch])
            logits = model(input_ids=w[:, :-1]).logits.double()
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), w[:, 1:].reshape(-1), reduction="sum")
            total += loss.item()
            count += w[:, 1:].numel()
    torch_loss = total / count
    diff = abs(torch_loss - info["val_loss"])
    print(f"{type(model).__name__}: PyTorch loss {torch_loss:.6f}, ScaleLab {info['val_loss']:.6f}, |diff| {diff:.2e} "
          f"({'OK' if diff <= args.tolerance else 'MISMATCH'} at tolerance {args.tolerance:g})")
    return 0 if diff <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
