"""The Streamlit entry point renders the scenario catalogue (AppTest, no browser)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from simulator.loader import Library
from tests.conftest import TESTS


def test_app_lists_the_shipped_scenarios(library: Library) -> None:
    app = AppTest.from_file(str(TESTS.parent / "streamlit_app.py"), default_timeout=30)
    app.run()
    assert not app.exception
    assert app.title[0].value == "Angry-customer simulator"
    table = app.dataframe[0].value
    assert sorted(table["id"]) == sorted(library.scenarios)
    assert f"{len(library.scenarios)} scenarios" in app.caption[0].value
