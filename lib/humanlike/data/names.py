"""The one rule for model names, wherever they come from (file names, ``evaluate --name``, notebook parameters).

A model name is written into file names, CSV cells, chart labels and HTML pages, so it is limited to safe text:
letters, digits and ``. _ + -`` (at least one character). Human observers are named by the data layer
(``subject-NN``, pooled as ``humans``), so a model may not take those names either; nor may a user's model take
a name the data already give to a published or third-party model (:func:`taken_names`): a rerun of such a model
is called ``<name>-rerun`` (:func:`rerun_name`), so it never merges with, or replaces, the published results.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from ..errors import HumanlikeError, UnknownNameError
from ..registry import DATASETS, HUMANS, PAPER_ZOO, published_files, third_party_files

#: Characters allowed in a model name.
MODEL_NAME_CHARS = "letters, digits and . _ + -"
_MODEL_NAME = re.compile(r"[A-Za-z0-9._+-]+")

#: The longest file name an evaluation writes for a model name (``<dataset>_<name>_session-1.partial.json``) must
#: fit the 255 bytes most file systems allow; a longer name is refused before any work.
MAX_NAME_BYTES = 255 - max(len(d) for d in DATASETS) - len("__session-1.partial.json")

#: Appended to the default name of a model whose plain name is taken (``resnet50`` -> ``resnet50-rerun``).
RERUN_SUFFIX = "-rerun"


def is_model_name(name: object) -> bool:
    """Whether ``name`` is a non-empty text of letters, digits and ``. _ + -`` only."""
    return isinstance(name, str) and _MODEL_NAME.fullmatch(name) is not None


def folded(name: str) -> str:
    """``name`` as a reader compares it: Unicode-normalised (NFKC) and case-folded.

    >>> folded("ResNet50") == folded("resnet50"), folded("Ｈｕｍａｎｓ")
    (True, 'humans')
    """
    return unicodedata.normalize("NFKC", name).casefold()


def is_reserved_name(name: str) -> bool:
    """Whether ``name`` reads as a name of the human observers: ``humans`` or ``subject-...``, in any case."""
    name = folded(name)
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
    if is_reserved_name(name):
        raise error(f"{where}: model name {name!r} is reserved for the human observers")
    return name


@cache
def taken_names() -> dict[str, str]:
    """Model names the data already give to something: name -> ``"a published model"`` or ``"a third-party
    model"`` (the names in the published and third-party files the registry lists)."""
    taken = {f.subject: "a third-party model" for f, _source, _folder in third_party_files(DATASETS)}
    taken.update({f.subject: "a published model" for f in published_files() if not f.is_human})
    return taken


@cache
def _taken_folded() -> dict[str, tuple[str, str]]:
    return {folded(name): (name, what) for name, what in taken_names().items()}


def taken_by(name: str) -> str | None:
    """What already has ``name`` as a reader reads it (:func:`folded`: ``ResNet50`` is ``resnet50``), e.g.
    ``"a published model ('resnet50')"``; None when the name is free."""
    found = _taken_folded().get(folded(name))
    return None if found is None else f"{found[1]} ({found[0]!r})"


def rerun_name(name: str) -> str:
    """The default result name of a model: ``name``, or ``<name>-rerun`` when ``name`` is taken
    (:func:`taken_names`, compared as :func:`folded`)."""
    return name + RERUN_SUFFIX if taken_by(name) else name


def paper_model_named(name: str) -> str | None:
    """The paper's model (:data:`humanlike.registry.PAPER_ZOO`) that ``name`` or ``<name>-rerun`` reads as, any
    case: ``insdis`` and ``InsDis-rerun`` -> ``InsDis``; None for other names."""
    key = folded(name)
    key = key.removesuffix(folded(RERUN_SUFFIX)) if key.endswith(folded(RERUN_SUFFIX)) else key
    return next((model for model in PAPER_ZOO if folded(model) == key), None)


def check_user_model_name(
    name: object, where: str, error: type[HumanlikeError] = UnknownNameError, spec: str | None = None
) -> str:
    """:func:`check_model_name`; the name may not be taken by a published or third-party model (one line,
    suggesting ``<name>-rerun``), nor be longer than :data:`MAX_NAME_BYTES`; with ``spec`` (the model it names),
    a name that reads as one of the paper's models (:func:`paper_model_named`) must come from that model's spec."""
    check_model_name(name, where, error)
    if len(name.encode()) > MAX_NAME_BYTES:
        raise error(f"{where}: model name of {len(name)} characters is too long for a file name "
                    f"(at most {MAX_NAME_BYTES})")  # fmt: skip
    owner = taken_by(name)
    if owner:
        raise error(f"{where}: model name {name!r} is taken by {owner}; choose another, e.g. {name + RERUN_SUFFIX!r}")
    paper = paper_model_named(name)
    if spec is not None and paper is not None and folded(spec.strip()) != folded(paper):
        raise error(
            f"{where}: model name {name!r} is the paper's {paper!r}, but the model is {spec!r}; a run under that "
            f"name must come from --model {paper}: choose another name"
        )
    return name
