# Layer: signals. Imports nothing from the simulator package.
"""A learned correction on top of the rules, trained from the labelled replies in `tests/data/`.

The rules in `rubrics/signals.yaml` are readable and editable, but on replies by people they
were not tuned on they miss what needs more than a phrase list: a polite correction that is
really arguing, a referral dressed up as help. This model reads the rules' verdicts together
with the reply's words (TF-IDF over word unigrams and bigrams) and gives, per signal, a
logistic-regression probability. Measured leave-one-author-out it beats the rules alone on
every unseen author (`bench/detector_choice.py`).

It is plain data (JSON) evaluated with NumPy: no scikit-learn or PyTorch at run time,
deterministic, and fast enough for `detect`'s throughput floor. Training lives in
`simulator.training` and needs scikit-learn (a development dependency).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = 1
# Bump when the features change, so a model trained on the old ones is reported stale.
FEATURES_VERSION = 1
TOKEN = re.compile(r"[a-z0-9£$€]+(?:'[a-z]+)?")
_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens, apostrophes straightened so "don't" and "don’t" meet."""
    return TOKEN.findall(text.translate(_FOLD).lower())


def ngrams(text: str) -> list[str]:
    """Word unigrams and bigrams of `text`: the words the model weighs."""
    words = tokens(text)
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def rule_features(confidences: Mapping[str, float], present: Mapping[str, bool],
                  scale: float) -> dict[str, float]:
    """The rules' verdicts as features: confidence and whether the signal counted as present."""
    features: dict[str, float] = {}
    for signal_id, confidence in confidences.items():
        features[f"rule:{signal_id}"] = confidence * scale
        features[f"fired:{signal_id}"] = scale if present.get(signal_id) else 0.0
    return features


@dataclass(frozen=True)
class Head:
    """One signal's logistic regression: bias, weights on rule features, weights on n-grams.

    `words` is aligned with the model's vocabulary (one weight per n-gram).
    """

    intercept: float
    rules: dict[str, float]
    words: list[float]


@dataclass(frozen=True)
class SignalModel:
    """Vocabulary with IDF weights and one `Head` per signal, as trained."""

    vocabulary: list[str]
    idf: list[float]
    heads: dict[str, Head]
    rule_scale: float
    threshold: float = 0.5
    fingerprint: str = ""
    trained_on: list[str] = field(default_factory=list)
    index: dict[str, int] = field(init=False, repr=False, compare=False)
    _arrays: _Arrays = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.idf) != len(self.vocabulary) or any(
            len(h.words) != len(self.vocabulary) for h in self.heads.values()
        ):
            raise ValueError("vocabulary, idf and head weights differ in length")
        object.__setattr__(self, "index", {g: i for i, g in enumerate(self.vocabulary)})
        object.__setattr__(self, "_arrays", _Arrays.of(self))

    def word_vector(self, reply: str) -> dict[int, float]:
        """Sublinear TF-IDF of the reply's known n-grams by vocabulary index, L2-normalised."""
        counts: dict[int, int] = {}
        index = self.index
        for gram in ngrams(reply):
            i = index.get(gram)
            if i is not None:
                counts[i] = counts.get(i, 0) + 1
        idf = self.idf
        vector = {i: (1.0 + math.log(n)) * idf[i] if n > 1 else idf[i] for i, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values()))
        return {i: v / norm for i, v in vector.items()} if norm else {}

    def probabilities(self, reply: str, rules: Mapping[str, float]) -> dict[str, float]:
        """Per signal the model knows, the probability that the reply shows it.

        `rules` are the rule features from `rule_features`.
        """
        return self.probabilities_of(self.word_vector(reply), rules)

    def probabilities_of(self, vector: Mapping[int, float],
                         rules: Mapping[str, float]) -> dict[str, float]:
        """`probabilities` for a reply already turned into a `word_vector`.

        All heads at once as one small matrix product: the per-reply cost stays well inside
        `detect`'s throughput floor however large the vocabulary grows.
        """
        arrays = self._arrays
        logits = arrays.intercepts.copy()
        if vector:
            rows = np.fromiter(vector.keys(), dtype=np.intp, count=len(vector))
            values = np.fromiter(vector.values(), dtype=np.float64, count=len(vector))
            logits += values @ arrays.words[rows]
        features = np.array([rules.get(name, 0.0) for name in arrays.rule_names])
        logits += features @ arrays.rules
        probabilities = 1.0 / (1.0 + np.exp(-np.clip(logits, -60.0, 60.0)))
        return dict(zip(arrays.signals, probabilities.tolist(), strict=True))

    def top_words(self, signal_id: str, vector: Mapping[int, float], limit: int = 2) -> list[str]:
        """The n-grams (of a `word_vector`) that pushed this signal up most: evidence to quote."""
        words = self.heads[signal_id].words
        pushes = sorted(((words[i] * v, i) for i, v in vector.items()), reverse=True)
        return [self.vocabulary[i] for push, i in pushes[:limit] if push > 0]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form; weights rounded so the file stays small."""
        return {
            "format": FORMAT,
            "fingerprint": self.fingerprint,
            "trained_on": self.trained_on,
            "rule_scale": self.rule_scale,
            "threshold": self.threshold,
            "vocabulary": self.vocabulary,
            "idf": [round(v, 4) for v in self.idf],
            "heads": {
                signal_id: {
                    "intercept": round(head.intercept, 4),
                    "rules": {k: round(v, 4) for k, v in sorted(head.rules.items())},
                    "words": [_compact(v) for v in head.words],
                }
                for signal_id, head in self.heads.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SignalModel:
        """Rebuild from `to_dict` output; raises ValueError naming what is wrong."""
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise ValueError(f"not a signal model of format {FORMAT}")
        try:
            heads = {
                str(signal_id): Head(float(h["intercept"]),
                                     {str(k): float(v) for k, v in h["rules"].items()},
                                     [float(v) for v in h["words"]])
                for signal_id, h in data["heads"].items()
            }
            return cls(
                vocabulary=[str(g) for g in data["vocabulary"]],
                idf=[float(v) for v in data["idf"]],
                heads=heads,
                rule_scale=float(data["rule_scale"]),
                threshold=float(data.get("threshold", 0.5)),
                fingerprint=str(data.get("fingerprint", "")),
                trained_on=[str(p) for p in data.get("trained_on", [])],
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ValueError(f"malformed signal model: {exc!r}") from None


def _compact(value: float) -> float | int:
    """Three decimals, and 0 rather than 0.0, to keep the file short."""
    rounded = round(value, 3)
    return int(rounded) if rounded == 0 else rounded


@dataclass(frozen=True)
class _Arrays:
    """The heads as matrices: n-gram weights (vocabulary x signals), rule weights, biases."""

    signals: list[str]
    rule_names: list[str]
    intercepts: Any
    rules: Any
    words: Any

    @classmethod
    def of(cls, model: SignalModel) -> _Arrays:
        signals = list(model.heads)
        rule_names = sorted({name for head in model.heads.values() for name in head.rules})
        heads = [model.heads[s] for s in signals]
        return cls(
            signals=signals,
            rule_names=rule_names,
            intercepts=np.array([h.intercept for h in heads], dtype=np.float64),
            rules=np.array([[h.rules.get(n, 0.0) for h in heads] for n in rule_names],
                           dtype=np.float64).reshape(len(rule_names), len(heads)),
            words=np.array([h.words for h in heads], dtype=np.float64).T.reshape(
                len(model.vocabulary), len(heads)),
        )


def read_model(path: Path) -> SignalModel:
    """Load a model file; OSError or ValueError with a message that names the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON (line {exc.lineno}): {exc.msg}") from None
    try:
        return SignalModel.from_dict(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def write_model(model: SignalModel, path: Path) -> None:
    """Write the model as compact JSON, one line per top-level key and per head."""
    data = model.to_dict()
    heads = data.pop("heads")
    lines = ["{"]
    for key, value in data.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
    lines.append('  "heads": {')
    items = list(heads.items())
    for i, (signal_id, head) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"    {json.dumps(signal_id)}: {json.dumps(head, separators=(',', ':'))}"
                     f"{comma}")
    lines += ["  }", "}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def fingerprint(catalogue_text: str, data: Iterable[tuple[str, str]],
                params: Mapping[str, Any]) -> str:
    """What a model was trained from: the catalogue, each data file and the settings.

    A model whose fingerprint differs from the current files is stale: it still works, but
    `validate` says so and the tests ask for `make model`.
    """
    digest = hashlib.sha256()
    digest.update(f"features={FEATURES_VERSION}\n".encode())
    digest.update(json.dumps(dict(params), sort_keys=True).encode())
    digest.update(catalogue_text.encode())
    for name, text in sorted(data):
        digest.update(f"\n--{name}\n".encode())
        digest.update(text.encode())
    return digest.hexdigest()[:16]
