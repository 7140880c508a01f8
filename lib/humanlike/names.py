"""The one rule for model names, wherever they come from (file names, ``evaluate --name``, notebook parameters).

A model name is written into file names, CSV cells, chart labels and HTML pages, so it is limited to safe text:
letters, digits and ``. _ + -`` (at least one character). Human observers are named by the data layer
(``subject-NN``, pooled as ``humans``), so a model may not take those names either.
"""

from __future__ import annotations

import re

from .errors import HumanlikeError, UnknownNameError

#: Characters allowed in a model name.
MODEL_NAME_CHARS = "letters, digits and . _ + -"
_MODEL_NAME = re.compile(r"[A-Za-z0-9._+-]+")

#: The pooled human observers' row in every table.
HUMANS = "humans"
#: Names of single human observers.
HUMAN_SUBJECT = re.compile(r"subject-\d+")


def is_model_name(name: object) -> bool:
    """Whether ``name`` is a non-empty text of letters, digits and ``. _ + -`` only."""
    return isinstance(name, str) and _MODEL_NAME.fullmatch(name) is not None


def is_human_label(name: str) -> bool:
    """Whether ``name`` is reserved for human observers: ``humans``, or ``subject-...`` (``subject-NN``)."""
    return name == HUMANS or name.startswith("subject-")


def check_model_name(name: object, where: str, error: type[HumanlikeError] = UnknownNameError) -> str:
    """Return ``name`` if it is a usable model name, else raise ``error`` with one line ``<where>: ...``.

    ``where`` names the source (a file, ``--name``, ``parameter models``). Refused: an empty name, characters other
    than letters, digits and ``. _ + -``, and the human observers' names ``humans`` / ``subject-NN``.
    """
    if not isinstance(name, str) or not name:
        raise error(f"{where}: empty model name")
    if not is_model_name(name):
        raise error(f"{where}: bad model name {name!r}: use {MODEL_NAME_CHARS} only")
    if is_human_label(name):
        raise error(f"{where}: model name {name!r} is reserved for the human observers")
    return name
