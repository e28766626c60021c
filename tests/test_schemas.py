"""The JSON Schemas editors use: committed copies are current and every content file uses one."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from simulator import paths
from simulator.loader import sniff_kind
from simulator.schemas import SCHEMAS, check_schemas, render, write_schemas

HEADER = re.compile(r"^# yaml-language-server: \$schema=(?P<ref>\S+)$")
SCHEMA_FOR_KIND = {
    "scenario": "scenario.schema.json",
    "rubric": "rubric.schema.json",
    "signals": "signals.schema.json",
}
SHIPPED = sorted([*paths.rubrics_dir().glob("*.yaml"), *paths.scenarios_dir().glob("*.yaml")])


def test_committed_schemas_are_current() -> None:
    stale = check_schemas()
    assert stale == [], f"run `python -m simulator schemas --write`: {stale}"


def test_every_schema_file_is_committed() -> None:
    names = {p.name for p in paths.schemas_dir().glob("*.json")}
    assert set(SCHEMAS) <= names


def test_there_is_shipped_content() -> None:
    assert paths.signals_file() in SHIPPED
    assert any(p.parent == paths.scenarios_dir() for p in SHIPPED)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shipped_file_references_the_right_schema(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[0]
    match = HEADER.match(first)
    assert match, f"{path}: first line must be '# yaml-language-server: $schema=...', got {first!r}"
    ref = match.group("ref")
    target = (path.parent / ref).resolve()
    assert target.is_file(), f"{path}: {ref} does not exist"
    assert target.parent == paths.schemas_dir().resolve()
    kind = sniff_kind(yaml.safe_load(text))
    assert kind is not None
    assert target.name == SCHEMA_FOR_KIND[kind]


def test_write_schemas_round_trips(tmp_path: Path) -> None:
    written = write_schemas(tmp_path)
    assert sorted(p.name for p in written) == sorted(SCHEMAS)
    assert all(p.parent == tmp_path for p in written)
    assert check_schemas(tmp_path) == []
    for path in written:
        committed = paths.schemas_dir() / path.name
        assert path.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8")
        assert path.read_text(encoding="utf-8") == render(SCHEMAS[path.name])


def test_write_schemas_creates_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "schemas"
    write_schemas(target)
    assert check_schemas(target) == []


def test_check_schemas_reports_stale_and_missing_files(tmp_path: Path) -> None:
    write_schemas(tmp_path)
    (tmp_path / "rubric.schema.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "signals.schema.json").unlink()
    stale = check_schemas(tmp_path)
    assert sorted(p.name for p in stale) == ["rubric.schema.json", "signals.schema.json"]
    assert check_schemas(tmp_path / "empty") == [tmp_path / "empty" / n for n in SCHEMAS]


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_content(name: str) -> None:
    schema = json.loads(render(SCHEMAS[name]))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == SCHEMAS[name].__name__
    # unknown keys are errors in the loader, so editors must flag them too
    assert schema["additionalProperties"] is False
    assert schema["properties"]
    assert set(schema["required"]) <= set(schema["properties"])


def test_schemas_carry_descriptions_for_hover_help() -> None:
    scenario = json.loads(render(SCHEMAS["scenario.schema.json"]))
    fact = scenario["$defs"]["Fact"]["properties"]
    assert "asked" in fact["revealed"]["description"]
    rubric = json.loads(render(SCHEMAS["rubric.schema.json"]))
    rule = rubric["$defs"]["Rule"]["properties"]
    assert set(rule) >= {"any_of", "all_of", "never", "before", "within_first"}
    assert all(prop.get("description") for prop in rule.values())


def test_render_is_stable() -> None:
    for model in SCHEMAS.values():
        assert render(model) == render(model)
        assert render(model).endswith("}\n")
