# Layer: models. Imports only from simulator.models.
"""Shared building blocks of the content models: identifiers, strict base, regex checks."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Identifier = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_\-]*$",
        description="Lower-case identifier: letters, digits, '_' or '-', starting with a letter.",
    ),
]
SourceArticle = Annotated[
    str,
    Field(
        pattern=r"^\d{3}_[0-9a-f]{16}\.txt$",
        description="File name of the source article in shared/seeds/ this item is drawn from.",
    ),
]


class StrictModel(BaseModel):
    """Base for authored content: unknown keys are errors, values are not coerced loosely."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def check_cue_pattern(value: str) -> str:
    if re.search(r"(?<!\\)[A-Z]", value):
        raise ValueError("write patterns in lower case: replies are lower-cased before matching")
    return check_pattern(value)


def check_unique_ids(field: str, noun: str, ids: list[str]) -> None:
    """Raise `field.N.id: duplicate <noun> id 'x'` for the first id given twice.

    The `field.N.id` prefix is picked up by the loader to point at the right line.
    """
    seen: set[str] = set()
    for index, item_id in enumerate(ids):
        if item_id in seen:
            raise ValueError(f"{field}.{index}.id: duplicate {noun} id {item_id!r}")
        seen.add(item_id)


def check_pattern(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from exc
    return value
