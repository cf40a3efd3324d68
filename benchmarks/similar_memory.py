"""Peak memory of ``digest run --no-pdf`` on an inbox of N short, nearly alike articles.

    python benchmarks/similar_memory.py 20000 [--folder DIR]

Each file is one sentence, "<Name> of <Name> said the <Name> plan number N would cost M million.",
with names drawn (seeded) from a small pool: every article shares words and names with thousands
of others, so the similarity graph is one giant connected component. The run is a real subprocess;
its peak resident set size (the children's ``ru_maxrss``) and wall time are printed.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NAMES = (
    "Alder Amsel Brandt Castell Dorn Eber Falk Garrow Hagen Ilse Jorn Kessel Lind Marr Norr Olden Pell Quist "
    "Rask Sand Tarn Ulm Vell Wend Yser Zorn"
).split()


def make_inbox(folder: Path, count: int, seed: int = 15) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        first, second, third = (rng.choice(NAMES) for _ in range(3))
        text = f"{first} of {second} said the {third} plan number {n} would cost {rng.randint(1, 900)} million.\n"
        (folder / f"similar-{n:05d}.txt").write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, nargs="?", default=20_000)
    parser.add_argument("--folder", type=Path, help="work here (default: a temporary folder, removed after)")
    args = parser.parse_args()
    root = args.folder or Path(tempfile.mkdtemp(prefix="digest-similar-"))
    try:
        inbox = root / "inbox"
        if not inbox.is_dir():
            make_inbox(inbox, args.count)
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "digest", "run", "--no-pdf", "-q", "--timezone", "UTC", "--date", "2026-01-05",
             "--inbox", str(inbox), "--output", str(root / "output")],
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
            capture_output=True,
            text=True,
        )  # fmt: skip
        elapsed = time.monotonic() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
        print(f"{args.count} similar articles: exit {done.returncode}, {elapsed:.1f} s, peak RSS {peak:.0f} MiB")
        if done.returncode:
            print(done.stderr[-2000:], file=sys.stderr)
        return done.returncode
    finally:
        if args.folder is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
