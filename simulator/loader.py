# Layer: loader. Imports simulator.models and simulator.paths only.
"""Read scenario, rubric and signal files into models, with errors a trainer can act on.

Every problem becomes a `LoadError` naming the file, the line, the field path and a hint.
A broken file is reported and skipped; it never stops the other files from loading.
Only `yaml.safe_load`/`SafeLoader` are used: content files are data, never code.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ValidationError

from simulator import paths
from simulator.models import Rubric, Scenario, SignalCatalogue

# The C implementation of PyYAML's *safe* loader when it is built in: same rules, faster.
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Kind = Literal["scenario", "rubric", "signals"]
Loc = tuple[str | int, ...]
MODEL_FOR: dict[Kind, type[BaseModel]] = {
    "scenario": Scenario,
    "rubric": Rubric,
    "signals": SignalCatalogue,
}


@dataclass(frozen=True)
class LoadError:
    """One problem in one file, printed as `path:line: field.path: message (hint: ...)`."""

    path: str
    line: int
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}: {self.field or '(file)'}: {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text


class LineMap:
    """Maps field paths inside one YAML document to the line they start on."""

    def __init__(self, lines: dict[Loc, int] | None = None) -> None:
        self._lines: dict[Loc, int] = lines or {(): 1}

    @classmethod
    def from_node(cls, node: yaml.Node | None) -> LineMap:
        """Walk a composed YAML node tree, recording where each key and item starts."""
        lines: dict[Loc, int] = {(): 1}
        stack: list[tuple[yaml.Node, Loc]] = [(node, ())] if node is not None else []
        seen: set[int] = set()
        while stack:
            current, loc = stack.pop()
            if id(current) in seen:  # an alias: already walked (and may refer to itself)
                continue
            seen.add(id(current))
            if isinstance(current, yaml.MappingNode):
                for key_node, value_node in current.value:
                    key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
                    child = (*loc, key)
                    lines.setdefault(child, key_node.start_mark.line + 1)
                    stack.append((value_node, child))
            elif isinstance(current, yaml.SequenceNode):
                for index, item in enumerate(current.value):
                    child = (*loc, index)
                    lines.setdefault(child, item.start_mark.line + 1)
                    stack.append((item, child))
        return cls(lines)

    def __contains__(self, loc: object) -> bool:
        return loc in self._lines

    def line(self, loc: Sequence[str | int]) -> int:
        """Line of the deepest part of `loc` present in the file (1 if none)."""
        parts = tuple(loc)
        while parts:
            if parts in self._lines:
                return self._lines[parts]
            parts = parts[:-1]
        return self._lines.get((), 1)


def format_loc(loc: Sequence[str | int]) -> str:
    """`('criteria', 2, 'rule')` -> `criteria.2.rule`."""
    return ".".join(str(part) for part in loc)


@dataclass
class LoadedFile:
    """One content file after loading: the model if it is valid, else its errors."""

    path: Path
    kind: Kind | None
    model: BaseModel | None
    lines: LineMap
    errors: list[LoadError] = field(default_factory=list)


# --------------------------------------------------------------------------- parsing


def _duplicate_keys(
    node: yaml.Node | None, loc: Loc = (), walked: set[int] | None = None
) -> Iterable[tuple[Loc, int]]:
    """Keys given twice in one mapping: PyYAML silently keeps the last, so we must look."""
    walked = set() if walked is None else walked
    if node is None or id(node) in walked:  # an alias: already walked (and may refer to itself)
        return
    walked.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                yield (*loc, key), key_node.start_mark.line + 1
            seen.add(key)
            yield from _duplicate_keys(value_node, (*loc, key), walked)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicate_keys(item, (*loc, index), walked)


def parse_yaml(text: str, path: str) -> tuple[Any, LineMap, list[LoadError]]:
    """Parse YAML text safely; return data, line map and syntax errors (never raises)."""
    try:
        node = yaml.compose(text, Loader=SafeLoader)
        data = yaml.load(text, Loader=SafeLoader)  # SafeLoader only
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or "invalid YAML"
        if isinstance(exc, yaml.constructor.ConstructorError):
            error = LoadError(path, line, "", f"tag not allowed: {problem}",
                              "content files are plain data: remove the '!!' tag")
        else:
            error = LoadError(path, line, "", f"YAML syntax error: {problem}",
                              "check indentation, colons and quoting on this line or the one above")
        return None, LineMap(), [error]
    except yaml.YAMLError as exc:
        return None, LineMap(), [LoadError(path, 1, "", f"YAML error: {exc}")]
    except (ValueError, RecursionError) as exc:
        return None, LineMap(), [LoadError(path, 1, "", f"cannot read YAML: {exc}")]
    lines = LineMap.from_node(node)
    errors = [
        LoadError(path, line, format_loc(loc), "key given twice", "remove one of the two")
        for loc, line in _duplicate_keys(node)
    ]
    return data, lines, errors


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


# --------------------------------------------------------------------------- validation


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation like `list[Fact] | None`, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap_model(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType or origin in (list, dict):
        for arg in typing.get_args(annotation):
            found = _unwrap_model(arg)
            if found is not None:
                return found
    return None


def _fields_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """Field names allowed at `loc` (the mapping that holds the offending key)."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return []
        if isinstance(part, int) or part not in current.model_fields:
            continue
        current = _unwrap_model(current.model_fields[part].annotation)
    return list(current.model_fields) if current is not None else []


_PREFIX = re.compile(r"^(?:Value error, )?([a-z_]+(?:\.[a-z0-9_]+)+): (.*)$", re.S)


def _hint_for(error_type: str, loc: Loc, model: type[BaseModel], value: Any) -> str:
    if error_type == "extra_forbidden":
        allowed = _fields_at(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        if close:
            return f"did you mean '{close[0]}'?"
        return "allowed here: " + ", ".join(allowed) if allowed else "remove this key"
    if error_type == "missing":
        return f"add '{loc[-1]}:' here" if loc else "this file needs more fields"
    if error_type == "string_type" and isinstance(value, bool):
        return "YAML reads yes/no/on/off/true/false as booleans: put the word in quotes"
    if error_type == "string_pattern_mismatch":
        return "use lower-case letters, digits, '_' or '-' (e.g. 'offer_remedy')"
    if error_type in {"float_parsing", "int_parsing", "float_type", "int_type"}:
        return "write a plain number"
    if error_type in {"list_type"}:
        return "write a YAML list ('- item' lines or [a, b])"
    if error_type in {"model_type", "dict_type", "model_attributes_type"}:
        return "write a mapping ('key: value' lines)"
    if error_type == "too_short":
        return "add at least one item"
    return ""


def validation_errors(
    exc: ValidationError, model: type[BaseModel], path: str, lines: LineMap
) -> list[LoadError]:
    """Turn a pydantic ValidationError into located, hinted LoadErrors."""
    found: list[LoadError] = []
    for item in exc.errors(include_url=False):
        loc: Loc = ()
        for part in item["loc"]:  # keep keys the file really has, even 'Title' or 'Rule'
            if (*loc, part) in lines or not _is_union_tag(part):
                loc = (*loc, part)
        message = str(item["msg"])
        match = _PREFIX.match(message)
        if match:
            extra = tuple(int(p) if p.isdigit() else p for p in match.group(1).split("."))
            loc, message = (*loc, *extra), match.group(2)
        message = message.removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = f"unknown field '{loc[-1]}'"
        hint = _hint_for(item["type"], loc, model, item.get("input"))
        found.append(LoadError(path, lines.line(loc), format_loc(loc), message, hint))
    return found


def _is_union_tag(part: str | int) -> bool:
    """Pydantic adds the tried type's name to locs inside unions; it is not a field."""
    return isinstance(part, str) and (part[:1].isupper() or part in {"str", "list[str]"})


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
    for index, spec in enumerate(catalogue.signals):
        for k, other in enumerate(spec.suppressed_by):
            if other not in signal_ids:
                library.errors.append(library.error(
                    "signals", "signals", ("signals", index, "suppressed_by", k),
                    f"unknown signal {other!r}", _suggest(other, signal_ids)))

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
