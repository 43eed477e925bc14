"""`make bench`: build (or reuse) the data set, run every benchmark, write docs/performance.md.

    .venv/bin/python bench/run.py                     # the large scale, every benchmark
    .venv/bin/python bench/run.py --scale small       # the smoke run: minutes, not an hour
    .venv/bin/python bench/run.py --only B1 B7        # some of them

Each benchmark runs in a process of its own (bench/b<N>_*.py --scale S) and writes
bench/results/<id>.json; one that fails is reported and the others still run. Then
bench/report.py rewrites the summary table and the sections of docs/performance.md. The
benchmarks use PostgreSQL on VIGIL_BENCH_PG (default postgres://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import PYTHON, RESULTS  # noqa: E402

# id -> script, and whether it reads the shared data set (built first, once).
BENCHMARKS = {
    "B1": ("b1_whereabouts.py", True),
    "B2": ("b2_clearance.py", False),
    "B3": ("b3_report.py", True),
    "B4": ("b4_import.py", False),
    "B5": ("b5_broadcast.py", False),
    "B6": ("b6_pages.py", True),
    "B7": ("b7_declare.py", True),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=["large", "medium", "small"], default="large")
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS), default=None)
    args = parser.parse_args()
    chosen = args.only or list(BENCHMARKS)
    failed = []
    if any(BENCHMARKS[i][1] for i in chosen):
        print(f"== data set ({args.scale})", flush=True)
        subprocess.run([PYTHON, str(HERE / "data.py"), "--scale", args.scale], check=True)
    for ident in chosen:
        script, _shared = BENCHMARKS[ident]
        print(f"== {ident}: bench/{script} --scale {args.scale}", flush=True)
        started = time.perf_counter()
        before = (RESULTS / f"{ident}.json").stat().st_mtime if (
            RESULTS / f"{ident}.json").exists() else None
        done = subprocess.run([PYTHON, str(HERE / script), "--scale", args.scale])
        after = (RESULTS / f"{ident}.json").stat().st_mtime if (
            RESULTS / f"{ident}.json").exists() else None
        seconds = time.perf_counter() - started
        if done.returncode or after is None or after == before:
            failed.append(ident)
            print(f"   {ident} failed after {seconds:.0f} s (exit {done.returncode})", flush=True)
        else:
            print(f"   {ident} done in {seconds:.0f} s", flush=True)
    subprocess.run([PYTHON, str(HERE / "report.py")], check=True)
    if failed:
        sys.exit(f"benchmarks that failed or wrote no result: {', '.join(failed)}")


if __name__ == "__main__":
    main()
