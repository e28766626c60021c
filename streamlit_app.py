"""Streamlit entry point. Until the practice app lands it shows the scenario catalogue.

Run with `make run`. Pages hold no rules: everything comes from the simulator package.
"""

from __future__ import annotations

import streamlit as st

from simulator.loader import Library, load_library


@st.cache_resource
def _library() -> Library:
    return load_library()


def main() -> None:
    """Draw the scenario catalogue and any content errors."""
    st.set_page_config(page_title="Angry-customer simulator", page_icon=":material/support_agent:")
    st.title("Angry-customer simulator")
    library = _library()
    st.caption(f"{len(library.scenarios)} scenarios, {len(library.rubrics)} rubrics")
    rows = [
        {"scenario": s.title, "industry": s.industry, "difficulty": s.difficulty.value,
         "rubrics": ", ".join(s.rubrics), "id": s.id}
        for s in sorted(library.scenarios.values(), key=lambda s: (s.difficulty, s.id))
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    if library.errors:
        with st.expander(f"{len(library.errors)} content problems"):
            for error in library.errors:
                st.text(str(error))


main()
