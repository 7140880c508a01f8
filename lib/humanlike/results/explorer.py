"""Data for the static trial explorer (:func:`humanlike.charts.explorer.explorer_chart`): a few images per
dataset and category, every decision maker's answer to each, and a small thumbnail of each stimulus.

The static page cannot ask a kernel for more, so the table is a sample: ``per_category`` images of every category
of each dataset whose stimuli are public (cue-conflict, edge, silhouette), drawn with a seeded generator among
the images the human observers saw.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import data, metrics
from ..errors import DataFileError
from .common import training_of
from .shape_bias import _thumbnail

__all__ = ["PUBLIC_STIMULI", "EXPLORER_COLUMNS", "explorer_trials", "explorer_thumbnails"]

#: Datasets whose stimulus images the data layer can fetch (and so the static explorer can show).
PUBLIC_STIMULI: tuple[str, ...] = ("cue-conflict", "edge", "silhouette")

EXPLORER_COLUMNS = ["dataset", "category", "number", "image_id", "path", "texture", "subject", "is_human",
                    "training", "response", "answer"]  # fmt: skip


def explorer_trials(
    trials: pd.DataFrame, *, per_category: int = 2, seed: int = 0, datasets: Sequence[str] = PUBLIC_STIMULI
) -> pd.DataFrame:
    """The answers of every decision maker to ``per_category`` images per category of each of ``datasets``.

    Images are drawn with ``numpy.random.default_rng(seed)`` among those the human observers saw (on
    cue-conflict among those whose shape and texture differ); ``number`` (1 .. ``per_category``) numbers them
    within their dataset and category. ``answer``: ``correct`` or ``wrong``, and on cue-conflict ``shape``,
    ``texture`` or ``other`` (:func:`humanlike.metrics.shape_texture_decisions`). ``path``: the stimulus'
    mirror-relative path (:func:`humanlike.data.fetch`). Rows ordered by dataset, category, number, then humans
    first. Columns :data:`EXPLORER_COLUMNS`.
    """
    if per_category < 1:
        raise ValueError(f"per_category must be at least 1, not {per_category}")
    rng = np.random.default_rng(seed)
    frames = []
    for dataset in [d for d in datasets if d in set(trials["dataset"])]:
        rows = trials[trials["dataset"] == dataset]
        answer = np.where(rows["correct"].astype(bool), "correct", "wrong")
        texture = pd.Series("", index=rows.index)
        informative = pd.Series(True, index=rows.index)
        if dataset == "cue-conflict":
            decisions = metrics.shape_texture_decisions(rows)
            answer = np.select([decisions["is_shape"], decisions["is_texture"]], ["shape", "texture"], "other")
            texture, informative = decisions["texture"], decisions["informative"]
        rows = rows.assign(answer=answer, texture=texture)
        seen = rows[informative & rows["is_human"].astype(bool)][["category", "image_id"]].drop_duplicates()
        seen = seen.sort_values(["category", "image_id"])
        picked = []
        for category, group in seen.groupby("category", sort=True):
            chosen = group.iloc[np.sort(rng.permutation(len(group))[:per_category])]
            picked.append(chosen.assign(number=np.arange(1, len(chosen) + 1)))
        if not picked:
            continue
        picked = pd.concat(picked)
        out = rows.merge(picked, on=["category", "image_id"])
        out = out.assign(path=f"datasets/{dataset}/" + out["category"] + "/" + out["image_id"])
        frames.append(out)
    if not frames:
        return pd.DataFrame(columns=EXPLORER_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["training"] = out["subject"].map(training_of(out["subject"]))
    out["_order"] = ~out["is_human"].astype(bool)
    out = out.sort_values(["dataset", "category", "number", "_order", "subject"], ignore_index=True)
    return out[EXPLORER_COLUMNS]


def explorer_thumbnails(
    table: pd.DataFrame, *, size: int = 96, fetch: Callable[[str], Any] | None = None
) -> pd.DataFrame:
    """One small JPEG thumbnail (a ``data:`` URI) per image of :func:`explorer_trials`, so that the chart draws
    the stimuli without reading files. ``fetch`` maps a mirror-relative path to a local file (default
    :func:`humanlike.data.fetch`); an image that cannot be fetched gets an empty ``thumbnail``.
    Columns: ``dataset, category, number, image_id, texture, thumbnail``.
    """
    fetch = fetch or data.fetch
    images = table.drop_duplicates(["dataset", "image_id"])[["dataset", "category", "number", "image_id", "texture",
                                                             "path"]]  # fmt: skip
    uris = []
    for path in images["path"]:
        try:
            uris.append(_thumbnail(fetch(path), size))
        except (DataFileError, OSError):
            uris.append("")
    return images.drop(columns="path").assign(thumbnail=uris).reset_index(drop=True)



