"""What every chapter's results share: the name of the pooled humans, the training type of a decision maker,
the order of datasets and of distortion levels, natural sorting, and the prose helpers for intervals.

Each of these is defined here once; the chapter modules (:mod:`.noise_robustness`, :mod:`.category_errors`,
:mod:`.image_errors`, :mod:`.shape_bias`, :mod:`.benchmark`) and :mod:`humanlike.charts` import them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from .. import data, metrics, uncertainty
from ..registry import HUMANS

__all__ = [
    "HUMANS",
    "ALL_DATASETS",
    "TRAINING_ORDER",
    "MAJORITY",
    "SIMCLR",
    "SUPERVISED",
    "Distortion",
    "DISTORTIONS",
    "training_of",
    "training_types",
    "natural_key",
    "dataset_rank",
    "ordered_datasets",
    "sort_by_dataset",
    "distortion_levels",
    "condition_levels",
    "condition_level",
    "per_level_table",
    "observer_names",
    "model_names",
    "pool_humans",
    "with_pooled_humans",
    "trial_counts",
    "accuracy_with_humans",
    "dataset_coverage",
    "direction",
    "describe",
]

#: The ``dataset`` value of rows that average over datasets (and the ``scope`` of the benchmark's overall rows).
ALL_DATASETS = "all datasets"

#: The training types in legend and sort order (``human`` for observers and ``humans``; ``unknown``: a model
#: without metadata).
TRAINING_ORDER: tuple[str, ...] = ("human", "supervised", "self-supervised", "weakly-supervised", "unknown")


#: "On most datasets" in the chapters' findings means on more than this fraction of the datasets shown (a
#: simple majority), so that the prose's "most" is literally true.
MAJORITY = 0.5

#: The one self-supervised model of the paper in the public data, and its supervised counterpart (same
#: architecture, ResNet-50): the pair behind the chapters' SimCLR findings.
SIMCLR, SUPERVISED = "simclr-resnet50x1", "resnet50"


# ------------------------------------------------------------------------------------------ decision makers
#: The suffix of a third-party evaluation's label, ``"<model> [<owner>]"`` (:func:`humanlike.data.load_third_party`).
THIRD_PARTY_LABEL = re.compile(r" \[[^\]]+\]$")


def training_of(names: Iterable[str]) -> dict[str, str]:
    """The training type of each decision maker, by name (:func:`humanlike.data.model_metadata`).

    ``human`` for ``humans`` and ``subject-NN``; ``unknown`` for a model without metadata or with a training type
    outside :data:`TRAINING_ORDER`.

    >>> training_of(["humans", "resnet50", "my-model", "alexnet [harvard-visionlab]"])
    {'humans': 'human', 'resnet50': 'supervised', 'my-model': 'unknown', 'alexnet [harvard-visionlab]': 'supervised'}
    """
    names = list(dict.fromkeys(str(n) for n in names))
    if not names:
        return {}
    # A third-party evaluation is labelled "<model> [<owner>]": its training type is that of <model>.
    base = {n: THIRD_PARTY_LABEL.sub("", n) for n in names}
    meta = data.model_metadata(list(dict.fromkeys(base.values())))
    kinds = dict(zip(meta["model"], meta["training"].fillna("unknown")))
    return {n: kinds.get(base[n]) if kinds.get(base[n]) in TRAINING_ORDER else "unknown" for n in names}


def training_types(names: Iterable[str]) -> list[str]:
    """:func:`training_of` as a list aligned with ``names`` (for a table column)."""
    names = [str(n) for n in names]
    kinds = training_of(names)
    return [kinds[n] for n in names]


def natural_key(text: str) -> list[tuple[int, float, str]]:
    """Sort key that orders the numbers inside names by value.

    >>> sorted(["regnety-128gf", "regnety-16gf", "c100", "c05", "0.35", "0.0"], key=natural_key)
    ['0.0', '0.35', 'c05', 'c100', 'regnety-16gf', 'regnety-128gf']
    """
    return [(0, float(part), "") if part[0].isdigit() else (1, 0.0, part.lower())
            for part in re.findall(r"\d+(?:\.\d+)?|[^\d]+", str(text))]  # fmt: skip


def observer_names(trials: pd.DataFrame) -> list[str]:
    """The human observers of a trial table, sorted."""
    return sorted(trials.loc[trials["is_human"].astype(bool), "subject"].astype(str).unique())



def model_names(trials: pd.DataFrame) -> list[str]:
    """The models of a trial table, sorted."""
    return sorted(trials.loc[~trials["is_human"].astype(bool), "subject"].astype(str).unique())


def pool_humans(trials: pd.DataFrame) -> pd.DataFrame:
    """The trial table with every human observer renamed :data:`HUMANS` (all human trials pooled into one
    decision maker); model trials unchanged. For counts such as confusion matrices, not for image matching."""
    pooled = trials.copy()
    pooled["subject"] = pooled["subject"].astype(str).where(~pooled["is_human"].astype(bool), HUMANS)
    return pooled


def with_pooled_humans(trials: pd.DataFrame) -> pd.DataFrame:
    """The trials plus a copy of the human ones under the name :data:`HUMANS` (all observers pooled)."""
    humans = trials[trials["is_human"].astype(bool)]
    return pd.concat([trials, humans.assign(subject=HUMANS)], ignore_index=True)


def trial_counts(trials: pd.DataFrame) -> pd.DataFrame:
    """The trials behind a build, per dataset: how many human observers and models answered, and how many trials
    each group contributed; a last row :data:`ALL_DATASETS` sums over all. Its human count is of observer
    sessions, (dataset, observer) pairs: the data release numbers its observers afresh in every dataset's files
    (``subject-01`` of edge is not ``subject-01`` of sketch), so distinct names would undercount them (10 names,
    90 sessions in the published data). Its model count is of distinct models.

    Returns
    -------
    DataFrame
        Index ``dataset`` (paper's order, then :data:`ALL_DATASETS`), integer columns ``humans: observers,
        models: observers, humans: trials, models: trials``.
    """
    columns = ["humans: observers", "models: observers", "humans: trials", "models: trials"]
    human = trials["is_human"].astype(bool)

    def counts(rows: pd.DataFrame, is_human: pd.Series) -> list[int]:
        return [rows.loc[is_human, "subject"].nunique(), rows.loc[~is_human, "subject"].nunique(),
                int(is_human.sum()), int((~is_human).sum())]  # fmt: skip

    datasets = ordered_datasets(trials["dataset"])
    rows = [counts(trials[trials["dataset"] == d], human[trials["dataset"] == d]) for d in datasets]
    overall = counts(trials, human)
    overall[0] = int(trials.loc[human, ["dataset", "subject"]].drop_duplicates().shape[0])
    rows.append(overall)
    return pd.DataFrame(rows, columns=columns, index=pd.Index([*datasets, ALL_DATASETS], name="dataset"))


def accuracy_with_humans(trials: pd.DataFrame, n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """Accuracy per dataset of every decision maker and of all observers pooled (:data:`HUMANS`), with 95%
    intervals: each observer and model from :func:`humanlike.uncertainty.bootstrap_accuracy` (images resampled);
    the pooled humans (all their trials of the dataset) from :func:`humanlike.uncertainty.two_stage_mean`, observers
    resampled and then images, since their number carries the spread between observers too.
    Columns: ``dataset, subject, accuracy, ci_low, ci_high``, humans first within each dataset.
    """
    columns = ["dataset", "subject", "accuracy", "ci_low", "ci_high"]
    single = uncertainty.bootstrap_accuracy(trials, per="dataset", n_boot=n_boot, seed=seed, level=level)[columns]
    pooled = []
    for dataset, rows in trials[trials["is_human"].astype(bool)].groupby("dataset", sort=False):
        matrix = metrics.correctness_matrix(rows)
        estimate, low, high = uncertainty.two_stage_mean(matrix.correct, matrix.seen, n_boot=n_boot, seed=seed,
                                                     level=level)  # fmt: skip
        pooled.append([dataset, HUMANS, estimate, low, high])
    out = pd.concat([pd.DataFrame(pooled, columns=columns), single], ignore_index=True)
    return sort_by_dataset(out.assign(_human=out["subject"] != HUMANS), "_human").drop(columns="_human")


# ------------------------------------------------------------------------------------------ dataset order
def dataset_rank(datasets: Iterable[str]) -> list[int]:
    """Position of each dataset in the paper's order (:data:`humanlike.data.DATASETS`), :data:`ALL_DATASETS`
    first (-1), unknown names last."""
    order = {ALL_DATASETS: -1, **{d: i for i, d in enumerate(data.DATASETS)}}
    return [order.get(str(d), len(order)) for d in datasets]


def ordered_datasets(present: Iterable[str]) -> list[str]:
    """The datasets in ``present`` in the paper's order; names the package does not know follow, sorted.

    >>> ordered_datasets(["sketch", "contrast", "cue-conflict"])
    ['cue-conflict', 'sketch', 'contrast']
    """
    present = set(map(str, present))
    return [d for d in data.DATASETS if d in present] + sorted(present - set(data.DATASETS))


def sort_by_dataset(frame: pd.DataFrame, *keys: str, column: str = "dataset") -> pd.DataFrame:
    """Sort by ``column`` in the paper's order (:func:`dataset_rank`), then by ``keys`` (stable)."""
    return (
        frame.assign(_order=dataset_rank(frame[column]))
        .sort_values(["_order", *keys], kind="stable", ignore_index=True)
        .drop(columns="_order")
    )


# ------------------------------------------------------------------------------------------ distortion levels

@dataclass(frozen=True)
class Distortion:
    """How the conditions of one parametric dataset are ordered, from the undistorted reference to the strongest
    distortion. The ``strength`` of a condition is its position in ``conditions`` (0 = reference).

    parameter:  what the level measures (an axis title).
    conditions: the raw condition values of the trial table, weakest first.
    levels:     the numeric value of each condition in units of ``parameter`` (the two-valued datasets colour,
                false-colour and power-equalisation: 0 for the reference, 1 for the distorted images).
    labels:     short tick labels.
    """

    parameter: str
    conditions: tuple[str, ...]
    levels: tuple[float, ...]
    labels: tuple[str, ...]


def _numeric(parameter: str, conditions: Sequence[str], labels: Sequence[str] | None = None) -> Distortion:
    return Distortion(parameter, tuple(conditions), tuple(float(c) for c in conditions), tuple(labels or conditions))


def _eidolon(coherence: str, suffix: str) -> Distortion:
    reach = (1, 2, 4, 8, 16, 32, 64, 128)
    return Distortion(
        f"eidolon reach, coherence {coherence}",
        tuple(f"{r}-{suffix}" for r in reach),
        tuple(float(r) for r in reach),
        tuple(str(r) for r in reach),
    )


#: The order of the conditions of the 12 parametric datasets by distortion strength, as in the plots of
#: Geirhos et al. (2018, 2021) and the model-vs-human toolbox. Mind the directions: *lower* contrast and a *smaller*
#: high-pass filter width are stronger distortions (high-pass "inf" is the unfiltered image); eidolon conditions
#: "R-C-10" have reach R (the strength) and coherence C/10; rotation is ordered by angle (no angle is "stronger").
DISTORTIONS: dict[str, Distortion] = {
    "colour": Distortion("colour", ("cr", "bw"), (0.0, 1.0), ("colour", "greyscale")),
    "contrast": Distortion(
        "contrast (%)",
        ("c100", "c50", "c30", "c15", "c10", "c05", "c03", "c01"),
        (100.0, 50.0, 30.0, 15.0, 10.0, 5.0, 3.0, 1.0),
        ("100", "50", "30", "15", "10", "5", "3", "1"),
    ),
    "high-pass": _numeric(
        "high-pass filter std (px)",
        ("inf", "3", "1.5", "1", "0.7", "0.55", "0.45", "0.4"),
        ("none", "3", "1.5", "1", "0.7", "0.55", "0.45", "0.4"),
    ),
    "low-pass": _numeric("low-pass filter std (px)", ("0", "1", "3", "5", "7", "10", "15", "40")),
    "phase-scrambling": _numeric("phase noise width (degrees)", ("0", "30", "60", "90", "120", "150", "180")),
    "power-equalisation": Distortion("power spectrum", ("0", "pow"), (0.0, 1.0), ("original", "equalised")),
    "false-colour": Distortion("colour", ("true", "false"), (0.0, 1.0), ("true", "opponent")),
    "rotation": _numeric("rotation angle (degrees)", ("0", "90", "180", "270")),
    "eidolonI": _eidolon("1.0", "10-10"),
    "eidolonII": _eidolon("0.3", "3-10"),
    "eidolonIII": _eidolon("0.0", "0-10"),
    "uniform-noise": _numeric("uniform noise width", ("0.00", "0.03", "0.05", "0.10", "0.20", "0.35", "0.60", "0.90")),
}



def condition_spelling(condition: str) -> str:
    """One key for spellings of a condition that mean the same ("0", "0.0", "0.00"; "True", "true")."""
    text = str(condition).strip().lower()
    try:
        return repr(float(text))
    except ValueError:
        return text


def distortion_levels(dataset: str, conditions: Iterable[str] | None = None) -> pd.DataFrame:
    """:data:`DISTORTIONS` as a table, one row per condition: ``dataset, condition, parameter, strength,
    distortion, label`` (``distortion``: the numeric level), sorted by strength.

    ``conditions``: the raw values to map (default: the dataset's published conditions); numerically equal
    spellings match ("0.0" for "0.00", "3.0" for "3"). Raises ``ValueError`` for a value that is none of the
    dataset's conditions and ``KeyError`` for a dataset without conditions (the five nonparametric ones).
    """
    distortion = DISTORTIONS[dataset]
    position = {condition_spelling(c): i for i, c in enumerate(distortion.conditions)}
    conditions = list(distortion.conditions if conditions is None else dict.fromkeys(map(str, conditions)))
    unknown = [c for c in conditions if condition_spelling(c) not in position]
    if unknown:
        raise ValueError(f"{dataset}: unknown condition(s) {unknown}; known: {list(distortion.conditions)}")
    strength = [position[condition_spelling(c)] for c in conditions]
    frame = pd.DataFrame(
        {
            "dataset": dataset,
            "condition": conditions,
            "parameter": distortion.parameter,
            "strength": strength,
            "distortion": [distortion.levels[i] for i in strength],
            "label": [distortion.labels[i] for i in strength],
        }
    )
    return frame.sort_values("strength", ignore_index=True)


def condition_levels(frame: pd.DataFrame) -> pd.DataFrame:
    """Ordered distortion level of each row's ``(dataset, condition)``, from chapter 1's :data:`DISTORTIONS`
    (:func:`distortion_levels`): ``level`` 0 for the undistorted condition, then 1, 2, ... by strength; ``label``
    its short tick label and ``parameter`` what the level measures. Conditions that table does not know follow
    the known ones in natural order (labelled as they are); a nonparametric dataset's condition gets level 0.
    Returns a frame with columns ``level, label, parameter``, aligned with ``frame``."""
    pairs = frame[["dataset", "condition"]].astype(str).drop_duplicates()
    table: dict[tuple[str, str], tuple[int, str, str]] = {}
    for dataset, group in pairs.groupby("dataset", sort=False):
        conditions = list(group["condition"])
        known: list[str] = []
        if dataset in DISTORTIONS:
            parameter = DISTORTIONS[dataset].parameter
            for condition in conditions:
                try:
                    row = distortion_levels(dataset, [condition]).iloc[0]
                except ValueError:
                    continue
                known.append(condition)
                table[(dataset, condition)] = (int(row["strength"]), str(row["label"]), parameter)
            offset = len(DISTORTIONS[dataset].conditions)
        else:
            parameter, offset = "condition", 0
        other = sorted((c for c in conditions if c not in known), key=natural_key)
        table.update({(dataset, c): (offset + i, c, parameter) for i, c in enumerate(other)})
    keys = list(zip(frame["dataset"].astype(str), frame["condition"].astype(str)))
    return pd.DataFrame([table[k] for k in keys], columns=["level", "label", "parameter"], index=frame.index)


def condition_level(frame: pd.DataFrame) -> pd.Series:
    """The ``level`` column of :func:`condition_levels` (int Series named ``level``, aligned with ``frame``)."""
    return condition_levels(frame)["level"].astype(int).rename("level")


def per_level_table(table: pd.DataFrame, value: str) -> pd.DataFrame:
    """Chapter 1's and 2's per-condition tables of the parametric datasets in one shape: ``table`` (columns
    ``dataset, subject, condition, <value>, ci_low, ci_high, interval, n_observers``) with each condition's
    distortion level (:func:`distortion_levels`) and each subject's training type, sorted by dataset (paper's
    order), ``humans`` first, then subject and strength. Columns: ``dataset, subject, training, condition,
    parameter, strength, distortion, label, <value>, ci_low, ci_high, interval, n_observers``."""
    by_dataset = table.groupby("dataset")["condition"].unique().items()
    levels = pd.concat([distortion_levels(d, c) for d, c in by_dataset])
    out = table.merge(levels, on=["dataset", "condition"], how="left", validate="many_to_one")
    out["training"] = training_types(out["subject"])
    out["_human"] = out["subject"] != HUMANS
    out = sort_by_dataset(out, "_human", "subject", "strength")
    return out[
        ["dataset", "subject", "training", "condition", "parameter", "strength", "distortion", "label", value,
         "ci_low", "ci_high", "interval", "n_observers"]
    ]  # fmt: skip


def dataset_coverage(n_datasets: pd.Series, groups: pd.Series | None = None) -> pd.DataFrame:
    """How many datasets each value averaged over datasets rests on, against the most in its group (``groups``:
    e.g. the benchmark's scope or a chart's dropdown value; None: one group). A value resting on fewer is not
    comparable with the others: the book marks it and never ranks it (issue 16).

    Columns, on the index of ``n_datasets``: ``most`` (of its group), ``fewer`` (bool) and ``datasets`` ("1 of 3").

    >>> dataset_coverage(pd.Series([3, 1, 1]), pd.Series(["all datasets", "all datasets", "edge"]))
       most  fewer datasets
    0     3  False   3 of 3
    1     3   True   1 of 3
    2     1  False   1 of 1
    """
    counts = pd.to_numeric(n_datasets).astype(int)
    most = counts.groupby(groups).transform("max") if groups is not None else pd.Series(counts.max(), counts.index)
    return pd.DataFrame(
        {"most": most, "fewer": counts < most, "datasets": counts.astype(str) + " of " + most.astype(str)},
        index=counts.index,
    )


# ------------------------------------------------------------------------------------------ prose helpers
def direction(low: float, high: float) -> int:
    """Whether an interval lies clearly above zero (1), clearly below (-1), or includes it (0).

    >>> direction(-0.3, -0.1), direction(-0.1, 0.2), direction(0.05, 0.4)
    (-1, 0, 1)
    """
    return 1 if low > 0 else -1 if high < 0 else 0


def describe(estimate: float, low: float, high: float, *, difference: bool = False, level: float = 0.95) -> str:
    """A proportion with its interval as text for the chapters' prose, or a difference in percentage points.

    >>> describe(0.6, 0.57, 0.62)
    '60% (95% CI 57% to 62%)'
    >>> describe(0.15, 0.12, 0.18, difference=True)
    '+15 points (95% CI +12 to +18)'
    """
    if difference:
        text = f"{100 * estimate:+.0f} points ({level:.0%} CI {100 * low:+.0f} to {100 * high:+.0f})"
    else:
        text = f"{100 * estimate:.0f}% ({level:.0%} CI {100 * low:.0f}% to {100 * high:.0f}%)"
    return text.replace("-", "\N{MINUS SIGN}")
