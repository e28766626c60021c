# Layer: signals. Imports simulator.models, simulator.paths, simulator.signal_model and
# simulator.encoder only.
"""Offline signal detection: which behaviours a trainee reply shows, with quoted evidence.

The detector is rules over a lexicon that trainers can read and change in
`rubrics/signals.yaml`. Each signal is found by one of the registered detector kinds:

- `lexicon`: cue patterns, cancelled by a negation word shortly before them in the same
  clause ("I'm not sorry"), by a veto pattern in the same sentence ("sorry you feel that
  way"), or by a suppressing signal in the same sentence (a question that argues).
- `echo`: the lexicon kind plus overlap with the customer's own specifics, for `reflect`.

On top of the rules, a learned model (`signal_model.py`) makes the final call, and an opt-in
fine-tuned encoder (`encoder.py`) can partner it: their probabilities are averaged.

Deterministic, CPU only, no network. Speed is measured by `bench/detect_throughput.py`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from simulator import paths
from simulator.encoder import SignalEncoder, read_encoder
from simulator.models import SignalCatalogue, SignalSpec, SignalVerdict
from simulator.signal_model import TOKEN as _MODEL_TOKEN
from simulator.signal_model import SignalModel, read_model, rule_features

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'",
                         "\u201c": '"', "\u201d": '"'})
# ASCII lower-casing plus straight quotes: one character for one, so offsets stay valid.
_FOLD = str.maketrans({**{chr(c): chr(c + 32) for c in range(65, 91)},
                       **{chr(k): v for k, v in _QUOTES.items()}})
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+|(?<=[.!?])(?=[A-Z])")
_CLAUSE_BREAK = re.compile(
    r"[,;:\u2013\u2014()]|\s-\s|\b(?:but|and|so|because|though|although|however|yet|if|when|"
    r"while|just|then)\b",
    re.I,
)
_WORD = re.compile(r"[a-z0-9£$€]+(?:['.,][a-z0-9]+)*", re.I)


@dataclass(frozen=True)
class Match:
    """A piece of evidence: where in the reply, and the words themselves."""

    start: int
    end: int
    text: str
    weight: float
    unless_kind: bool = False


@dataclass
class Sentence:
    """One sentence of the reply with its offset, so evidence can quote the original."""

    start: int
    text: str
    fired: dict[str, list[Match]] = field(default_factory=dict)


def split_sentences(text: str) -> list[Sentence]:
    """Split on sentence punctuation and line breaks, keeping offsets into `text`."""
    sentences: list[Sentence] = []
    position = 0
    for separator in _SENTENCE_END.finditer(text):
        if separator.start() > position:
            sentences.append(Sentence(position, text[position:separator.start()]))
        position = separator.end()
    if position < len(text):
        sentences.append(Sentence(position, text[position:]))
    return [s for s in sentences if s.text.strip()]


_NUMBER_WORDS = {
    word: str(value)
    for value, words in enumerate(
        [("zero", "none"), ("one", "once", "first", "single"), ("two", "twice", "second", "2nd"),
         ("three", "thrice", "third", "3rd"), ("four", "fourth", "4th"), ("five", "fifth", "5th"),
         ("six", "sixth", "6th"), ("seven", "seventh", "7th"), ("eight", "eighth", "8th"),
         ("nine", "ninth", "9th"), ("ten", "tenth", "10th"), ("eleven",), ("twelve",),
         ("thirteen",), ("fourteen",), ("fifteen",), ("sixteen",), ("seventeen",),
         ("eighteen",), ("nineteen",), ("twenty",)]
    )
    for word in words
} | {"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "ninety": "90",
     "hundred": "100", "fortnight": "14"}
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th|pm|am|h|hrs?|mins?|k|gb|mb|mbps|kg|x)$")


def stem(word: str) -> str:
    """A deliberately light stemmer so 'charged'/'charges'/'charge' meet.

    Numbers are normalised so '£45.00', '45' and 'forty-five' do not all differ:
    currency signs and trailing zero decimals go, number words and ordinals become digits.
    """
    word = word.lower().strip("'.,")
    if word.isalpha() and word not in _NUMBER_WORDS:
        for suffix in ("ing", "ed", "es", "s"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                break
        return word.rstrip("e") if len(word) > 4 else word
    if word[:1] in "£$€":
        word = word[1:]
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word]
    ordinal = _ORDINAL.match(word)
    if ordinal:
        return ordinal.group(1)
    if any(ch.isdigit() for ch in word):
        word = word.replace(",", "")
        return word.rstrip("0").rstrip(".") if "." in word else word
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word.rstrip("e") if len(word) > 4 else word


def _union(patterns: list[str], flags: int) -> re.Pattern[str]:
    """One regex matching wherever any of `patterns` would.

    Patterns that start with a word boundary are grouped behind a single shared `\\b`, so
    the engine only tries them at word starts: several times faster on long replies.
    """
    bounded = [p[2:] for p in patterns if p.startswith("\\b")]
    other = [p for p in patterns if not p.startswith("\\b")]
    parts = [f"(?:{p})" for p in other]
    if bounded:
        parts.insert(0, "\\b(?:" + "|".join(f"(?:{p})" for p in bounded) + ")")
    return re.compile("|".join(parts), flags)


class LexiconDetector:
    """Finds one signal through its cues, vetoes and negation."""

    def __init__(self, spec: SignalSpec, catalogue: SignalCatalogue) -> None:
        self.spec = spec
        # Sentences are lower-cased before matching (patterns are written in lower case):
        # matching without re.IGNORECASE is more than twice as fast.
        self.cues = [(re.compile(c.pattern), c.weight, c.negatable, c.unless_kind)
                     for c in spec.cues]
        self.any_cue = _union([c.pattern for c in spec.cues], 0)
        # Run once over all sentences joined by newlines; re.M keeps '^' at each sentence start.
        self.prefilter = _union([c.pattern for c in spec.cues], re.M)
        self.vetoes = [re.compile(v) for v in spec.vetoes]
        self.vetoes_anywhere = [re.compile(v) for v in spec.vetoes_anywhere]
        self.negations = frozenset(w.lower() for w in catalogue.negation_words)
        self.window = catalogue.negation_window

    def _has_negation(self, words: list[str]) -> bool:
        return any(w in self.negations or w.endswith("n't") for w in words)

    def negated(self, sentence: str, cue_start: int, cue_end: int) -> bool:
        """True when a negation word sits in the cue or shortly before it in the same clause."""
        if self._has_negation([w.lower() for w in _WORD.findall(sentence[cue_start:cue_end])]):
            return True
        before = sentence[:cue_start]
        breaks = list(_CLAUSE_BREAK.finditer(before))
        if breaks:
            before = before[breaks[-1].end():]
        return self._has_negation([w.lower() for w in _WORD.findall(before)][-self.window:])

    def find(self, sentence: Sentence) -> list[Match]:
        """Cue matches in one sentence that survive vetoes and negation."""
        if not self.any_cue.search(sentence.text):
            return []
        if any(v.search(sentence.text) for v in self.vetoes):
            return []
        found: list[Match] = []
        for pattern, weight, negatable, unless_kind in self.cues:
            for hit in pattern.finditer(sentence.text):
                if hit.end() == hit.start():
                    continue
                if negatable and self.negated(sentence.text, hit.start(), hit.end()):
                    continue
                found.append(Match(sentence.start + hit.start(), sentence.start + hit.end(),
                                   hit.group(0), weight, unless_kind))
        return found


class EchoDetector(LexiconDetector):
    """Reflect: cues plus the customer's own specifics said back."""

    def __init__(self, spec: SignalSpec, catalogue: SignalCatalogue) -> None:
        super().__init__(spec, catalogue)
        self.stopwords = frozenset(stem(w) for w in catalogue.stopwords) | frozenset(
            w.lower() for w in catalogue.stopwords
        )

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one detector per catalogue, few customers
    def specifics(self, text: str) -> dict[str, tuple[int, int, str]]:
        """Content words of `text` by stem, with the first place each occurs."""
        found: dict[str, tuple[int, int, str]] = {}
        for hit in _WORD.finditer(text):
            word = hit.group(0)
            key = stem(word)
            if len(key) < 3 and not key.isdigit():
                continue
            if key in self.stopwords or word.lower() in self.stopwords:
                continue
            found.setdefault(key, (hit.start(), hit.end(), word))
        return found

    def echoes(self, reply: str, customer: str) -> list[Match]:
        """Customer specifics that reappear in the reply; numbers weigh double."""
        wanted = self.specifics(customer)
        if not wanted:
            return []
        shared = []
        for key, (start, end, word) in self.specifics(reply).items():
            if key in wanted:
                weight = 0.5 if key.isdigit() or "." in key else 0.2
                shared.append(Match(start, end, word, weight))
        return shared


DetectorFactory = Callable[[SignalSpec, SignalCatalogue], LexiconDetector]
DETECTOR_KINDS: dict[str, DetectorFactory] = {}


def register_detector(kind: str) -> Callable[[DetectorFactory], DetectorFactory]:
    """Register a detector kind; built-ins use this too, so extensions sit beside them."""

    def decorate(factory: DetectorFactory) -> DetectorFactory:
        DETECTOR_KINDS[kind] = factory
        return factory

    return decorate


register_detector("lexicon")(LexiconDetector)
register_detector("echo")(EchoDetector)


def _combine(weights: list[float]) -> float:
    remaining = 1.0
    for weight in weights:
        remaining *= 1.0 - weight
    return round(1.0 - remaining, 3)


class SignalDetector:
    """Detects every signal of a catalogue in a reply. Build once, call many times."""

    def __init__(self, catalogue: SignalCatalogue, model: SignalModel | None = None,
                 encoder: SignalEncoder | None = None) -> None:
        self.catalogue = catalogue
        self.threshold = catalogue.threshold
        self.detectors = {s.id: DETECTOR_KINDS[s.detector](s, catalogue) for s in catalogue.signals}
        self.model = model
        self.encoder = encoder if model is not None else None

    def _undone(self, sentences: list[Sentence]) -> set[str]:
        """Signals cancelled reply-wide by `undone_by`, unless something in `kept_by` is there."""
        present = _present_in(sentences, self.threshold)
        return {
            signal_id
            for signal_id, detector in self.detectors.items()
            if any(s in present for s in detector.spec.undone_by)
            and not any(s in present for s in detector.spec.kept_by)
        }

    def detect(self, reply: str, customer: str = "") -> dict[str, SignalVerdict]:
        """Per signal: present, confidence and quoted evidence, for one reply."""
        verdicts, quotes = self._rules(reply, customer)
        if self.model is None:
            return verdicts
        encoded = (self.encoder.probabilities([(reply, customer)])[0]
                   if self.encoder is not None else None)
        return self._corrected(reply, verdicts, quotes, self.model, encoded)

    def _rules(self, reply: str,
               customer: str) -> tuple[dict[str, SignalVerdict], dict[str, list[str]]]:
        """The rules' verdicts, and every cue they matched per signal (even below threshold)."""
        sentences = split_sentences(reply.translate(_QUOTES))
        for sentence in sentences:
            sentence.text = sentence.text.translate(_FOLD)
        text = reply.translate(_FOLD)
        joined = "\n".join(s.text for s in sentences)
        for signal_id, detector in self.detectors.items():
            if not detector.prefilter.search(joined):
                continue
            for sentence in sentences:
                matches = detector.find(sentence)
                if matches:
                    sentence.fired[signal_id] = matches
        if customer:
            plain_customer = customer.translate(_FOLD)
            for signal_id, detector in self.detectors.items():
                if isinstance(detector, EchoDetector):
                    for match in detector.echoes(text, plain_customer):
                        holder = next((s for s in reversed(sentences) if s.start <= match.start),
                                      None)
                        if holder is not None:
                            holder.fired.setdefault(signal_id, []).append(match)
        for sentence in sentences:
            strong = {sid for sid, found in sentence.fired.items()
                      if _combine([m.weight for m in found]) >= self.threshold}
            for signal_id in list(sentence.fired):
                spec = self.detectors[signal_id].spec
                if any(other in strong for other in spec.suppressed_by):
                    del sentence.fired[signal_id]

        kind = self.catalogue.kind_signals
        if any(s in kind for s in _present_in(sentences, self.threshold)):
            for sentence in sentences:
                for signal_id, found in list(sentence.fired.items()):
                    kept = [m for m in found if not m.unless_kind]
                    if len(kept) != len(found):
                        sentence.fired[signal_id] = kept
        verdicts: dict[str, SignalVerdict] = {}
        quotes: dict[str, list[str]] = {}
        undone = self._undone(sentences)
        for signal_id, detector in self.detectors.items():
            matches = [m for s in sentences for m in s.fired.get(signal_id, [])]
            if matches and any(v.search(text) for v in detector.vetoes_anywhere):
                matches = []
            confidence = _combine([m.weight for m in matches])
            present = confidence >= self.threshold and signal_id not in undone
            quotes[signal_id] = [reply[m.start:m.end]
                                 for m in sorted(matches, key=lambda m: m.start)]
            verdicts[signal_id] = SignalVerdict(
                present=present, confidence=confidence,
                evidence=quotes[signal_id] if present else [],
            )
        return verdicts, quotes

    def _corrected(self, reply: str, rules: dict[str, SignalVerdict],
                   quotes: dict[str, list[str]], model: SignalModel,
                   encoded: dict[str, float] | None = None) -> dict[str, SignalVerdict]:
        """The learned verdicts, quoting the rules' cues or else the model's strongest words.

        With an encoder, a signal's probability is the mean of the model's and the encoder's.
        """
        features = rule_features({s: v.confidence for s, v in rules.items()},
                                 {s: v.present for s, v in rules.items()}, model.rule_scale)
        verdicts = dict(rules)
        vector = model.word_vector(reply)
        for signal_id, probability in model.probabilities_of(vector, features).items():
            if signal_id not in rules:
                continue
            if encoded is not None and signal_id in encoded:
                probability = (probability + encoded[signal_id]) / 2
            present = probability >= model.threshold
            evidence: list[str] = []
            if present:
                evidence = (quotes[signal_id]
                            or _locate(reply, model.top_words(signal_id, vector))
                            or _locate_start(reply))
            verdicts[signal_id] = SignalVerdict(
                present=present, confidence=round(probability, 3), evidence=evidence
            )
        return verdicts


def build_detector(catalogue: SignalCatalogue, folder: Path | None = None,
                   encoder: bool = False) -> tuple[SignalDetector, list[str]]:
    """The detector the catalogue asks for: its rules, plus its learned model if it names one,
    plus its encoder when `encoder` is asked for.

    A model or encoder file that is missing or unreadable is reported and detection goes on
    without it, so a broken file never stops detection. `folder` is where the catalogue's file
    names are resolved (default: the rubrics folder).
    """
    if catalogue.model is None:
        problems = ["the catalogue names no `model:`, so there is no encoder either; "
                    "using the rules alone"] if encoder else []
        return SignalDetector(catalogue), problems
    folder = folder or paths.rubrics_dir()
    path = folder / catalogue.model
    try:
        model = read_model(path)
    except (OSError, ValueError) as exc:
        return SignalDetector(catalogue), [f"{exc}; using the rules alone"]
    unknown = sorted(set(model.heads) - set(catalogue.ids()))
    problems = [f"{path}: model has signals the catalogue lacks ({', '.join(unknown)}); "
                "they are ignored"] if unknown else []
    partner = None
    if encoder and catalogue.encoder is None:
        problems.append("the catalogue names no `encoder:`; using the rules and model")
    elif encoder and catalogue.encoder is not None:
        try:
            partner = read_encoder(folder / catalogue.encoder)
        except (OSError, ValueError) as exc:
            problems.append(f"{exc}; using the rules and model without the encoder")
    return SignalDetector(catalogue, model, partner), problems


def _locate(reply: str, phrases: list[str], width: int = 90) -> list[str]:
    """Quote the part of the reply where the model's strongest words are, as written.

    Lone words ("says", "he") explain little to a trainee, so each is widened to its clause
    or sentence, at most `width` characters, cut at word boundaries; overlapping quotes merge.
    """
    spans: list[tuple[int, int]] = []
    sentences = split_sentences(reply)
    found = list(_MODEL_TOKEN.finditer(reply.translate(_FOLD)))
    words = [m.group(0) for m in found]
    for phrase in phrases:
        wanted = phrase.split()
        at = next((i for i in range(len(words) - len(wanted) + 1)
                   if words[i:i + len(wanted)] == wanted), None)
        if at is None:
            continue
        hit_start, hit_end = found[at].start(), found[at + len(wanted) - 1].end()
        holder = next((x for x in reversed(sentences) if x.start <= hit_start), None)
        start, end = (holder.start, holder.start + len(holder.text)) if holder else (
            hit_start, hit_end)
        if end - start > width:
            start, end = _window(reply, hit_start, hit_end, start, end, width)
        for a, b in [x for x in spans if x[0] <= end and start <= x[1]]:
            spans.remove((a, b))
            start, end = min(a, start), max(b, end)
        spans.append((start, end))
    return [reply[a:b].strip() for a, b in sorted(spans)]


def _locate_start(reply: str, width: int = 90) -> list[str]:
    """The opening of the reply, for a verdict (the encoder's) that no word explains alone."""
    text = reply.strip()
    if len(text) <= width:
        return [text] if text else []
    start, end = _window(text, 0, 0, 0, len(text), 2 * width)
    return [text[start:end].strip() or text[:width]]


def _window(text: str, hit_start: int, hit_end: int, lo: int, hi: int,
            width: int) -> tuple[int, int]:
    """About `width` characters of text[lo:hi] around a hit, ending on word boundaries."""
    pad = max(0, (width - (hit_end - hit_start)) // 2)
    start, end = max(lo, hit_start - pad), min(hi, hit_end + pad)
    while start > lo and not text[start - 1].isspace():
        start += 1
        if start >= hit_start:
            start = hit_start
            break
    while end < hi and not text[end].isspace():
        end -= 1
        if end <= hit_end:
            end = hit_end
            break
    return start, end


def _present_in(sentences: list[Sentence], threshold: float) -> set[str]:
    """Signals whose evidence across the sentences reaches the threshold."""
    weights: dict[str, list[float]] = {}
    for sentence in sentences:
        for signal_id, found in sentence.fired.items():
            weights.setdefault(signal_id, []).extend(m.weight for m in found)
    return {s for s, w in weights.items() if _combine(w) >= threshold}
