"""How far do independent annotators agree on the held-out replies?

Two annotators who never saw the detector or the original labels relabelled both held-out sets
(`tests/data/agreement/holdout_labeller_*.jsonl`, id and signals only). Their agreement with the
original author, and with each other, is the ceiling a detector can be expected to reach: if
people disagree on a signal, no detector can score higher on it than they agree.

Prints per-signal F1 between each pair (F1 is symmetric in which side is called "gold") and
macro-F1, then the shipped detector against each labeller and against the majority of the
three (a signal is present when at least two labellers say so).
Usage: python bench/label_agreement.py [--encoder]   (--encoder: the detector with its encoder)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator.loader import load_catalogue  # noqa: E402
from simulator.signals import build_detector  # noqa: E402

Labels = dict[str, set[str]]


def read(path: Path) -> Labels:
    """Map each reply id to the set of signals labelled present."""
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return {row["id"]: set(row["signals"]) for row in rows}


def f1_per_signal(gold: Labels, other: Labels, signals: list[str]) -> dict[str, float]:
    """F1 of `other` against `gold` for each signal, over the ids both have."""
    keys = gold.keys() & other.keys()
    scores = {}
    for s in signals:
        tp = sum(1 for k in keys if s in gold[k] and s in other[k])
        wrong = sum(1 for k in keys if (s in gold[k]) != (s in other[k]))
        scores[s] = 2 * tp / (2 * tp + wrong) if tp + wrong else 1.0
    return scores


def main() -> None:
    catalogue, _ = load_catalogue()
    assert catalogue is not None
    signals = catalogue.ids()
    data = ROOT / "tests/data"
    labellers = {"author": {**read(data / "signals_holdout.jsonl"),
                            **read(data / "signals_holdout2.jsonl")}}
    for path in sorted((data / "agreement").glob("holdout_labeller_*.jsonl")):
        labellers[path.stem.rsplit("_", 1)[1]] = read(path)
    names = list(labellers)
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    print(f"{len(labellers['author'])} replies, {len(names)} labellers\n")
    print(f"{'signal':16} " + " ".join(f"{a + '~' + b:>10}" for a, b in pairs))
    table = {pair: f1_per_signal(labellers[pair[0]], labellers[pair[1]], signals)
             for pair in pairs}
    for s in signals:
        print(f"{s:16} " + " ".join(f"{table[pair][s]:10.3f}" for pair in pairs))
    print(f"{'macro-F1':16} " + " ".join(
        f"{sum(table[pair].values()) / len(signals):10.3f}" for pair in pairs))

    replies = {}
    for name in ("signals_holdout.jsonl", "signals_holdout2.jsonl"):
        for line in (data / name).read_text(encoding="utf-8").splitlines():
            if line:
                row = json.loads(line)
                replies[row["id"]] = (row["reply"], row.get("customer", ""))
    detector, problems = build_detector(catalogue, encoder="--encoder" in sys.argv[1:])
    if problems:
        raise SystemExit("\n".join(problems))
    detected: Labels = {}
    for key, (reply, customer) in replies.items():
        verdicts = detector.detect(reply, customer)
        detected[key] = {s for s, v in verdicts.items() if v.present}
    majority: Labels = {
        key: {s for s in signals if sum(s in labels[key] for labels in labellers.values()) >= 2}
        for key in labellers["author"]
    } if len(labellers) >= 3 else {}
    golds = {**labellers, **({"majority": majority} if majority else {})}
    print(f"\n{'detector vs':16} " + " ".join(f"{name:>10}" for name in golds))
    scores = {name: f1_per_signal(gold, detected, signals) for name, gold in golds.items()}
    for s in signals:
        print(f"{s:16} " + " ".join(f"{scores[name][s]:10.3f}" for name in golds))
    print(f"{'macro-F1':16} " + " ".join(
        f"{sum(scores[name].values()) / len(signals):10.3f}" for name in golds))


if __name__ == "__main__":
    main()
