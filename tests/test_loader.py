"""The loader: located, hinted errors; cross references; one bad file never stops the rest."""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import paths
from simulator.loader import (
    Library,
    LineMap,
    LoadedFile,
    LoadError,
    format_loc,
    load_file,
    load_library,
    load_text,
    sniff_kind,
)
from simulator.models import Rubric, Scenario, SignalCatalogue
from simulator.paths import PROJECT_ROOT

# A valid scenario with a known layout: tests find lines in it with `line_of`.
SCENARIO = """\
# yaml-language-server: $schema=../schemas/scenario.schema.json
id: {id}
title: Lost parcel
industry: retail
difficulty: easy
briefing: A parcel due Monday has not arrived.
persona:
  name: Pat Example
  temperament: blunt
  background: Ordered a kettle.
  angered_by: [excuses]
  calmed_by: [a new parcel]
facts:
  - id: late
    text: The parcel is late.
  - id: neighbour
    text: It was left with a neighbour.
    revealed: asked
    customer_line: Nobody next door has it.
wants: A new kettle sent today.
remedies:
  - id: voucher
    label: A voucher
    recognise: [voucher]
    fits: false
  - id: resend
    label: Send a new kettle
    recognise: [resend, replacement]
    fits: true
opening_line: My kettle never came.
lines:
  stages:
    venting: [Where is my kettle?, I paid for next-day delivery.]
    explaining: [It was a gift., I was in all day.]
    negotiating: [So what will you do?, What are my options?]
    closing: [Thanks then., Great.]
  reactions:
    apologize: [Well, thanks for saying sorry.]
  remedy_accepted: [Fine, send it.]
  remedy_too_early: [Don't rush me.]
  remedy_unfit: [That doesn't help.]
  escalated: [Get me your manager.]
  walked_out: [I'm done.]
  turn_limit: [I have to go.]
mood:
  initial: 70
  weights:
    argue: 12
  jitter: 0
turn_limit: 6
rubrics: [never_argue]
examples:
  model:
    replies: [I'm so sorry, I'll resend a new kettle today.]
  poor:
    replies: [You're wrong.]
"""

RUBRIC = """\
id: {id}
title: Test rubric
method: test
description: Just for tests.
sources: [000_005245b99a1c1640.txt]
pass_mark: 60
criteria:
  - id: say_sorry
    label: Say sorry
    description: Apologises.
    source: 000_005245b99a1c1640.txt
    weight: 20
    rule:
      any_of: [apologize]
    tip: Say sorry.
    model_phrasing: I'm sorry.
  - id: no_arguing
    label: Never argue
    description: Does not argue.
    source: 003_6f8edd21063663d3.txt
    weight: 30
    rule:
      never: [argue]
    critical: true
    tip: Don't argue.
    model_phrasing: You're right.
"""

HINT_QUOTES = "YAML reads yes/no/on/off/true/false as booleans: put the word in quotes"
LINE_FORMAT = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<field>\S+): (?P<message>.+)$")


def scenario_text(scenario_id: str = "lost_parcel") -> str:
    return SCENARIO.format(id=scenario_id)


def rubric_text(rubric_id: str = "test_rubric") -> str:
    return RUBRIC.format(id=rubric_id)


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based number of the line holding `needle` (its n-th occurrence)."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= occurrence, f"{needle!r} not in the text {occurrence} time(s)"
    return hits[occurrence - 1]


def replace_line(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail instead of hanging (where the platform has interval timers)."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def _timeout(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"took longer than {seconds}s")

    previous = signal.signal(signal.SIGALRM, _timeout)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def guarded_load(text: str, name: str) -> LoadedFile:
    with time_limit(10):
        return load_text(text, name)


def only_error(loaded: LoadedFile) -> LoadError:
    assert loaded.model is None
    assert len(loaded.errors) == 1, [str(e) for e in loaded.errors]
    return loaded.errors[0]


def errors_for(library: Library, path: Path) -> list[LoadError]:
    return [e for e in library.errors if e.path == str(path)]


# --------------------------------------------------------------------------- valid files


def test_the_test_templates_are_valid() -> None:
    scenario = load_text(scenario_text(), "s.yaml")
    rubric = load_text(rubric_text(), "r.yaml")
    assert scenario.errors == [] and isinstance(scenario.model, Scenario)
    assert rubric.errors == [] and isinstance(rubric.model, Rubric)
    assert (scenario.kind, rubric.kind) == ("scenario", "rubric")


def test_shipped_content_loads_without_errors(library: Library) -> None:
    assert [str(e) for e in library.errors] == []
    assert library.catalogue is not None
    shipped = sorted(paths.scenarios_dir().glob("*.yaml"))
    assert len(library.scenarios) == len(shipped)
    assert len(library.rubrics) == len(list(paths.rubrics_dir().glob("*.yaml"))) - 1


def test_load_file_reads_the_shipped_catalogue() -> None:
    loaded = load_file(paths.signals_file())
    assert loaded.kind == "signals"
    assert isinstance(loaded.model, SignalCatalogue)
    assert loaded.path == paths.signals_file()


# --------------------------------------------------------------------------- LoadError


def test_load_error_str_format() -> None:
    error = LoadError("a/b.yaml", 7, "criteria.0.weight", "bad", "fix it")
    assert str(error) == "a/b.yaml:7: criteria.0.weight: bad (hint: fix it)"
    assert str(LoadError("a.yaml", 1, "", "empty file")) == "a.yaml:1: (file): empty file"


# --------------------------------------------------------------------------- field errors


def test_unknown_key_gets_a_did_you_mean_hint() -> None:
    text = replace_line(rubric_text(), "    weight: 30\n", "    wieght: 30\n")
    loaded = load_text(text, "rubrics/t.yaml")
    kinds = {e.field: e for e in loaded.errors}
    error = kinds["criteria.1.wieght"]
    assert error.line == line_of(text, "wieght: 30")
    assert error.message == "unknown field 'wieght'"
    assert error.hint == "did you mean 'weight'?"
    assert str(error) == (f"rubrics/t.yaml:{error.line}: criteria.1.wieght: unknown field "
                          "'wieght' (hint: did you mean 'weight'?)")
    # the field it replaced is then missing, reported at the criterion it belongs to
    missing = kinds["criteria.1.weight"]
    assert missing.line == line_of(text, "- id: no_arguing")
    assert missing.hint == "add 'weight:' here"


def test_unknown_key_without_a_close_match_lists_what_is_allowed() -> None:
    text = replace_line(scenario_text(), "  jitter: 0\n", "  jitter: 0\n  zzz: 1\n")
    error = only_error(load_text(text, "s.yaml"))
    assert (error.field, error.line) == ("mood.zzz", line_of(text, "zzz: 1"))
    assert error.hint.startswith("allowed here: initial, weights, jitter")


@pytest.mark.parametrize(("key", "field"), [("Title", "title"), ("Opening_line", "opening_line")])
def test_capitalised_key_is_reported_with_a_hint(key: str, field: str) -> None:
    """Regression: a key pydantic could mistake for a union tag crashed the loader."""
    text = scenario_text().replace(f"\n{field}:", f"\n{key}:")
    loaded = load_text(text, "s.yaml")
    by_field = {e.field: e for e in loaded.errors}
    assert by_field[key].message == f"unknown field '{key}'"
    assert by_field[key].hint == f"did you mean '{field}'?"
    assert by_field[key].line == line_of(text, f"{key}:")


def test_unwrapped_description_line_becomes_a_located_unknown_key() -> None:
    """A folded line that lost its indentation reads as a key: report it, don't crash."""
    text = replace_line(rubric_text(), "description: Just for tests.\n",
                        "description: >-\n  Just for\nThe tests: here.\n")
    loaded = load_text(text, "r.yaml")
    error = {e.field: e for e in loaded.errors}["The tests"]
    assert error.line == line_of(text, "The tests: here.")
    assert error.message == "unknown field 'The tests'"


def test_bad_dict_key_keeps_its_name_in_the_field_path() -> None:
    text = replace_line(scenario_text(), "    argue: 12\n", "    Argue: 12\n")
    error = only_error(load_text(text, "s.yaml"))
    assert error.field.startswith("mood.weights.Argue")
    assert error.line == line_of(text, "Argue: 12")
    assert "lower-case" in error.hint


def test_missing_nested_field_points_at_its_parent() -> None:
    text = replace_line(scenario_text(), "  name: Pat Example\n", "")
    error = only_error(load_text(text, "s.yaml"))
    assert error.field == "persona.name"
    assert error.line == line_of(text, "persona:")
    assert error.message == "Field required"
    assert error.hint == "add 'name:' here"


def test_missing_top_level_field_points_at_line_1() -> None:
    text = replace_line(scenario_text(), "wants: A new kettle sent today.\n", "")
    error = only_error(load_text(text, "s.yaml"))
    assert (error.line, error.field, error.hint) == (1, "wants", "add 'wants:' here")


@pytest.mark.parametrize(
    ("old", "new", "field", "hint"),
    [
        ("turn_limit: 6\n", "turn_limit: six\n", "turn_limit", "write a plain number"),
        ("  initial: 70\n", "  initial: hot\n", "mood.initial", "write a plain number"),
        ("  angered_by: [excuses]\n", "  angered_by: excuses\n", "persona.angered_by",
         "write a YAML list ('- item' lines or [a, b])"),
        ("persona:\n", "persona: Pat\nx_persona:\n", "persona",
         "write a mapping ('key: value' lines)"),
        ("rubrics: [never_argue]\n", "rubrics: []\n", "rubrics", "add at least one item"),
    ],
)
def test_wrong_type_is_located_with_a_hint(old: str, new: str, field: str, hint: str) -> None:
    text = replace_line(scenario_text(), old, new)
    errors = {e.field: e for e in load_text(text, "s.yaml").errors}
    assert errors[field].hint == hint
    assert errors[field].line == line_of(text, new.splitlines()[0])


def test_rule_with_two_kinds_is_located_at_the_rule() -> None:
    text = replace_line(rubric_text(), "      any_of: [apologize]\n",
                        "      any_of: [apologize]\n      never: [argue]\n")
    error = only_error(load_text(text, "r.yaml"))
    assert error.field == "criteria.0.rule"
    assert error.line == line_of(text, "rule:")
    assert "exactly one of any_of, all_of, never, before" in error.message


def test_duplicate_criterion_id_is_located_at_the_second_one() -> None:
    text = replace_line(rubric_text(), "  - id: no_arguing\n", "  - id: say_sorry\n")
    error = only_error(load_text(text, "r.yaml"))
    assert error.field == "criteria.1.id"
    assert error.line == line_of(text, "- id: say_sorry", occurrence=2)
    assert error.message == "duplicate criterion id 'say_sorry'"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("opening_line: My kettle never came.\n", "opening_line: yes\n", "opening_line"),
        ("  name: Pat Example\n", "  name: no\n", "persona.name"),
        ("  angered_by: [excuses]\n", "  angered_by: [excuses, off]\n", "persona.angered_by.1"),
        ("    label: A voucher\n", "    label: on\n", "remedies.0.label"),
    ],
)
def test_yes_no_read_as_booleans_get_the_quoting_hint(old: str, new: str, field: str) -> None:
    text = replace_line(scenario_text(), old, new)
    error = only_error(load_text(text, "s.yaml"))
    assert (error.field, error.hint) == (field, HINT_QUOTES)
    assert error.line == line_of(text, new.strip())


def test_quoted_yes_is_a_string() -> None:
    text = replace_line(scenario_text(), "opening_line: My kettle never came.\n",
                        'opening_line: "yes"\n')
    loaded = load_text(text, "s.yaml")
    assert isinstance(loaded.model, Scenario)
    assert loaded.model.opening_line == "yes"


# --------------------------------------------------------------------------- YAML problems


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("id: a\ntitle: x: y\ncriteria: []\n", 2),
        ("id: a\ncriteria:\n  - id: b\n   label: c\n", 4),
        ("id: a\ncriteria: [1, 2\npersona: 3\n", 3),
        ("id: a\nb:\n\tc: 1\n", 3),
        ("a: 1\n---\nb: 2\n", 2),
    ],
)
def test_yaml_syntax_error_has_its_line(text: str, line: int) -> None:
    loaded = load_text(text, "bad.yaml")
    error = only_error(loaded)
    assert loaded.kind is None
    assert error.line == line
    assert error.field == ""
    assert error.message.startswith("YAML syntax error: ")
    assert error.hint
    assert str(error).startswith(f"bad.yaml:{line}: (file): YAML syntax error: ")


def test_key_given_twice_is_an_error_even_though_yaml_allows_it() -> None:
    text = replace_line(scenario_text(), "turn_limit: 6\n", "turn_limit: 6\nturn_limit: 8\n")
    error = only_error(load_text(text, "s.yaml"))
    assert (error.field, error.message, error.hint) == (
        "turn_limit", "key given twice", "remove one of the two")
    assert error.line == line_of(text, "turn_limit: 8")


def test_nested_key_given_twice_names_its_path() -> None:
    text = replace_line(scenario_text(), "  temperament: blunt\n",
                        "  temperament: blunt\n  temperament: sly\n")
    error = only_error(load_text(text, "s.yaml"))
    assert (error.field, error.line) == ("persona.temperament", line_of(text, "temperament: sly"))


def test_a_file_that_is_not_a_mapping() -> None:
    error = only_error(load_text("- id: a\n- id: b\n", "list.yaml"))
    assert error.message == "cannot tell what this file is"
    assert error.line == 1
    told = load_text("- id: a\n- id: b\n", "list.yaml", expected="scenario")
    assert told.kind == "scenario"
    error = only_error(told)
    assert error.message == "a scenario file must be a mapping of fields"


@pytest.mark.parametrize("text", ["", "\n\n", "# just a comment\n", "---\n", "~\n"])
def test_an_empty_file(text: str) -> None:
    loaded = load_text(text, "empty.yaml")
    error = only_error(loaded)
    assert loaded.kind is None
    assert (error.line, error.field, error.message) == (1, "", "empty file")
    assert "persona:" in error.hint


@pytest.mark.parametrize("text", ["title: Something\nid: x\n", "just words\n", "42\n"])
def test_a_file_whose_kind_cannot_be_told(text: str) -> None:
    error = only_error(load_text(text, "what.yaml"))
    assert error.message == "cannot tell what this file is"
    assert error.hint == "a scenario has 'persona:', a rubric 'criteria:', the catalogue 'signals:'"


def test_expected_kind_overrides_sniffing() -> None:
    loaded = load_text(rubric_text(), "r.yaml", expected="scenario")
    assert loaded.kind == "scenario"
    assert loaded.model is None
    assert "criteria" in {e.field for e in loaded.errors}


@pytest.mark.parametrize(
    ("data", "kind"),
    [({"signals": []}, "signals"), ({"criteria": []}, "rubric"), ({"persona": {}}, "scenario"),
     ({"opening_line": "x"}, "scenario"), ({"id": "x"}, None), ([1], None), (None, None),
     ("text", None)],
)
def test_sniff_kind(data: Any, kind: str | None) -> None:
    assert sniff_kind(data) == kind


def test_unreadable_files_are_errors_not_exceptions(tmp_path: Path) -> None:
    missing = load_file(tmp_path / "nope.yaml")
    assert only_error(missing).message.startswith("cannot read: ")
    binary = tmp_path / "latin1.yaml"
    binary.write_bytes("title: caf\xe9\n".encode("latin-1"))
    error = only_error(load_file(binary))
    assert error.message.startswith("cannot read: ")
    assert error.path == str(binary)


def test_unsafe_yaml_tags_are_rejected_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "hacked"
    for tag in ("!!python/object/apply:os.system", "!!python/object/new:os.system"):
        text = f'persona: {tag} ["echo hacked > {marker}"]\nopening_line: hi\n'
        loaded = load_text(text, "evil.yaml")
        error = only_error(loaded)
        assert "python/object" in error.message
        assert error.line == 1
    name_tag = load_text("persona: !!python/name:os.system\nopening_line: hi\n", "evil.yaml")
    assert only_error(name_tag).message.startswith("tag not allowed")
    assert "remove the '!!' tag" in only_error(name_tag).hint
    path = write(tmp_path, "evil.yaml",
                 f'id: evil\ncriteria: !!python/object/apply:os.system ["touch {marker}"]\n')
    library = load_library([path])
    assert [e.path for e in library.errors] == [str(path)]
    assert not marker.exists()


def test_recursive_alias_does_not_hang() -> None:
    """Regression: a self-referencing alias sent the line map into an endless walk."""
    for text in ("&a [*a]\n", "persona: &a {x: *a}\nopening_line: hi\n",
                 "persona: &p\n  name: *p\nopening_line: hi\n"):
        loaded = guarded_load(text, "loop.yaml")
        assert loaded.model is None and loaded.errors


# --------------------------------------------------------------------------- cross references


def test_rubric_naming_an_unknown_signal(tmp_path: Path) -> None:
    text = replace_line(rubric_text("typo_rubric"), "      any_of: [apologize]\n",
                        "      any_of: [apologise]\n")
    path = write(tmp_path, "typo.yaml", text)
    library = load_library([path])
    [error] = errors_for(library, path)
    assert error.field == "criteria.0.rule"
    assert error.line == line_of(text, "rule:")
    assert error.message == "unknown signal 'apologise'"
    assert error.hint == "did you mean 'apologize'?"
    assert "typo_rubric" not in library.rubrics
    assert "blast" in library.rubrics  # the shipped context still loads


def test_scenario_naming_an_unknown_rubric(tmp_path: Path) -> None:
    text = replace_line(scenario_text(), "rubrics: [never_argue]\n",
                        "rubrics:\n  - never_argue\n  - blastt\n")
    path = write(tmp_path, "s.yaml", text)
    library = load_library([path])
    [error] = errors_for(library, path)
    assert (error.field, error.line) == ("rubrics.1", line_of(text, "- blastt"))
    assert error.message == "unknown rubric 'blastt'"
    assert error.hint == "did you mean 'blast'?"
    assert library.scenarios == {}


@pytest.mark.parametrize(
    ("old", "new", "field", "needle"),
    [
        ("    argue: 12\n", "    argu: 12\n", "mood.weights.argu", "argu: 12"),
        ("    apologize: [Well, thanks for saying sorry.]\n",
         "    apologise: [Well, thanks for saying sorry.]\n", "lines.reactions.apologise",
         "apologise:"),
    ],
)
def test_unknown_signal_keys_in_a_scenario(
    tmp_path: Path, old: str, new: str, field: str, needle: str
) -> None:
    text = replace_line(scenario_text(), old, new)
    path = write(tmp_path, "s.yaml", text)
    library = load_library([path])
    [error] = errors_for(library, path)
    assert (error.field, error.line) == (field, line_of(text, needle))
    assert error.message == f"unknown signal '{field.rsplit('.', 1)[1]}'"
    assert error.hint.startswith("did you mean '")
    assert "lost_parcel" not in library.scenarios


def test_two_files_with_the_same_id(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", scenario_text("twin"))
    second_text = "# the same id again\n" + scenario_text("twin")
    second = write(tmp_path, "b.yaml", second_text)
    library = load_library([tmp_path])
    assert errors_for(library, first) == []
    [error] = errors_for(library, second)
    assert (error.field, error.line) == ("id", line_of(second_text, "id: twin"))
    assert error.message == f"scenario id 'twin' is already used by {first}"
    assert library.origin[("scenario", "twin")] == str(first)


def test_a_bad_file_never_stops_the_good_ones(tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", scenario_text("good_one"))
    broken_text = replace_line(scenario_text("broken_one"), "  initial: 70\n", "  initial: hot\n")
    broken_text = replace_line(broken_text, "difficulty: easy\n", "difficulty: easy\nlevel: 3\n")
    broken = write(tmp_path, "broken.yaml", broken_text)
    garbage = write(tmp_path, "garbage.yaml", "persona: [unclosed\n")
    library = load_library([good, broken, garbage])
    assert library.catalogue is not None
    assert set(library.scenarios) == {"good_one"}
    assert errors_for(library, good) == []
    assert {(e.field, e.line) for e in errors_for(library, broken)} == {
        ("mood.initial", line_of(broken_text, "initial: hot")),
        ("level", line_of(broken_text, "level: 3")),
    }
    assert len(errors_for(library, garbage)) == 1
    # every reported error belongs to one of the files given, not to the shipped context
    assert {e.path for e in library.errors} == {str(broken), str(garbage)}


def test_library_finds_a_scenario_by_id_or_path(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", scenario_text())
    library = load_library([path])
    assert library.scenario("lost_parcel") is library.scenario(str(path))
    with pytest.raises(KeyError, match="unknown scenario 'nope'"):
        library.scenario("nope")


def test_without_a_catalogue_nothing_else_loads(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", scenario_text())
    library = load_library([path], with_defaults=False)
    assert library.catalogue is None
    assert library.scenarios == {}
    assert [e.message for e in library.errors] == ["no valid signal catalogue loaded"]


def test_library_error_points_into_the_file(tmp_path: Path) -> None:
    text = scenario_text()
    path = write(tmp_path, "s.yaml", text)
    library = load_library([path])
    error = library.error("scenario", "lost_parcel", ("facts", 1, "revealed"), "odd", "hm")
    assert (error.path, error.line, error.field) == (
        str(path), line_of(text, "revealed: asked"), "facts.1.revealed")


# --------------------------------------------------------------------------- LineMap


LAYOUT = """\
# comment
top: 1
nested:
  inner: 2
  deeper:
    leaf: x
items:
  - a
  - key: v
    other: w
flow: [p, q]
"""


def test_line_map_records_where_each_key_and_item_starts() -> None:
    lines = LineMap.from_node(yaml.compose(LAYOUT))
    assert lines.line(()) == 1
    assert lines.line(("top",)) == 2
    assert lines.line(("nested",)) == 3
    assert lines.line(("nested", "inner")) == 4
    assert lines.line(("nested", "deeper", "leaf")) == 6
    assert lines.line(("items", 0)) == 8
    assert lines.line(("items", 1)) == 9
    assert lines.line(("items", 1, "key")) == 9
    assert lines.line(("items", 1, "other")) == 10
    assert lines.line(("flow", 1)) == 11
    assert ("nested", "deeper") in lines
    assert ("nested", "missing") not in lines


def test_line_map_falls_back_to_the_deepest_known_part() -> None:
    lines = LineMap.from_node(yaml.compose(LAYOUT))
    assert lines.line(("nested", "deeper", "missing", 3)) == 5
    assert lines.line(("items", 7, "key")) == 7
    assert lines.line(("unknown", "path")) == 1


def test_empty_line_maps_answer_line_1() -> None:
    assert LineMap().line(("a", 0, "b")) == 1
    assert LineMap.from_node(None).line(("a",)) == 1


def test_format_loc() -> None:
    assert format_loc(("criteria", 2, "rule")) == "criteria.2.rule"
    assert format_loc(()) == ""


# --------------------------------------------------------------------------- properties


def _text_lines(text: str) -> int:
    """How many lines YAML sees (it also breaks on \\r, NEL and the Unicode separators)."""
    return len(re.split("\r\n|[\n\r\x85\u2028\u2029]", text))


def assert_well_formed(loaded: LoadedFile, text: str, name: str) -> None:
    """Loaded, or failed with located errors; never both, never neither."""
    assert isinstance(loaded, LoadedFile)
    assert (loaded.model is None) == bool(loaded.errors)
    for error in loaded.errors:
        assert isinstance(error, LoadError)
        assert error.path == name
        assert 1 <= error.line <= _text_lines(text) + 1, (str(error), text)
        assert error.message
        assert str(error).startswith(f"{name}:{error.line}: {error.field or '(file)'}: ")


YAMLISH = st.text(alphabet=st.sampled_from(list("ab:-[]{},#&*!|>'\"? \n\t09.%@`~=")),
                  max_size=200)
FRAGMENTS = st.sampled_from([
    "id: x", "persona:", "  name: Pat", "criteria:", "  - id: c", "    rule: {any_of: [argue]}",
    "signals:", "- a", "  - b", "opening_line: yes", "mood:", "  initial: 70", "&a [*a]",
    "x: *a", "key: &a {b: *a}", "Title: t", "? [a, b]", ": c", "---", "...", "!!binary aGk=",
    "date: 2024-01-01", "n: .nan", "'quoted: ", '"esc \\x', "  weights: {Argue: 1}", "1: 2",
    "~: null", "<<: {a: 1}", "rubrics: [blast]", "turn_limit: 1e400",
])
YAML_LINES = st.lists(FRAGMENTS, max_size=25).map("\n".join)
# Deterministic: a fixed seed and no example database, so every run checks the same cases.
PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(text=st.one_of(st.text(max_size=300), YAMLISH, YAML_LINES))
def test_random_text_never_raises(text: str) -> None:
    assert_well_formed(guarded_load(text, "random.yaml"), text, "random.yaml")


def _shipped() -> list[Path]:
    return sorted([*paths.rubrics_dir().glob("*.yaml"), *paths.scenarios_dir().glob("*.yaml")])


SHIPPED = {path.name: path.read_text(encoding="utf-8") for path in _shipped()}


def test_there_is_shipped_content_to_mutate() -> None:
    assert "signals.yaml" in SHIPPED
    assert any(name != "signals.yaml" for name in SHIPPED)
    assert all(load_text(text, name).errors == [] for name, text in SHIPPED.items())


@PROPERTY
@given(name=st.sampled_from(sorted(SHIPPED)), data=st.data())
def test_every_prefix_of_a_shipped_file_loads_or_fails_located(
    name: str, data: st.DataObject
) -> None:
    text = SHIPPED[name]
    cut = data.draw(st.integers(min_value=0, max_value=len(text)), label="cut")
    prefix = text[:cut]
    loaded = guarded_load(prefix, name)
    assert_well_formed(loaded, prefix, name)
    if cut == len(text):
        assert loaded.errors == []


def _mutate(lines: list[str], op: str, index: int) -> list[str]:
    index %= len(lines)
    line = lines[index]
    if op == "delete":
        return lines[:index] + lines[index + 1:]
    if op == "duplicate":
        return lines[:index + 1] + lines[index:]
    if op == "dedent":
        return [*lines[:index], line.lstrip(" "), *lines[index + 1:]]
    if op == "indent":
        return [*lines[:index], "  " + line, *lines[index + 1:]]
    if op == "swap_indent":  # this line takes the next one's indentation, and vice versa
        other = (index + 1) % len(lines)
        swapped = list(lines)
        width = len(line) - len(line.lstrip(" "))
        width2 = len(lines[other]) - len(lines[other].lstrip(" "))
        swapped[index] = " " * width2 + line.lstrip(" ")
        swapped[other] = " " * width + lines[other].lstrip(" ")
        return swapped
    raise AssertionError(op)


@PROPERTY
@given(
    name=st.sampled_from(sorted(SHIPPED)),
    ops=st.lists(
        st.tuples(st.sampled_from(["delete", "duplicate", "dedent", "indent", "swap_indent"]),
                  st.integers(min_value=0, max_value=10_000)),
        min_size=1, max_size=3),
)
def test_mutated_shipped_files_load_or_fail_located(
    name: str, ops: list[tuple[str, int]]
) -> None:
    lines = SHIPPED[name].splitlines(keepends=True)
    for op, index in ops:
        lines = _mutate(lines, op, index) or ["\n"]
    text = "".join(lines)
    assert_well_formed(guarded_load(text, name), text, name)


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
    st.text(max_size=20), st.sampled_from(["yes", "no", "on", "argue", "blast", "apologize"]),
)
KEYS = st.one_of(
    st.text(max_size=12), st.integers(), st.booleans(), st.none(),
    st.sampled_from(["id", "persona", "criteria", "signals", "opening_line", "rule", "any_of",
                     "mood", "weights", "lines", "stages", "Title", "Rule", "str", "cues"]),
)
NESTED = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(KEYS, children, max_size=4)),
    max_leaves=25,
)


@PROPERTY
@given(data=st.one_of(NESTED, st.dictionaries(KEYS, NESTED, max_size=6)))
def test_random_yaml_data_never_raises(data: Any) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    loaded = guarded_load(text, "data.yaml")
    assert_well_formed(loaded, text, "data.yaml")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("kind_signals: [apologize,", "kind_signals: [apologise,", "kind_signals.0"),
        ("undone_by: [argue,", "undone_by: [arguing,", "signals.2.undone_by.0"),
        ("kept_by: [apologize,", "kept_by: [sorry,", "signals.2.kept_by.0"),
    ],
)
def test_catalogue_signal_references_are_checked(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    text = (PROJECT_ROOT / "rubrics" / "signals.yaml").read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / "signals.yaml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    library = load_library([broken])
    errors = [e for e in library.errors if e.field == field]
    assert errors, [str(e) for e in library.errors]
    assert "unknown signal" in errors[0].message
    assert errors[0].line == text.splitlines().index(
        next(line for line in text.splitlines() if old in line)) + 1
