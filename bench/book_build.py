#!/usr/bin/env python
"""Wall time of `make book` with a warm environment (venv installed, npm packages and assets prepared).

    python bench/book_build.py              # fresh book build: chapters executed, HTML rebuilt from scratch
    python bench/book_build.py --incremental  # keep _build/ and book/chapters/ (what a second `make book` costs)
    python bench/book_build.py --runs 3     # repeat, report each and the best

Each timed run first removes the outputs of the book (book/chapters/, _build/html, _build/.doctrees,
_build/jupyter_execute, _build/notebooks) unless --incremental; it keeps .venv/, node_modules/ and _build/assets/
(the warm environment). If those are missing, one untimed warm-up build prepares them. Goal: under 180 s.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS = 180.0
OUTPUTS = ["book/chapters", "_build/html", "_build/.doctrees", "_build/jupyter_execute", "_build/notebooks"]


def command() -> list[str]:
    if shutil.which("make") and (ROOT / "Makefile").exists():
        return ["make", "--no-print-directory", "book"]
    return [str(ROOT / ".venv" / "bin" / "python"), str(ROOT / "tools" / "build_book.py")]


def build(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"build failed ({' '.join(cmd)}):\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    timings = [line for line in done.stdout.splitlines() if line.startswith("timings:")]
    return seconds, timings[-1] if timings else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--incremental", action="store_true", help="keep previous outputs")
    args = parser.parse_args()

    cmd = command()
    warm = (ROOT / "node_modules" / ".humanlike-lock.sha256").exists() and (ROOT / "_build" / "assets").exists()
    if not warm:
        print("warm-up build (npm packages, assets, kernelspec) ...", flush=True)
        build(cmd)

    results = []
    for run in range(1, args.runs + 1):
        if not args.incremental:
            for rel in OUTPUTS:
                shutil.rmtree(ROOT / rel, ignore_errors=True)
        seconds, timings = build(cmd)
        results.append(seconds)
        kind = "incremental" if args.incremental else "fresh"
        print(f"run {run}: {' '.join(cmd)} ({kind}): {seconds:.1f} s wall   [{timings}]", flush=True)
    best = min(results)
    verdict = "within" if best < GOAL_SECONDS else "OVER"
    print(f"book build: best {best:.1f} s over {len(results)} run(s); {verdict} the {GOAL_SECONDS:.0f} s goal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
