"""Notebook parameters: papermill passes lists and booleans as text; these turn them into Python values."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

__all__ = ["as_list"]


def as_list(value: Any) -> list[str] | None:
    """Normalise a notebook parameter that names several things into a list of strings (or ``None``).

    Accepts ``None``, a list/tuple, a JSON list given as text (papermill's ``-p models '["a", "b"]'`` passes text),
    or comma-separated text (``"resnet50, swag-*"``). ``None``, ``""``, ``"None"`` and ``"all"`` mean "no selection".

    >>> as_list('["resnet50", "swag-*"]'), as_list("resnet50, bagnet33"), as_list("all")
    (['resnet50', 'swag-*'], ['resnet50', 'bagnet33'], None)
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text in ("", "None", "null", "all"):
            return None
        if text.startswith("["):
            parsed = json.loads(text)
            return [str(v) for v in parsed]
        return [part.strip() for part in text.split(",") if part.strip()]
    if isinstance(value, Iterable):
        return [str(v) for v in value]
    raise TypeError(f"expected a list of names, got {value!r}")
