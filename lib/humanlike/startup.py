"""Faster starts of the processes that run the book: imports without work nobody uses.

jsonschema, which Altair, nbformat, papermill and jupyter-book import, loads ``rfc3987_syntax`` for its IRI format
checker when that package is installed (Jupyter's jupyter-events installs it), and ``rfc3987_syntax`` compiles a
grammar when it is imported: about 2 s in every chapter's kernel, in the book build and in jupyter-book. None of
them checks IRI formats, so :func:`without_iri_grammar` imports them with that package out of reach;
``rfc3987_syntax`` stays importable for anyone else afterwards.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["without_iri_grammar"]


@contextmanager
def without_iri_grammar() -> Iterator[None]:
    """Imports inside this block see no ``rfc3987_syntax`` (unless it is loaded already).

    >>> with without_iri_grammar():
    ...     import jsonschema
    >>> "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None
    False
    """
    if "rfc3987_syntax" in sys.modules:
        yield
        return
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # makes its import an ImportError
    try:
        yield
    finally:
        del sys.modules["rfc3987_syntax"]
