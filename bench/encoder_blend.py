"""How much weight should the encoder get beside the learned model? Chosen on unseen authors.

An encoder is trained without some development sets (`tools/train_encoder.py --without ...
--output DIR`); the learned model is trained here without the same sets. On the sets both left
out, this prints macro-F1 for each weight of the encoder in the average (0 is the model alone,
1 the encoder alone) and each decision threshold, so the shipped blend is chosen on authors
neither model saw, never on the held-out sets.

Usage: python bench/encoder_blend.py DIR   (DIR holds signal_encoder.json and its files)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from simulator.encoder import ENCODER_FILES, read_encoder  # noqa: E402
from simulator.loader import load_catalogue  # noqa: E402
from simulator.signals import SignalDetector  # noqa: E402
from simulator.training import read_rows, train, training_files  # noqa: E402

WEIGHTS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0)
THRESHOLDS = (0.4, 0.45, 0.5, 0.55)


def macro_f1(predicted: np.ndarray, gold: np.ndarray) -> tuple[float, list[float]]:
    """Macro-F1 over the signal columns of two boolean matrices."""
    scores = []
    for j in range(gold.shape[1]):
        tp = int((predicted[:, j] & gold[:, j]).sum())
        wrong = int((predicted[:, j] != gold[:, j]).sum())
        scores.append(2 * tp / (2 * tp + wrong) if tp else 0.0)
    return sum(scores) / len(scores), scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    meta_file = args.folder / ENCODER_FILES[2]
    seen = set(json.loads(meta_file.read_text(encoding="utf-8"))["trained_on"])
    kept = [p for p in training_files() if p.name in seen]
    unseen = [p for p in training_files() if p.name not in seen]
    if not unseen:
        raise SystemExit(f"{meta_file} was trained on every development set: nothing to test on")
    catalogue, _ = load_catalogue()
    assert catalogue is not None
    ids = catalogue.ids()
    model = train(catalogue, read_rows(kept))
    encoder = read_encoder(meta_file)
    detector = SignalDetector(catalogue, model)
    rows = read_rows(unseen)
    gold = np.array([[s in r["signals"] for s in ids] for r in rows])
    linear, encoded = [], []
    for row in rows:
        verdicts = detector.detect(row["reply"], row["customer"])
        linear.append([verdicts[s].confidence for s in ids])
        (found,) = encoder.probabilities([(row["reply"], row["customer"])])
        encoded.append([found[s] for s in ids])
    lin, enc = np.array(linear), np.array(encoded)
    print(f"trained on {len(kept)} sets; tested on {len(rows)} replies from "
          f"{', '.join(p.name for p in unseen)}\n")
    print("encoder weight " + " ".join(f"t={t:<5}" for t in THRESHOLDS))
    for weight in WEIGHTS:
        blend = weight * enc + (1 - weight) * lin
        print(f"{weight:14.1f} " + " ".join(
            f"{macro_f1(blend >= t, gold)[0]:7.3f}" for t in THRESHOLDS))
    average = (lin + enc) / 2
    print("\nper-signal F1 of the average by threshold:")
    print(f"{'signal':16} " + " ".join(f"t={t:<5}" for t in (0.3, 0.35, *THRESHOLDS, 0.6)))
    for j, s in enumerate(ids):
        print(f"{s:16} " + " ".join(
            f"{macro_f1(average[:, [j]] >= t, gold[:, [j]])[0]:7.3f}"
            for t in (0.3, 0.35, *THRESHOLDS, 0.6)))
    print("\nper signal at threshold 0.5:")
    print(f"{'signal':16} {'model':>6} {'encoder':>8} {'average':>8}")
    columns = [macro_f1(p >= 0.5, gold)[1] for p in (lin, enc, (lin + enc) / 2)]
    for j, s in enumerate(ids):
        print(f"{s:16} {columns[0][j]:6.3f} {columns[1][j]:8.3f} {columns[2][j]:8.3f}")


if __name__ == "__main__":
    main()
