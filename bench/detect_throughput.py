"""Throughput of `python -m simulator detect`: 10,000 replies streamed through one process.

Usage: python bench/detect_throughput.py [--replies N] [--runs K] [--encoder]
Prints replies per second for the whole process (start-up included), the median of K runs,
pinned to one core with `taskset` where it exists. Replies are the labelled development set,
repeated until N lines. `--encoder` measures `detect --encoder` (try --replies 2000).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests/data/signals_dev.jsonl"


def payload(count: int) -> bytes:
    """`count` JSON lines built from the development set."""
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
    lines = []
    for index in range(count):
        row = rows[index % len(rows)]
        lines.append(json.dumps({"id": index, "reply": row["reply"], "customer": row["customer"]}))
    return ("\n".join(lines) + "\n").encode()


def run_once(data: bytes, count: int, options: list[str]) -> float:
    """Seconds for one whole `simulator detect` process over the payload."""
    command = [sys.executable, "-m", "simulator", "detect", *options]
    if shutil.which("taskset"):
        command = ["taskset", "-c", "0", *command]
    start = time.perf_counter()
    result = subprocess.run(command, input=data, capture_output=True, cwd=ROOT, check=True)
    elapsed = time.perf_counter() - start
    if b"warning:" in result.stderr:
        raise SystemExit(f"detect warned, so this is not the detector asked for:\n"
                         f"{result.stderr.decode(errors='replace')}")
    produced = result.stdout.count(b"\n")
    if produced != count:
        raise SystemExit(f"expected {count} output lines, got {produced}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--encoder", action="store_true", help="time `detect --encoder`")
    args = parser.parse_args()
    data = payload(args.replies)
    options = ["--encoder"] if args.encoder else []
    times = [run_once(data, args.replies, options) for _ in range(args.runs)]
    rates = sorted(args.replies / t for t in times)
    print(f"detect {' '.join(options)}".rstrip())
    print(f"replies: {args.replies}, runs: {args.runs}, one core: {bool(shutil.which('taskset'))}")
    print(f"seconds per run: {', '.join(f'{t:.2f}' for t in times)}")
    print(f"replies/second: median {statistics.median(rates):.0f} "
          f"(min {rates[0]:.0f}, max {rates[-1]:.0f})")


if __name__ == "__main__":
    main()
