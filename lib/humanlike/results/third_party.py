"""Other groups' evaluations of the paper's own models, for the chapters that compare decision makers trial by trial
(chapters 1 to 3). Only evaluations made with the model-vs-human toolbox itself (forks of it: the same stimuli,
preprocessing and 16-class aggregation) are comparable there; the 2019 texture-vs-shape code used an older
aggregation and stays in chapter 4's own panel. Every row keeps its source in the decision maker's name
(``"<model> [<owner>]"``, :func:`humanlike.data.load_third_party`), so that it is never mistaken for the
toolbox's own evaluation, and the charts draw it grey, with the models the published data do not hold.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence

import pandas as pd

from .. import data

__all__ = ["TOOLBOX_FORKS", "paper_models_third_party"]

#: Third-party sources that ran the model-vs-human toolbox (forks of it), so their trials are comparable with the
#: published ones.
TOOLBOX_FORKS: tuple[str, ...] = (
    "harvard-visionlab+model-vs-human-dmc",
    "TizianThieringer+model-vs-human",
    "kayburns+model-vs-human",
)


def paper_models_third_party(
    datasets: Sequence[str],
    models: Iterable[str] | None = None,
    *,
    paper: Iterable[str] | None = None,
    sources: Sequence[str] = TOOLBOX_FORKS,
    mirror=None,
) -> pd.DataFrame:
    """Trials (:data:`humanlike.data.TRIAL_COLUMNS`) of third-party evaluations of the paper's models on
    ``datasets``, from the toolbox forks ``sources``; ``subject`` is ``"<model> [<owner>]"``.

    ``paper``: the names of the paper's models (default :data:`humanlike.models.PAPER_ZOO`); only the same model
    counts (the ShuffleNet v2 x1.0 of a fork is not the paper's x0.5). ``models``: the chapter's ``models``
    parameter (names or fnmatch globs, matched against the model's own name; ``None``: all). Empty when none.
    """
    if paper is None:
        from ..models import PAPER_ZOO

        paper = PAPER_ZOO
    paper = set(paper)
    patterns = None if models is None else list(models)
    wanted = [d for d in datasets if d in data.DATASETS]
    try:
        others = data.load_third_party(datasets=wanted, sources=list(sources), mirror=mirror) if wanted else None
    except data.UnknownNameError:  # no third-party file for these datasets
        others = None
    if others is None or others.empty:
        return pd.DataFrame(columns=data.TRIAL_COLUMNS)
    keep = others["model"].isin(paper)
    if patterns is not None:
        keep &= others["model"].map(lambda m: any(fnmatch.fnmatchcase(m, p) for p in patterns))
    return others.loc[keep, data.TRIAL_COLUMNS].reset_index(drop=True)
