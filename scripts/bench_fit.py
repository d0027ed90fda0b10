#!/usr/bin/env python3
"""Benchmark: Chinchilla approach 3 with the full 4500-start Hoffmann grid, scipy vs ScaleLab.

Both sides fit the same objective on the same data, in the same run of this script:
  data       ../shared/reference/chinchilla/svg_extracted_data.csv (or --csv), D = C/(6N),
             the 5 highest-loss runs dropped (240 remain);
  objective  sum_i Huber_1e-3( LSE(a - alpha log N_i, b - beta log D_i, e) - log L_i );
  scipy      scipy.optimize.minimize(method="L-BFGS-B") with an analytic gradient from every
             grid start, default tolerances (the Epoch "replicate exactly" configuration),
             single-threaded BLAS;
  ScaleLab   `scalelab fit --law chinchilla` (own L-BFGS, strong Wolfe line search, tighter
             tolerances than scipy's defaults, both cores), timed as a whole process (CSV
             reading and JSON output included).
Prints both wall times, the ratio, and both parameter sets.

Optional: --bootstrap K runs ScaleLab's bootstrap with --bootstrap-grid-starts S (refits from
the full-data optimum plus S grid starts; S=4500 is the full grid per resample and takes
about K x (one fit) time) and checks the 95% intervals of alpha and beta against the Epoch
replication's (0.317-0.373, 0.331-0.415) within +-0.01.

Usage: python3 scripts/bench_fit.py [--scalelab PATH] [--csv PATH] [--bootstrap K --bootstrap-grid-starts S]
scipy and numpy are needed only for this benchmark.
"""
import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # tiny arrays: BLAS threads only add contention

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy.optimize import minimize  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CSV = os.path.join(os.path.dirname(ROOT), "shared", "reference", "chinchilla", "svg_extracted_data.csv")
DELTA = 1e-3


def read_points(path):
    n, c, loss = [], [], []
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            n.append(float(row["Model Size"]))
            c.append(float(row["Training FLOP"]))
            loss.append(float(row["loss"]))
    n, c, loss = np.array(n), np.array(c), np.array(loss)
    keep = np.argsort(-loss, kind="stable")[5:]  # drop the 5 highest losses
    keep.sort()
    n, c, loss = n[keep], c[keep], loss[keep]
    return np.log(n), np.log(c / (6.0 * n)), np.log(loss)


def objective_with_gradient(log_n, log_d, log_l):
    def f(theta):
        a, b, e, alpha, beta = theta
        terms = np.vstack([a - alpha * log_n, b - beta * log_d, np.full(log_n.shape, e)])
        top = terms.max(axis=0)
        ex = np.exp(terms - top)
        total = ex.sum(axis=0)
        r = top + np.log(total) - log_l
        absr = np.abs(r)
        value = np.where(absr <= DELTA, 0.5 * r * r, DELTA * (absr - 0.5 * DELTA)).sum()
        psi = np.clip(r, -DELTA, DELTA) / total
        grad = np.array([psi @ ex[0], psi @ ex[1], psi @ ex[2],
                         -(psi * ex[0]) @ log_n, -(psi * ex[1]) @ log_d])
        return value, grad
    return f


def hoffmann_grid():
    for alpha in np.arange(0, 2.01, 0.5):
        for beta in np.arange(0, 2.01, 0.5):
            for e in np.arange(-1, 1.01, 0.5):
                for a in np.arange(0, 25.01, 5):
                    for b in np.arange(0, 25.01, 5):
                        yield np.array([a, b, e, alpha, beta])


def scipy_fit(f):
    best = None
    for x0 in hoffmann_grid():
        res = minimize(f, x0, jac=True, method="L-BFGS-B")
        if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
            best = res
    return best


def run_scalelab(exe, csv_path, extra):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "fit.json")
        cmd = [exe, "fit", csv_path, "--law", "chinchilla", "--map", "N=Model Size", "--map", "C=Training FLOP",
               "--drop-highest-loss", "5", "--rollout-steps", "0", "--out", out] + extra
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        with open(out) as fh:
            return wall, json.load(fh)["fits"][0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scalelab", default=os.path.join(ROOT, ".build", "release", "scalelab"))
    ap.add_argument("--csv", default=DEFAULT_CSV)
    ap.add_argument("--bootstrap", type=int, default=0)
    ap.add_argument("--bootstrap-grid-starts", type=int, default=4500)
    args = ap.parse_args()
    if not os.path.exists(args.csv):
        print("reference data not found at %s (it lives in ../shared); nothing to benchmark" % args.csv)
        return 0
    if not os.access(args.scalelab, os.X_OK):
        print("scalelab binary not found at %s; build with `swift build -c release` or pass --scalelab" % args.scalelab)
        return 1

    log_n, log_d, log_l = read_points(args.csv)
    f = objective_with_gradient(log_n, log_d, log_l)
    t0 = time.perf_counter()
    best = scipy_fit(f)
    scipy_wall = time.perf_counter() - t0
    a, b, e, alpha, beta = best.x
    print("scipy L-BFGS-B, 4500 starts:  %.2f s  objective %.10g  A=%.2f B=%.1f E=%.4f alpha=%.5f beta=%.5f"
          % (scipy_wall, best.fun, np.exp(a), np.exp(b), np.exp(e), alpha, beta))

    ours_wall, fit = run_scalelab(args.scalelab, args.csv, [])
    p = fit["params"]
    print("scalelab fit, 4500 starts:    %.2f s  objective %.10g  A=%.2f B=%.1f E=%.4f alpha=%.5f beta=%.5f"
          % (ours_wall, fit["goodness"]["objective"], p["A"], p["B"], p["E"], p["alpha"], p["beta"]))
    ratio = scipy_wall / ours_wall
    print("speed ratio (scipy / scalelab): %.1fx  %s" % (ratio, "(>= 10x: ok)" if ratio >= 10 else "(below the 10x target)"))

    status = 0
    if args.bootstrap > 0:
        wall, fit = run_scalelab(args.scalelab, args.csv, ["--bootstrap", str(args.bootstrap),
                                                            "--bootstrap-grid-starts", str(args.bootstrap_grid_starts), "--seed", "42"])
        ci = fit["ci95"]
        ok_a = abs(ci["alpha"][0] - 0.317) <= 0.01 and abs(ci["alpha"][1] - 0.373) <= 0.01
        ok_b = abs(ci["beta"][0] - 0.331) <= 0.01 and abs(ci["beta"][1] - 0.415) <= 0.01
        print("bootstrap x%d (grid starts %d per refit): %.1f s; 95%% CI alpha (%.4f, %.4f) %s, beta (%.4f, %.4f) %s"
              % (args.bootstrap, args.bootstrap_grid_starts, wall, ci["alpha"][0], ci["alpha"][1], "ok" if ok_a else "OFF",
                 ci["beta"][0], ci["beta"][1], "ok" if ok_b else "OFF"))
        status = 0 if (ok_a and ok_b) else 1
    return status


if __name__ == "__main__":
    sys.exit(main())
