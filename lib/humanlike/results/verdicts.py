"""The landing page's verdicts: each of the paper's four claims judged on the data of this build, in parts, as
the paper states them.

Every claim is about self-supervised networks sharing a property with supervised ones, away from humans. Its
parts: (a) supervised networks show the property against humans; (b) self-supervised networks show it too; (c)
where the paper makes one (claim 3, and the SimCLR exception of claim 1) the comparison between the two kinds.
Each part names the models it rests on; a part resting on fewer than ``min_models`` networks of its kind (default
:data:`MIN_MODELS`) is not testable and says what would make it testable. A part is ``True`` (holds), ``False``
(does not hold) or ``None`` (not testable with these data). The verdict is

* ``"supported"``: every part was checked and holds;
* ``"partly supported"``: at least one part holds, and another does not or cannot be checked;
* ``"not supported"``: parts were checked and none holds;
* ``"not testable with these data"``: no part can be checked.

Each verdict is recomputed with "most" moved to each of :data:`MAJORITY_SHIFTS`; a verdict that changes is
labelled fragile, with the threshold at which it flips. The thresholds are named parameters with defaults
documented below; :mod:`humanlike.results.claims` computes the tables these functions read.

See Also
--------
humanlike.results.claims, humanlike.results.noise_robustness, humanlike.results.category_errors,
humanlike.results.image_errors, humanlike.results.shape_bias
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import data, uncertainty
from .category_errors import TO_HUMANS
from .common import ALL_DATASETS, HUMANS, MAJORITY, SIMCLR, SUPERVISED, direction, training_of
from .noise_robustness import NOISE
from .shape_bias import PANELS

__all__ = [
    "VERDICTS",
    "CLAIMS",
    "SECTION",
    "MIN_MODELS",
    "MAJORITY_SHIFTS",
    "SHAPE_TEXTURE_BALANCE",
    "STYLIZED_IMAGENET",
    "Part",
    "combine_parts",
    "model_counts",
    "models_text",
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
    ("Non-human image-level error patterns, yet high similarity to supervised models' errors", "03_image_errors"),
    ("A texture bias", "04_shape_bias"),
)

#: The section of each chapter that shows its claim's verdict and key number (the heading "Take-away").
SECTION = "take-away"

#: A part about one kind of network (supervised or self-supervised) needs at least this many networks of that
#: kind: one network says something about itself, not about a kind of training.
MIN_MODELS = 2

#: "Most" moved to these fractions to find fragile verdicts (the default, :data:`MAJORITY`, lies between).
MAJORITY_SHIFTS: tuple[float, ...] = (0.4, 0.6)

#: A shape bias of one half: as many shape as texture decisions. Below it, texture wins.
SHAPE_TEXTURE_BALANCE = 0.5

#: ``training_data`` of the networks trained on Stylized-ImageNet (Geirhos et al. 2019); they were trained to
#: lose the texture bias, so the texture-bias claim about ImageNet-trained networks leaves them out.
STYLIZED_IMAGENET = "Stylized-ImageNet"

#: What would make a part about a kind of network testable (:attr:`Part.remedy`).
MORE_MODELS = {
    "supervised": "evaluate more supervised networks (`make paper` runs the paper's 24; or `humanlike evaluate "
                  "--model alexnet` and pass the run folder as `extra_dirs`)",
    "self-supervised": "evaluate more self-supervised networks (`make paper` runs the paper's eight; or "
                       "`humanlike evaluate --model MoCoV2` and pass the run folder as `extra_dirs`)",
}  # fmt: skip

_COLUMNS = ["claim", "chapter", "verdict", "parts", "models", "n_supervised", "n_self_supervised", "n_others", "key",
            "estimate", "ci_low", "ci_high", "detail", "fragile"]  # fmt: skip
_STATES = {True: "holds", False: "does not hold", None: "not testable with these data"}


@dataclass(frozen=True)
class Part:
    """One part of a claim: its letter, what it states, whether it holds (None: not testable), the evidence (the
    counts behind it, or why it cannot be tested and what would make it testable) and the models it rests on."""

    label: str
    statement: str
    holds: bool | None
    evidence: str
    models: tuple[str, ...] = ()
    remedy: str = ""  # for a part that is not testable: what would make it testable

    def line(self) -> str:
        """The part as one line of text.

        >>> Part("a", "supervised networks below humans", True, "3 of 4 cells").line()
        '(a) supervised networks below humans: holds (3 of 4 cells)'
        """
        return f"({self.label}) {self.statement}: {_STATES[self.holds]} ({self.evidence})"


def combine_parts(parts: Sequence[Part | bool | None]) -> str:
    """The verdict of a claim from its parts (``True`` holds, ``False`` fails, ``None`` not checkable).

    >>> combine_parts([True, True]), combine_parts([True, None]), combine_parts([True, False])
    ('supported', 'partly supported', 'partly supported')
    >>> combine_parts([False, None]), combine_parts([None, None])
    ('not supported', 'not testable with these data')
    """
    states = [p.holds if isinstance(p, Part) else p for p in parts]
    checked = [p for p in states if p is not None]
    if not checked:
        return VERDICTS[3]
    if all(checked) and len(checked) == len(states):
        return VERDICTS[0]
    return VERDICTS[1] if any(checked) else VERDICTS[2]


def model_counts(names: Iterable[str], training: dict[str, str] | None = None) -> dict[str, int]:
    """How many of ``names`` are supervised, self-supervised and other (weakly-supervised, unknown) networks.

    ``training``: name -> training type (default :func:`humanlike.results.training_of`).

    >>> model_counts(["resnet50", "bagnet33", "simclr-resnet50x1", "swag-vit-b16-in1k"])
    {'supervised': 2, 'self-supervised': 1, 'others': 1}
    """
    names = sorted(set(map(str, names)) - {HUMANS})
    training = training_of(names) if training is None else training
    kinds = [training.get(n, "unknown") for n in names]
    return {"supervised": kinds.count("supervised"), "self-supervised": kinds.count("self-supervised"),
            "others": len(kinds) - kinds.count("supervised") - kinds.count("self-supervised")}  # fmt: skip


def models_text(counts: dict[str, int]) -> str:
    """:func:`model_counts` as the verdict table writes it.

    >>> models_text({"supervised": 2, "self-supervised": 1, "others": 6})
    '2 supervised / 1 self-supervised / 6 others'
    """
    supervised, ssl, others = counts["supervised"], counts["self-supervised"], counts["others"]
    return f"{supervised} supervised / {ssl} self-supervised / {others} others"


def _kind_part(
    label: str, statement: str, table: pd.DataFrame, kind: str, *, flag: str, unit: str, min_models: int,
    majority: float,
) -> Part:
    """A part about one kind of network: ``table`` has columns ``model, training`` and the boolean ``flag`` (the
    property, per cell); the part holds when more than ``majority`` of the cells of that kind's models have it."""
    rows = table[table["training"] == kind]
    names = tuple(sorted(rows["model"].astype(str).unique()))
    if len(names) < min_models:
        have = f"{len(names)} {kind} network{'' if len(names) == 1 else 's'}"
        have += f": {', '.join(names)}" if names else ""
        return Part(label, statement, None, f"rests on {have}; needs at least {min_models}", names, MORE_MODELS[kind])
    flags = rows[flag].astype(bool)
    evidence = f"{int(flags.sum())} of {len(flags)} {unit}; {', '.join(names)}"
    return Part(label, statement, bool(flags.mean() > majority), evidence, names)


def _training(frame: pd.DataFrame, name: str, column: str = "training") -> pd.Series:
    """Training type of each row's ``name`` column: the table's ``column`` if it has one, else looked up."""
    if column in frame.columns:
        return frame[column].astype(str)
    return frame[name].astype(str).map(training_of(frame[name]))


def _row(index: int, parts: Sequence[Part], models: Iterable[str], key: str, estimate: float, low: float,
         high: float, training: dict[str, str] | None = None) -> dict[str, object]:  # fmt: skip
    claim, chapter = CLAIMS[index]
    counts = model_counts(models, training)
    return {"claim": claim, "chapter": chapter, "verdict": combine_parts(parts), "parts": tuple(parts),
            "models": models_text(counts), "n_supervised": counts["supervised"],
            "n_self_supervised": counts["self-supervised"], "n_others": counts["others"], "key": key,
            "estimate": estimate, "ci_low": low, "ci_high": high, "detail": "; ".join(p.line() for p in parts),
            "fragile": ""}  # fmt: skip


def _empty(index: int, labels: Sequence[tuple[str, str]], key: str, why: str) -> dict[str, object]:
    return _row(index, [Part(label, statement, None, why) for label, statement in labels], [], key,
                np.nan, np.nan, np.nan)


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
    low, high = uncertainty.percentile_interval(samples[:, None], level)
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


# ---------------------------------------------------------------------------------------------- the claims
_NOISE_PARTS = (
    ("a", "supervised networks are clearly less robust than humans on most dataset cells"),
    ("b", "self-supervised networks are too"),
    ("c", "the exception: SimCLR is clearly more robust than ResNet-50 on uniform noise"),
)


def noise_verdict(
    gap: pd.DataFrame | None,
    simclr: pd.DataFrame | None = None,
    *,
    majority: float = MAJORITY,
    min_models: int = MIN_MODELS,
) -> dict[str, object]:
    """Claim 1 from :func:`humanlike.results.ood_accuracy_difference` (model minus ``humans``).

    Parts: (a) supervised networks are less robust than humans: more than ``majority`` of their (model, dataset)
    cells have a paired interval of "model minus humans" entirely below zero (the humans' side resampled over
    observers and images); (b) the same for self-supervised networks; each needs ``min_models`` networks of its
    kind. (c) The SimCLR exception: on uniform noise, SimCLR minus ResNet-50 has an interval entirely above zero.
    ``simclr``: :func:`humanlike.results.simclr_differences` (default: the SimCLR rows of ``gap``). Key number:
    that difference on uniform noise (NaN when SimCLR, ResNet-50 or uniform noise is missing).
    """
    key = "SimCLR − ResNet-50, OOD accuracy on uniform noise"
    if gap is None or gap.empty:
        return _empty(0, _NOISE_PARTS, key, "no parametric dataset with models and humans")
    cells = gap[(gap["dataset"] != ALL_DATASETS) & (gap["subject_b"] == HUMANS)]
    cells = pd.DataFrame({"model": cells["subject_a"].astype(str),
                          "training": _training(cells, "subject_a", "training_a"),
                          "below": cells["ci_high"].to_numpy() < 0})  # fmt: skip
    options = {"flag": "below", "unit": "model–dataset cells clearly below humans", "min_models": min_models,
               "majority": majority}  # fmt: skip
    parts = [_kind_part(*_NOISE_PARTS[0], cells, "supervised", **options),
             _kind_part(*_NOISE_PARTS[1], cells, "self-supervised", **options)]  # fmt: skip
    simclr = gap if simclr is None else simclr
    pair = simclr[(simclr["dataset"] == NOISE) & (simclr["subject_a"] == SIMCLR) & (simclr["subject_b"] == SUPERVISED)]
    if len(pair):
        row = pair.iloc[0]
        estimate, low, high = float(row["difference"]), float(row["ci_low"]), float(row["ci_high"])
        side = direction(low, high)
        parts.append(Part("c", _NOISE_PARTS[2][1], side > 0, key_text(CLAIMS[0][1], estimate, low, high),
                          (SIMCLR, SUPERVISED)))  # fmt: skip
    else:
        estimate = low = high = np.nan
        parts.append(Part("c", _NOISE_PARTS[2][1], None, f"needs {SIMCLR}, {SUPERVISED} and uniform-noise"))
    models = set(cells["model"]) | ({SIMCLR, SUPERVISED} if len(pair) else set())
    return _row(0, parts, models, key, estimate, low, high, dict(zip(cells["model"], cells["training"])))


_CATEGORY_PARTS = (
    ("a", "supervised networks' confusions are clearly less human-like than humans' own in most cells"),
    ("b", "self-supervised networks' are too"),
)


def category_verdict(
    similarity: pd.DataFrame | None,
    *,
    majority: float = MAJORITY,
    min_models: int = MIN_MODELS,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, object]:
    """Claim 2 from :func:`humanlike.results.confusion_similarity_summary`.

    Parts: (a) supervised networks' confusions are less human-like than humans' own: more than ``majority`` of
    their (model, dataset) cells lie clearly below the human ceiling (upper end of the model's interval under the
    lower end of the ceiling's); (b) the same for self-supervised networks; each needs ``min_models`` networks of
    its kind. Key number: the ceiling minus the models' mean similarity to human observers, averaged over
    datasets, with a percentile bootstrap interval over datasets (``n_boot`` resamples, ``seed``).
    """
    key = ("human ceiling − models' confusion similarity to humans (mean over datasets; interval: datasets "
           "resampled)")
    if similarity is None or similarity.empty:
        return _empty(1, _CATEGORY_PARTS, key, "no confusion similarities")
    to_humans = similarity[similarity["comparison"] == TO_HUMANS].set_index(["dataset", "subject"])
    if HUMANS not in to_humans.index.get_level_values("subject"):
        return _empty(1, _CATEGORY_PARTS, key, "no human ceiling (fewer than two observers)")
    ceiling = to_humans.xs(HUMANS, level="subject")
    models = to_humans.drop(index=HUMANS, level="subject").dropna(subset=["similarity"])
    models = models[models.index.get_level_values("dataset").isin(ceiling.index)]
    if models.empty:
        return _empty(1, _CATEGORY_PARTS, key, "no model compared with human observers")
    floor = ceiling["ci_low"].reindex(models.index.get_level_values("dataset")).to_numpy()
    cells = pd.DataFrame({"model": models.index.get_level_values("subject").astype(str),
                          "training": _training(models.reset_index(), "subject").to_numpy(),
                          "below": models["ci_high"].to_numpy() < floor})  # fmt: skip
    options = {"flag": "below", "unit": "model–dataset cells clearly below the human ceiling",
               "min_models": min_models, "majority": majority}  # fmt: skip
    parts = [_kind_part(*_CATEGORY_PARTS[0], cells, "supervised", **options),
             _kind_part(*_CATEGORY_PARTS[1], cells, "self-supervised", **options)]  # fmt: skip
    per_dataset = ceiling["similarity"] - models["similarity"].groupby(level="dataset").mean()
    estimate, low, high = _dataset_mean_interval(per_dataset, n_boot, seed, level)
    return _row(1, parts, cells["model"], key, estimate, low, high, dict(zip(cells["model"], cells["training"])))


_IMAGE_PARTS = (
    ("a", "supervised networks err on other images than humans: most model–observer κ clearly below human–human"),
    ("b", "self-supervised networks do too"),
    ("c", "self-supervised networks' errors are clearly closer to supervised networks' than to humans' "
          "(κ with supervised − κ with humans, mean over datasets, interval above 0)"),
)


def image_verdict(
    intervals: pd.DataFrame | None,
    ssl: pd.DataFrame | None = None,
    *,
    majority: float = MAJORITY,
    min_models: int = MIN_MODELS,
) -> dict[str, object]:
    """Claim 3 from :func:`humanlike.results.consistency_intervals` and
    :func:`humanlike.results.ssl_kappa_comparison` (the paper's comparison).

    Parts: (a) supervised networks err on other images than humans: more than ``majority`` of their
    model–observer pairs have a kappa interval entirely below the mean human–human kappa of their dataset; (b)
    the same for self-supervised networks; (c) self-supervised networks' errors are closer to supervised
    networks' than to humans': the ``ssl`` row over all datasets has an interval (two-stage: observers, then
    images) entirely above 0. (b) and (c) need ``min_models`` self-supervised networks. Key number: that
    difference, κ(self-supervised, supervised) − κ(self-supervised, humans), averaged over datasets.
    """
    key = "κ(self-supervised, supervised) − κ(self-supervised, humans) (mean over datasets)"
    overall = None if ssl is None or ssl.empty else ssl[ssl["dataset"] == ALL_DATASETS]
    if overall is not None and len(overall):
        row = overall.iloc[0]
        estimate, low, high = float(row["difference"]), float(row["ci_low"]), float(row["ci_high"])
        ssl_models = tuple(str(row["self_supervised"]).split(", "))
    else:
        estimate = low = high = np.nan
        ssl_models = ()
    if len(ssl_models) >= min_models:
        part_c = Part("c", _IMAGE_PARTS[2][1], low > 0, key_text(CLAIMS[2][1], estimate, low, high), ssl_models)
    elif ssl_models:
        part_c = Part("c", _IMAGE_PARTS[2][1], None, f"{key_text(CLAIMS[2][1], estimate, low, high)}, resting on "
                      f"{', '.join(ssl_models)} alone; needs at least {min_models} self-supervised networks",
                      ssl_models, MORE_MODELS["self-supervised"])  # fmt: skip
    else:
        part_c = Part("c", _IMAGE_PARTS[2][1], None, "needs self-supervised and supervised networks and observers")
    if intervals is None or intervals.empty:
        empty = _empty(2, _IMAGE_PARTS[:2], key, "no error consistencies")
        return _row(2, [*empty["parts"], part_c], ssl_models, key, estimate, low, high)
    human = intervals[intervals["subject"] == HUMANS].groupby("dataset")["error_consistency"].mean()
    models = intervals[(intervals["subject"] != HUMANS) & intervals["dataset"].isin(human.index)]
    cells = pd.DataFrame({"model": models["subject"].astype(str), "training": _training(models, "subject"),
                          "below": models["ci_high"].to_numpy() < models["dataset"].map(human).to_numpy()})  # fmt: skip
    if cells.empty:
        why = "no model–human and human–human pairs together"
        parts = [Part(label, statement, None, why) for label, statement in _IMAGE_PARTS[:2]]
    else:
        options = {"flag": "below", "unit": "model–observer pairs clearly below the human mean",
                   "min_models": min_models, "majority": majority}  # fmt: skip
        parts = [_kind_part(*_IMAGE_PARTS[0], cells, "supervised", **options),
                 _kind_part(*_IMAGE_PARTS[1], cells, "self-supervised", **options)]  # fmt: skip
    return _row(2, [*parts, part_c], set(cells["model"]) | set(ssl_models), key, estimate, low, high,
                dict(zip(cells["model"], cells["training"])))


_TEXTURE_PARTS = (
    ("a", "humans decide by shape, and most supervised networks clearly by texture"),
    ("b", "most self-supervised networks clearly decide by texture too"),
)


def texture_verdict(
    shape: pd.DataFrame | None,
    *,
    balance: float = SHAPE_TEXTURE_BALANCE,
    majority: float = MAJORITY,
    min_models: int = MIN_MODELS,
) -> dict[str, object]:
    """Claim 4 from :func:`humanlike.results.shape_bias_intervals` (rows of the model-vs-human panel: humans, the
    toolbox's models and the reader's own; third-party evaluations and Stylized-ImageNet networks left out).

    Parts: (a) humans decide by shape and supervised networks by texture: the pooled humans' interval lies above
    ``balance`` and more than ``majority`` of the supervised networks have an interval entirely below it; (b)
    more than ``majority`` of the self-supervised networks have an interval entirely below it; each needs
    ``min_models`` networks of its kind. Key number: the highest shape bias of a self-supervised model (of any
    model without one), with its bootstrap interval.
    """
    key = "highest shape bias of a self-supervised model"
    if shape is None or shape.empty:
        return _empty(3, _TEXTURE_PARTS, key, "no cue-conflict data")
    panel = shape[shape["panel"] == PANELS[0]]
    humans = panel[panel["subject"] == HUMANS]
    models = panel[(panel["kind"] == "model") & (panel["training_data"].astype(str) != STYLIZED_IMAGENET)]
    models = models.dropna(subset=["shape_bias"])
    if humans.empty or models.empty:
        return _empty(3, _TEXTURE_PARTS, key, "cue-conflict needs both humans and models")
    human = humans.iloc[0]
    cells = pd.DataFrame({"model": models["subject"].astype(str), "training": _training(models, "subject"),
                          "below": models["ci_high"].to_numpy() < balance})  # fmt: skip
    options = {"flag": "below", "unit": "networks clearly texture-biased", "min_models": min_models,
               "majority": majority}  # fmt: skip
    part_a = _kind_part(*_TEXTURE_PARTS[0], cells, "supervised", **options)
    shape_first = human["ci_low"] > balance
    if part_a.holds is not None:
        evidence = f"humans {human['shape_bias']:.0%}, {'clearly' if shape_first else 'not clearly'} above " \
                   f"{balance:.0%}; {part_a.evidence}"
        part_a = Part("a", part_a.statement, bool(shape_first and part_a.holds), evidence, part_a.models)
    parts = [part_a, _kind_part(*_TEXTURE_PARTS[1], cells, "self-supervised", **options)]
    ssl = models[cells["training"].to_numpy() == "self-supervised"]
    top = (ssl if len(ssl) else models).sort_values("shape_bias").iloc[-1]
    if not len(ssl):
        key = "highest shape bias of a model (no self-supervised model)"
    return _row(3, parts, cells["model"], key, float(top["shape_bias"]), float(top["ci_low"]), float(top["ci_high"]),
                dict(zip(cells["model"], cells["training"])))


def verdicts(
    gap: pd.DataFrame | None = None,
    similarity: pd.DataFrame | None = None,
    intervals: pd.DataFrame | None = None,
    shape: pd.DataFrame | None = None,
    *,
    simclr: pd.DataFrame | None = None,
    ssl: pd.DataFrame | None = None,
    models: Iterable[str] | None = None,
    majority: float = MAJORITY,
    min_models: int = MIN_MODELS,
    balance: float = SHAPE_TEXTURE_BALANCE,
    shifts: Sequence[float] = MAJORITY_SHIFTS,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """One row per claim of the paper, in the order of :data:`CLAIMS`.

    Parameters
    ----------
    gap : DataFrame or None
        :func:`humanlike.results.ood_accuracy_difference`, models against ``humans``.
    similarity : DataFrame or None
        :func:`humanlike.results.confusion_similarity_summary`.
    intervals : DataFrame or None
        :func:`humanlike.results.consistency_intervals`.
    shape : DataFrame or None
        :func:`humanlike.results.shape_bias_intervals`.
    simclr, ssl : DataFrame or None
        :func:`humanlike.results.simclr_differences` and :func:`humanlike.results.ssl_kappa_comparison`: the
        key numbers of claims 1 and 3.
    models : iterable of str, optional
        Judge the claims on these models only; humans always stay. Default: every model in the tables.
    majority : float, default :data:`humanlike.results.MAJORITY`
        "Most" means more than this fraction (of cells, pairs or models).
    min_models : int, default :data:`MIN_MODELS`
        A part about one kind of network (supervised, self-supervised) needs at least this many of that kind.
    balance : float, default :data:`SHAPE_TEXTURE_BALANCE`
        Claim 4: the shape bias dividing shape from texture decisions.
    shifts : sequence of float, default :data:`MAJORITY_SHIFTS`
        Other values of ``majority`` at which each verdict is recomputed; a verdict that changes is fragile.
    n_boot, seed, level
        The bootstrap over datasets behind the key number of claim 2.

    Returns
    -------
    DataFrame
        ``claim, chapter, verdict`` (one of :data:`VERDICTS`), ``parts`` (tuple of :class:`Part`), ``models``
        (text: n supervised / n self-supervised / n others) and those three counts, ``key`` (what the key number
        is), ``estimate, ci_low, ci_high`` (NaN when not available), ``detail`` (the parts as text), ``fragile``
        ("" or where the verdict flips, e.g. "fragile: at majority 0.6 it reads not supported"). A missing table
        makes its claim "not testable with these data".
    """
    if models is not None:
        keep = {HUMANS, *models}
        gap = None if gap is None else gap[gap["subject_a"].isin(keep) & gap["subject_b"].isin(keep)]
        simclr = None if simclr is None else simclr[simclr["subject_a"].isin(keep) & simclr["subject_b"].isin(keep)]
        similarity = None if similarity is None else similarity[similarity["subject"].isin(keep)]
        intervals = None if intervals is None else intervals[intervals["subject"].isin(keep)]
        shape = None if shape is None else shape[shape["subject"].isin(keep) | (shape["kind"] != "model")]

    def judge(most: float) -> list[dict[str, object]]:
        return [
            noise_verdict(gap, simclr, majority=most, min_models=min_models),
            category_verdict(similarity, majority=most, min_models=min_models, n_boot=n_boot, seed=seed, level=level),
            image_verdict(intervals, ssl, majority=most, min_models=min_models),
            texture_verdict(shape, balance=balance, majority=most, min_models=min_models),
        ]

    rows = judge(majority)
    for most in shifts:
        for row, moved in zip(rows, judge(most)):
            if moved["verdict"] != row["verdict"]:
                flip = f"at majority {most:g} it reads {moved['verdict']}"
                row["fragile"] = f"{row['fragile']}; {flip}" if row["fragile"] else f"fragile: {flip}"
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
    """Markdown naming the models that cover only part of a dataset's images, e.g.
    ``**Partial models:** my-model covers 640 of 1280 images of cue-conflict.``, and the models with results on
    only some of the datasets shown (``**Models on some of the 3 datasets shown:** resnet18 on edge only.``);
    "" when every model covers everything shown.

    ``coverage``: :func:`humanlike.data.coverage` of ``trials`` (computed when not given). Names are escaped.
    """
    from ..text import md

    if trials["is_human"].astype(bool).all():
        return ""
    lines = []
    if coverage is None:
        coverage = data.coverage(trials)
    partial = coverage[coverage["partial"].astype(bool)]
    if not partial.empty:
        items = "; ".join(
            md("{model} covers {n:,} of {total:,} images of {dataset}", model=str(r.model), n=int(r.n_images),
               total=int(r.n_dataset_images), dataset=str(r.dataset))
            for r in partial.itertuples()
        )
        lines.append(f"**Partial models:** {items}. Their numbers rest on those images only.")
    fewer: dict[str, list[str]] = {}
    if {"dataset", "subject"} <= set(trials.columns):
        shown = set(trials["dataset"])
        models = trials[~trials["is_human"].astype(bool)].groupby("subject")["dataset"].unique()
        fewer = {str(m): sorted(map(str, d)) for m, d in models.items() if len(shown) > 1 and set(d) < shown}
    if fewer:
        items = "; ".join(md("{model} on {datasets} only", model=m, datasets=", ".join(d)) for m, d in fewer.items())
        lines.append(md("**Models on some of the {n} datasets shown:** ", n=len(set(trials["dataset"]))) + items
                     + ". They enter only the comparisons of those datasets (and the verdicts only there).")
    return "\n\n".join(lines)
