"""Precision, recall and F1 of the offline detector on the labelled reply sets.

Usage: python bench/signal_quality.py [FILE.jsonl ...] [--errors SIGNAL] [--rules-only|--encoder]
Default files: every tests/data/signals_dev*.jsonl, then the held-out sets.
The detector is the shipped one (rules plus the learned model); `--rules-only` leaves the
model out; `--encoder` adds the opt-in fine-tuned encoder. The model and encoder were trained
on the dev sets, so their dev figures are in-sample: quote the held-out sets, or
`detector_choice.py` for leave-one-author-out figures.
`--errors SIGNAL` lists the dev-set misses and false alarms for one signal (never use it on
the held-out set: that set is for measuring only).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator.loader import load_library  # noqa: E402
from simulator.signals import SignalDetector, build_detector  # noqa: E402

DEFAULT = [*sorted((ROOT / "tests/data").glob("signals_dev*.jsonl")),
           *sorted((ROOT / "tests/data").glob("signals_holdout*.jsonl"))]


def evaluate(path: Path, detector: SignalDetector, show: str | None = None) -> dict[str, dict]:
    """Per-signal counts and scores for one labelled file."""
    ids = detector.catalogue.ids()
    counts = {s: {"tp": 0, "fp": 0, "fn": 0} for s in ids}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        verdicts = detector.detect(item["reply"], item.get("customer", ""))
        gold = set(item["signals"])
        for s in ids:
            predicted, actual = verdicts[s].present, s in gold
            if predicted and actual:
                counts[s]["tp"] += 1
            elif predicted:
                counts[s]["fp"] += 1
                if show == s:
                    print(f"  FP {item['id']}: {item['reply']!r} {verdicts[s].evidence}")
            elif actual:
                counts[s]["fn"] += 1
                if show == s:
                    print(f"  FN {item['id']}: {item['reply']!r}  <- {item.get('customer', '')!r}")
    for c in counts.values():
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        c.update(precision=p, recall=r, f1=2 * p * r / (p + r) if p + r else 0.0)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=DEFAULT)
    parser.add_argument("--errors", metavar="SIGNAL", help="list dev-set errors for a signal")
    parser.add_argument("--rules-only", action="store_true", help="leave the learned model out")
    parser.add_argument("--encoder", action="store_true", help="add the fine-tuned encoder")
    args = parser.parse_args()
    library = load_library()
    assert library.catalogue is not None
    if args.rules_only:
        detector = SignalDetector(library.catalogue)
    else:
        detector, problems = build_detector(library.catalogue, encoder=args.encoder)
        for problem in problems:
            print(f"warning: {problem}", file=sys.stderr)
    for path in args.files:
        show = args.errors if "holdout" not in path.name else None
        counts = evaluate(path, detector, show)
        rows = sum(1 for line in path.read_text().splitlines() if line.strip())
        print(f"\n{path.name}: {rows} replies")
        print(f"{'signal':16} {'prec':>6} {'recall':>6} {'f1':>6} {'support':>8}")
        for s, c in counts.items():
            print(f"{s:16} {c['precision']:6.3f} {c['recall']:6.3f} {c['f1']:6.3f} "
                  f"{c['tp'] + c['fn']:8d}")
        macro = sum(c["f1"] for c in counts.values()) / len(counts)
        print(f"{'macro-F1':16} {'':6} {'':6} {macro:6.3f}")


if __name__ == "__main__":
    main()
