"""The landing page's verdicts: each of the paper's four claims judged on the data of this build.

Every verdict is computed from the chapters' own results tables (no new metric), so it changes when a reader
reruns the book with other models or datasets. A claim is split into parts; each part is ``True`` (holds),
``False`` (does not hold) or ``None`` (cannot be checked with these data). The verdict is

* ``"supported"``: every part was checked and holds;
* ``"partly supported"``: at least one part holds, and another does not or cannot be checked;
* ``"not supported"``: parts were checked and none holds;
* ``"not testable with these data"``: no part can be checked.

The thresholds are named parameters with defaults documented below.

See Also
--------
humanlike.results.noise_robustness, humanlike.results.category_errors, humanlike.results.image_errors,
humanlike.results.shape_bias
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .. import data, metrics
from .category_errors import TO_HUMANS, TO_MODELS
from .common import ALL_DATASETS, HUMANS, MAJORITY, SIMCLR, SUPERVISED, direction
from .noise_robustness import NOISE
from .shape_bias import PANELS

__all__ = [
    "VERDICTS",
    "CLAIMS",
    "SHAPE_TEXTURE_BALANCE",
    "STYLIZED_IMAGENET",
    "combine_parts",
    "noise_verdict",
    "category_verdict",
    "image_verdict",
    "texture_verdict",
    "verdicts",
    "key_text",
    "PAPER_DATASETS",
    "PAPER_TRIALS",
    "data_reconciliation",
    "partial_models_note",
]

#: The four verdict values, from best to worst support, then "cannot tell".
VERDICTS: tuple[str, ...] = ("supported", "partly supported", "not supported", "not testable with these data")

#: The paper's four claims (as the introduction lists them) and the chapter that tests each.
CLAIMS: tuple[tuple[str, str], ...] = (
    ("Poor noise robustness, with SimCLR the exception", "01_noise_robustness"),
    ("Non-human category-level error patterns", "02_category_errors"),
    ("Non-human image-level error patterns", "03_image_errors"),
    ("A texture bias", "04_shape_bias"),
)

#: A shape bias of one half: as many shape as texture decisions. Below it, texture wins.
SHAPE_TEXTURE_BALANCE = 0.5

#: ``training_data`` of the networks trained on Stylized-ImageNet (Geirhos et al. 2019); they were trained to
#: lose the texture bias, so the texture-bias claim about ImageNet-trained networks leaves them out.
STYLIZED_IMAGENET = "Stylized-ImageNet"

_COLUMNS = ["claim", "chapter", "verdict", "key", "estimate", "ci_low", "ci_high", "detail"]


def combine_parts(parts: Sequence[bool | None]) -> str:
    """The verdict of a claim from its parts (``True`` holds, ``False`` fails, ``None`` not checkable).

    >>> combine_parts([True, True]), combine_parts([True, None]), combine_parts([True, False])
    ('supported', 'partly supported', 'partly supported')
    >>> combine_parts([False, None]), combine_parts([None, None])
    ('not supported', 'not testable with these data')
    """
    checked = [p for p in parts if p is not None]
    if not checked:
        return VERDICTS[3]
    if all(checked) and len(checked) == len(parts):
        return VERDICTS[0]
    return VERDICTS[1] if any(checked) else VERDICTS[2]


def _share(flags: pd.Series | np.ndarray) -> float:
    flags = np.asarray(flags, dtype=bool)
    return float(flags.mean()) if len(flags) else np.nan


def _dataset_mean_interval(values: pd.Series, n_boot: int, seed: int, level: float) -> tuple[float, float, float]:
    """Mean of per-dataset values with a percentile bootstrap interval over datasets (NaN interval with fewer
    than two datasets: one dataset says nothing about the spread)."""
    values = np.asarray(values.dropna(), dtype=float)
    if not len(values):
        return np.nan, np.nan, np.nan
    if len(values) < 2:
        return float(values.mean()), np.nan, np.nan
    rng = np.random.default_rng(seed)
    samples = values[rng.integers(0, len(values), size=(n_boot, len(values)))].mean(axis=1)
    low, high = metrics.percentile_interval(samples[:, None], level)
    return float(values.mean()), float(low[0]), float(high[0])


#: How each claim's key number is written (:func:`key_text`), by chapter.
_UNITS = {"01_noise_robustness": "points", "02_category_errors": "r", "03_image_errors": "kappa", "04_shape_bias": "%"}


def key_text(chapter: str, estimate: float, low: float, high: float) -> str:
    """A verdict's key number with its 95% interval, as text for the verdict table (``"not available"`` when NaN).

    >>> key_text("01_noise_robustness", 0.15, 0.12, 0.19)
    '+15 points (95% CI +12 to +19)'
    >>> key_text("04_shape_bias", 0.39, 0.35, 0.43)
    '39% (95% CI 35% to 43%)'
    >>> key_text("03_image_errors", -0.24, float("nan"), float("nan"))
    '−0.24 (one dataset: no interval)'
    """
    if pd.isna(estimate):
        return "not available"
    unit = _UNITS[chapter]
    if unit == "points":
        value, interval = f"{100 * estimate:+.0f} points", f"{100 * low:+.0f} to {100 * high:+.0f}"
    elif unit == "%":
        value, interval = f"{estimate:.0%}", f"{low:.0%} to {high:.0%}"
    else:
        value, interval = f"{estimate:+.2f}", f"{low:+.2f} to {high:+.2f}"
    text = f"{value} (one dataset: no interval)" if pd.isna(low) else f"{value} (95% CI {interval})"
    return text.replace("-", "\N{MINUS SIGN}")


def _row(index: int, parts: Sequence[bool | None], key: str, estimate: float, low: float, high: float, detail: str):
    claim, chapter = CLAIMS[index]
    return {"claim": claim, "chapter": chapter, "verdict": combine_parts(parts), "key": key,
            "estimate": estimate, "ci_low": low, "ci_high": high, "detail": detail}  # fmt: skip


# ---------------------------------------------------------------------------------------------- the claims
def noise_verdict(gap: pd.DataFrame | None, *, majority: float = MAJORITY) -> dict[str, object]:
    """Claim 1 from :func:`humanlike.results.ood_accuracy_difference` with the pairs of
    :func:`humanlike.results.robustness_pairs`.

    Parts: (a) models are less robust than humans: more than ``majority`` of the (model, dataset) cells have a
    paired interval of "model minus humans" entirely below zero; (b) the SimCLR exception: on uniform noise,
    SimCLR minus ResNet-50 has an interval entirely above zero. Key number: that difference (NaN when SimCLR,
    ResNet-50 or uniform noise is missing).
    """
    if gap is None or gap.empty:
        return _row(0, [None, None], "SimCLR − ResNet-50, OOD accuracy on uniform noise", np.nan, np.nan, np.nan,
                    "no parametric dataset with models and humans")
    cells = gap[(gap["dataset"] != ALL_DATASETS) & (gap["subject_b"] == HUMANS)]
    below = [direction(lo, hi) < 0 for lo, hi in zip(cells["ci_low"], cells["ci_high"])]
    share = _share(below)
    part_a = None if not len(cells) else bool(share > majority)
    pair = gap[(gap["dataset"] == NOISE) & (gap["subject_a"] == SIMCLR) & (gap["subject_b"] == SUPERVISED)]
    if len(pair):
        row = pair.iloc[0]
        estimate, low, high = float(row["difference"]), float(row["ci_low"]), float(row["ci_high"])
        part_b = direction(low, high) > 0
    else:
        estimate = low = high = np.nan
        part_b = None
    detail = (
        f"models clearly below humans in {sum(below)} of {len(cells)} model–dataset cells"
        if len(cells) else "no model–human comparison"
    )
    detail += "; SimCLR vs ResNet-50 on uniform noise " + (
        "not available" if part_b is None else "clearly above" if part_b else "not clearly above"
    )
    return _row(0, [part_a, part_b], "SimCLR − ResNet-50, OOD accuracy on uniform noise (points)",
                estimate, low, high, detail)


def category_verdict(
    similarity: pd.DataFrame | None,
    *,
    majority: float = MAJORITY,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, object]:
    """Claim 2 from :func:`humanlike.results.confusion_similarity_summary`.

    Parts: (a) models' confusions are less human-like than humans' own: more than ``majority`` of the (model,
    dataset) cells lie clearly below the human ceiling (upper end of the model's interval under the lower end of
    the ceiling's); (b) networks share error patterns: on more than ``majority`` of those cells the model is more
    similar to the other models than to the human observers. Key number: the ceiling minus the models' mean
    similarity to human observers, averaged over datasets, with a percentile bootstrap interval over datasets
    (``n_boot`` resamples, ``seed``).
    """
    key = "human ceiling − models' confusion similarity to humans (mean over datasets)"
    if similarity is None or similarity.empty:
        return _row(1, [None, None], key, np.nan, np.nan, np.nan, "no confusion similarities")
    to_humans = similarity[similarity["comparison"] == TO_HUMANS].set_index(["dataset", "subject"])
    to_models = similarity[similarity["comparison"] == TO_MODELS].set_index(["dataset", "subject"])
    if HUMANS not in to_humans.index.get_level_values("subject"):
        return _row(1, [None, None], key, np.nan, np.nan, np.nan, "no human ceiling (fewer than two observers)")
    ceiling = to_humans.xs(HUMANS, level="subject")
    models = to_humans.drop(index=HUMANS, level="subject").dropna(subset=["similarity"])
    models = models[models.index.get_level_values("dataset").isin(ceiling.index)]
    if models.empty:
        return _row(1, [None, None], key, np.nan, np.nan, np.nan, "no model compared with human observers")
    datasets = models.index.get_level_values("dataset")
    below = models["ci_high"].to_numpy() < ceiling["ci_low"].reindex(datasets).to_numpy()
    closer = to_models["similarity"].reindex(models.index).to_numpy() > models["similarity"].to_numpy()
    has_others = to_models["similarity"].reindex(models.index).notna().to_numpy()
    part_a = bool(_share(below) > majority)
    part_b = bool(_share(closer[has_others]) > majority) if has_others.any() else None
    per_dataset = ceiling["similarity"] - models["similarity"].groupby(level="dataset").mean()
    estimate, low, high = _dataset_mean_interval(per_dataset, n_boot, seed, level)
    detail = f"models clearly below the human ceiling in {int(below.sum())} of {len(below)} model–dataset cells"
    detail += (
        f"; nearer to other models than to humans in {int(closer[has_others].sum())} of {int(has_others.sum())}"
        if has_others.any() else "; only one model: similarity among models not available"
    )
    return _row(1, [part_a, part_b], key, estimate, low, high, detail)


def image_verdict(
    intervals: pd.DataFrame | None,
    *,
    majority: float = MAJORITY,
    similar: float | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, object]:
    """Claim 3 from :func:`humanlike.results.consistency_intervals`.

    Parts: (a) models err on other images than humans do: more than ``majority`` of the model–observer pairs
    have a kappa interval entirely below the mean human–human kappa of their dataset; (b) self-supervised models
    are no more human-consistent than supervised ones: the mean over datasets of (human–self-supervised kappa
    minus human–supervised kappa) is below ``similar`` (default
    :data:`humanlike.results.image_errors.SIMILAR_KAPPA`); not checkable without both kinds. Key number: mean
    model–human kappa minus mean human–human kappa, averaged over datasets, with a percentile bootstrap interval
    over datasets.
    """
    from .image_errors import SIMILAR_KAPPA

    similar = SIMILAR_KAPPA if similar is None else similar
    key = "model–human κ − human–human κ (mean over datasets)"
    if intervals is None or intervals.empty:
        return _row(2, [None, None], key, np.nan, np.nan, np.nan, "no error consistencies")
    human = intervals[intervals["subject"] == HUMANS].groupby("dataset")["error_consistency"].mean()
    models = intervals[intervals["subject"] != HUMANS]
    models = models[models["dataset"].isin(human.index)]
    if models.empty or human.empty:
        return _row(2, [None, None], key, np.nan, np.nan, np.nan, "no model–human and human–human pairs together")
    below = models["ci_high"].to_numpy() < models["dataset"].map(human).to_numpy()
    part_a = bool(_share(below) > majority)
    by_kind = models.groupby(["dataset", "training"])["error_consistency"].mean().unstack("training")
    if {"supervised", "self-supervised"} <= set(by_kind.columns):
        gap = float((by_kind["self-supervised"] - by_kind["supervised"]).mean())
        part_b = None if np.isnan(gap) else bool(gap < similar)
    else:
        gap, part_b = np.nan, None
    per_dataset = models.groupby("dataset")["error_consistency"].mean() - human
    estimate, low, high = _dataset_mean_interval(per_dataset, n_boot, seed, level)
    detail = f"{int(below.sum())} of {len(below)} model–observer pairs clearly below the human mean"
    detail += (
        "; both supervised and self-supervised models needed to compare them" if part_b is None
        else f"; self-supervised minus supervised κ with humans {gap:+.2f}"
    )
    return _row(2, [part_a, part_b], key, estimate, low, high, detail)


def texture_verdict(
    shape: pd.DataFrame | None, *, balance: float = SHAPE_TEXTURE_BALANCE, majority: float = MAJORITY
) -> dict[str, object]:
    """Claim 4 from :func:`humanlike.results.shape_bias_intervals` (rows of the model-vs-human panel: humans, the
    toolbox's models and the reader's own; third-party evaluations and Stylized-ImageNet networks left out).

    Parts: (a) humans decide by shape and networks by texture: the pooled humans' interval lies above
    ``balance`` and more than ``majority`` of the models have an interval entirely below it; (b) self-supervised
    models share the texture bias: every self-supervised model's interval lies below ``balance`` (not checkable
    without one). Key number: the highest shape bias of a self-supervised model (of any model without one), with
    its bootstrap interval.
    """
    key = "highest shape bias of a self-supervised model"
    if shape is None or shape.empty:
        return _row(3, [None, None], key, np.nan, np.nan, np.nan, "no cue-conflict data")
    panel = shape[shape["panel"] == PANELS[0]]
    humans = panel[panel["subject"] == HUMANS]
    models = panel[(panel["kind"] == "model") & (panel["training_data"].astype(str) != STYLIZED_IMAGENET)]
    models = models.dropna(subset=["shape_bias"])
    if humans.empty or models.empty:
        return _row(3, [None, None], key, np.nan, np.nan, np.nan, "cue-conflict needs both humans and models")
    human = humans.iloc[0]
    below = models["ci_high"].to_numpy() < balance
    part_a = bool(human["ci_low"] > balance and _share(below) > majority)
    ssl = models[models["training"] == "self-supervised"]
    part_b = bool((ssl["ci_high"] < balance).all()) if len(ssl) else None
    top = (ssl if len(ssl) else models).sort_values("shape_bias").iloc[-1]
    if not len(ssl):
        key = "highest shape bias of a model (no self-supervised model)"
    detail = (
        f"humans {human['shape_bias']:.0%}; {int(below.sum())} of {len(models)} models clearly texture-biased; "
        f"key: {top['subject']}"
    )
    return _row(3, [part_a, part_b], key, float(top["shape_bias"]), float(top["ci_low"]), float(top["ci_high"]),
                detail)


def verdicts(
    gap: pd.DataFrame | None = None,
    similarity: pd.DataFrame | None = None,
    intervals: pd.DataFrame | None = None,
    shape: pd.DataFrame | None = None,
    *,
    models: Iterable[str] | None = None,
    majority: float = MAJORITY,
    similar: float | None = None,
    balance: float = SHAPE_TEXTURE_BALANCE,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """One row per claim of the paper, in the order of :data:`CLAIMS`.

    Parameters
    ----------
    gap : DataFrame or None
        :func:`humanlike.results.ood_accuracy_difference` with :func:`humanlike.results.robustness_pairs`.
    similarity : DataFrame or None
        :func:`humanlike.results.confusion_similarity_summary`.
    intervals : DataFrame or None
        :func:`humanlike.results.consistency_intervals`.
    shape : DataFrame or None
        :func:`humanlike.results.shape_bias_intervals`.
    models : iterable of str, optional
        Judge the claims on these models only (e.g. the paper's zoo, :data:`humanlike.models.PAPER_ZOO`: the
        claims are about the paper's kinds of networks); humans always stay. Default: every model in the tables.
    majority : float, default :data:`humanlike.results.MAJORITY`
        "Most" means more than this fraction (of cells, pairs or models).
    similar : float, optional
        Claim 3: largest difference in kappa read as "no more human-consistent" (default ``SIMILAR_KAPPA``).
    balance : float, default :data:`SHAPE_TEXTURE_BALANCE`
        Claim 4: the shape bias dividing shape from texture decisions.
    n_boot, seed, level
        The bootstrap over datasets behind the key numbers of claims 2 and 3.

    Returns
    -------
    DataFrame
        ``claim, chapter, verdict`` (one of :data:`VERDICTS`), ``key`` (what the key number is),
        ``estimate, ci_low, ci_high`` (NaN when not available), ``detail`` (the counts behind the verdict).
        A missing table makes its claim "not testable with these data".
    """
    if models is not None:
        keep = {HUMANS, *models}
        gap = None if gap is None else gap[gap["subject_a"].isin(keep) & gap["subject_b"].isin(keep)]
        similarity = None if similarity is None else similarity[similarity["subject"].isin(keep)]
        intervals = None if intervals is None else intervals[intervals["subject"].isin(keep)]
        shape = None if shape is None else shape[shape["subject"].isin(keep) | (shape["kind"] != "model")]
    rows = [
        noise_verdict(gap, majority=majority),
        category_verdict(similarity, majority=majority, n_boot=n_boot, seed=seed, level=level),
        image_verdict(intervals, majority=majority, similar=similar, n_boot=n_boot, seed=seed, level=level),
        texture_verdict(shape, balance=balance, majority=majority),
    ]
    return pd.DataFrame(rows, columns=_COLUMNS)


# ---------------------------------------------------------------------------------------------- the data
#: What the paper says it used ("15 datasets, 130K trials"), for the reconciliation on the landing page.
PAPER_DATASETS, PAPER_TRIALS = 15, 130_000

#: Datasets of model-vs-human collected for its 2021 benchmark paper, after the 2020 paper: ImageNet-Sketch and
#: Stylized-ImageNet based. Used only to say which 15 the paper plausibly meant; not verifiable from the files.
LATER_DATASETS: tuple[str, ...] = ("sketch", "stylized")


def data_reconciliation(trials: pd.DataFrame, later: Iterable[str] = LATER_DATASETS) -> dict[str, int]:
    """Counts behind the reconciliation of the paper's "15 datasets, 130K trials" with the data of this build.

    Returns ``n_datasets``, ``n_human_trials``, ``n_observers`` (distinct observers, a subject counted once per
    dataset's file as in the data release), ``n_model_trials``; and for the datasets without ``later``:
    ``n_datasets_without_later``, ``n_human_trials_without_later``.
    """
    human = trials["is_human"].astype(bool)
    earlier = ~trials["dataset"].isin(list(later))
    return {
        "n_datasets": int(trials["dataset"].nunique()),
        "n_human_trials": int(human.sum()),
        "n_observers": int(trials.loc[human, ["dataset", "subject"]].drop_duplicates().shape[0]),
        "n_model_trials": int((~human).sum()),
        "n_datasets_without_later": int(trials.loc[earlier, "dataset"].nunique()),
        "n_human_trials_without_later": int((human & earlier).sum()),
        "paper_datasets": PAPER_DATASETS,
        "paper_trials": PAPER_TRIALS,
    }


def partial_models_note(trials: pd.DataFrame, coverage: pd.DataFrame | None = None) -> str:
    """One line of Markdown naming the models that cover only part of a dataset's images, e.g.
    ``**Partial models:** my-model covers 640 of 1280 images of cue-conflict.``; "" when no model is partial.

    ``coverage``: :func:`humanlike.data.coverage` of ``trials`` (computed when not given). Names are escaped.
    """
    from ..text import md

    if coverage is None:
        if trials["is_human"].astype(bool).all():
            return ""
        coverage = data.coverage(trials)
    partial = coverage[coverage["partial"].astype(bool)]
    if partial.empty:
        return ""
    items = "; ".join(
        md("{model} covers {n:,} of {total:,} images of {dataset}", model=str(r.model), n=int(r.n_images),
           total=int(r.n_dataset_images), dataset=str(r.dataset))
        for r in partial.itertuples()
    )
    return f"**Partial models:** {items}. Their numbers rest on those images only."
