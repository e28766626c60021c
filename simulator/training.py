# Layer: signals (development tool). Imports simulator.models, simulator.signals and
# simulator.signal_model; needs scikit-learn, a development dependency, imported lazily.
"""Train the learned correction (`SignalModel`) from labelled replies, reproducibly.

The labelled sets are the development files `tests/data/signals_dev*.jsonl`, each written by a
different author; the held-out sets are never used. Training is deterministic (the same files
and settings give the same weights), takes seconds, and is run with `make model` after a change
to the catalogue or the data. The fingerprint written into the model records what it was
trained from, so a stale model is noticed.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator import paths
from simulator.models import SignalCatalogue
from simulator.signal_model import (
    Head,
    SignalModel,
    fingerprint,
    ngrams,
    read_model,
    rule_features,
)
from simulator.signals import SignalDetector


@dataclass(frozen=True)
class TrainingSettings:
    """Knobs of training, recorded in the fingerprint. Chosen leave-one-author-out."""

    c: float = 5.0
    rule_scale: float = 3.0
    min_df: int = 3
    threshold: float = 0.5

    def as_dict(self) -> dict[str, Any]:
        return {"c": self.c, "rule_scale": self.rule_scale, "min_df": self.min_df,
                "threshold": self.threshold}


def training_files() -> list[Path]:
    """The development sets, in name order."""
    return sorted((paths.PROJECT_ROOT / "tests" / "data").glob("signals_dev*.jsonl"))


def read_rows(files: Sequence[Path]) -> list[dict[str, Any]]:
    """Every labelled reply of the files: dicts with reply, customer and signals."""
    rows = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                rows.append({"reply": str(row["reply"]), "customer": str(row.get("customer", "")),
                             "signals": set(row["signals"])})
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not a labelled reply ({exc!r})") from None
    return rows


def data_fingerprint(catalogue_file: Path, files: Sequence[Path],
                     settings: TrainingSettings) -> str:
    """The fingerprint a model trained now from these files would carry."""
    data = [(p.name, p.read_text(encoding="utf-8")) for p in files]
    return fingerprint(catalogue_file.read_text(encoding="utf-8"), data, settings.as_dict())


def staleness(model_file: Path, files: Sequence[Path],
              settings: TrainingSettings | None = None) -> str:
    """Why the model file is out of date, or "" when it was trained from these very files.

    Raises OSError or ValueError (naming the file) when the model cannot be read.
    """
    current = read_model(model_file).fingerprint
    wanted = data_fingerprint(paths.signals_file(), files, settings or TrainingSettings())
    if current == wanted:
        return ""
    return (f"{model_file} was trained from other cues or labelled data (fingerprint "
            f"{current}, the files now give {wanted}); run `make model` to retrain it")


@dataclass(frozen=True)
class Design:
    """The training matrix: rule features first, then one column per vocabulary n-gram."""

    matrix: Any
    shell: SignalModel
    rule_names: list[str]

    @property
    def offset(self) -> int:
        return len(self.rule_names)


def design(catalogue: SignalCatalogue, rows: Sequence[dict[str, Any]],
           settings: TrainingSettings) -> Design:
    """Features of every row, as the model will compute them at run time."""
    from scipy.sparse import csr_matrix

    rules = SignalDetector(catalogue)
    frequency: Counter[str] = Counter()
    for row in rows:
        frequency.update(set(ngrams(row["reply"])))
    n = len(rows)
    vocabulary = sorted(g for g, df in frequency.items() if df >= settings.min_df)
    idf = [math.log((1 + n) / (1 + frequency[g])) + 1.0 for g in vocabulary]
    shell = SignalModel(vocabulary=vocabulary, idf=idf, heads={}, rule_scale=settings.rule_scale)
    rule_names = [f"{prefix}:{s}" for s in catalogue.ids() for prefix in ("rule", "fired")]
    columns = {name: i for i, name in enumerate(rule_names)}
    offset = len(rule_names)
    data: list[float] = []
    indices: list[int] = []
    indptr = [0]
    for row in rows:
        verdicts = rules.detect(row["reply"], row["customer"])
        features = rule_features({s: v.confidence for s, v in verdicts.items()},
                                 {s: v.present for s, v in verdicts.items()},
                                 settings.rule_scale)
        cells = {columns[name]: value for name, value in features.items() if value}
        cells.update({offset + i: v for i, v in shell.word_vector(row["reply"]).items()})
        for column in sorted(cells):
            indices.append(column)
            data.append(cells[column])
        indptr.append(len(indices))
    matrix = csr_matrix((data, indices, indptr), shape=(n, offset + len(vocabulary)))
    return Design(matrix, shell, rule_names)


def train(catalogue: SignalCatalogue, rows: Sequence[dict[str, Any]],
          settings: TrainingSettings | None = None) -> SignalModel:
    """Fit one logistic regression per catalogue signal over rule verdicts and TF-IDF n-grams."""
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        raise RuntimeError("training needs scikit-learn: "
                           "pip install -r requirements-dev.txt") from None
    settings = settings or TrainingSettings()
    built = design(catalogue, rows, settings)
    heads: dict[str, Head] = {}
    for signal_id in catalogue.ids():
        labels = [int(signal_id in row["signals"]) for row in rows]
        if len(set(labels)) < 2:
            continue
        fitted = LogisticRegression(C=settings.c, class_weight="balanced", max_iter=5000)
        fitted.fit(built.matrix, labels)
        weights = fitted.coef_[0]
        heads[signal_id] = Head(
            intercept=float(fitted.intercept_[0]),
            rules={name: float(weights[i]) for i, name in enumerate(built.rule_names)},
            words=[float(w) for w in weights[built.offset:]],
        )
    return dataclasses.replace(built.shell, heads=heads, threshold=settings.threshold)
