"""The data stage: upstream files -> one tidy trials table, checked.

* :mod:`.trials`: where files come from (mirror or download cache), reading and normalising them,
  :func:`load_trials`, third-party data, coverage;
* :mod:`.trials_cache`: the columnar cache of normalised files, and the record of verified files;
* :mod:`.validation`: the checks on a user's own trial files;
* :mod:`.names`: the one rule for model names;
* :mod:`.memo`: the command line's memo of its output on the published data.

The public functions of :mod:`.trials` and the constants of :mod:`humanlike.registry` are available here
(``from humanlike import data; data.load_trials()``). The functions are looked up on first use, so that importing
a light part of this stage (the names, the memo) does not import pandas.
"""

from __future__ import annotations

import importlib

from ..registry import (  # noqa: F401 - the constants a reader of the data needs, re-exported
    CATEGORIES,
    DATASETS,
    MODELS,
    NO_ANSWER,
    NO_CONDITION,
    NONPARAMETRIC_DATASETS,
    PARAMETRIC_DATASETS,
    RAW_COLUMNS,
    THIRD_PARTY_SOURCES,
    TRIAL_COLUMNS,
    TrialFile,
    image_id,
    model_metadata,
    registry,
)

#: The public functions of :mod:`.trials`, imported when first asked for.
_FROM_TRIALS = (
    "DataStore", "coverage", "dataset_images", "default_cache_dir", "fetch", "image_ids", "known_models",
    "load_third_party", "load_trials", "texture_category",
)  # fmt: skip

__all__ = [
    "CATEGORIES", "DATASETS", "MODELS", "NO_ANSWER", "NO_CONDITION", "NONPARAMETRIC_DATASETS",
    "PARAMETRIC_DATASETS", "RAW_COLUMNS", "THIRD_PARTY_SOURCES", "TRIAL_COLUMNS", "TrialFile", "image_id",
    "model_metadata", "registry", *_FROM_TRIALS,
]  # fmt: skip


def __getattr__(name: str):
    if name in _FROM_TRIALS:
        return getattr(importlib.import_module(f"{__name__}.trials"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_FROM_TRIALS))
