#!/usr/bin/env python3
"""Interoperability of ScaleLab's tokenizer files with Hugging Face `tokenizers` (optional check,
not part of the Swift tests; needs `pip install tokenizers`).

1. ScaleLab trains a vocabulary and saves tokenizer.json; `tokenizers` loads it and must give the
   same ids as ScaleLab on the corpus and on random Unicode texts.
2. `tokenizers` trains a vocabulary and saves vocab.json + merges.txt (and tokenizer.json);
   ScaleLab loads each and must give the same ids as `tokenizers`.
3. Reports how far the two trainers' merge lists agree on the same corpus: they differ in how
   ties between equally frequent pairs are broken; with `--tie-break huggingface` ScaleLab's
   merge list must equal the `tokenizers` one exactly.

Usage: python3 scripts/check_tokenizer_interop.py [--input TEXT] [--vocab-size 8192] [--scalelab BIN]
Exit status 1 if any id differs.
"""
import argparse, os, random, sys, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tokenizer_bench_common import find_scalelab, shakespeare_corpus, read_shard, scalelab_encode
import subprocess

EOT = "<|endoftext|>"


def random_texts(rng, n):
    ranges = [(0x20, 0x7E), (0x09, 0x0D), (0xA0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x590, 0x6FF), (0x900, 0x97F),
              (0x2000, 0x206F), (0x3000, 0x30FF), (0x4E00, 0x4FFF), (0xFF00, 0xFFEF), (0x1F300, 0x1F64F), (0x1D400, 0x1D7FF)]
    words = ["the", " the", "'s", "'ll", " don't", "  ", "\n\n", " 123", "4.5", "...", " --", "Ünïcode", "naïve", " 東京"]
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 40)):
            if rng.random() < 0.5:
                parts.append(rng.choice(words))
            else:
                lo, hi = rng.choice(ranges)
                cp = rng.randint(lo, hi)
                if not (0xD800 <= cp <= 0xDFFF):
                    parts.append(chr(cp))
        out.append("".join(parts).replace(EOT, ""))
    return out


def compare(name, expected, got):
    if expected == got:
        print(f"  {name}: identical ({len(expected)} ids)")
        return True
    i = next((k for k, (a, b) in enumerate(zip(expected, got)) if a != b), min(len(expected), len(got)))
    print(f"  {name}: DIFFERENT at id {i} of {len(expected)} vs {len(got)}: {expected[i:i+8]} vs {got[i:i+8]}")
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input")
    ap.add_argument("--vocab-size", type=int, default=8192)
    ap.add_argument("--scalelab")
    ap.add_argument("--texts", type=int, default=3000)
    args = ap.parse_args()
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers, decoders
    import tokenizers
    scalelab = find_scalelab(args.scalelab)
    work = tempfile.mkdtemp(prefix="scalelab-interop-")
    corpus = args.input or shakespeare_corpus(work)
    corpus_text = open(corpus, encoding="utf-8").read()
    rng = random.Random(1234)
    # Texts joined by the special token: both libraries split there, so the id streams compare text by text.
    probe = EOT.join(random_texts(rng, args.texts) + [corpus_text[:200000]])
    probe_path = os.path.join(work, "probe.txt")
    open(probe_path, "w", encoding="utf-8").write(probe)
    ok = True
    print(f"tokenizers {tokenizers.__version__}, corpus {corpus} ({len(corpus_text.encode())} bytes), vocab {args.vocab_size}")

    # 1. ScaleLab → tokenizers
    ours = os.path.join(work, "scalelab_tok")
    subprocess.run([scalelab, "tokenizer", "train", "--input", corpus, "--vocab-size", str(args.vocab_size), "--out", ours],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    hf_loaded = Tokenizer.from_file(os.path.join(ours, "tokenizer.json"))
    print("1. ScaleLab-trained tokenizer.json loaded in tokenizers:")
    for name, path, text in [("corpus", corpus, corpus_text), ("random texts", probe_path, probe)]:
        shard = os.path.join(work, "ours.bin")
        scalelab_encode(scalelab, ours, path, shard)
        ok &= compare(name, hf_loaded.encode(text).ids, read_shard(shard, args.vocab_size))
    ok &= compare("decode(corpus ids)", [ord(c) for c in corpus_text[:100000]],
                  [ord(c) for c in hf_loaded.decode(hf_loaded.encode(corpus_text[:100000]).ids)])

    # 2. tokenizers → ScaleLab
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=args.vocab_size, special_tokens=[EOT], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    # One sequence, like ScaleLab: `train([file])` would read the file line by line, so its
    # pre-tokens could never span a newline (" \n" at a line end differs) and merges would differ.
    tok.train_from_iterator([corpus_text], trainer)
    theirs = os.path.join(work, "hf_tok")
    os.makedirs(theirs)
    tok.model.save(theirs)  # vocab.json + merges.txt
    tok.save(os.path.join(theirs, "hf_tokenizer.json"))
    print("2. tokenizers-trained files loaded in ScaleLab:")
    for fmt, path in [("vocab.json+merges.txt", os.path.join(theirs, "vocab.json")), ("tokenizer.json", os.path.join(theirs, "hf_tokenizer.json"))]:
        for name, text_path, text in [("corpus", corpus, corpus_text), ("random texts", probe_path, probe)]:
            shard = os.path.join(work, "theirs.bin")
            scalelab_encode(scalelab, path, text_path, shard)
            ok &= compare(f"{fmt}, {name}", tok.encode(text).ids, read_shard(shard, tok.get_vocab_size()))

    # 3. merge lists
    ours_merges = open(os.path.join(ours, "merges.txt"), encoding="utf-8").read().split("\n")[1:]
    theirs_merges = open(os.path.join(theirs, "merges.txt"), encoding="utf-8").read().split("\n")[1:]
    ours_merges = [m for m in ours_merges if m]
    theirs_merges = [m for m in theirs_merges if m]
    prefix = next((i for i, (a, b) in enumerate(zip(ours_merges, theirs_merges)) if a != b), min(len(ours_merges), len(theirs_merges)))
    common = len(set(ours_merges) & set(theirs_merges))
    print(f"3. merges: ScaleLab {len(ours_merges)}, tokenizers {len(theirs_merges)}; identical prefix {prefix}; "
          f"same set members {common} ({100 * common / max(1, len(theirs_merges)):.1f}%)")
    if prefix < min(len(ours_merges), len(theirs_merges)):
        print(f"   first difference at merge {prefix}: ScaleLab {ours_merges[prefix]!r} vs tokenizers {theirs_merges[prefix]!r}")
    hfrule = os.path.join(work, "scalelab_hfrule")
    subprocess.run([scalelab, "tokenizer", "train", "--input", corpus, "--vocab-size", str(args.vocab_size), "--out", hfrule,
                    "--tie-break", "huggingface"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    hf_merges = [m for m in open(os.path.join(hfrule, "merges.txt"), encoding="utf-8").read().split("\n")[1:] if m]
    same = hf_merges == theirs_merges
    print(f"   with --tie-break huggingface: merge lists {'identical' if same else 'DIFFERENT'} ({len(hf_merges)} vs {len(theirs_merges)})")
    ok &= same
    print("interop: OK" if ok else "interop: FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
