"""Tidy results for the chapters: metrics (``humanlike.metrics``) combined into the long tables that the
charts draw and that users save as CSV. No new metric logic lives here; every function composes metrics.

Sections, one per chapter. Each returns a tidy pandas DataFrame (one row per observation).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from . import benchmark, data, metrics

#: The name of the human row of every table here (all observers of a dataset, averaged or pooled).
HUMANS = "humans"


# ===================================================================== chapter 1: noise robustness

#: The ``dataset`` value of the rows of :func:`ood_accuracy` that average over datasets.
ALL_DATASETS = "all datasets"


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


def _condition_key(condition: str) -> str:
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
    position = {_condition_key(c): i for i, c in enumerate(distortion.conditions)}
    conditions = list(distortion.conditions if conditions is None else dict.fromkeys(map(str, conditions)))
    unknown = [c for c in conditions if _condition_key(c) not in position]
    if unknown:
        raise ValueError(f"{dataset}: unknown condition(s) {unknown}; known: {list(distortion.conditions)}")
    strength = [position[_condition_key(c)] for c in conditions]
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


def training_types(names: Iterable[str]) -> list[str]:
    """The training type of each decision maker (:func:`humanlike.data.model_metadata`; ``unknown`` if none)."""
    names = [str(n) for n in names]
    if not names:
        return []
    unique = list(dict.fromkeys(names))
    table = data.model_metadata(unique)
    kinds = dict(zip(table["model"], table["training"].fillna("unknown")))
    return [kinds.get(n, "unknown") for n in names]


def _dataset_order(frame: pd.DataFrame, *keys: str) -> pd.DataFrame:
    """Sort by dataset in the paper's order (:data:`humanlike.data.DATASETS`, :data:`ALL_DATASETS` first), then keys."""
    order = {ALL_DATASETS: -1, **{d: i for i, d in enumerate(data.DATASETS)}}
    rank = frame["dataset"].map(order).fillna(len(order))
    return frame.assign(_order=rank).sort_values(["_order", *keys], kind="stable", ignore_index=True).drop(
        columns="_order"
    )


def _observer_names(trials: pd.DataFrame) -> set[str]:
    return set(trials.loc[trials["is_human"].astype(bool), "subject"].astype(str))


def accuracy_by_level(trials: pd.DataFrame, n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """Accuracy per decision maker and condition of the parametric datasets, ordered by distortion strength.

    Models: :func:`humanlike.metrics.bootstrap_accuracy` per condition, with its percentile interval over images.
    Humans: one row ``humans`` per condition, the mean accuracy over the dataset's observers, with the range over
    observers (min, max) as the interval. Trials of the nonparametric datasets are ignored.
    Columns: ``dataset, subject, training, condition, parameter, strength, distortion, label, accuracy, ci_low,
    ci_high, interval, n_observers``; ``interval`` says what ``ci_low``/``ci_high`` are.
    """
    trials = trials[trials["dataset"].isin(list(DISTORTIONS))]
    if trials.empty:
        raise ValueError("no trials of a parametric dataset")
    acc = metrics.bootstrap_accuracy(trials, per="condition", n_boot=n_boot, seed=seed, level=level)
    acc = acc.drop(columns=["n_boot", "level"])
    is_human = acc["subject"].isin(_observer_names(trials))
    models = acc[~is_human].assign(interval=f"{level:.0%} bootstrap interval", n_observers=np.nan)
    grouped = acc[is_human].groupby(["dataset", "condition"], sort=False)["accuracy"]
    humans = grouped.agg(accuracy="mean", ci_low="min", ci_high="max", n_observers="size").reset_index()
    humans = humans.assign(subject=HUMANS, interval="range over observers")
    out = pd.concat([humans, models], ignore_index=True)
    levels = pd.concat([distortion_levels(d, c) for d, c in out.groupby("dataset")["condition"].unique().items()])
    out = out.merge(levels, on=["dataset", "condition"], how="left", validate="many_to_one")
    out["training"] = training_types(out["subject"])
    out["_human"] = out["subject"] != HUMANS
    out = _dataset_order(out, "_human", "subject", "strength")
    return out[
        ["dataset", "subject", "training", "condition", "parameter", "strength", "distortion", "label", "accuracy",
         "ci_low", "ci_high", "interval", "n_observers"]
    ]  # fmt: skip


@dataclass(frozen=True)
class OODReplicates:
    """OOD accuracy of every decision maker per dataset, with bootstrap replicates (see :func:`ood_replicates`)."""

    datasets: list[str]  # (D,) in the paper's order
    subjects: np.ndarray  # (S,) decision makers; HUMANS (the mean over observers) last when humans are present
    is_human: np.ndarray  # (S,) single observers (HUMANS itself is False)
    estimate: np.ndarray  # (D, S) NaN where a decision maker has no trials in a dataset
    samples: np.ndarray  # (D, B, S) bootstrap replicates of ``estimate``
    n_conditions: np.ndarray  # (D, S) conditions that enter the mean


def ood_replicates(trials: pd.DataFrame, n_boot: int = 1000, seed: int = 0) -> OODReplicates:
    """OOD accuracy as the benchmark defines it (:mod:`humanlike.benchmark`), with bootstrap replicates.

    Per dataset: the conditions in :data:`humanlike.benchmark.EXCLUDED_CONDITIONS` are left out; accuracy per
    remaining condition, then the unweighted mean over those conditions; ``humans``: the mean over the dataset's
    observers. Replicates: images resampled with replacement within dataset x condition, all decision makers
    sharing each resample (:func:`humanlike.metrics.bootstrap_weights`), and the same means taken per replicate.
    Differences between decision makers computed per replicate are therefore paired.
    """
    matrix = metrics.correctness_matrix(benchmark.ood_trials(trials))
    if not matrix.blocks:
        raise ValueError("no trials left after the benchmark's exclusions")
    weights = metrics.bootstrap_block_weights(matrix.blocks, n_boot, seed)
    human = np.asarray(matrix.is_human, dtype=bool)
    blocks = matrix.dataset_blocks()
    datasets = [d for d in data.DATASETS if d in blocks] + sorted(set(blocks) - set(data.DATASETS))
    index = {(d, c): i for i, (d, c, _) in enumerate(matrix.blocks)}
    estimates, samples, counts = [], [], []
    for dataset in datasets:
        point, reps, seen_any = [], [], []
        for condition, columns in blocks[dataset]:
            correct, seen = matrix.correct[:, columns], matrix.seen[:, columns]
            w = weights[index[(dataset, condition)]]
            point.append(metrics.divide(correct.sum(axis=1), seen.sum(axis=1)))  # (S,)
            reps.append(metrics.divide(w @ correct.T, w @ seen.T))  # (B, S)
            seen_any.append(seen.sum(axis=1) > 0)
        point, reps = metrics.nanmean(np.stack(point), 0), metrics.nanmean(np.stack(reps), 0)
        count = np.stack(seen_any).sum(axis=0)
        if human.any():
            point = np.append(point, metrics.nanmean(np.where(human, point, np.nan), 0))
            reps = np.column_stack([reps, metrics.nanmean(np.where(human[None, :], reps, np.nan), 1)])
            count = np.append(count, np.stack(seen_any)[:, human].any(axis=1).sum())
        estimates.append(point)
        samples.append(reps)
        counts.append(count)
    subjects = np.asarray(matrix.subjects, dtype=object)
    is_human = human
    if human.any():
        subjects, is_human = np.append(subjects, HUMANS), np.append(human, False)
    return OODReplicates(datasets, subjects, is_human, np.stack(estimates), np.stack(samples), np.stack(counts))


def _with_all_datasets(reps: OODReplicates) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Datasets, estimates and replicates with the mean over datasets (:data:`ALL_DATASETS`) prepended."""
    estimate = np.concatenate([metrics.nanmean(reps.estimate, 0)[None], reps.estimate])
    samples = np.concatenate([metrics.nanmean(reps.samples, 0)[None], reps.samples])
    return [ALL_DATASETS, *reps.datasets], estimate, samples


def ood_accuracy(trials: pd.DataFrame, n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """OOD accuracy (benchmark definition, see :func:`ood_replicates`) of each model and of ``humans`` (the mean
    over observers), per dataset and averaged over datasets (``dataset == "all datasets"``; a decision maker is
    averaged over the datasets it has), with a percentile bootstrap interval over images.

    Equals the ``ood_accuracy`` of :func:`humanlike.benchmark.benchmark_per_dataset` and, on all 17 datasets, of
    :func:`humanlike.benchmark.benchmark_table`. Single observers are left out.
    Columns: ``dataset, subject, training, ood_accuracy, ci_low, ci_high, n_conditions, n_datasets, n_boot, level``.
    """
    reps = ood_replicates(trials, n_boot, seed)
    names, estimate, samples = _with_all_datasets(reps)
    keep = ~reps.is_human
    frames = []
    for i, dataset in enumerate(names):
        low, high = metrics.percentile_interval(samples[i], level)
        if i == 0:
            conditions, n_datasets = reps.n_conditions.sum(axis=0), np.isfinite(reps.estimate).sum(axis=0)
        else:
            conditions, n_datasets = reps.n_conditions[i - 1], np.isfinite(reps.estimate[i - 1]).astype(int)
        frame = pd.DataFrame(
            {
                "dataset": dataset,
                "subject": reps.subjects,
                "ood_accuracy": estimate[i],
                "ci_low": low,
                "ci_high": high,
                "n_conditions": conditions,
                "n_datasets": n_datasets,
            }
        )
        frames.append(frame[keep & np.isfinite(estimate[i])])
    out = pd.concat(frames, ignore_index=True)
    out.insert(2, "training", training_types(out["subject"]))
    out["n_boot"], out["level"] = n_boot, level
    return out


def ood_accuracy_difference(
    trials: pd.DataFrame,
    pairs: Sequence[tuple[str, str]] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Difference of OOD accuracy, ``subject_a`` minus ``subject_b``, per dataset and over all datasets, with a
    paired percentile bootstrap interval (both from the same resampled images, see :func:`ood_replicates`).

    ``pairs``: (a, b) names, ``humans`` allowed; default: every model against ``humans``. Pairs where either has
    no trials in a dataset get no row there. Columns: ``dataset, subject_a, subject_b, training_a, difference,
    ci_low, ci_high, n_boot, level``.
    """
    reps = ood_replicates(trials, n_boot, seed)
    position = {str(s): i for i, s in enumerate(reps.subjects)}
    if pairs is None:
        pairs = [(str(s), HUMANS) for s, h in zip(reps.subjects, reps.is_human) if not h and s != HUMANS]
    missing = sorted({n for pair in pairs for n in pair if n not in position})
    if missing:
        raise KeyError(f"not in the trial table: {', '.join(missing)}")
    names, estimate, samples = _with_all_datasets(reps)
    a = np.array([position[p[0]] for p in pairs], dtype=int)
    b = np.array([position[p[1]] for p in pairs], dtype=int)
    frames = []
    for i, dataset in enumerate(names):
        difference = estimate[i, a] - estimate[i, b]
        low, high = metrics.percentile_interval(samples[i][:, a] - samples[i][:, b], level)
        frame = pd.DataFrame(
            {
                "dataset": dataset,
                "subject_a": [p[0] for p in pairs],
                "subject_b": [p[1] for p in pairs],
                "difference": difference,
                "ci_low": low,
                "ci_high": high,
            }
        )
        frames.append(frame[np.isfinite(difference)])
    out = pd.concat(frames, ignore_index=True)
    out.insert(3, "training_a", training_types(out["subject_a"]))
    out["n_boot"], out["level"] = n_boot, level
    return out


def robustness_tally(gap: pd.DataFrame, models: Sequence[str]) -> pd.DataFrame:
    """Per model: on how many datasets its OOD accuracy is clearly below / clearly above the human mean.

    gap: :func:`ood_accuracy_difference` against ``humans``; "clearly" = the paired interval excludes zero.
    Columns ``subject, below, above, n_datasets, training``, in the order of ``models``.
    """
    rows = gap[(gap["dataset"] != ALL_DATASETS) & (gap["subject_b"] == HUMANS)]
    side = np.sign(rows["ci_low"].clip(lower=0) + rows["ci_high"].clip(upper=0))  # +1 above, -1 below, 0 unclear
    tally = (
        rows.assign(below=side < 0, above=side > 0)
        .groupby("subject_a")
        .agg(below=("below", "sum"), above=("above", "sum"), n_datasets=("dataset", "nunique"))
    )
    tally = tally.reindex([m for m in models if m in tally.index]).rename_axis("subject").reset_index()
    tally["training"] = training_types(tally["subject"])
    return tally


def direction(low: float, high: float) -> int:
    """Whether an interval lies clearly above zero (1), clearly below (-1), or includes it (0)."""
    return 1 if low > 0 else -1 if high < 0 else 0


def describe(estimate: float, low: float, high: float, *, difference: bool = False, level: float = 0.95) -> str:
    """A proportion with its interval as text for the chapters' prose: ``"60% (95% CI 57% to 62%)"``, or as a
    difference in percentage points: ``"+15 points (95% CI +12 to +18)"``."""
    if difference:
        text = f"{100 * estimate:+.0f} points ({level:.0%} CI {100 * low:+.0f} to {100 * high:+.0f})"
    else:
        text = f"{100 * estimate:.0f}% ({level:.0%} CI {100 * low:.0f}% to {100 * high:.0f}%)"
    return text.replace("-", "\N{MINUS SIGN}")


# ===================================================================== chapter 2: category-level errors
# (uses the imports, HUMANS, training_types and _dataset_order of the chapter 1 section)

#: How a decision maker's confusion similarity is summarised in :func:`confusion_similarity_summary`.
TO_HUMANS = "to human observers"
TO_MODELS = "to other models"


def pool_humans(trials: pd.DataFrame) -> pd.DataFrame:
    """The trial table with every human observer renamed :data:`HUMANS` (all human trials pooled into one
    decision maker); model trials unchanged. For counts such as confusion matrices, not for image matching."""
    pooled = trials.copy()
    pooled["subject"] = pooled["subject"].astype(str).where(~pooled["is_human"].astype(bool), HUMANS)
    return pooled


def confusion_matrices(trials: pd.DataFrame) -> pd.DataFrame:
    """Confusion matrix (:func:`humanlike.metrics.confusion_matrix`) per dataset and decision maker, all
    conditions of a dataset pooled; ``humans``: the trials of all observers pooled.

    Columns: ``dataset, subject, training, category, response, n, proportion`` (the full 17 x 16 grid per
    dataset and decision maker; ``proportion`` sums to 1 over the responses of a presented category).
    """
    out = metrics.confusion_matrix(pool_humans(trials), by=["dataset", "subject"])
    out.insert(2, "training", training_types(out["subject"]))
    out["_human"] = out["subject"] != HUMANS
    return _dataset_order(out, "_human", "subject").drop(columns="_human")


def confusion_similarity_matrix(trials: pd.DataFrame) -> pd.DataFrame:
    """:func:`humanlike.metrics.confusion_similarity_pairs` per dataset between the models and ``humans`` (all
    observers pooled), both orders of every pair. Columns: ``dataset, subject_a, subject_b, confusion_similarity``."""
    models = trials[~trials["is_human"].astype(bool)]
    pooled = pool_humans(trials[trials["is_human"].astype(bool)])
    pairs = metrics.confusion_similarity_pairs(pd.concat([pooled, models], ignore_index=True), by="dataset")
    return _dataset_order(pairs)


def _confusion_replicates(trials: pd.DataFrame, subjects: np.ndarray, n_boot: int, rng: np.random.Generator):
    """Confusion proportions (S, 17, 16) and their bootstrap replicates (B, S, 17, 16) for one dataset.

    Images are resampled with replacement within each condition (multiplicities from
    :func:`humanlike.metrics.bootstrap_weights`), all decision makers sharing each resample; a trial counts as
    often as its image was drawn.
    """
    n_r, n_c = len(metrics.RESPONSES), len(data.CATEGORIES)
    key = trials["condition"].astype(str) + "\t" + trials["image_id"].astype(str)
    key_codes, keys = pd.factorize(key, sort=True)
    conditions = pd.Series(keys).str.split("\t").str[0].to_numpy()
    weights = np.zeros((n_boot, len(keys)))
    for condition in pd.unique(conditions):  # keys are sorted, so each condition is a contiguous run
        run = np.flatnonzero(conditions == condition)
        weights[:, run[0] : run[-1] + 1] = metrics.bootstrap_weights(rng, len(run), n_boot)
    subject = pd.Categorical(trials["subject"].astype(str), categories=list(subjects)).codes.astype(np.int64)
    response = pd.Categorical(trials["response"].astype(str), categories=metrics.RESPONSES).codes.astype(np.int64)
    category = pd.Categorical(trials["category"].astype(str), categories=data.CATEGORIES).codes.astype(np.int64)
    cell = (subject * n_r + response) * n_c + category
    order = np.argsort(cell, kind="stable")
    cells, starts = np.unique(cell[order], return_index=True)
    size = len(subjects) * n_r * n_c
    counts = np.zeros(size)
    counts[cells] = np.diff(np.append(starts, len(order)))
    replicate_counts = np.zeros((n_boot, size))
    if len(order):
        replicate_counts[:, cells] = np.add.reduceat(weights[:, key_codes[order]], starts, axis=1)
    counts = counts.reshape(len(subjects), n_r, n_c)
    replicate_counts = replicate_counts.reshape(n_boot, len(subjects), n_r, n_c)
    proportion = metrics.divide(counts, counts.sum(axis=-2, keepdims=True))
    replicates = metrics.divide(replicate_counts, replicate_counts.sum(axis=-2, keepdims=True))
    return proportion, replicates


def _similarities(proportions: np.ndarray, chunk_bytes: int = 64 * 2**20) -> np.ndarray:
    """:func:`humanlike.metrics.confusion_similarity` of all pairs: (..., S, 17, 16) -> (..., S, S), in chunks
    over the leading axis so that the broadcast pairs stay below ``chunk_bytes``."""
    if proportions.ndim == 3:
        return metrics.confusion_similarity(proportions[:, None], proportions[None, :])
    s = proportions.shape[1]
    step = max(1, chunk_bytes // (8 * s * s * proportions.shape[-2] * proportions.shape[-1]))
    return np.concatenate(
        [
            metrics.confusion_similarity(chunk[:, :, None], chunk[:, None, :])
            for chunk in (proportions[i : i + step] for i in range(0, len(proportions), step))
        ]
    )


def confusion_similarity_summary(
    trials: pd.DataFrame, n_boot: int = 1000, seed: int = 0, level: float = 0.95
) -> pd.DataFrame:
    """How human-like each model's confusions are, per dataset, against the human-to-human ceiling.

    With r(a, b) = :func:`humanlike.metrics.confusion_similarity` of two decision makers' confusion matrices (all
    conditions of the dataset pooled; each human observer separately):

    * a model, ``comparison == "to human observers"``: the mean of r(model, observer) over the dataset's observers;
      ``min``/``max``: the least and most similar observer;
    * ``humans``, ``"to human observers"``: the ceiling, the mean of r over all pairs of distinct observers
      (:func:`humanlike.metrics.human_ceiling`), ``min``/``max`` over those pairs;
    * a model, ``"to other models"``: the mean of r(model, other model) over the other models shown.

    ``ci_low``/``ci_high``: a normal bootstrap interval of the mean, similarity +- z * (standard deviation of the
    mean over ``n_boot`` bootstrap replicates; images resampled within each condition, shared by all decision
    makers). Not the percentile interval: a resample repeats images, which adds sampling noise to every
    confusion matrix and changes all correlations systematically (the human-to-human ceiling drops by 0.05 to
    0.1 on the published data), so percentile intervals can miss the estimate itself; the bootstrap spread is
    close to a grouped jackknife's standard error. Columns: ``dataset, subject, training, comparison,
    similarity, min, max, ci_low, ci_high, n_pairs, n_boot, level``.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), not {level}")
    z = NormalDist().inv_cdf(0.5 + level / 2)
    rng = np.random.default_rng(seed)
    humans = _observer_names(trials)
    rows = []
    present = set(trials["dataset"])
    for dataset in [d for d in data.DATASETS if d in present]:
        sub = trials[trials["dataset"] == dataset]
        subjects = np.array(sorted(set(sub["subject"].astype(str))), dtype=object)
        proportion, replicates = _confusion_replicates(sub, subjects, n_boot, rng)
        point, samples = _similarities(proportion), _similarities(replicates)  # (S, S), (B, S, S)
        human = np.array([s in humans for s in subjects])
        model_rows = np.flatnonzero(~human)

        def add(subject: str, comparison: str, values: np.ndarray, replicate_values: np.ndarray) -> None:
            finite = values[np.isfinite(values)]
            estimate = float(finite.mean()) if len(finite) else np.nan
            replicates = metrics.nanmean(replicate_values, 1)
            replicates = replicates[np.isfinite(replicates)]
            spread = float(np.std(replicates, ddof=1)) if len(replicates) > 1 else np.nan
            rows.append(
                {
                    "dataset": dataset,
                    "subject": subject,
                    "comparison": comparison,
                    "similarity": estimate,
                    "min": finite.min() if len(finite) else np.nan,
                    "max": finite.max() if len(finite) else np.nan,
                    "ci_low": estimate - z * spread,
                    "ci_high": estimate + z * spread,
                    "n_pairs": len(finite),
                }
            )

        h = np.flatnonzero(human)
        if len(h) > 1:
            upper = np.triu_indices(len(h), k=1)
            add(HUMANS, TO_HUMANS, point[np.ix_(h, h)][upper], samples[:, h][:, :, h][:, upper[0], upper[1]])
        for m in model_rows:
            if len(h):
                add(subjects[m], TO_HUMANS, point[m, h], samples[:, m, h])
            others = model_rows[model_rows != m]
            if len(others):
                add(subjects[m], TO_MODELS, point[m, others], samples[:, m, others])
    columns = ["dataset", "subject", "comparison", "similarity", "min", "max", "ci_low", "ci_high", "n_pairs"]
    out = pd.DataFrame(rows, columns=columns)
    out.insert(2, "training", training_types(out["subject"]))
    out["n_boot"], out["level"] = n_boot, level
    return out


def confusion_findings(similarity: pd.DataFrame, order: Sequence[str] | None = None) -> pd.DataFrame:
    """Per model, from :func:`confusion_similarity_summary`: on how many datasets its similarity to human
    observers is clearly below the human ceiling (upper end of its interval under the lower end of the ceiling's),
    and on how many it is more similar to the other models than to the observers.

    Columns ``subject, below_ceiling, closer_to_models, n_datasets``; rows in ``order`` if given.
    """
    to_humans = similarity[similarity["comparison"] == TO_HUMANS].set_index(["dataset", "subject"])
    to_models = similarity[similarity["comparison"] == TO_MODELS].set_index(["dataset", "subject"])
    ceiling = to_humans.xs(HUMANS, level="subject")
    models = to_humans.drop(index=HUMANS, level="subject")
    ceiling_low = ceiling["ci_low"].reindex(models.index.get_level_values("dataset")).to_numpy()
    below = (models["ci_high"] < ceiling_low).groupby(level="subject").sum()
    closer = (to_models["similarity"] > models["similarity"].reindex(to_models.index)).groupby(level="subject").sum()
    table = pd.DataFrame(
        {
            "below_ceiling": below,
            "closer_to_models": closer.reindex(below.index).fillna(0).astype(int),
            "n_datasets": models.groupby(level="subject").size(),
        }
    )
    if order is not None:
        table = table.reindex([n for n in order if n in table.index])
    return table.rename_axis("subject").reset_index()


def response_entropy(trials: pd.DataFrame) -> pd.DataFrame:
    """:func:`humanlike.metrics.response_entropy` (bits, over the 16 categories) per dataset and decision maker:
    every model, every observer, and ``humans`` (all observers' responses pooled).
    Columns: ``dataset, subject, training, entropy, n_responses``."""
    observers = trials[trials["is_human"].astype(bool)]
    frame = pd.concat([trials, pool_humans(observers)], ignore_index=True)
    out = metrics.response_entropy(frame, by=["dataset", "subject"])
    out.insert(2, "training", training_types(out["subject"]))
    out["_human"] = out["subject"] != HUMANS
    return _dataset_order(out, "_human", "subject").drop(columns="_human")


# ===================================================================== chapter 3: image-level errors
# Error consistency (kappa, Geirhos et al. 2020 NeurIPS) of pairs of decision makers: matrices, summaries by the
# kind of pair, kappa per distortion level, bootstrap intervals. All numbers come from metrics.consistency,
# metrics.bootstrap_error_consistency and metrics.human_ceiling.


#: Kinds of pairs in :func:`consistency_summary`, in legend order. ``human–<training>`` pairs a human observer with
#: a model of that training type; ``supervised–self-supervised`` is the subset of ``model–model`` pairs that the
#: paper's claim is about.
PAIR_KINDS: tuple[str, ...] = (
    "human–human",
    "human–supervised",
    "human–self-supervised",
    "human–weakly-supervised",
    "human–unknown",
    "model–model",
    "supervised–self-supervised",
)

_MATRIX_COLUMNS = [
    "dataset", "subject_a", "subject_b", "training_a", "training_b", "kind", "n_trials",
    "observed_consistency", "expected_consistency", "error_consistency", "ci_low", "ci_high",
]  # fmt: skip


def _natural_key(text: str) -> list:
    return [(0, float(part), "") if part.replace(".", "", 1).isdigit() else (1, 0.0, part)
            for part in re.findall(r"\d+(?:\.\d+)?|[^\d]+", text)]  # fmt: skip


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
        other = sorted((c for c in conditions if c not in known), key=_natural_key)
        table.update({(dataset, c): (offset + i, c, parameter) for i, c in enumerate(other)})
    keys = list(zip(frame["dataset"].astype(str), frame["condition"].astype(str)))
    return pd.DataFrame([table[k] for k in keys], columns=["level", "label", "parameter"], index=frame.index)


def condition_level(frame: pd.DataFrame) -> pd.Series:
    """The ``level`` column of :func:`condition_levels` (int Series named ``level``, aligned with ``frame``)."""
    return condition_levels(frame)["level"].astype(int).rename("level")


def _training(names: Iterable[str]) -> dict[str, str]:
    """Training type of decision makers (``human`` for observers and ``humans``; ``unknown`` without metadata)."""
    names = list(dict.fromkeys(str(n) for n in names))
    if not names:
        return {}
    meta = data.model_metadata(names)
    return dict(zip(meta["model"], meta["training"].fillna("unknown")))


def _human_names(trials: pd.DataFrame) -> list[str]:
    return sorted(trials.loc[trials["is_human"].astype(bool), "subject"].astype(str).unique())


def _model_names(trials: pd.DataFrame) -> list[str]:
    return sorted(trials.loc[~trials["is_human"].astype(bool), "subject"].astype(str).unique())


def pair_kind(training_a: Iterable[str], training_b: Iterable[str]) -> np.ndarray:
    """Kind of each pair from the training types of its two members: ``human–human``, ``human–<training>`` (a
    human and a model), ``model–model``. (:func:`consistency_summary` adds ``supervised–self-supervised``.)"""
    a, b = np.asarray(list(training_a), dtype=object), np.asarray(list(training_b), dtype=object)
    human_a, human_b = a == "human", b == "human"
    model = np.where(human_a, b, a)
    kinds = np.where(human_a & human_b, "human–human", "model–model").astype(object)
    mixed = human_a ^ human_b
    kinds[mixed] = ["human–" + str(m) for m in model[mixed]]
    return kinds


def _with_training(frame: pd.DataFrame) -> pd.DataFrame:
    training = _training(pd.concat([frame["subject_a"], frame["subject_b"]]))
    frame = frame.copy()
    frame["training_a"] = frame["subject_a"].map(training)
    frame["training_b"] = frame["subject_b"].map(training)
    frame["kind"] = pair_kind(frame["training_a"], frame["training_b"])
    return frame


def error_consistency_matrix(
    trials: pd.DataFrame,
    datasets: Sequence[str] = data.NONPARAMETRIC_DATASETS,
    n_boot: int = 0,
    seed: int = 0,
) -> pd.DataFrame:
    """Error consistency of every ordered pair of distinct decision makers (humans and models), per dataset:
    the matrices of Geirhos et al. (2020), both orders of each pair (a symmetric matrix without its diagonal).

    For a dataset with several conditions kappa is the mean of the per-condition kappas
    (:func:`humanlike.metrics.consistency` with ``per="dataset"``). With ``n_boot > 0``: 95 % percentile bootstrap
    intervals over images (:func:`humanlike.metrics.bootstrap_error_consistency`), else ``ci_low``/``ci_high`` NaN.
    Columns: ``dataset, subject_a, subject_b, training_a, training_b, kind, n_trials, observed_consistency,
    expected_consistency, error_consistency, ci_low, ci_high``.
    """
    selected = trials[trials["dataset"].isin(list(datasets))]
    if selected.empty:
        return pd.DataFrame(columns=_MATRIX_COLUMNS)
    out = metrics.consistency(selected, per="dataset").drop(columns="n_conditions")
    if n_boot > 0:
        boot = metrics.bootstrap_error_consistency(selected, n_boot=n_boot, seed=seed)
        out = out.merge(boot[["dataset", "subject_a", "subject_b", "ci_low", "ci_high"]], how="left")
    else:
        out["ci_low"], out["ci_high"] = np.nan, np.nan
    return _with_training(out)[_MATRIX_COLUMNS]


def _unordered(pairs: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Each unordered pair once (the frame may hold both orders)."""
    a, b = pairs["subject_a"].astype(str), pairs["subject_b"].astype(str)
    key = np.where(a < b, a + "\t" + b, b + "\t" + a)
    return pairs.assign(_pair=key).drop_duplicates(by + ["_pair"]).drop(columns="_pair")


def consistency_summary(trials: pd.DataFrame, ood_only: bool = True) -> pd.DataFrame:
    """Error consistency summarised by the kind of pair (:data:`PAIR_KINDS`), per dataset.

    Every unordered pair of distinct decision makers of a dataset counts once: kappa per condition, averaged over
    the dataset's conditions (:func:`humanlike.metrics.consistency`, ``per="dataset"``). With ``ood_only`` the
    parametric datasets use the benchmark's conditions only (:func:`humanlike.benchmark.ood_trials`: without the
    undistorted images and the distortions at which humans are near chance). ``supervised–self-supervised`` rows
    repeat the ``model–model`` pairs of one supervised and one self-supervised model.
    Columns: ``dataset, kind, mean, min, max, n_pairs`` (statistics of kappa over the pairs).
    """

    selected = benchmark.ood_trials(trials) if ood_only else trials
    columns = ["dataset", "kind", "mean", "min", "max", "n_pairs"]
    if selected.empty:
        return pd.DataFrame(columns=columns)
    pairs = _with_training(_unordered(metrics.consistency(selected, per="dataset"), ["dataset"]))
    mixed = {frozenset(("supervised", "self-supervised"))}
    subset = pairs[[frozenset((a, b)) in mixed for a, b in zip(pairs["training_a"], pairs["training_b"])]]
    pairs = pd.concat([pairs, subset.assign(kind="supervised–self-supervised")], ignore_index=True)
    grouped = pairs.dropna(subset=["error_consistency"]).groupby(["dataset", "kind"], sort=False)
    out = grouped["error_consistency"].agg(["mean", "min", "max", "size"]).reset_index()
    out = out.rename(columns={"size": "n_pairs"})
    order = {k: i for i, k in enumerate(PAIR_KINDS)}
    dataset_order = {d: i for i, d in enumerate(data.DATASETS)}
    out = out.sort_values(
        ["dataset", "kind"],
        key=lambda s: s.map(dataset_order if s.name == "dataset" else order).fillna(len(order)),
        ignore_index=True,
    )
    return out[columns]


def overall_consistency(summary: pd.DataFrame) -> pd.DataFrame:
    """:func:`consistency_summary` averaged over datasets (each dataset weighs the same): one row per kind,
    columns ``kind, mean, n_datasets`` (``mean``: mean over datasets of the per-dataset mean kappa)."""
    grouped = summary.groupby("kind", sort=False)["mean"]
    out = grouped.agg(["mean", "size"]).reset_index().rename(columns={"size": "n_datasets"})
    return out


def consistency_by_level(trials: pd.DataFrame, datasets: Sequence[str] = data.PARAMETRIC_DATASETS) -> pd.DataFrame:
    """Error consistency with human observers per distortion level (the paper's kappa-vs-distortion plots).

    Per dataset and condition: for each model the mean kappa with the human observers (``comparison`` "with
    human observers"), and for ``humans`` the mean kappa over distinct pairs of observers (``comparison``
    "between human observers", :func:`humanlike.metrics.human_ceiling`: the human-to-human ceiling).
    ``low``/``high``: the smallest and largest kappa over those pairs; ``level``, ``label`` and ``parameter`` from
    :func:`condition_levels`.
    Columns: ``dataset, condition, level, label, parameter, subject, training, comparison, error_consistency, low,
    high, n_pairs``.
    """
    columns = ["dataset", "condition", "level", "label", "parameter", "subject", "training", "comparison",
               "error_consistency", "low", "high", "n_pairs"]  # fmt: skip
    selected = trials[trials["dataset"].isin(list(datasets))]
    humans = _human_names(selected)
    if selected.empty or not humans:
        return pd.DataFrame(columns=columns)
    pairs = metrics.consistency(selected, subjects_b=humans, per="condition")
    by = ["dataset", "condition"]
    ceiling = metrics.human_ceiling(pairs, "error_consistency", by=by, humans=humans)
    ceiling = ceiling.drop(columns="metric").assign(subject=HUMANS, comparison="between human observers")
    with_models = pairs[~pairs["subject_a"].isin(humans)]
    grouped = with_models.groupby(by + ["subject_a"], sort=True)["error_consistency"]
    models = grouped.agg(["mean", "min", "max", "size"]).reset_index().rename(columns={"subject_a": "subject"})
    models = models.rename(columns={"size": "n"}).assign(comparison="with human observers")
    out = pd.concat([ceiling, models], ignore_index=True)
    out = out.rename(columns={"mean": "error_consistency", "min": "low", "max": "high", "n": "n_pairs"})
    out = out.join(condition_levels(out))
    out["training"] = out["subject"].map(_training(out["subject"]))
    return out.sort_values(["dataset", "level", "subject"], ignore_index=True)[columns]


def consistency_intervals(
    trials: pd.DataFrame, n_boot: int = 1000, seed: int = 0, ood_only: bool = True
) -> pd.DataFrame:
    """Error consistency of every model with every human observer, and of every pair of observers, per dataset,
    with 95 % percentile bootstrap intervals over images (:func:`humanlike.metrics.bootstrap_error_consistency`;
    kappa averaged over the conditions of a dataset; with ``ood_only`` the benchmark's conditions only, as in
    :func:`consistency_summary`). Each pair of observers appears once, under ``humans``.
    Columns: ``dataset, subject, partner, training, kind, error_consistency, ci_low, ci_high`` (``subject``: the
    model, or ``humans`` for a pair of observers; ``partner``: the observer, or ``subject-01 & subject-02``).
    """

    columns = ["dataset", "subject", "partner", "training", "kind", "error_consistency", "ci_low", "ci_high"]
    trials = benchmark.ood_trials(trials) if ood_only else trials
    humans, models = _human_names(trials), _model_names(trials)
    frames = []
    if humans and models:
        boot = metrics.bootstrap_error_consistency(trials, models, humans, n_boot=n_boot, seed=seed)
        frames.append(boot.rename(columns={"subject_a": "subject", "subject_b": "partner"}))
    if len(humans) > 1:
        boot = metrics.bootstrap_error_consistency(trials, humans, humans, n_boot=n_boot, seed=seed)
        boot = boot[boot["subject_a"] < boot["subject_b"]]
        frames.append(boot.assign(subject=HUMANS, partner=boot["subject_a"] + " & " + boot["subject_b"]))
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)
    out["training"] = out["subject"].map(_training(out["subject"]))
    out["kind"] = np.where(out["subject"] == HUMANS, "human–human", "human–" + out["training"].astype(str))
    return out[columns]


def ceiling_comparison(intervals: pd.DataFrame) -> pd.DataFrame:
    """Model–observer error consistency against the human-to-human ceiling, per dataset.

    ``intervals``: :func:`consistency_intervals`. Per dataset: the mean, smallest and largest kappa over pairs of
    observers (``human_mean``, ``human_min``, ``human_max``), the mean kappa over model–observer pairs
    (``model_mean``), their number (``n_model_pairs``) and how many of them lie entirely below the human mean,
    i.e. with the upper end of their 95 % bootstrap interval below it (``n_below``); and the model whose mean
    kappa over the observers is highest (``best_model``, ``best_model_mean``).
    Columns: ``dataset, human_mean, human_min, human_max, model_mean, n_model_pairs, n_below, best_model,
    best_model_mean``.
    """
    columns = ["dataset", "human_mean", "human_min", "human_max", "model_mean", "n_model_pairs", "n_below",
               "best_model", "best_model_mean"]  # fmt: skip
    human = intervals[intervals["subject"] == HUMANS].groupby("dataset", sort=False)["error_consistency"]
    human = human.agg(human_mean="mean", human_min="min", human_max="max")
    models = intervals[intervals["subject"] != HUMANS].join(human["human_mean"], on="dataset")
    models = models.assign(below=models["ci_high"] < models["human_mean"])
    grouped = models.groupby("dataset", sort=False)
    out = human.join(
        pd.DataFrame(
            {
                "model_mean": grouped["error_consistency"].mean(),
                "n_model_pairs": grouped.size(),
                "n_below": grouped["below"].sum(),
            }
        ),
        how="outer",
    )
    per_model = models.groupby(["dataset", "subject"], sort=True)["error_consistency"].mean().dropna()
    best = per_model.groupby(level="dataset").idxmax().dropna()
    out = out.join(
        pd.DataFrame(
            {
                "best_model": [key[1] for key in best],
                "best_model_mean": [per_model[key] for key in best],
            },
            index=pd.Index(best.index, name="dataset"),
        ),
        how="outer",
    ).reset_index()
    order = {d: i for i, d in enumerate(data.DATASETS)}
    out = out.sort_values("dataset", key=lambda s: s.map(order), ignore_index=True)
    out[["n_model_pairs", "n_below"]] = out[["n_model_pairs", "n_below"]].fillna(0).astype(int)
    return out[columns]


def consistency_findings(summary: pd.DataFrame, ceiling: pd.DataFrame) -> pd.Series:
    """The chapter's claims as numbers, from :func:`consistency_summary` and :func:`ceiling_comparison`:

    * ``n_datasets``: datasets with at least one model; ``n_human_above``: of those, datasets where the mean
      human–human kappa exceeds the mean kappa of every model with the observers; ``exceptions``: the others, as
      "dataset (best model)" text;
    * ``ssl_minus_supervised``: mean over datasets of the human–self-supervised kappa minus that of the
      human–supervised kappa (NaN without both kinds);
    * ``n_models_agree``: datasets where pairs of models agree more than pairs of humans (mean kappa), out of
      ``n_summary_datasets``.
    """
    above = ceiling.dropna(subset=["best_model_mean"])
    higher = above["human_mean"] > above["best_model_mean"]
    means = summary.pivot_table(index="dataset", columns="kind", values="mean")
    overall = means.mean()
    both = {"model–model", "human–human"} <= set(means.columns)
    return pd.Series(
        {
            "n_datasets": len(above),
            "n_human_above": int(higher.sum()),
            "exceptions": ", ".join(f"{r.dataset} ({r.best_model})" for r in above[~higher].itertuples()),
            "ssl_minus_supervised": overall.get("human–self-supervised", np.nan) - overall.get("human–supervised", np.nan),
            "n_models_agree": int((means["model–model"] > means["human–human"]).sum()) if both else 0,
            "n_summary_datasets": len(means),
        }
    )


# ===================================================================== chapter 4: texture versus shape
# Shape bias on cue-conflict images (Geirhos et al. 2019): per decision maker with bootstrap intervals, per
# category, and example trials. Third-party evaluations (humanlike.data.load_third_party) come in labelled by
# source and pipeline, in their own panel; they are never pooled with the toolbox's evaluations.

#: ``source`` of the decision makers of the public model-vs-human raw data (humans and the toolbox's models).
TOOLBOX_SOURCE = "model-vs-human"
#: ``source`` of models that are not in the public raw data (a user's evaluations from ``extra_dirs``).
OWN_SOURCE = "your evaluations (extra_dirs)"
#: ``panel`` values of :func:`shape_bias_table`.
PANELS: tuple[str, ...] = ("model-vs-human data", "third-party evaluations")

_TRAININGS = ("human", "supervised", "self-supervised", "weakly-supervised", "unknown")
_SHAPE_COLUMNS = [
    "subject", "kind", "training", "training_data", "source", "pipeline", "panel", "group",
    "shape_bias", "ci_low", "ci_high", "n_shape", "n_texture", "n_trials",
]  # fmt: skip


def _pooled(trials: pd.DataFrame) -> pd.DataFrame:
    """The trials plus a copy of the human ones under the name ``humans`` (all observers pooled)."""
    humans = trials[trials["is_human"].astype(bool)]
    return pd.concat([trials, humans.assign(subject=HUMANS)], ignore_index=True)


def _toolbox_labels(subjects: pd.Series, is_human: pd.Series) -> pd.DataFrame:
    names = subjects.astype(str)
    meta = data.model_metadata(list(dict.fromkeys(names)))
    meta = meta.drop_duplicates("model").set_index("model")
    own = ~names.isin(data.MODELS) & ~is_human.to_numpy()
    return pd.DataFrame(
        {
            "kind": np.where(names == HUMANS, "humans", np.where(is_human, "observer", "model")),
            "training": names.map(meta["training"]).fillna("unknown").to_numpy(),
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


def shape_bias_table(
    trials: pd.DataFrame, third_party: pd.DataFrame | None = None, n_boot: int = 1000, seed: int = 0
) -> pd.DataFrame:
    """Shape bias of every decision maker on cue-conflict images, with 95 % percentile bootstrap intervals.

    ``trials``: the trial table (humans and models, :func:`humanlike.data.load_trials`); each observer gets a row
    (``kind`` "observer") and so do all observers pooled (``humans``, kind "humans": counts summed over
    observers). ``third_party``: optional trials from :func:`humanlike.data.load_third_party`; they get rows with
    their ``source`` and ``pipeline`` and ``panel`` "third-party evaluations".
    shape_bias = n_shape / (n_shape + n_texture) (:func:`humanlike.metrics.shape_bias`); intervals from
    :func:`humanlike.metrics.bootstrap_shape_bias` (resampling images).
    Columns: ``subject, kind, training, training_data, source, pipeline, panel, group, shape_bias, ci_low,
    ci_high, n_shape, n_texture, n_trials``; ``group``: :data:`PANELS` ``[0]`` for the model-vs-human data and a
    user's own models, else the third-party source (charts offer one group at a time).
    """
    frames = []
    cue = trials[trials["dataset"] == "cue-conflict"]
    if not cue.empty:
        counts = metrics.shape_bias(_pooled(cue), by=["subject", "is_human"])
        boot = metrics.bootstrap_shape_bias(cue, n_boot=n_boot, seed=seed)
        out = counts.merge(boot[["subject", "ci_low", "ci_high"]], on="subject", how="left")
        frames.append(pd.concat([out, _toolbox_labels(out["subject"], out["is_human"])], axis=1))
    if third_party is not None and len(third_party):
        other = third_party[third_party["dataset"] == "cue-conflict"]
        if not other.empty:
            labels = ["subject", "training", "training_data", "source", "pipeline"]
            counts = metrics.shape_bias(other, by=labels)
            boot = metrics.bootstrap_shape_bias(other, n_boot=n_boot, seed=seed, pool_humans=False)
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
    as in :func:`shape_bias_table`.
    Columns: ``subject, training, source, group, category, shape_bias, n_shape, n_texture, n_trials``.
    """
    columns = ["subject", "training", "source", "group", "category", "shape_bias", "n_shape", "n_texture", "n_trials"]
    frames = []
    cue = trials[trials["dataset"] == "cue-conflict"]
    if not cue.empty:
        pooled = _pooled(cue)
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
    out["training"] = out["subject"].map(_training(out["subject"]))
    order = {image: i for i, image in enumerate(picked["image_id"])}
    out = out.sort_values(["image_id", "is_human", "subject"], key=lambda s: s.map(order) if s.name == "image_id" else s)
    return out[columns].reset_index(drop=True)


def shape_bias_summary(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`shape_bias_table` summarised by panel, kind and training (and training data): the number of
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
    rank = {v: i for i, v in enumerate(PANELS + ("humans", "observer", "model") + _TRAININGS)}
    out = out.sort_values(["panel", "kind", "training", "mean"], key=lambda s: s.map(rank).fillna(99) if s.name != "mean" else s)
    return out.reset_index(drop=True)[columns]


def third_party_overview(third_party: pd.DataFrame) -> pd.DataFrame:
    """The third-party evaluations at a glance: one row per source with its pipeline, datasets and models.
    Columns: ``source, pipeline, datasets, models`` (comma-separated names as in the files)."""
    columns = ["source", "pipeline", "datasets", "models"]
    if third_party is None or third_party.empty:
        return pd.DataFrame(columns=columns)

    def joined(values: pd.Series) -> str:
        return ", ".join(sorted(pd.unique(values.astype(str)), key=_natural_key))

    grouped = third_party.groupby(["source", "pipeline"], sort=True)
    out = grouped.agg(datasets=("dataset", joined), models=("model", joined)).reset_index()
    return out[columns]


def shape_bias_findings(table: pd.DataFrame, categories: pd.DataFrame | None = None) -> pd.Series:
    """The chapter's claims as numbers, from :func:`shape_bias_table` (and :func:`shape_bias_categories`).

    Keys (NaN / "" where the group is missing): ``humans, humans_low, humans_high`` (pooled, with interval),
    ``n_observers, observers_min, observers_max``; ``n_models, model_min, model_min_name, model_max,
    model_max_name`` (models of the model-vs-human panel); ``mean_<training>`` and ``n_<training>`` for
    supervised, self-supervised and weakly-supervised models of that panel; ``third_ssl_min(_name)``,
    ``third_ssl_max(_name)`` (third-party self-supervised models), ``third_imagenet_max`` (third-party models
    trained on ImageNet-1k, any training), ``sin_min, sin_max`` (trained on Stylized-ImageNet); with
    ``categories``: ``humans_category_min(_name)`` (the humans' least shape-driven category) and
    ``model_cells_below_half`` (fraction of model x category cells of the model-vs-human panel below 0.5).
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
    if categories is not None and len(categories):
        mine = categories  # third-party names carry their owner ("resnet50 [rgeirhos]"): no clash with these
        human_cats = mine[mine["subject"] == HUMANS].dropna(subset=["shape_bias"])
        if len(human_cats):
            low = human_cats.loc[human_cats["shape_bias"].idxmin()]
            facts.update(humans_category_min=low["shape_bias"], humans_category_min_name=low["category"])
        cells = mine[mine["subject"].isin(models["subject"])]["shape_bias"].dropna()
        facts["model_cells_below_half"] = float((cells < 0.5).mean()) if len(cells) else nan
    return pd.Series(facts, dtype=object)


# ===================================================================== chapter 5: benchmark and your model
def benchmark_scopes(trials: pd.DataFrame) -> pd.DataFrame:
    """The benchmark's four metrics per model, overall and per dataset, in one tidy table for charts.

    Columns: ``scope`` (:data:`ALL_DATASETS` or a dataset name), ``model``, ``training``, the four benchmark metrics,
    ``mean_rank`` (among the models within the scope), ``n_datasets``. The ``ALL_DATASETS`` rows are
    :func:`humanlike.benchmark.benchmark_table`; the per-dataset rows come from
    :func:`humanlike.benchmark.benchmark_per_dataset` (the step before the mean over datasets).
    """
    overall = benchmark.benchmark_table(trials).assign(scope=ALL_DATASETS)
    per_dataset = benchmark.benchmark_per_dataset(trials)
    wide = per_dataset.pivot_table(index=["dataset", "model"], columns="metric", values="value", aggfunc="first")
    wide = wide.reindex(columns=list(benchmark.METRICS)).reset_index().rename_axis(columns=None)
    scoped = [
        benchmark.add_mean_rank(frame).assign(scope=dataset, n_datasets=1)
        for dataset, frame in wide.groupby("dataset", sort=False)
    ]
    table = pd.concat([overall, *scoped], ignore_index=True)
    order = {ALL_DATASETS: -1, **{d: i for i, d in enumerate(data.DATASETS)}}
    table = table.sort_values("scope", key=lambda s: s.map(order), kind="stable", ignore_index=True)
    table["training"] = training_types(table["model"])
    return table[["scope", "model", "training", *benchmark.METRICS, "mean_rank", "n_datasets"]]


def benchmark_on_datasets_of(trials: pd.DataFrame, model: str) -> pd.DataFrame:
    """The benchmark table restricted to the datasets ``model`` has trials in, so that a model evaluated on a few
    datasets is ranked against the others on equal terms (same columns as ``benchmark_table``)."""
    have = trials.loc[trials["subject"] == model, "dataset"].unique()
    if len(have) == 0:
        raise ValueError(f"no trials of model {model!r}")
    return benchmark.benchmark_table(trials[trials["dataset"].isin(have)])
