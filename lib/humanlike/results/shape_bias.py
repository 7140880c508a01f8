"""Chapter 4, texture versus shape: shape bias on cue-conflict images (Geirhos et al. 2019) per decision maker
with bootstrap intervals, per category, example trials with their stimuli, and the chapter's findings.

Third-party evaluations (:func:`humanlike.data.load_third_party`) come in labelled by source and pipeline, in
their own panel; they are never pooled with the toolbox's evaluations.

See Also
--------
humanlike.charts.shape_bias
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .. import data, metrics, uncertainty
from ..errors import DataFileError
from .common import HUMANS, TRAINING_ORDER, natural_key, training_of, with_pooled_humans

__all__ = [
    "TOOLBOX_SOURCE",
    "OWN_SOURCE",
    "PANELS",
    "shape_bias_intervals",
    "shape_bias_categories",
    "cue_conflict_examples",
    "shape_bias_summary",
    "third_party_overview",
    "shape_bias_findings",
    "stimulus_thumbnails",
    "STYLIZED_SUFFIX",
    "name_stylized",
    "category_pictures",
]

#: ``source`` of the decision makers of the public model-vs-human raw data (humans and the toolbox's models).
TOOLBOX_SOURCE = "model-vs-human"
#: ``source`` of models that are not in the public raw data (a user's evaluations from ``extra_dirs``).
OWN_SOURCE = "your evaluations (extra_dirs)"
#: ``panel`` values of :func:`shape_bias_intervals`.
PANELS: tuple[str, ...] = ("model-vs-human data", "third-party evaluations")


_SHAPE_COLUMNS = [
    "subject", "kind", "training", "training_data", "source", "pipeline", "panel", "group",
    "shape_bias", "ci_low", "ci_high", "n_shape", "n_texture", "n_trials",
]  # fmt: skip



def _toolbox_labels(subjects: pd.Series, is_human: pd.Series) -> pd.DataFrame:
    names = subjects.astype(str)
    meta = data.model_metadata(list(dict.fromkeys(names)))
    meta = meta.drop_duplicates("model").set_index("model")
    own = ~names.isin(data.MODELS) & ~is_human.to_numpy()
    return pd.DataFrame(
        {
            "kind": np.where(names == HUMANS, "humans", np.where(is_human, "observer", "model")),
            "training": names.map(training_of(names)).to_numpy(),
            "training_data": names.map(meta["training_data"]).to_numpy(),
            "source": np.where(own, OWN_SOURCE, TOOLBOX_SOURCE),
            "pipeline": np.where(
                own, "humanlike evaluate (or another tool writing the same format)",
                np.where(is_human, "psychophysics (Geirhos et al. 2019, 2021)", "model-vs-human toolbox"),
            ),
            "panel": PANELS[0],
        },
        index=subjects.index,
    )


def _pooled_humans_two_stage(cue: pd.DataFrame, boot: pd.DataFrame, n_boot: int, seed: int) -> pd.DataFrame:
    """``boot`` (:func:`humanlike.uncertainty.bootstrap_shape_bias`) with the pooled humans' interval replaced by a
    two-stage one (observers, then images; :func:`humanlike.uncertainty.two_stage_mean` with x = answered by shape,
    m = answered by shape or texture, whose mean is n_shape / (n_shape + n_texture))."""
    humans = cue[cue["is_human"].astype(bool)]
    if humans.empty or HUMANS not in set(boot["subject"]):
        return boot
    decisions = metrics.shape_texture_decisions(humans)
    observers = humans["subject"].astype(str).to_numpy()
    names, rows = np.unique(observers, return_inverse=True)
    images, columns = np.unique(humans["image_id"].astype(str).to_numpy(), return_inverse=True)
    shape, decided = np.zeros((len(names), len(images))), np.zeros((len(names), len(images)))
    np.add.at(shape, (rows, columns), decisions["is_shape"].to_numpy(float))
    np.add.at(decided, (rows, columns), (decisions["is_shape"] | decisions["is_texture"]).to_numpy(float))
    _, low, high = uncertainty.two_stage_mean(shape, decided, n_boot=n_boot, seed=seed)
    boot = boot.copy()
    boot.loc[boot["subject"] == HUMANS, ["ci_low", "ci_high"]] = [low, high]
    return boot


def shape_bias_intervals(
    trials: pd.DataFrame, third_party: pd.DataFrame | None = None, n_boot: int = 1000, seed: int = 0
) -> pd.DataFrame:
    """Shape bias of every decision maker on cue-conflict images, with 95 % percentile bootstrap intervals.

    ``trials``: the trial table (humans and models, :func:`humanlike.data.load_trials`); each observer gets a row
    (``kind`` "observer") and so do all observers pooled (``humans``, kind "humans": counts summed over
    observers). ``third_party``: optional trials from :func:`humanlike.data.load_third_party`; they get rows with
    their ``source`` and ``pipeline`` and ``panel`` "third-party evaluations".
    shape_bias = n_shape / (n_shape + n_texture) (:func:`humanlike.metrics.shape_bias`); intervals from
    :func:`humanlike.uncertainty.bootstrap_shape_bias` (resampling images), for ``humans`` two-stage (observers, then
    images: :func:`humanlike.uncertainty.two_stage_mean`).
    Columns: ``subject, kind, training, training_data, source, pipeline, panel, group, shape_bias, ci_low,
    ci_high, n_shape, n_texture, n_trials``; ``group``: :data:`PANELS` ``[0]`` for the model-vs-human data and a
    user's own models, else the third-party source (charts offer one group at a time).
    """
    frames = []
    cue = trials[trials["dataset"] == "cue-conflict"]
    if not cue.empty:
        counts = metrics.shape_bias(with_pooled_humans(cue), by=["subject", "is_human"])
        boot = _pooled_humans_two_stage(cue, uncertainty.bootstrap_shape_bias(cue, n_boot=n_boot, seed=seed), n_boot,
                                        seed)  # fmt: skip
        out = counts.merge(boot[["subject", "ci_low", "ci_high"]], on="subject", how="left")
        frames.append(pd.concat([out, _toolbox_labels(out["subject"], out["is_human"])], axis=1))
    if third_party is not None and len(third_party):
        other = third_party[third_party["dataset"] == "cue-conflict"]
        if not other.empty:
            labels = ["subject", "training", "training_data", "source", "pipeline"]
            counts = metrics.shape_bias(other, by=labels)
            boot = uncertainty.bootstrap_shape_bias(other, n_boot=n_boot, seed=seed, pool_humans=False)
            out = counts.merge(boot[["subject", "ci_low", "ci_high"]], on="subject", how="left")
            frames.append(out.assign(kind="model", panel=PANELS[1]))
    if not frames:
        return pd.DataFrame(columns=_SHAPE_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["group"] = _group(out)
    return out[_SHAPE_COLUMNS]


def _group(frame: pd.DataFrame) -> pd.Series:
    """Which group of decision makers a row belongs to: the model-vs-human data (humans, the toolbox's models and
    a user's own), or one third-party source."""
    own = frame["source"].isin([TOOLBOX_SOURCE, OWN_SOURCE])
    return frame["source"].where(~own, PANELS[0]).rename("group")


def shape_bias_categories(trials: pd.DataFrame, third_party: pd.DataFrame | None = None) -> pd.DataFrame:
    """Fraction of shape decisions per shape category (the presented ``category``) for every model and for all
    human observers pooled (``humans``), as in the per-category figures of Geirhos et al. (2019, 2020):
    :func:`humanlike.metrics.shape_bias_per_category`. Third-party trials, if given, get their source; ``group``
    as in :func:`shape_bias_intervals`.
    Columns: ``subject, training, source, group, category, shape_bias, n_shape, n_texture, n_trials``.
    """
    columns = ["subject", "training", "source", "group", "category", "shape_bias", "n_shape", "n_texture", "n_trials"]
    frames = []
    cue = trials[trials["dataset"] == "cue-conflict"]
    if not cue.empty:
        pooled = with_pooled_humans(cue)
        pooled = pooled[(pooled["subject"] == HUMANS) | ~pooled["is_human"].astype(bool)]
        out = metrics.shape_bias_per_category(pooled, by=["subject", "is_human"])
        labels = _toolbox_labels(out["subject"], out["is_human"])
        frames.append(pd.concat([out, labels[["training", "source"]]], axis=1))
    if third_party is not None and len(third_party):
        other = third_party[third_party["dataset"] == "cue-conflict"]
        if not other.empty:
            frames.append(metrics.shape_bias_per_category(other, by=["subject", "training", "source"]))
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)
    out["group"] = _group(out)
    return out[columns]


def cue_conflict_examples(trials: pd.DataFrame, n: int = 6, seed: int = 0) -> pd.DataFrame:
    """Answers to ``n`` cue-conflict images drawn at random (numpy ``default_rng(seed)``), each with another
    shape category, among the images whose shape and texture differ and that humans saw.

    One row per image and decision maker who saw it; ``answer`` classifies the response as ``shape``,
    ``texture`` or ``other`` (:func:`humanlike.metrics.shape_texture_decisions`); ``path`` is the stimulus'
    mirror-relative path for :func:`humanlike.data.fetch`.
    Columns: ``image_id, path, shape, texture, subject, is_human, training, response, answer``.
    """
    columns = ["image_id", "path", "shape", "texture", "subject", "is_human", "training", "response", "answer"]
    cue = trials[trials["dataset"] == "cue-conflict"]
    decisions = metrics.shape_texture_decisions(cue)
    cue = cue.assign(texture=decisions["texture"], answer=np.select(
        [decisions["is_shape"], decisions["is_texture"]], ["shape", "texture"], "other"))  # fmt: skip
    seen = cue[decisions["informative"] & cue["is_human"].astype(bool)][["image_id", "category"]].drop_duplicates()
    if seen.empty:
        return pd.DataFrame(columns=columns)
    rng = np.random.default_rng(seed)
    shuffled = seen.sort_values(["category", "image_id"]).iloc[rng.permutation(len(seen))]
    picked = shuffled.drop_duplicates("category").head(n)
    out = cue[cue["image_id"].isin(picked["image_id"])].rename(columns={"category": "shape"})
    out = out.assign(path="datasets/cue-conflict/" + out["shape"] + "/" + out["image_id"])
    out["training"] = out["subject"].map(training_of(out["subject"]))
    order = {image: i for i, image in enumerate(picked["image_id"])}
    out = out.sort_values(["image_id", "is_human", "subject"], key=lambda s: s.map(order) if s.name == "image_id" else s)
    return out[columns].reset_index(drop=True)


def shape_bias_summary(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`shape_bias_intervals` summarised by panel, kind and training (and training data): the number of
    decision makers, the mean, smallest and largest shape bias, and who has the smallest and the largest.
    Columns: ``panel, kind, training, training_data, n, mean, min, max, lowest, highest``."""
    columns = ["panel", "kind", "training", "training_data", "n", "mean", "min", "max", "lowest", "highest"]
    rows = table.dropna(subset=["shape_bias"]).assign(training_data=lambda f: f["training_data"].fillna("-"))
    if rows.empty:
        return pd.DataFrame(columns=columns)
    keys = ["panel", "kind", "training", "training_data"]
    grouped = rows.groupby(keys, sort=False)
    out = grouped["shape_bias"].agg(n="size", mean="mean", min="min", max="max")
    out["lowest"] = rows.loc[grouped["shape_bias"].idxmin(), "subject"].to_numpy()
    out["highest"] = rows.loc[grouped["shape_bias"].idxmax(), "subject"].to_numpy()
    out = out.reset_index()
    rank = {v: i for i, v in enumerate(PANELS + ("humans", "observer", "model") + TRAINING_ORDER)}
    out = out.sort_values(["panel", "kind", "training", "mean"], key=lambda s: s.map(rank).fillna(99) if s.name != "mean" else s)
    return out.reset_index(drop=True)[columns]


def third_party_overview(third_party: pd.DataFrame) -> pd.DataFrame:
    """The third-party evaluations at a glance: one row per source with its pipeline, datasets and models.
    Columns: ``source, pipeline, datasets, models`` (comma-separated names as in the files)."""
    columns = ["source", "pipeline", "datasets", "models"]
    if third_party is None or third_party.empty:
        return pd.DataFrame(columns=columns)

    def joined(values: pd.Series) -> str:
        return ", ".join(sorted(pd.unique(values.astype(str)), key=natural_key))

    grouped = third_party.groupby(["source", "pipeline"], sort=True)
    out = grouped.agg(datasets=("dataset", joined), models=("model", joined)).reset_index()
    return out[columns]


def shape_bias_findings(table: pd.DataFrame, categories: pd.DataFrame | None = None) -> pd.Series:
    """The chapter's claims as numbers, from :func:`shape_bias_intervals` (and :func:`shape_bias_categories`).

    Keys (NaN / "" where the group is missing): ``humans, humans_low, humans_high`` (pooled, with interval),
    ``n_observers, observers_min, observers_max``; ``n_models, model_min, model_min_name, model_max,
    model_max_name`` (models of the model-vs-human panel); ``mean_<training>`` and ``n_<training>`` for
    supervised, self-supervised and weakly-supervised models of that panel; ``third_ssl_min(_name)``,
    ``third_ssl_max(_name)`` (third-party self-supervised models), ``third_imagenet_max`` (third-party models
    trained on ImageNet-1k, any training), ``sin_min, sin_max`` (trained on Stylized-ImageNet); with
    ``categories``: ``humans_category_min(_name)`` (the humans' least shape-driven category) and
    ``model_cells_below_half`` (fraction of model x category cells of the model-vs-human panel below 0.5).
    Verdicts: ``models_all_texture`` (every model of that panel below 0.5), ``sin_above_imagenet`` (every
    Stylized-ImageNet network above every third-party ImageNet-1k one), ``ssl_nearer_to`` (``"supervised"`` or
    ``"humans"``: which the mean self-supervised shape bias is nearer to; ``""`` without all three groups).
    """
    nan = np.nan
    own = table[table["panel"] == PANELS[0]]
    third = table[table["panel"] == PANELS[1]]
    facts: dict[str, object] = {}

    def extreme(frame: pd.DataFrame, prefix: str) -> None:
        frame = frame.dropna(subset=["shape_bias"])
        low = frame.loc[frame["shape_bias"].idxmin()] if len(frame) else None
        high = frame.loc[frame["shape_bias"].idxmax()] if len(frame) else None
        facts[f"{prefix}_min"] = low["shape_bias"] if low is not None else nan
        facts[f"{prefix}_min_name"] = low["subject"] if low is not None else ""
        facts[f"{prefix}_max"] = high["shape_bias"] if high is not None else nan
        facts[f"{prefix}_max_name"] = high["subject"] if high is not None else ""

    humans = own[own["kind"] == "humans"]
    h = humans.iloc[0] if len(humans) else None
    facts.update(
        humans=h["shape_bias"] if h is not None else nan,
        humans_low=h["ci_low"] if h is not None else nan,
        humans_high=h["ci_high"] if h is not None else nan,
    )
    observers = own[own["kind"] == "observer"]["shape_bias"]
    facts.update(n_observers=len(observers), observers_min=observers.min(), observers_max=observers.max())
    models = own[own["kind"] == "model"]
    facts["n_models"] = len(models)
    extreme(models, "model")
    for training in ("supervised", "self-supervised", "weakly-supervised"):
        group = models[models["training"] == training]["shape_bias"]
        facts[f"mean_{training}"], facts[f"n_{training}"] = group.mean(), len(group)
    extreme(third[third["training"] == "self-supervised"], "third_ssl")
    facts["third_imagenet_max"] = third[third["training_data"] == "ImageNet-1k"]["shape_bias"].max()
    sin = third[third["training_data"] == "Stylized-ImageNet"]["shape_bias"]
    facts.update(sin_min=sin.min(), sin_max=sin.max())
    # Verdicts the prose states. NaN compares False, so a missing group never yields a claim.
    facts["models_all_texture"] = bool(len(models) and facts["model_max"] < 0.5)
    facts["sin_above_imagenet"] = bool(pd.notna(facts["sin_min"]) and facts["sin_min"] > facts["third_imagenet_max"])
    ssl, sup, hum = facts["mean_self-supervised"], facts["mean_supervised"], facts["humans"]
    if pd.notna(ssl) and pd.notna(sup) and pd.notna(hum):
        facts["ssl_nearer_to"] = "supervised" if abs(ssl - sup) < abs(ssl - hum) else "humans"
    else:
        facts["ssl_nearer_to"] = ""
    if categories is not None and len(categories):
        mine = categories  # third-party names carry their owner ("resnet50 [rgeirhos]"): no clash with these
        human_cats = mine[mine["subject"] == HUMANS].dropna(subset=["shape_bias"])
        if len(human_cats):
            low = human_cats.loc[human_cats["shape_bias"].idxmin()]
            facts.update(humans_category_min=low["shape_bias"], humans_category_min_name=low["category"])
        cells = mine[mine["subject"].isin(models["subject"])]["shape_bias"].dropna()
        facts["model_cells_below_half"] = float((cells < 0.5).mean()) if len(cells) else nan
    return pd.Series(facts, dtype=object)




def stimulus_thumbnails(
    examples: pd.DataFrame, *, size: int = 112, fetch: Callable[[str], Any] | None = None
) -> dict[str, str | None]:
    """Small JPEG thumbnails of the stimuli of :func:`cue_conflict_examples`, as ``data:`` URIs by image id, for
    :func:`humanlike.charts.shape_bias.stimulus_gallery` (which draws and never reads files).

    ``fetch`` maps a mirror-relative path to a local file (default :func:`humanlike.data.fetch`: the mirror or
    the download cache). An image that cannot be fetched or read maps to ``None``.
    """
    fetch = fetch or data.fetch
    out: dict[str, str | None] = {}
    for row in examples.drop_duplicates("image_id").itertuples():
        try:
            out[str(row.image_id)] = _thumbnail(fetch(row.path), size)
        except (DataFileError, OSError):
            out[str(row.image_id)] = None
    return out


def _thumbnail(path: Any, size: int) -> str:
    """A data: URI of a small JPEG of the image at ``path``."""
    import base64
    import io

    from PIL import Image

    with Image.open(path) as image:
        image = image.convert("RGB")
        image.thumbnail((size, size))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=82)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


#: Appended to the names of networks trained on Stylized-ImageNet (their files only say "train_60_epochs").
STYLIZED_SUFFIX = " (Stylized-ImageNet)"


def name_stylized(frame: pd.DataFrame, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """``frame`` with the Stylized-ImageNet-trained networks named as such in ``subject`` (``STYLIZED_SUFFIX``
    appended). Which they are comes from ``training_data`` of ``table`` (:func:`shape_bias_intervals`; default
    ``frame`` itself), so :func:`shape_bias_categories`, which has no such column, can be renamed with the
    intervals table."""
    source = frame if table is None else table
    stylized = set(source.loc[source["training_data"].astype(str) == "Stylized-ImageNet", "subject"].astype(str))
    names = frame["subject"].astype(str)
    return frame.assign(subject=names.where(~names.isin(stylized), names + STYLIZED_SUFFIX))


def category_pictures(
    trials: pd.DataFrame, *, size: int = 40, seed: int = 0, fetch: Callable[[str], Any] | None = None
) -> pd.DataFrame:
    """One example cue-conflict stimulus per shape category, as a small JPEG ``data:`` URI, for the per-category
    chart (charts never read files). The image is drawn with ``numpy.random.default_rng(seed)`` among the
    category's images whose shape and texture differ and that human observers saw. ``fetch`` as in
    :func:`stimulus_thumbnails`; an image that cannot be read gets ``thumbnail`` "".
    Columns: ``category, image_id, thumbnail``.
    """
    fetch = fetch or data.fetch
    cue = trials[(trials["dataset"] == "cue-conflict") & trials["is_human"].astype(bool)]
    informative = metrics.shape_texture_decisions(cue)["informative"]
    seen = cue[informative][["category", "image_id"]].drop_duplicates().sort_values(["category", "image_id"])
    rng = np.random.default_rng(seed)
    rows = []
    for category, group in seen.groupby("category", sort=True):
        image = str(group["image_id"].iloc[int(rng.integers(len(group)))])
        try:
            uri = _thumbnail(fetch(f"datasets/cue-conflict/{category}/{image}"), size)
        except (DataFileError, OSError):
            uri = ""
        rows.append({"category": category, "image_id": image, "thumbnail": uri})
    return pd.DataFrame(rows, columns=["category", "image_id", "thumbnail"])
