"""Why the offline scorer is rules, not a trained model: 5-fold cross-validation.

Compares, per signal, the shipped rules; a TF-IDF + logistic-regression model trained on the
development sets (signals_dev*.jsonl); and a hybrid that feeds the rules' confidences to the
same model. Needs scikit-learn, which is deliberately not a project dependency.
The held-out set is never used here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator.loader import load_catalogue  # noqa: E402
from simulator.signals import SignalDetector  # noqa: E402


def main() -> None:
    try:
        import numpy as np
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import f1_score
        from sklearn.model_selection import KFold
    except ImportError:
        raise SystemExit("needs scikit-learn: pip install scikit-learn") from None

    catalogue, _ = load_catalogue()
    assert catalogue is not None
    detector = SignalDetector(catalogue)
    ids = catalogue.ids()
    rows = [
        json.loads(line)
        for path in sorted((ROOT / "tests/data").glob("signals_dev*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line
    ]
    rule_conf = np.array([[detector.detect(r["reply"], r["customer"])[s].confidence for s in ids]
                          for r in rows])
    rule_pred = (rule_conf >= catalogue.threshold).astype(int)
    gold = np.array([[int(s in r["signals"]) for s in ids] for r in rows])
    texts = [r["reply"] for r in rows]
    scores: dict[str, list[list[float]]] = {"rules": [], "model": [], "hybrid": []}
    for train, test in KFold(5, shuffle=True, random_state=0).split(rows):
        vectors = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        x_train = vectors.fit_transform([texts[i] for i in train])
        x_test = vectors.transform([texts[i] for i in test])
        h_train = hstack([x_train, csr_matrix(rule_conf[train] * 3)]).tocsr()
        h_test = hstack([x_test, csr_matrix(rule_conf[test] * 3)]).tocsr()
        fold: dict[str, list[float]] = {"rules": [], "model": [], "hybrid": []}
        for j in range(len(ids)):
            fold["rules"].append(f1_score(gold[test, j], rule_pred[test, j]))
            model = LogisticRegression(C=10, max_iter=2000, class_weight="balanced")
            model.fit(x_train, gold[train, j])
            fold["model"].append(f1_score(gold[test, j], model.predict(x_test)))
            hybrid = LogisticRegression(C=3, max_iter=2000, class_weight="balanced")
            hybrid.fit(h_train, gold[train, j])
            fold["hybrid"].append(f1_score(gold[test, j], hybrid.predict(h_test)))
        for name, values in fold.items():
            scores[name].append(values)
    print(f"{'signal':16} {'rules':>6} {'model':>6} {'hybrid':>6}")
    means = {name: np.array(values).mean(axis=0) for name, values in scores.items()}
    for j, signal_id in enumerate(ids):
        print(f"{signal_id:16} " + " ".join(f"{means[n][j]:6.3f}" for n in means))
    print(f"{'macro-F1':16} " + " ".join(f"{means[n].mean():6.3f}" for n in means))
    print("(rules were tuned on this same set, so their figure is optimistic)")


if __name__ == "__main__":
    main()
