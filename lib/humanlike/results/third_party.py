"""Other groups' evaluations of the paper's own models, for the chapters that compare decision makers trial by trial
(chapters 1 to 3). Only evaluations made with the model-vs-human toolbox itself (forks of it: the same stimuli,
preprocessing and 16-class aggregation) are comparable there; the 2019 texture-vs-shape code used an older
aggregation and stays in chapter 4's own panel. Every row keeps its source in the decision maker's name
(``"<model> [<owner>]"``, :func:`humanlike.data.load_third_party`), so that it is never mistaken for the
toolbox's own evaluation, and the charts draw it grey, with the models the published data do not hold.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from .. import data
from ..data.names import RERUN_SUFFIX
from ..errors import UnknownNameError
from ..registry import DATASETS, EFFICIENTNET_LITE0, MODELS, PAPER_ZOO, model_metadata, third_party_files

__all__ = ["TOOLBOX_FORKS", "paper_models_third_party", "with_third_party", "third_party_models", "paper_zoo_status"]

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

    ``paper``: the names of the paper's models (default :data:`humanlike.registry.PAPER_ZOO`); only the same model
    counts (the ShuffleNet v2 x1.0 of a fork is not the paper's x0.5). ``models``: the chapter's ``models``
    parameter (names or fnmatch globs, matched against the model's own name; ``None``: all). Empty when none.
    """
    paper = set(PAPER_ZOO if paper is None else paper)
    patterns = None if models is None else list(models)
    wanted = [d for d in datasets if d in data.DATASETS]
    try:
        others = data.load_third_party(datasets=wanted, sources=list(sources), mirror=mirror) if wanted else None
    except UnknownNameError:  # no third-party file for these datasets
        others = None
    if others is None or others.empty:
        return pd.DataFrame(columns=data.TRIAL_COLUMNS)
    keep = others["model"].isin(paper)
    if patterns is not None:
        keep &= others["model"].map(lambda m: any(fnmatch.fnmatchcase(m, p) for p in patterns))
    return others.loc[keep, data.TRIAL_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------------------------- the paper's zoo
def with_third_party(trials: pd.DataFrame, models: Iterable[str] | None = None, *, include: bool = True) -> pd.DataFrame:
    """The chapters' trials with, when ``include`` (their ``third_party`` parameter), other groups' toolbox runs of
    the paper's models on the same datasets (:func:`paper_models_third_party`, filtered by ``models``)."""
    if not include:
        return trials
    others = paper_models_third_party(sorted(set(trials["dataset"])), models)
    return pd.concat([trials, others], ignore_index=True)


def third_party_models(mirror=None) -> dict[str, dict[str, int]]:
    """Models with third-party evaluations: name as in the files -> {source (owner+repo): number of datasets}."""
    found: dict[str, dict[str, set]] = {}
    for f, source, _folder in third_party_files(DATASETS):
        found.setdefault(f.subject, {}).setdefault(source, set()).add(f.dataset)
    return {name: {s: len(d) for s, d in sorted(by.items())} for name, by in sorted(found.items())}


def _third_party_map(third_party) -> dict[str, list[str]]:
    """Normalise ``third_party`` (names, ``"<model> [<owner>]"`` subjects, or a mapping name -> sources)."""
    result: dict[str, list[str]] = {}
    if isinstance(third_party, Mapping):
        items = [(name, list(sources)) for name, sources in third_party.items()]
    else:
        items = []
        for text in third_party:
            match = re.fullmatch(r"(.+) \[(.+)\]", text)
            items.append((match[1], [match[2]]) if match else (text, ["third-party"]))
    for name, sources in items:
        result.setdefault(name, []).extend(s for s in sources if s not in result.get(name, []))
    return result


def paper_zoo_status(
    published: Iterable[str] | None = None,
    third_party: Iterable[str] | Mapping[str, Iterable[str]] | None = None,
    own: Iterable[str] = (),
) -> pd.DataFrame:
    """Where results of each model come from: the paper's 32 models, then the book's additions.

    published:   model names in the published data (default: :data:`humanlike.registry.MODELS`);
    third_party: names with third-party evaluations, as names, as ``"<model> [<owner>]"`` subjects (as
                 :func:`humanlike.data.load_third_party` labels them) or as a mapping name -> sources (default:
                 :func:`third_party_models`). Only the same model counts: ``shufflenet-test`` (ShuffleNet v2 x1.0)
                 is not the paper's ``shufflenet_v2_x0_5``;
    own:         model names from the user's own runs (extra dirs); ``<name>-rerun`` (the default name of a
                 rerun of a published or third-party model, :func:`humanlike.data.names.rerun_name`) counts for ``<name>``.

    Columns: ``model, group`` (``paper`` or ``book``), ``training, architecture, published`` (bool),
    ``third_party`` (sources, ``;``-joined, or ""), ``own`` (bool), ``status`` (the sources present, ``; ``-joined,
    or ``absent``).
    """
    published = set(MODELS if published is None else published)
    if third_party is None:
        third_party = {name: list(by) for name, by in third_party_models().items()}
    by_source = _third_party_map(third_party)
    own = set(own)
    own |= {name.removesuffix(RERUN_SUFFIX) for name in own if name.endswith(RERUN_SUFFIX)}
    additions = [m for m in (*MODELS, EFFICIENTNET_LITE0) if m not in PAPER_ZOO]
    names = [*PAPER_ZOO, *additions]
    meta = model_metadata(names).set_index("model")
    rows = []
    for name in names:
        sources = by_source.get(name, [])
        status = (
            (["published data"] if name in published else [])
            + [f"third-party data ({', '.join(s.split('+')[0] for s in sources)})"] * bool(sources)
            + (["your runs"] if name in own else [])
        )
        rows.append(
            {
                "model": name,
                "group": "paper" if name in PAPER_ZOO else "book",
                "training": meta.at[name, "training"],
                "architecture": meta.at[name, "architecture"],
                "published": name in published,
                "third_party": ";".join(sources),
                "own": name in own,
                "status": "; ".join(status) or "absent",
            }
        )
    return pd.DataFrame(rows)
