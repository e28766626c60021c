# Layer: signals. Imports simulator.signal_model only; ONNX Runtime and tokenizers are optional
# (requirements-encoder.txt) and imported lazily.
"""The opt-in encoder: a fine-tuned MiniLM that reads a reply with the customer's message.

Why it exists: the linear model reads words, and the signals it misses most (arguing,
dismissiveness, empathy said in new words) are about meaning. A small transformer, fine-tuned on
the same labelled sets, errs differently; averaged with the linear model it recognises more on
unseen authors. It costs about ten times the time per reply and two optional packages, so it is
used only when asked for (`--encoder` on the command line, `build_detector(..., encoder=True)`
for per-turn scoring, where a few milliseconds per reply do not matter); the default detector
stays the fast one that batch `detect` needs.

The graph is int8 ONNX evaluated with ONNX Runtime on the CPU; there is no PyTorch at run time.
`tools/train_encoder.py` writes the three files named in `ENCODER_FILES`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.signal_model import fingerprint

# The files `tools/train_encoder.py` writes; a description X.json always has X.onnx and
# X.tokenizer.json beside it (see `sibling_files`).
ENCODER_FILES = ("signal_encoder.onnx", "signal_encoder.tokenizer.json", "signal_encoder.json")


@dataclass(frozen=True)
class EncoderSettings:
    """Knobs of fine-tuning and of reading a reply, recorded in the fingerprint."""

    epochs: int = 3
    batch_size: int = 16
    learning_rate: float = 6e-5
    max_length: int = 160
    seed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"epochs": self.epochs, "batch_size": self.batch_size,
                "learning_rate": self.learning_rate, "max_length": self.max_length,
                "seed": self.seed}


def encoder_fingerprint(catalogue_file: Path, files: Sequence[Path],
                        settings: EncoderSettings) -> str:
    """What an encoder trained now would record: signal ids, data files and settings.

    Only the signal ids of the catalogue count: the encoder never reads the cues, so editing a
    cue does not make it stale, but adding or renaming a signal does.
    """
    import yaml

    catalogue = yaml.safe_load(catalogue_file.read_text(encoding="utf-8")) or {}
    ids = [str(s.get("id")) for s in catalogue.get("signals", []) if isinstance(s, dict)]
    data = [(p.name, p.read_text(encoding="utf-8")) for p in files]
    return fingerprint(json.dumps(ids), data, {"encoder": settings.as_dict()})


class SignalEncoder:
    """A loaded encoder: turns (reply, customer message) pairs into one probability per signal.

    Deterministic (one intra-op thread, fixed graph), CPU only. Each pair is run alone: the
    int8 graph quantises activations per call, so in a padded batch a reply's score would
    shift slightly with its neighbours, and on a CPU batching saved no time.
    """

    def __init__(self, session: Any, tokenizer: Any, signals: list[str]) -> None:
        self.session = session
        self.tokenizer = tokenizer
        self.signals = signals

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> list[dict[str, float]]:
        """Per pair, the probability of each signal the encoder was trained on."""
        import numpy as np

        found: list[dict[str, float]] = []
        for reply, customer in pairs:
            encoded = self.tokenizer.encode(reply, customer or "-")
            feeds = {
                "input_ids": np.array([encoded.ids], dtype=np.int64),
                "attention_mask": np.array([encoded.attention_mask], dtype=np.int64),
                "token_type_ids": np.array([encoded.type_ids], dtype=np.int64),
            }
            (logits,) = self.session.run(["logits"], feeds)[0]
            with np.errstate(over="ignore"):
                sigmoid = 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))
            found.append({s: float(p) for s, p in zip(self.signals, sigmoid, strict=True)})
        return found


@dataclass(frozen=True)
class EncoderDescription:
    """What `signal_encoder.json` says, and where its two sibling files are."""

    signals: list[str]
    max_length: int
    fingerprint: str
    graph: Path
    vocabulary: Path


def sibling_files(meta_file: Path) -> tuple[Path, Path]:
    """The graph and tokenizer beside a description: X.json -> X.onnx, X.tokenizer.json."""
    stem = meta_file.name.removesuffix(".json")
    return meta_file.with_name(f"{stem}.onnx"), meta_file.with_name(f"{stem}.tokenizer.json")


def read_description(meta_file: Path) -> EncoderDescription:
    """Parse and check an encoder description and that its sibling files exist.

    Raises OSError (a file is missing or unreadable) or ValueError (malformed), naming the file.
    """
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{meta_file}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{meta_file}: not JSON ({exc})") from None
    try:
        signals = meta["signals"]
        if not isinstance(signals, list) or not signals or not all(
                isinstance(x, str) for x in signals):
            raise TypeError("signals must be a non-empty list of signal ids")
        max_length = meta["settings"]["max_length"]
        if not isinstance(max_length, int) or max_length < 8:
            raise TypeError("settings.max_length must be a whole number of tokens, 8 or more")
        fingerprint_ = meta["fingerprint"]
        if not isinstance(fingerprint_, str):
            raise TypeError("fingerprint must be a string")
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{meta_file}: not an encoder description ({exc})") from None
    graph, vocabulary = sibling_files(meta_file)
    for needed in (graph, vocabulary):
        if not needed.is_file():
            raise OSError(f"{needed}: missing (it belongs to {meta_file.name})")
    return EncoderDescription(signals, max_length, fingerprint_, graph, vocabulary)


INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def read_encoder(meta_file: Path) -> SignalEncoder:
    """Load the encoder that a `signal_encoder.json` describes, with its two sibling files.

    Raises OSError or ValueError naming the file when a file is missing or malformed, and
    ValueError with the install command when ONNX Runtime or tokenizers is not installed.
    """
    description = read_description(meta_file)
    try:
        import onnxruntime
        from tokenizers import Tokenizer
    except ImportError:
        raise ValueError("the encoder needs ONNX Runtime and tokenizers: "
                         "pip install -r requirements-encoder.txt") from None
    try:
        tokenizer = Tokenizer.from_file(str(description.vocabulary))
    except Exception as exc:  # tokenizers raises a bare Exception for a malformed file
        raise ValueError(f"{description.vocabulary}: not a tokenizer file ({exc})") from None
    tokenizer.enable_truncation(max_length=description.max_length, strategy="longest_first")
    tokenizer.no_padding()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    graph = description.graph
    try:
        session = onnxruntime.InferenceSession(str(graph), options,
                                               providers=["CPUExecutionProvider"])
    except Exception as exc:  # ONNX Runtime raises its own exception types for a bad graph
        raise ValueError(f"{graph}: not a loadable ONNX graph ({exc})") from None
    inputs = sorted(i.name for i in session.get_inputs())
    outputs = session.get_outputs()
    if inputs != sorted(INPUTS) or not outputs or outputs[0].name != "logits":
        raise ValueError(f"{graph}: expected inputs {', '.join(INPUTS)} and output logits, "
                         f"found {', '.join(inputs)} and "
                         f"{', '.join(o.name for o in outputs) or 'no output'}")
    if outputs[0].shape[-1] != len(description.signals):
        raise ValueError(f"{graph}: its output does not have one logit per signal of "
                         f"{meta_file.name} ({len(description.signals)})")
    return SignalEncoder(session, tokenizer, description.signals)


def encoder_file_problems(meta_file: Path) -> list[str]:
    """What is wrong with an encoder's files, checked without ONNX Runtime or tokenizers.

    `validate` uses this so a broken or half-copied encoder is reported where the catalogue
    names it, even on an install without the optional packages. The graph itself is only
    checked when it is loaded.
    """
    try:
        description = read_description(meta_file)
        json.loads(description.vocabulary.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        return [f"{sibling_files(meta_file)[1]}: not JSON ({exc})"]
    except UnicodeDecodeError:
        return [f"{sibling_files(meta_file)[1]}: not UTF-8 text"]
    except (OSError, ValueError) as exc:
        return [str(exc)]
    return []


def encoder_staleness(meta_file: Path, catalogue_file: Path, files: Sequence[Path],
                      settings: EncoderSettings | None = None) -> str:
    """Why the encoder is out of date, or "" when it was trained from these very files."""
    current = read_description(meta_file).fingerprint
    wanted = encoder_fingerprint(catalogue_file, files, settings or EncoderSettings())
    if current == wanted:
        return ""
    return (f"{meta_file} was trained from other signals or labelled data (fingerprint "
            f"{current}, the files now give {wanted}); retrain it with tools/train_encoder.py")
