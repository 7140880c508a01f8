"""Chapter 1, noise robustness: accuracy per distortion level, OOD accuracy (the benchmark's definition) with
bootstrap intervals, paired differences between decision makers, and the chapter's findings.

See Also
--------
humanlike.charts.noise_robustness
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import benchmark, metrics, uncertainty
from ..text import md
from .common import (
    ALL_DATASETS,
    DISTORTIONS,
    HUMANS,
    MAJORITY,
    SIMCLR,
    SUPERVISED,
    dataset_coverage,
    describe,
    direction,
    observer_names,
    ordered_datasets,
    per_level_table,
    training_types,
)

__all__ = [
    "accuracy_by_level",
    "OODReplicates",
    "ood_replicates",
    "ood_accuracy",
    "ood_accuracy_difference",
    "robustness_tally",
    "NOISE",
    "robustness_pairs",
    "difference_cells",
    "ood_accuracy_table",
    "robustness_findings",
    "simclr_differences",
    "noise_standout",
]


def accuracy_by_level(trials: pd.DataFrame, n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """Accuracy per decision maker and condition of the parametric datasets, ordered by distortion strength.

    Models: :func:`humanlike.uncertainty.bootstrap_accuracy` per condition, with its percentile interval over images.
    Humans: one row ``humans`` per condition, the mean accuracy over the dataset's observers, with the range over
    observers (min, max) as the interval. Trials of the nonparametric datasets are ignored.
    Columns: ``dataset, subject, training, condition, parameter, strength, distortion, label, accuracy, ci_low,
    ci_high, interval, n_observers``; ``interval`` says what ``ci_low``/``ci_high`` are.
    """
    trials = trials[trials["dataset"].isin(list(DISTORTIONS))]
    if trials.empty:
        raise ValueError("no trials of a parametric dataset")
    acc = uncertainty.bootstrap_accuracy(trials, per="condition", n_boot=n_boot, seed=seed, level=level)
    acc = acc.drop(columns=["n_boot", "level"])
    is_human = acc["subject"].isin(observer_names(trials))
    models = acc[~is_human].assign(interval=f"{level:.0%} bootstrap interval", n_observers=np.nan)
    grouped = acc[is_human].groupby(["dataset", "condition"], sort=False)["accuracy"]
    humans = grouped.agg(accuracy="mean", ci_low="min", ci_high="max", n_observers="size").reset_index()
    humans = humans.assign(subject=HUMANS, interval="range over observers")
    return per_level_table(pd.concat([humans, models], ignore_index=True), "accuracy")


@dataclass(frozen=True)
class OODReplicates:
    """OOD accuracy of every decision maker per dataset, with bootstrap replicates (see :func:`ood_replicates`)."""

    datasets: list[str]  # (D,) in the paper's order
    subjects: np.ndarray  # (S,) decision makers; HUMANS (the mean over observers) last when humans are present
    is_human: np.ndarray  # (S,) single observers (HUMANS itself is False)
    estimate: np.ndarray  # (D, S) NaN where a decision maker has no trials in a dataset
    samples: np.ndarray  # (D, B, S) bootstrap replicates of ``estimate``
    n_conditions: np.ndarray  # (D, S) conditions that enter the mean


def _observer_mean(reps: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(B,) the humans' mean per replicate, observers resampled with replacement in every replicate (the second
    stage of the two-stage bootstrap, :func:`humanlike.uncertainty.two_stage_mean`); observers without trials in the
    dataset (all NaN) take no part."""
    present = np.isfinite(reps).any(axis=0)
    reps = reps[:, present]
    if not reps.shape[1]:
        return np.full(len(reps), np.nan)
    u = uncertainty.bootstrap_weights(rng, reps.shape[1], len(reps)) * np.isfinite(reps)
    return metrics.divide((np.nan_to_num(reps) * u).sum(axis=1), u.sum(axis=1))


def ood_replicates(trials: pd.DataFrame, n_boot: int = 1000, seed: int = 0) -> OODReplicates:
    """OOD accuracy as the benchmark defines it (:mod:`humanlike.benchmark`), with bootstrap replicates.

    Per dataset: the conditions in :data:`humanlike.benchmark.EXCLUDED_CONDITIONS` are left out; accuracy per
    remaining condition, then the unweighted mean over those conditions; ``humans``: the mean over the dataset's
    observers. Replicates: images resampled with replacement within dataset x condition, all decision makers
    sharing each resample (:func:`humanlike.uncertainty.bootstrap_weights`), and the same means taken per replicate;
    for ``humans`` the observers are resampled as well in every replicate (two-stage bootstrap: observers, then
    images; see the methods page), so the human side of a comparison carries the observers' spread.
    Differences between decision makers computed per replicate are therefore paired.
    """
    matrix = metrics.correctness_matrix(benchmark.ood_trials(trials))
    if not matrix.blocks:
        raise ValueError("no trials left after the benchmark's exclusions")
    weights = uncertainty.bootstrap_block_weights(matrix.blocks, n_boot, seed)
    human = np.asarray(matrix.is_human, dtype=bool)
    blocks = matrix.dataset_blocks()
    datasets = ordered_datasets(blocks)
    index = {(d, c): i for i, (d, c, _) in enumerate(matrix.blocks)}
    estimates, samples, counts = [], [], []
    observer_rng = np.random.default_rng([seed, 1])  # apart from the images' generator: model intervals unchanged
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
            reps = np.column_stack([reps, _observer_mean(reps[:, human], observer_rng)])
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
        low, high = uncertainty.percentile_interval(samples[i], level)
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
        low, high = uncertainty.percentile_interval(samples[i][:, a] - samples[i][:, b], level)
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





#: The dataset of the paper's exception: SimCLR is more robust than its supervised counterpart to uniform noise.
NOISE = "uniform-noise"
_SIDES = {1: "above", -1: "below", 0: "unclear"}


def robustness_pairs(models: Sequence[str]) -> list[tuple[str, str]]:
    """The pairs chapter 1 compares: every model against :data:`HUMANS`, and :data:`SIMCLR` against
    :data:`SUPERVISED` when both are among ``models``.

    >>> robustness_pairs(["resnet50", "bagnet33"])
    [('resnet50', 'humans'), ('bagnet33', 'humans')]
    """
    pairs = [(m, HUMANS) for m in models if m != HUMANS]
    if {SIMCLR, SUPERVISED} <= set(models):
        pairs.append((SIMCLR, SUPERVISED))
    return pairs


def ood_accuracy_table(ood: pd.DataFrame, subjects: Sequence[str], datasets: Sequence[str]) -> pd.DataFrame:
    """Chapter 1's table: :func:`ood_accuracy` with one row per subject (in ``subjects``) and one column per
    dataset (:data:`ALL_DATASETS` first), rounded to 2 digits, plus ``datasets averaged`` ("3 of 3"): how many of
    the datasets an all-datasets value rests on, against the most any subject has, so that a model averaged over
    fewer datasets is not read as comparable.

    >>> ood = pd.DataFrame({"dataset": [ALL_DATASETS, ALL_DATASETS, "edge"], "subject": ["a", "b", "a"],
    ...                     "ood_accuracy": [0.514, 0.3, 0.514], "n_datasets": [2, 1, 1]})
    >>> table = ood_accuracy_table(ood, ["a", "b"], ["edge"])
    >>> list(table.columns), float(table.at["a", ALL_DATASETS]), table["datasets averaged"].tolist()
    (['all datasets', 'edge', 'datasets averaged'], 0.51, ['2 of 2', '1 of 2'])
    """
    table = ood.pivot(index="subject", columns="dataset", values="ood_accuracy").reindex(
        index=list(subjects), columns=[ALL_DATASETS, *datasets]
    ).round(2)
    overall = ood[ood["dataset"] == ALL_DATASETS].set_index("subject")["n_datasets"]
    table["datasets averaged"] = dataset_coverage(overall)["datasets"].reindex(table.index).fillna("")
    return table


def difference_cells(gap: pd.DataFrame) -> pd.DataFrame:
    """The cells of chapter 1's "models against humans" heatmap: each model's OOD accuracy minus the humans', per
    dataset, in accuracy points.

    Parameters
    ----------
    gap : DataFrame
        :func:`ood_accuracy_difference` (rows against :data:`HUMANS` are used; :data:`ALL_DATASETS` is not a
        dataset and left out).

    Returns
    -------
    DataFrame
        ``dataset, subject_a, points, interval, clear``: ``points`` the difference x 100 rounded to 0.1,
        ``interval`` its paired interval as text (``"-12 to -3"``), ``clear`` whether that interval excludes 0.
    """
    cells = gap[(gap["dataset"] != ALL_DATASETS) & (gap["subject_b"] == HUMANS)]
    return pd.DataFrame(
        {
            "dataset": cells["dataset"].to_numpy(),
            "subject_a": cells["subject_a"].to_numpy(),
            "points": (100 * cells["difference"]).round(1).to_numpy(),
            "interval": [f"{100 * lo:+.0f} to {100 * hi:+.0f}" for lo, hi in zip(cells["ci_low"], cells["ci_high"])],
            "clear": [direction(lo, hi) != 0 for lo, hi in zip(cells["ci_low"], cells["ci_high"])],
        }
    )


def robustness_findings(
    ood: pd.DataFrame, gap: pd.DataFrame, models: Sequence[str], *, majority: float = MAJORITY
) -> dict[str, object]:
    """Chapter 1's claims as numbers and verdict keys.

    Parameters
    ----------
    ood : DataFrame
        :func:`ood_accuracy`.
    gap : DataFrame
        :func:`ood_accuracy_difference` with the pairs of :func:`robustness_pairs`.
    models : sequence of str
        The models shown, in display order.
    majority : float, default :data:`MAJORITY`
        A model is listed in ``worse`` when it is clearly below humans on more than this fraction of datasets.

    Returns
    -------
    dict
        ``simclr_tested`` (bool: uniform-noise, :data:`SIMCLR` and :data:`SUPERVISED` all present); when tested,
        ``simclr``, ``resnet50``, ``humans`` (OOD accuracy on uniform noise as text with its interval,
        :func:`describe`), ``simclr_minus_resnet50`` and ``simclr_minus_humans`` (differences as text) and their
        verdicts ``simclr_vs_resnet50`` / ``simclr_vs_humans``: ``"above"``, ``"below"`` or ``"unclear"``
        (:func:`direction` of the paired interval). Always: ``n_datasets`` (datasets shown, without
        :data:`ALL_DATASETS`), ``tally`` (list of ``(model, below, above)``, :func:`robustness_tally`),
        ``worse`` (models clearly below humans on more than ``majority`` of the datasets) and
        ``worse_trainings`` (their training types, sorted).

    See Also
    --------
    humanlike.charts.noise_robustness
    """
    facts: dict[str, object] = {}
    accuracy = ood.set_index(["dataset", "subject"])
    versus = gap.set_index(["dataset", "subject_a", "subject_b"])
    tested = {(NOISE, SIMCLR, SUPERVISED), (NOISE, SIMCLR, HUMANS)} <= set(versus.index) and {
        (NOISE, SIMCLR), (NOISE, SUPERVISED), (NOISE, HUMANS)
    } <= set(accuracy.index)
    facts["simclr_tested"] = tested
    if tested:
        for key, name in (("simclr", SIMCLR), ("resnet50", SUPERVISED), ("humans", HUMANS)):
            row = accuracy.loc[(NOISE, name)]
            facts[key] = describe(row["ood_accuracy"], row["ci_low"], row["ci_high"])
        for key, other in (("resnet50", SUPERVISED), ("humans", HUMANS)):
            row = versus.loc[(NOISE, SIMCLR, other)]
            facts[f"simclr_minus_{key}"] = describe(row["difference"], row["ci_low"], row["ci_high"], difference=True)
            facts[f"simclr_vs_{key}"] = _SIDES[direction(row["ci_low"], row["ci_high"])]
    n_datasets = ood.loc[ood["dataset"] != ALL_DATASETS, "dataset"].nunique()
    tally = robustness_tally(gap, models)
    worse = tally[tally["below"] > majority * n_datasets]
    facts.update(
        n_datasets=int(n_datasets),
        tally=[(r.subject, int(r.below), int(r.above)) for r in tally.itertuples()],
        worse=list(worse["subject"]),
        worse_trainings=sorted(set(worse["training"])),
    )
    return facts


def simclr_differences(trials: pd.DataFrame, n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """:data:`SIMCLR` minus :data:`SUPERVISED` (same architecture, ResNet-50), OOD accuracy on every parametric
    dataset and over them (:data:`ALL_DATASETS`), with a paired bootstrap interval over images
    (:func:`ood_accuracy_difference`).

    Computed from the trials of these two models alone, so the number does not depend on which other decision
    makers a page shows: the landing page's key number of claim 1 and chapter 1 print the same value. No humans
    take part, so images are the only thing resampled. Empty when either model has no parametric trials.
    Columns as :func:`ood_accuracy_difference`.
    """
    pair = trials[trials["subject"].isin([SIMCLR, SUPERVISED]) & trials["dataset"].isin(list(DISTORTIONS))]
    if set(pair["subject"]) != {SIMCLR, SUPERVISED}:
        return pd.DataFrame(columns=["dataset", "subject_a", "subject_b", "training_a", "difference", "ci_low",
                                     "ci_high", "n_boot", "level"])  # fmt: skip
    return ood_accuracy_difference(pair, [(SIMCLR, SUPERVISED)], n_boot=n_boot, seed=seed, level=level)


def noise_standout(simclr: pd.DataFrame) -> dict[str, object]:
    """Does uniform noise stand out among SimCLR's advantages over ResNet-50, as the paper's explanation (strong
    augmentation in SimCLR's training) implies?

    ``simclr``: :func:`simclr_differences`. Uniform noise *stands out* when its difference is the largest of the
    datasets and the lower end of its interval lies above every other dataset's difference.

    Returns
    -------
    dict
        ``tested`` (uniform noise and at least one other dataset present); when tested: ``noise`` (its
        difference as text), ``rank`` (1 = largest) of ``n_datasets``, ``largest`` (the dataset with the largest
        difference) and ``largest_text``, ``rivals`` (other datasets whose difference reaches the lower end of
        uniform noise's interval, largest first, as "dataset (+N points)"), ``stands_out`` (bool) and
        ``sentence`` (the finding in one sentence of Markdown).
    """
    cells = simclr[simclr["dataset"] != ALL_DATASETS].sort_values("difference", ascending=False, kind="stable")
    if NOISE not in set(cells["dataset"]) or len(cells) < 2:
        return {"tested": False}
    noise = cells[cells["dataset"] == NOISE].iloc[0]
    others = cells[cells["dataset"] != NOISE]
    rivals = others[others["difference"] >= noise["ci_low"]]
    top = cells.iloc[0]
    facts = {
        "tested": True,
        "noise": describe(noise["difference"], noise["ci_low"], noise["ci_high"], difference=True),
        "rank": int(list(cells["dataset"]).index(NOISE)) + 1,
        "n_datasets": len(cells),
        "largest": str(top["dataset"]),
        "largest_text": describe(top["difference"], top["ci_low"], top["ci_high"], difference=True),
        "rivals": [f"{r.dataset} ({f'{100 * r.difference:+.0f}'.replace('-', chr(0x2212))} points)"
                   for r in rivals.itertuples()],  # fmt: skip
        "stands_out": bool(top["dataset"] == NOISE and rivals.empty),
    }
    if facts["stands_out"]:
        facts["sentence"] = md("Uniform noise stands out: SimCLR's advantage over ResNet-50 there, {noise}, is "
                               "clearly the largest of the {n_datasets} datasets, as the paper's explanation "
                               "(strong augmentation in SimCLR's training) implies.", **facts)
    else:
        facts["sentence"] = md("Uniform noise does not stand out: SimCLR's advantage over ResNet-50 there, "
                               "{noise}, ranks {rank} of {n_datasets}, and it is as large within the uncertainty, "
                               "or larger, on {rivals}; "
                               "the paper's explanation (augmentation against noise) accounts for the noise result "
                               "but not for these.", rivals=", ".join(facts["rivals"]),
                               **{k: v for k, v in facts.items() if k != "rivals"})
    return facts
