#!/usr/bin/env python3
"""Training throughput of ScaleLab against PyTorch on the same shapes, measured in the same run.

What it measures (issue 2, item 5 and "Speed, on 2 threads"):
  * `scalelab bench --json --threads N --preset NAME --seconds S` (skip with --skip-scalelab),
    S being the PyTorch side's --min-seconds, so both time windows are equally long;
  * the same preset in PyTorch, float32, N threads, eager and `torch.compile` (default mode):
    pre-LayerNorm GPT-2 (learned position embeddings, LayerNorm, causal attention through
    F.scaled_dot_product_attention(is_causal=True), GELU-tanh MLP of ratio 4, nn.Linear biases,
    final LayerNorm, output head tied to the token embedding), cross-entropy over the vocabulary,
    AdamW (lr 3e-4, weight decay 0.1 on the 2-D weights, the fused CPU kernel: measured here 2-6x
    faster than foreach on these shapes), random tokens. One step is zero_grad + forward +
    backward + optimizer step; steps are timed after warm-up (which includes compilation) for at
    least --min-steps steps and --min-seconds seconds, and tokens/s = tokens / elapsed time.
    ScaleLab's bench step also clips the global gradient norm; --grad-clip 1 adds the same
    (torch.nn.utils.clip_grad_norm_) to the PyTorch step, which by default has none;
  * the sgemm ceiling: ScaleLab's own figure (from its JSON, same run) and, measured here,
    torch.mm and numpy.matmul of a large square (default 2048^3) on N threads.
Per preset the three contenders run one after the other, --rounds times, and each keeps its best
round, so a burst of load from other processes on a shared machine hurts no one in particular.

Model FLOPs per token (the same count ScaleLab uses):
    6 * N_non_embedding + 6 * vocab * d_model + 6 * n_layer * context * d_model
where N_non_embedding counts every parameter except the token and position embeddings (layer
norms, biases and the final norm included). MFU = tokens/s * FLOPs per token / sgemm FLOP/s.
The table's MFU uses ScaleLab's sgemm ceiling of this run (its best over its calls), or
torch.mm's when ScaleLab is skipped; the JSON carries MFU against torch.mm's ceiling too.

Threads: OpenMP spin-waiting is ruinous on shared 2-core virtual machines (3-9x slower), so
before torch is imported the script sets OMP_WAIT_POLICY=PASSIVE (the PyPI wheel links GNU
libgomp, for itself and for MKL, and libgomp honours it; GOMP_SPINCOUNT=0 says the same),
KMP_BLOCKTIME=0 (for builds on Intel's OpenMP) and OMP_NUM_THREADS, MKL_NUM_THREADS and
OPENBLAS_NUM_THREADS = N. ScaleLab runs with the caller's environment, untouched. Absolute
figures on such machines swing by 2x between runs: only ratios measured in the same run count.

Install (optional, for this script only; ScaleLab itself needs no Python). PyTorch's PyPI wheel
for Linux x86-64 is the CUDA build, and its libtorch_cpu.so and libtorch_cuda.so are linked
against libcudart, cupti, cublas, cudnn, nccl, ...: `import torch` fails without those nvidia-*
packages even on a machine with no GPU, so they cannot be left out. What pip adds beyond them
(triton, cusolver, CUDA headers and Python bindings, about 1.3 GB) a CPU run never loads. From
PyPI alone, measured on a busy 2-core machine (Python 3.11), either of:

    python3 -m pip install --no-deps -r scripts/requirements-bench.txt   # 2-3 min, 4.1 GB
    python3 -m pip install torch==2.15.0 numpy                           # 2.5 min, 5.4 GB

The first pins torch 2.15.0, its pure-Python dependencies and the 12 nvidia-* libraries it links.
A virtual environment keeps all this apart: `python3 -m venv .venv-bench` in the repository root
(git-ignored), install with `.venv-bench/bin/python -m pip ...`, run the script with that python.
torch.compile on the CPU also needs a C++ compiler (g++) and the Python headers.

Usage:
    swift build -c release
    python3 scripts/bench_vs_pytorch.py                        # all presets, 2 threads, 2 rounds
    python3 scripts/bench_vs_pytorch.py --quick --preset small
    python3 scripts/bench_vs_pytorch.py --skip-scalelab --quick --json > torch.json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass

# name -> (d_model, n_layer, n_head, context, vocab, batch); identical to `scalelab bench`.
PRESETS = {
    "tiny": (64, 2, 2, 128, 512, 32),
    "small": (128, 4, 4, 256, 2048, 16),
    "medium": (256, 6, 8, 256, 4096, 16),
    "large": (384, 6, 6, 512, 8192, 8),
    # The shapes the quickstart and the labs train.
    "study-d32": (32, 2, 4, 128, 256, 16),
    "study-d48": (48, 3, 6, 128, 256, 16),
    "study-d96": (96, 6, 12, 128, 256, 16),
}
TORCH_MODES = ("torch_eager", "torch_compile")

SAME_RUN_NOTE = ("Absolute figures on shared virtual machines swing by 2x between runs; "
                 "only ratios measured in the same run are meaningful.")
INSTALL_HINT = ("python3 -m pip install --no-deps -r scripts/requirements-bench.txt  "
                "(or: python3 -m pip install torch==2.15.0 numpy; see the script's docstring)")


@dataclass(frozen=True)
class Shape:
    name: str
    d_model: int
    n_layer: int
    n_head: int
    context: int
    vocab: int
    batch: int

    @property
    def tokens_per_step(self) -> int:
        return self.batch * self.context


@dataclass(frozen=True)
class Timing:
    """Warm-up steps (once per trainer), then per round at least min_steps and min_seconds."""
    warmup_steps: int
    min_steps: int
    min_seconds: float


def non_embedding_params_formula(s: Shape) -> int:
    """Per layer: 2 LayerNorms (4d), qkv (3d^2+3d), proj (d^2+d), fc (4d^2+4d), fc2 (4d^2+d);
    plus the final LayerNorm (2d). The tied head adds no weight and has no bias."""
    d = s.d_model
    return s.n_layer * (12 * d * d + 13 * d) + 2 * d


def flops_per_token(s: Shape, n_non_embedding: int) -> int:
    """6*N_non_embedding + 6*vocab*d_model (output head) + 6*n_layer*context*d_model (attention)."""
    return 6 * n_non_embedding + 6 * s.vocab * s.d_model + 6 * s.n_layer * s.context * s.d_model


def mfu(tokens_per_s: float | None, fpt: int, gflops: float | None) -> float | None:
    if tokens_per_s is None or not gflops:
        return None
    return tokens_per_s * fpt / (gflops * 1e9)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def describe(error: Exception) -> str:
    first_line = (str(error).strip().splitlines() or [""])[0][:300]
    return f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__


# --------------------------------------------------------------------------------------------
# Environment: set before torch (and numpy) are imported, so OpenMP reads it when it starts.

def set_thread_environment(threads: int) -> dict[str, str]:
    settings = {
        "OMP_WAIT_POLICY": "PASSIVE",
        "GOMP_SPINCOUNT": "0",
        "KMP_BLOCKTIME": "0",
        "OMP_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
        "OPENBLAS_NUM_THREADS": str(threads),
    }
    os.environ.update(settings)
    return settings


def import_torch(threads: int):
    if "torch" in sys.modules:
        raise RuntimeError("torch was imported before the OpenMP environment was set")
    try:
        import torch  # noqa: PLC0415 -- deliberately late, after set_thread_environment
    except ImportError as error:
        sys.exit(f"error: cannot import torch ({error}).\nInstall it with: {INSTALL_HINT}")
    torch.set_num_threads(threads)
    # Without triton (the slim install) torch's FLOP counter warns; irrelevant on the CPU.
    logging.getLogger("torch.utils.flop_counter").setLevel(logging.ERROR)
    return torch


# --------------------------------------------------------------------------------------------
# ScaleLab

def check_scalelab_binary(binary: str) -> None:
    if not os.path.isfile(binary) or not os.access(binary, os.X_OK):
        sys.exit(f"error: ScaleLab binary {binary!r} not found or not executable.\n"
                 "Build it with `swift build -c release`, pass --scalelab PATH, "
                 "or run only PyTorch with --skip-scalelab.")


def run_scalelab(binary: str, threads: int, preset: str, seconds: float, extra_args: list[str],
                 environment: dict[str, str]) -> dict:
    """One `scalelab bench --json` call for one preset; exits with its error if it fails."""
    command = [binary, "bench", "--json", "--threads", str(threads), "--preset", preset,
               "--seconds", str(seconds), *extra_args]
    result = subprocess.run(command, capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        sys.exit(f"error: {shlex.join(command)} exited with {result.returncode}:\n"
                 f"{result.stderr.strip() or result.stdout.strip()}")
    try:
        report = json.loads(result.stdout)
        sgemm = float(report["sgemm_gflops"])
        entry = next(p for p in report["presets"] if p.get("name") == preset)
        tokens_per_s = float(entry["tokens_per_s"])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, StopIteration) as error:
        sys.exit(f"error: {shlex.join(command)} did not print the expected JSON object "
                 f"({describe(error)}): wanted sgemm_gflops and presets[name={preset!r}]"
                 f".tokens_per_s; its output began {result.stdout[:300]!r}")
    return {"tokens_per_s": tokens_per_s, "sgemm_gflops": sgemm,
            "threads": report.get("threads"), "entry": entry}


def check_scalelab_counts(s: Shape, entry: dict, n_ne: int, fpt: int) -> None:
    """Warn when ScaleLab counts other parameters or FLOPs than this script: then the shapes or
    the conventions differ and the comparison is not like for like."""
    its_n_ne = entry.get("n_params_non_embedding")
    if its_n_ne is not None and int(its_n_ne) != n_ne:
        log(f"warning: {s.name}: ScaleLab counts {its_n_ne} non-embedding parameters, "
            f"PyTorch's model has {n_ne}")
    its_fpt = entry.get("flops_per_token")
    if its_fpt is None and entry.get("model_gflops") and entry.get("tokens_per_s"):
        its_fpt = float(entry["model_gflops"]) * 1e9 / float(entry["tokens_per_s"])
    if its_fpt is not None and abs(float(its_fpt) - fpt) > 0.005 * fpt:
        log(f"warning: {s.name}: ScaleLab counts {float(its_fpt):.6g} FLOPs/token, "
            f"this script {fpt:.6g}")


# --------------------------------------------------------------------------------------------
# PyTorch model: nanoGPT-style pre-LayerNorm GPT-2

def build_model(torch, s: Shape):
    nn, F = torch.nn, torch.nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = nn.Linear(s.d_model, 3 * s.d_model)
            self.proj = nn.Linear(s.d_model, s.d_model)

        def forward(self, x):
            b, t, d = x.shape
            q, k, v = self.qkv(x).split(d, dim=2)
            q, k, v = (z.view(b, t, s.n_head, d // s.n_head).transpose(1, 2) for z in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.proj(y.transpose(1, 2).reshape(b, t, d))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1 = nn.LayerNorm(s.d_model)
            self.attn = CausalSelfAttention()
            self.ln2 = nn.LayerNorm(s.d_model)
            self.fc = nn.Linear(s.d_model, 4 * s.d_model)
            self.fc2 = nn.Linear(4 * s.d_model, s.d_model)

        def forward(self, x):
            x = x + self.attn(self.ln1(x))
            return x + self.fc2(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(s.vocab, s.d_model)
            self.wpe = nn.Embedding(s.context, s.d_model)
            self.blocks = nn.ModuleList(Block() for _ in range(s.n_layer))
            self.ln_f = nn.LayerNorm(s.d_model)
            self.head = nn.Linear(s.d_model, s.vocab, bias=False)
            self.head.weight = self.wte.weight  # tied input/output embeddings
            self.apply(self._init)
            for block in self.blocks:  # GPT-2 scaled residual init
                for proj in (block.attn.proj, block.fc2):
                    nn.init.normal_(proj.weight, std=0.02 / (2 * s.n_layer) ** 0.5)

        @staticmethod
        def _init(module):
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, std=0.02)
            if isinstance(module, nn.Linear) and module.bias is not None:
                nn.init.zeros_(module.bias)

        def forward(self, idx, targets):
            positions = torch.arange(idx.shape[1], device=idx.device)
            x = self.wte(idx) + self.wpe(positions)
            for block in self.blocks:
                x = block(x)
            logits = self.head(self.ln_f(x))
            return F.cross_entropy(logits.view(-1, s.vocab), targets.view(-1))

    return GPT()


def count_non_embedding(model) -> int:
    embeddings = {id(model.wte.weight), id(model.wpe.weight)}
    return sum(p.numel() for p in model.parameters() if id(p) not in embeddings)


def make_optimizer(torch, model, implementation: str):
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}]
    flags = {"fused": {"fused": True}, "foreach": {"foreach": True},
             "for-loop": {"foreach": False}}[implementation]
    return torch.optim.AdamW(groups, lr=3e-4, betas=(0.9, 0.95), **flags)


class TorchTrainer:
    """One model + AdamW + a few random batches; steps are full training steps."""

    def __init__(self, torch, s: Shape, compiled: bool, adamw: str, grad_clip: float, seed: int):
        self.torch, self.shape, self.grad_clip, self.steps_done = torch, s, grad_clip, 0
        torch.manual_seed(seed)
        self.model = build_model(torch, s).train()
        self.optimizer = make_optimizer(torch, self.model, adamw)
        if compiled:
            # Fresh Dynamo state per preset: otherwise the second shape through the same code
            # object is recompiled with dynamic shapes (automatic_dynamic_shapes), which is slower.
            torch._dynamo.reset()
        self.forward = torch.compile(self.model) if compiled else self.model
        generator = torch.Generator().manual_seed(seed)
        self.batches = [tuple(torch.randint(0, s.vocab, (s.batch, s.context), generator=generator)
                              for _ in range(2)) for _ in range(4)]

    def step(self):
        self.optimizer.zero_grad(set_to_none=True)
        x, y = self.batches[self.steps_done % len(self.batches)]
        loss = self.forward(x, y)
        loss.backward()
        if self.grad_clip > 0:
            self.torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
        self.optimizer.step()
        self.steps_done += 1
        return loss

    def warm_up(self, steps: int) -> float:
        start = time.perf_counter()
        for _ in range(steps):
            loss = self.step()
        if steps and not self.torch.isfinite(loss):
            raise RuntimeError(f"non-finite loss {loss.item()} during warm-up")
        return time.perf_counter() - start

    def measure(self, timing: Timing) -> dict:
        step_seconds, start = [], time.perf_counter()
        while len(step_seconds) < timing.min_steps or \
                time.perf_counter() - start < timing.min_seconds:
            step_start = time.perf_counter()
            loss = self.step()  # CPU ops are synchronous: the step is done when this returns
            step_seconds.append(time.perf_counter() - step_start)
        elapsed = time.perf_counter() - start
        return {"tokens_per_s": len(step_seconds) * self.shape.tokens_per_step / elapsed,
                "steps": len(step_seconds), "seconds": elapsed,
                "median_step_s": statistics.median(step_seconds), "loss": loss.item()}


# --------------------------------------------------------------------------------------------
# sgemm ceiling measured here

def time_square_matmul(multiply, n: int, min_seconds: float) -> float:
    """GFLOP/s of 2n^3 multiply-adds, best of repeated calls after two warm-up calls."""
    multiply(), multiply()
    best, spent = float("inf"), 0.0
    while spent < min_seconds or best == float("inf"):
        start = time.perf_counter()
        multiply()
        took = time.perf_counter() - start
        best, spent = min(best, took), spent + took
    return 2 * n ** 3 / best / 1e9


def measure_sgemm(torch, n: int, min_seconds: float) -> dict:
    """torch.mm (MKL in the PyPI wheel) and numpy.matmul (its bundled OpenBLAS), N threads."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    out = torch.empty(n, n)
    result = {"size": n, "torch_mm_gflops": time_square_matmul(
        lambda: torch.mm(a, b, out=out), n, min_seconds)}
    try:
        import numpy as np  # noqa: PLC0415 -- optional
        x, y, z = a.numpy(), b.numpy(), out.numpy().copy()
        result["numpy_matmul_gflops"] = time_square_matmul(
            lambda: np.matmul(x, y, out=z), n, min_seconds)
        result["numpy_version"] = np.__version__
    except ImportError:
        result["numpy_matmul_gflops"] = None
    return result


# --------------------------------------------------------------------------------------------
# One preset: ScaleLab, eager and compiled PyTorch interleaved over rounds

def make_trainers(torch, s: Shape, args, warmups: dict[str, int]) -> tuple[dict, dict]:
    """Builds and warms up the PyTorch trainers; a failing mode becomes an error entry."""
    trainers, results = {}, {}
    for mode in TORCH_MODES:
        if mode == "torch_compile" and args.no_compile:
            results[mode] = {"error": "skipped (--no-compile)"}
            continue
        try:
            trainer = TorchTrainer(torch, s, mode == "torch_compile", args.adamw, args.grad_clip,
                                   args.seed)
            seconds = trainer.warm_up(warmups[mode])
            trainers[mode] = trainer
            results[mode] = {"warmup_steps": warmups[mode], "warmup_s": seconds, "rounds": []}
            log(f"  {s.name}: {mode} warm-up {warmups[mode]} steps in {seconds:.1f} s")
        except Exception as error:  # noqa: BLE001 -- torch.compile can fail in many ways
            results[mode] = {"error": describe(error)}
            log(f"  {s.name}: {mode} FAILED ({results[mode]['error']}); continuing without it")
    return trainers, results


def bench_preset(torch, s: Shape, args, timing: Timing, warmups: dict[str, int],
                 scalelab_environment: dict[str, str] | None) -> dict:
    trainers, results = make_trainers(torch, s, args, warmups)
    scalelab_rounds = []
    for round_index in range(args.rounds):
        if scalelab_environment is not None:
            scalelab_rounds.append(run_scalelab(args.scalelab, args.threads, s.name,
                                                args.min_seconds, shlex.split(args.scalelab_args),
                                                scalelab_environment))
            log(f"  {s.name} round {round_index + 1}: scalelab "
                f"{scalelab_rounds[-1]['tokens_per_s']:.0f} tokens/s")
        for mode, trainer in list(trainers.items()):
            try:
                measured = trainer.measure(timing)
            except Exception as error:  # noqa: BLE001 -- e.g. a recompilation that fails
                results[mode] = {"error": describe(error)}
                del trainers[mode]
                log(f"  {s.name}: {mode} FAILED ({results[mode]['error']}); continuing")
                continue
            results[mode]["rounds"].append(measured)
            log(f"  {s.name} round {round_index + 1}: {mode} {measured['tokens_per_s']:.0f} "
                f"tokens/s ({measured['steps']} steps in {measured['seconds']:.1f} s)")
    for mode in trainers:
        results[mode]["tokens_per_s"] = max(r["tokens_per_s"] for r in results[mode]["rounds"])
    if scalelab_rounds:
        results["scalelab"] = {"tokens_per_s": max(r["tokens_per_s"] for r in scalelab_rounds),
                               "rounds": scalelab_rounds}
    return results


def summarize_preset(s: Shape, n_ne: int, results: dict, ceiling: float,
                     torch_mm_gflops: float) -> dict:
    fpt = flops_per_token(s, n_ne)
    summary = {**asdict(s), "n_non_embedding": n_ne, "flops_per_token": fpt,
               "scalelab": results.get("scalelab")}
    for system in ("scalelab", *TORCH_MODES):
        entry = results.get(system)
        if entry and "tokens_per_s" in entry:
            entry["mfu"] = mfu(entry["tokens_per_s"], fpt, ceiling)
            entry["mfu_vs_torch_mm"] = mfu(entry["tokens_per_s"], fpt, torch_mm_gflops)
        summary[system] = entry
    best = max((results[m]["tokens_per_s"] for m in TORCH_MODES if "tokens_per_s" in results[m]),
               default=None)
    summary["best_torch_tokens_per_s"] = best
    for mode in TORCH_MODES:
        summary[f"scalelab_over_{mode}"] = (
            summary["scalelab"]["tokens_per_s"] / results[mode]["tokens_per_s"]
            if summary["scalelab"] and "tokens_per_s" in results[mode] else None)
    summary["scalelab_over_best_torch"] = (summary["scalelab"]["tokens_per_s"] / best
                                           if summary["scalelab"] and best else None)
    return summary


# --------------------------------------------------------------------------------------------
# Report

def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(report: dict) -> None:
    ceiling, sg = report["mfu_reference"], report["sgemm"]
    print(f"\nScaleLab vs PyTorch: training steps, float32, {report['threads']} threads, "
          f"best of {report['rounds']} round(s) each")
    print(f"sgemm ceilings, {report['threads']} threads: ScaleLab's (same run) "
          f"{fmt(sg['scalelab_gflops'], '.1f')} GFLOP/s; measured here on {sg['size']}^3 "
          f"(best of start and end): "
          f"torch.mm {sg['torch_mm_gflops']:.1f} GFLOP/s, "
          f"numpy.matmul {fmt(sg['numpy_matmul_gflops'], '.1f')} GFLOP/s")
    print(f"MFU below = model FLOP/s / {ceiling['label']} ({ceiling['gflops']:.1f} GFLOP/s)\n")
    header = (f"{'preset':<9} {'MFLOP/tok':>9} | {'ScaleLab tok/s':>14} {'MFU':>5} | "
              f"{'eager tok/s':>11} {'MFU':>5} | {'compile tok/s':>13} {'MFU':>5} | "
              f"{'ScaleLab/best torch':>19}")
    print(header)
    print("-" * len(header))
    for p in report["presets"]:
        cells = []
        for system, width in (("scalelab", 14), ("torch_eager", 11), ("torch_compile", 13)):
            entry = p[system] or {}
            cells.append(f"{fmt(entry.get('tokens_per_s'), f'{width}.0f'):>{width}} "
                         f"{fmt(entry.get('mfu'), '.3f'):>5}")
        print(f"{p['name']:<9} {p['flops_per_token'] / 1e6:>9.2f} | " + " | ".join(cells)
              + f" | {fmt(p['scalelab_over_best_torch'], '19.2f'):>19}")
    for p in report["presets"]:
        for mode in TORCH_MODES:
            if "error" in p[mode]:
                print(f"note: {p['name']}: {mode} did not run: {p[mode]['error']}")
    v, load = report["versions"], report["load_average_1min"]
    print(f"\npython {v['python']}, torch {v['torch']} ({report['torch_threads']} threads), "
          f"AdamW {report['adamw']}, gradient clipping {report['torch_grad_clip'] or 'none'}; "
          f"ScaleLab threads {fmt(report['scalelab_threads'], 'd')}")
    print("environment for torch: " + " ".join(f"{k}={val}"
                                                for k, val in report["environment"].items()))
    print(f"1-minute load average: {load['before']:.2f} before, {load['after']:.2f} after "
          f"(above {report['threads']} means other work shared the cores)")
    print(f"note: {SAME_RUN_NOTE}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Install PyTorch (optional, only for this script): " + INSTALL_HINT)
    parser.add_argument("--scalelab", default=".build/release/scalelab", metavar="PATH",
                        help="ScaleLab binary (default: %(default)s)")
    parser.add_argument("--skip-scalelab", action="store_true",
                        help="measure PyTorch only (MFU then uses torch.mm's sgemm ceiling)")
    parser.add_argument("--scalelab-args", default="", metavar="ARGS",
                        help="extra arguments for `scalelab bench`, one shell-quoted string; "
                             "they come last, so they override (e.g. '--seconds 5')")
    parser.add_argument("--threads", type=int, default=2, help="threads for both (default: 2)")
    parser.add_argument("--preset", action="append", choices=list(PRESETS), dest="presets",
                        help="preset to run; repeatable (default: all, smallest first)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="interleaved rounds per preset, each contender's best kept "
                             "(default: 2; 1 with --quick)")
    parser.add_argument("--warmup", type=int, default=3,
                        help="warm-up steps, eager (default: 3; compile gets 2 more)")
    parser.add_argument("--min-steps", type=int, default=5,
                        help="timed steps per round at least (default: 5)")
    parser.add_argument("--min-seconds", type=float, default=3.0,
                        help="timed seconds per round at least (default: 3)")
    parser.add_argument("--quick", action="store_true",
                        help="short run: 1 warm-up step (2 compiled), 1 round of >= 2 steps and "
                             ">= 0.5 s, 0.5 s of sgemm")
    parser.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    parser.add_argument("--adamw", choices=["fused", "foreach", "for-loop"], default="fused",
                        help="PyTorch AdamW implementation (default: %(default)s)")
    parser.add_argument("--grad-clip", type=float, default=0.0, metavar="NORM",
                        help="clip PyTorch's global gradient norm to NORM each step, as ScaleLab's "
                             "bench does with 1 (default: 0, no clipping)")
    parser.add_argument("--sgemm-size", type=int, default=2048,
                        help="side of the square sgemm measured here (default: 2048)")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights and tokens")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object on stdout instead of the table")
    args = parser.parse_args()
    if args.quick:
        args.warmup, args.min_steps, args.min_seconds = 1, 2, 0.5
    if args.rounds is None:
        args.rounds = 1 if args.quick else 2
    if args.threads < 1 or args.rounds < 1 or args.min_steps < 1:
        parser.error("--threads, --rounds and --min-steps must be at least 1")
    if args.warmup < 0 or args.grad_clip < 0 or args.min_seconds <= 0:
        parser.error("--warmup and --grad-clip must not be negative, "
                     "--min-seconds must be positive")
    if args.sgemm_size < 64:
        parser.error("--sgemm-size must be at least 64")
    args.presets = sorted(set(args.presets or PRESETS), key=list(PRESETS).index)
    return args


def main() -> None:
    args = parse_args()
    load_before = os.getloadavg()
    scalelab_environment = None if args.skip_scalelab else dict(os.environ)  # caller's, as is
    if not args.skip_scalelab:
        check_scalelab_binary(args.scalelab)
    environment = set_thread_environment(args.threads)
    torch = import_torch(args.threads)
    log(f"torch {torch.__version__}, {torch.get_num_threads()} threads; measuring sgemm ...")
    sgemm = measure_sgemm(torch, args.sgemm_size, 0.5 if args.quick else 2.0)
    log(f"sgemm {args.sgemm_size}^3: torch.mm {sgemm['torch_mm_gflops']:.1f} GFLOP/s, "
        f"numpy.matmul {fmt(sgemm['numpy_matmul_gflops'], '.1f')} GFLOP/s")

    timing = Timing(args.warmup, args.min_steps, args.min_seconds)
    # torch.compile's first steps compile (forward, then backward): two more to settle.
    warmups = {"torch_eager": args.warmup, "torch_compile": args.warmup + (1 if args.quick else 2)}
    measured = []
    for name in args.presets:
        s = Shape(name, *PRESETS[name])
        n_ne = count_non_embedding(build_model(torch, s))
        if n_ne != non_embedding_params_formula(s):
            raise AssertionError(f"{name}: model has {n_ne} non-embedding parameters, "
                                 f"formula says {non_embedding_params_formula(s)}")
        log(f"{name}: {flops_per_token(s, n_ne) / 1e6:.2f} MFLOP/token, "
            f"{s.tokens_per_step} tokens/step")
        results = bench_preset(torch, s, args, timing, warmups, scalelab_environment)
        if "scalelab" in results:
            check_scalelab_counts(s, results["scalelab"]["rounds"][0]["entry"], n_ne,
                                  flops_per_token(s, n_ne))
        measured.append((s, n_ne, results))

    # The load on a shared machine changes during the run: measure again, keep each one's best.
    again = measure_sgemm(torch, args.sgemm_size, 0.5 if args.quick else 2.0)
    for key in ("torch_mm_gflops", "numpy_matmul_gflops"):
        sgemm[key + "_start_end"] = [sgemm[key], again[key]]
        sgemm[key] = max(sgemm[key], again[key]) if sgemm[key] else None

    scalelab_sgemms = [r["sgemm_gflops"] for _, _, res in measured
                       for r in res.get("scalelab", {}).get("rounds", [])]
    sgemm["scalelab_gflops"] = max(scalelab_sgemms, default=None)
    if sgemm["scalelab_gflops"]:
        reference = {"label": "ScaleLab's sgemm (same run, best of its calls)",
                     "gflops": sgemm["scalelab_gflops"]}
    else:
        reference = {"label": f"torch.mm {args.sgemm_size}^3 (ScaleLab not run)",
                     "gflops": sgemm["torch_mm_gflops"]}
    thread_counts = {r["threads"] for _, _, res in measured
                     for r in res.get("scalelab", {}).get("rounds", [])}
    report = {
        "threads": args.threads,
        "torch_threads": torch.get_num_threads(),
        "scalelab_threads": thread_counts.pop() if len(thread_counts) == 1 else None,
        "rounds": args.rounds,
        "quick": args.quick,
        "adamw": args.adamw,
        "torch_grad_clip": args.grad_clip,
        "sgemm": sgemm,
        "mfu_reference": reference,
        "presets": [summarize_preset(s, n_ne, res, reference["gflops"], sgemm["torch_mm_gflops"])
                    for s, n_ne, res in measured],
        "environment": environment,
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "platform": platform.platform()},
        "scalelab_binary": None if args.skip_scalelab else args.scalelab,
        "load_average_1min": {"before": load_before[0], "after": os.getloadavg()[0]},
        "note": SAME_RUN_NOTE,
    }
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        print_table(report)


if __name__ == "__main__":
    main()
