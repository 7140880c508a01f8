"""Chapter parameters, checked in one place: every chapter calls :func:`chapter` (and the checkers of its own
parameters) at its top, so that a wrong value stops the run with one line, ``parameter <name>: <what is wrong>``,
before any data are read.

Papermill passes values given on its command line as text (``-p models '["a", "b"]'``, ``-p third_party false``),
so the checkers accept the text forms of lists, booleans, integers and ``None`` as well.

Example (the first code cell of a chapter, after the ``parameters`` cell)::

    from humanlike import data, params
    models, extra_dirs, datasets, bootstrap, seed = params.chapter(
        models=models, extra_dirs=extra_dirs, datasets=datasets, bootstrap=bootstrap, seed=seed
    )
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from .errors import HumanlikeError, UnknownNameError
from .data.names import MODEL_NAME_CHARS, is_model_name
from .registry import DATASETS

__all__ = [
    "ParameterError",
    "MAX_BOOTSTRAP",
    "GLOB_CHARS",
    "Chapter",
    "as_list",
    "chapter",
    "positive_int",
    "seed_value",
    "boolean",
    "choice",
    "optional_text",
    "model_spec",
    "model_names",
    "dataset_names",
    "directories",
    "parameter_names",
]

#: Most bootstrap resamples a chapter accepts. Memory grows linearly with it: chapter 2 holds, per dataset,
#: resamples x decision makers x 17 x 16 confusion proportions twice (counts and proportions, float64), about
#: 10,000 x 20 x 272 x 8 bytes x 2 = 0.9 GB for the published data at this limit. The default, 1,000, is the
#: usual number for 95% percentile intervals.
MAX_BOOTSTRAP = 10_000

#: The characters of fnmatch globs, allowed in the ``models`` parameter besides those of a model name
#: (:func:`humanlike.data.names.is_model_name`: letters, digits and ``. _ + -``).
GLOB_CHARS = "*?[]"

_NONE_TEXT = ("", "none", "null")
_TRUE_TEXT = ("true", "yes", "1", "on")
_FALSE_TEXT = ("false", "no", "0", "off")


class ParameterError(UnknownNameError):
    """A chapter parameter has the wrong type or value (a usage error, like an unknown name: exit code 2).

    The message is ``parameter <name>: <what is wrong>``.
    """

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"parameter {name}: {problem}")
        self.parameter = name


class Chapter(NamedTuple):
    """The parameters every chapter takes, checked (see :func:`chapter`)."""

    models: list[str] | None
    extra_dirs: list[str]
    datasets: list[str] | None
    bootstrap: int
    seed: int


# ------------------------------------------------------------------------------------------------ parsing
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
            if not isinstance(parsed, list):
                raise ValueError(f"expected a list of names, got {value!r}")
            return [str(v) for v in parsed]
        return [part.strip() for part in text.split(",") if part.strip()]
    if isinstance(value, Iterable) and not isinstance(value, (bytes, dict)):
        return [str(v) for v in value]
    raise TypeError(f"expected a list of names, got {value!r}")


def _list(name: str, value: Any) -> list[str] | None:
    try:
        return as_list(value)
    except (TypeError, ValueError) as error:
        raise ParameterError(name, f"expected a list of names (e.g. [\"a\", \"b\"] or a, b), not {value!r}") from error


def _shown(value: Any) -> str:
    """A value for a message: its repr, shortened."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# ------------------------------------------------------------------------------------------------ checkers
def _integer(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ParameterError(name, f"must be an integer, not {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    raise ParameterError(name, f"must be an integer, not {_shown(value)}")


def positive_int(name: str, value: Any, *, maximum: int | None = None) -> int:
    """``value`` as an integer of at least 1 (and at most ``maximum``); text such as ``"20"`` is accepted.

    >>> positive_int("bootstrap", "20")
    20
    """
    number = _integer(name, value)
    if number < 1:
        raise ParameterError(name, f"must be a positive integer, not {number}")
    if maximum is not None and number > maximum:
        raise ParameterError(name, f"must be at most {maximum}, not {number}")
    return number


def seed_value(name: str, value: Any) -> int:
    """A random seed: an integer from 0 to 2**32 - 1 (what numpy's generators accept from every platform)."""
    number = _integer(name, value)
    if not 0 <= number < 2**32:
        raise ParameterError(name, f"must be an integer from 0 to {2**32 - 1}, not {number}")
    return number


def boolean(name: str, value: Any) -> bool:
    """``True``/``False``, or their text forms (true/false, yes/no, 1/0, on/off; any case).

    >>> boolean("third_party", "False"), boolean("third_party", True)
    (False, True)
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE_TEXT + _FALSE_TEXT:
        return value.strip().lower() in _TRUE_TEXT
    raise ParameterError(name, f"must be true or false, not {_shown(value)}")


def choice(name: str, value: Any, options: Sequence[str]) -> str:
    """``value`` if it is one of ``options``."""
    if not isinstance(value, str) or value not in options:
        raise ParameterError(name, f"must be one of {', '.join(options)}, not {_shown(value)}")
    return value


def optional_text(name: str, value: Any) -> str | None:
    """Text, or ``None`` (also given as ``"None"``, ``"null"`` or ``""``)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in _NONE_TEXT):
        return None
    if not isinstance(value, str):
        raise ParameterError(name, f"must be text or None, not {_shown(value)}")
    return value.strip()


def model_spec(name: str, value: Any) -> str | None:
    """A model spec for :func:`humanlike.inference.run.evaluate` (a zoo name, ``torchvision:<name>``, ``timm:<name>``
    or ``python:<module>:<callable>``, checked cheaply by :func:`humanlike.inference.models.check_spec`), or ``None``."""
    from .inference.models import check_spec  # torch: only a chapter that evaluates a model gets here

    text = optional_text(name, value)
    if text is None:
        return None
    try:
        return check_spec(text)
    except UnknownNameError as error:
        raise ParameterError(name, str(error)) from error


def directories(name: str, value: Any) -> list[str]:
    """A list of existing directories (``None`` or an empty list: none)."""
    dirs = _list(name, value) or []
    for entry in dirs:
        path = Path(os.path.expanduser(entry))
        if not path.exists():
            raise ParameterError(name, f"{entry!r} does not exist")
        if not path.is_dir():
            raise ParameterError(name, f"{entry!r} is not a directory")
    # the paths as checked: "~/runs" is expanded here and so everywhere after (never checked as one thing, used as
    # another)
    return [os.path.expanduser(entry) for entry in dirs]


def parameter_names(given: Iterable[str], known: Iterable[str], where: str) -> None:
    """Refuse a parameter name that ``where`` (e.g. ``chapter 00``) does not take, with a did-you-mean: papermill
    would otherwise run the chapter with the default in silence (``bootstap`` for ``bootstrap``)."""
    known = sorted(known)
    for name in given:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ParameterError(name, f"unknown parameter of {where}{hint} (known: {', '.join(known)})")


def dataset_names(
    name: str, value: Any, allowed: Sequence[str] | None = None, *, why: str = "", empty_ok: bool = False
) -> list[str] | None:
    """A list of dataset names, each known (:data:`humanlike.data.DATASETS`) and in ``allowed`` (default: all),
    without repeats; ``None`` means "all allowed ones". A misspelt name is an error, never dropped.

    ``why`` completes the message for a known dataset that this chapter does not take.
    """
    names = _list(name, value)
    if names is None:
        return None
    if not names and not empty_ok:
        raise ParameterError(name, "is empty; give at least one dataset, or None for all")
    allowed = list(DATASETS if allowed is None else allowed)
    for entry in names:
        if entry not in DATASETS:
            close = [d for d in DATASETS if d.lower() == entry.lower()]
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ParameterError(name, f"unknown dataset {entry!r}{hint}; known: {', '.join(DATASETS)}")
        if entry not in allowed:
            raise ParameterError(name, f"{entry!r} {why or 'is not used here'}; choose from {', '.join(allowed)}")
    return list(dict.fromkeys(names))


def _known_models(extra_dirs: Sequence[str]) -> list[str]:
    from .data.trials import known_models

    try:
        return known_models(extra_dirs)
    except HumanlikeError as error:  # an extra dir that is not a results directory: the parameter's fault
        raise ParameterError("extra_dirs", str(error)) from error


def model_names(name: str, value: Any, extra_dirs: Sequence[str] = ()) -> list[str] | None:
    """A list of model names or fnmatch globs, each made of model-name characters (:mod:`humanlike.data.names`) and
    :data:`GLOB_CHARS`, and matching at least one known model (published, or in ``extra_dirs``); ``None`` means all known models.
    ``humans`` and ``subject-NN`` are not models (the human observers are always included)."""
    names = _list(name, value)
    if names is None:
        _known_models(extra_dirs)  # the extra dirs are checked (results directories, file names) all the same
        return None
    if not names:
        raise ParameterError(name, "is empty; give at least one model name, or None for all")
    for entry in names:
        bare = entry.translate({ord(c): None for c in GLOB_CHARS})
        if not entry or (bare and not is_model_name(bare)):
            raise ParameterError(
                name, f"{_shown(entry)} is not a model name ({MODEL_NAME_CHARS} only; {' '.join(GLOB_CHARS)} in globs)"
            )
    known = _known_models(extra_dirs)
    for entry in names:
        if not fnmatch.filter(known, entry):
            raise ParameterError(name, f"{entry!r} matches no known model; known: {', '.join(known)}")
    return list(dict.fromkeys(names))


def chapter(
    *,
    models: Any = None,
    extra_dirs: Any = (),
    datasets: Any = None,
    bootstrap: Any = 1000,
    seed: Any = 0,
    allowed_datasets: Sequence[str] | None = None,
    why: str = "",
) -> Chapter:
    """Check the parameters every chapter takes and return them normalised, in this order.

    Parameters
    ----------
    models : list of str or None
        Model names or globs (:func:`model_names`); ``None``: all known models.
    extra_dirs : list of str
        Directories with more model results (:func:`directories`).
    datasets : list of str or None
        Dataset names (:func:`dataset_names`), restricted to ``allowed_datasets`` (``why`` says why);
        ``None``: all of them.
    bootstrap : int
        Bootstrap resamples, 1 to :data:`MAX_BOOTSTRAP`.
    seed : int
        Random seed (:func:`seed_value`).

    Returns
    -------
    Chapter
        ``models, extra_dirs, datasets, bootstrap, seed``.

    Raises
    ------
    ParameterError
        ``parameter <name>: <what is wrong>`` for the first wrong value.
    """
    dirs = directories("extra_dirs", extra_dirs)
    return Chapter(
        models=model_names("models", models, dirs),
        extra_dirs=dirs,
        datasets=dataset_names("datasets", datasets, allowed_datasets, why=why),
        bootstrap=positive_int("bootstrap", bootstrap, maximum=MAX_BOOTSTRAP),
        seed=seed_value("seed", seed),
    )
