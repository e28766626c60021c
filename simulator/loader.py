# Layer: loader. Imports simulator.models, simulator.paths and simulator.diagnostics.
"""Read scenario, rubric and signal files into models, with errors a trainer can act on.

Every problem becomes a `LoadError` naming the file, the line, the field path and a hint.
A broken file is reported and skipped; it never stops the other files from loading.
Only `yaml.safe_load`/`SafeLoader` are used: content files are data, never code.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from simulator import paths
from simulator.diagnostics import (
    LineMap,
    LoadError,
    Loc,
    format_loc,
    parse_yaml,
    validation_errors,
)
from simulator.models import Rubric, Scenario, SignalCatalogue

__all__ = ["Kind", "Library", "LineMap", "LoadError", "LoadedFile", "format_loc", "load_catalogue",
           "load_file", "load_library", "load_text", "sniff_kind"]

Kind = Literal["scenario", "rubric", "signals"]
MODEL_FOR: dict[Kind, type[BaseModel]] = {
    "scenario": Scenario,
    "rubric": Rubric,
    "signals": SignalCatalogue,
}


@dataclass
class LoadedFile:
    """One content file after loading: the model if it is valid, else its errors."""

    path: Path
    kind: Kind | None
    model: BaseModel | None
    lines: LineMap
    errors: list[LoadError] = field(default_factory=list)


def sniff_kind(data: Any) -> Kind | None:
    """Tell a scenario, a rubric and the signal catalogue apart by their top-level keys."""
    if not isinstance(data, dict):
        return None
    if "signals" in data:
        return "signals"
    if "criteria" in data:
        return "rubric"
    if "persona" in data or "opening_line" in data:
        return "scenario"
    return None


def load_file(path: Path, expected: Kind | None = None) -> LoadedFile:
    """Load one content file; errors are collected, never raised."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        error = LoadError(name, 1, "", f"cannot read: {exc}")
        return LoadedFile(path, None, None, LineMap(), [error])
    return load_text(text, name, expected)


def load_text(text: str, name: str, expected: Kind | None = None) -> LoadedFile:
    """Load content from a string (the trainer studio validates unsaved edits this way)."""
    data, lines, errors = parse_yaml(text, name)
    path = Path(name)
    if errors and data is None:
        return LoadedFile(path, None, None, lines, errors)
    kind = expected or sniff_kind(data)
    if kind is None:
        hint = "a scenario has 'persona:', a rubric 'criteria:', the catalogue 'signals:'"
        what = "empty file" if data is None else "cannot tell what this file is"
        return LoadedFile(path, None, None, lines, [*errors, LoadError(name, 1, "", what, hint)])
    model_cls = MODEL_FOR[kind]
    if not isinstance(data, dict):
        errors.append(LoadError(name, 1, "", f"a {kind} file must be a mapping of fields"))
        return LoadedFile(path, kind, None, lines, errors)
    try:
        model = model_cls.model_validate(data)
    except ValidationError as exc:
        errors.extend(validation_errors(exc, model_cls, name, lines))
        return LoadedFile(path, kind, None, lines, errors)
    return LoadedFile(path, kind, None if errors else model, lines, errors)


# --------------------------------------------------------------------------- the library


@dataclass
class Library:
    """Everything loaded: the catalogue, rubrics and scenarios that are valid, plus all errors."""

    catalogue: SignalCatalogue | None
    rubrics: dict[str, Rubric]
    scenarios: dict[str, Scenario]
    files: dict[str, LoadedFile]
    origin: dict[tuple[Kind, str], str]
    errors: list[LoadError]

    def locate(self, kind: Kind, item_id: str, loc: Loc) -> tuple[str, int]:
        """File and line of a field inside a loaded item (for errors found after loading)."""
        name = self.origin.get((kind, item_id), "")
        loaded = self.files.get(name)
        return name, loaded.lines.line(loc) if loaded else 1

    def error(self, kind: Kind, item_id: str, loc: Loc, message: str, hint: str = "") -> LoadError:
        """A LoadError pointing into a loaded item."""
        name, line = self.locate(kind, item_id, loc)
        return LoadError(name, line, format_loc(loc), message, hint)

    def scenario(self, ref: str) -> Scenario:
        """A scenario by id, or by the path of a file that holds one."""
        if ref in self.scenarios:
            return self.scenarios[ref]
        for (kind, item_id), name in self.origin.items():
            if kind == "scenario" and Path(name).resolve() == Path(ref).resolve():
                return self.scenarios[item_id]
        known = ", ".join(sorted(self.scenarios)) or "none loaded"
        raise KeyError(f"unknown scenario {ref!r} (known: {known})")


def yaml_files(targets: Iterable[Path]) -> list[Path]:
    """Expand folders into their YAML files (sorted), keeping files as given."""
    found: list[Path] = []
    for target in targets:
        if target.is_dir():
            found.extend(sorted(p for p in target.rglob("*") if p.suffix in {".yaml", ".yml"}))
        else:
            found.append(target)
    return found


def load_catalogue() -> tuple[SignalCatalogue | None, list[LoadError]]:
    """Only the signal catalogue: all that detection needs, so `detect` starts fast."""
    loaded = load_file(paths.signals_file(), expected="signals")
    model = loaded.model
    return (model if isinstance(model, SignalCatalogue) else None), loaded.errors


def default_files() -> list[Path]:
    """The shipped signal catalogue, rubrics and scenarios."""
    return yaml_files([paths.rubrics_dir(), paths.scenarios_dir()])


def load_library(targets: Sequence[Path] | None = None, *, with_defaults: bool = True) -> Library:
    """Load content files into a Library, checking cross references between them.

    With explicit `targets`, the shipped catalogue and rubrics are loaded too (unless the
    targets replace them) so that a lone scenario can be checked against them; errors in
    those context files are reported only when the targets cannot be checked without them.
    """
    explicit = [p for p in yaml_files(targets)] if targets else default_files()
    loaded = [load_file(p) for p in explicit]
    context: list[LoadedFile] = []
    if targets and with_defaults:
        given = {p.resolve() for p in explicit}
        context = [
            load_file(p) for p in yaml_files([paths.rubrics_dir()]) if p.resolve() not in given
        ]
    return _assemble(loaded, context)


def _assemble(loaded: list[LoadedFile], context: list[LoadedFile]) -> Library:
    errors: list[LoadError] = []
    files: dict[str, LoadedFile] = {}
    origin: dict[tuple[Kind, str], str] = {}
    catalogue: SignalCatalogue | None = None
    rubrics: dict[str, Rubric] = {}
    scenarios: dict[str, Scenario] = {}

    for loaded_file, is_context in [*((f, False) for f in loaded), *((f, True) for f in context)]:
        name = str(loaded_file.path)
        files[name] = loaded_file
        if not is_context:
            errors.extend(loaded_file.errors)
        model = loaded_file.model
        if model is None:
            continue
        item_id = model.id if isinstance(model, Rubric | Scenario) else "signals"
        key = (loaded_file.kind, item_id)
        assert loaded_file.kind is not None
        if key in origin:
            if not is_context:
                errors.append(LoadError(name, loaded_file.lines.line(("id",)), "id",
                                        f"{loaded_file.kind} id {item_id!r} is already used by "
                                        f"{origin[key]}", "give each file its own id"))
            continue
        origin[(loaded_file.kind, item_id)] = name
        if isinstance(model, SignalCatalogue):
            catalogue = model
        elif isinstance(model, Rubric):
            rubrics[model.id] = model
        elif isinstance(model, Scenario):
            scenarios[model.id] = model

    library = Library(catalogue, rubrics, scenarios, files, origin, errors)
    if catalogue is None:
        where = next(
            (str(f.path) for f in context + loaded if f.kind == "signals"), "rubrics/signals.yaml"
        )
        errors.append(LoadError(where, 1, "", "no valid signal catalogue loaded",
                                "fix the errors in the catalogue file first"))
        library.rubrics, library.scenarios = {}, {}
        return library
    _check_references(library, catalogue)
    return library


def _check_references(library: Library, catalogue: SignalCatalogue) -> None:
    """Drop items that name unknown signals or rubrics, reporting each bad reference."""
    signal_ids = set(catalogue.ids())
    references: list[tuple[Loc, str]] = [
        (("kind_signals", k), other) for k, other in enumerate(catalogue.kind_signals)
    ]
    for index, spec in enumerate(catalogue.signals):
        for field_name in ("suppressed_by", "undone_by", "kept_by"):
            references += [(("signals", index, field_name, k), other)
                           for k, other in enumerate(getattr(spec, field_name))]
    for loc, other in references:
        if other not in signal_ids:
            library.errors.append(library.error(
                "signals", "signals", loc, f"unknown signal {other!r}",
                _suggest(other, signal_ids)))

    for rubric_id, rubric in list(library.rubrics.items()):
        bad = False
        for c_index, criterion in enumerate(rubric.criteria):
            if criterion.rule is None:
                continue
            for signal in criterion.rule.signal_ids():
                if signal not in signal_ids:
                    bad = True
                    library.errors.append(library.error(
                        "rubric", rubric_id, ("criteria", c_index, "rule"),
                        f"unknown signal {signal!r}", _suggest(signal, signal_ids)))
        if bad:
            del library.rubrics[rubric_id]

    for scenario_id, scenario in list(library.scenarios.items()):
        problems: list[LoadError] = []
        for r_index, rubric_id in enumerate(scenario.rubrics):
            if rubric_id not in library.rubrics:
                problems.append(library.error(
                    "scenario", scenario_id, ("rubrics", r_index),
                    f"unknown rubric {rubric_id!r}", _suggest(rubric_id, set(library.rubrics))))
        for section, keys in (("mood", scenario.mood.weights), ("lines", scenario.lines.reactions)):
            sub = "weights" if section == "mood" else "reactions"
            for key in keys:
                if key not in signal_ids:
                    problems.append(library.error(
                        "scenario", scenario_id, (section, sub, key),
                        f"unknown signal {key!r}", _suggest(key, signal_ids)))
        if problems:
            library.errors.extend(problems)
            del library.scenarios[scenario_id]


def _suggest(value: str, known: set[str]) -> str:
    close = difflib.get_close_matches(value, sorted(known), n=1)
    if close:
        return f"did you mean '{close[0]}'?"
    return "known: " + ", ".join(sorted(known)) if known else ""
