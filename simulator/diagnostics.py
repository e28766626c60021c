# Layer: loader (diagnostics). Imports nothing from the simulator package.
"""YAML text to data with line numbers, and errors located at `path:line: field.path`.

Line numbers come from the composed YAML node tree, because pydantic's errors only carry
field paths. Only the safe loader is used: content files are data, never code.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

# The C implementation of PyYAML's *safe* loader when it is built in: same rules, faster.
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Loc = tuple[str | int, ...]


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
