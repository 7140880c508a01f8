"""Chapter 3, image-level errors: error consistency (kappa, Geirhos et al. 2020 NeurIPS) of pairs of decision
makers: matrices, summaries by the kind of pair, kappa per distortion level, bootstrap intervals against the
human ceiling, and the chapter's findings. All numbers come from :func:`humanlike.metrics.consistency`,
:func:`humanlike.uncertainty.bootstrap_error_consistency` and :func:`humanlike.metrics.human_ceiling`.

See Also
--------
humanlike.charts.image_errors
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .. import benchmark, data, metrics, uncertainty
from .common import (
    ALL_DATASETS,
    HUMANS,
    MAJORITY,
    condition_levels,
    model_names,
    observer_names,
    ordered_datasets,
    sort_by_dataset,
    training_of,
)

__all__ = [
    "PAIR_KINDS",
    "pair_kind",
    "error_consistency_matrix",
    "consistency_summary",
    "overall_consistency",
    "consistency_by_level",
    "consistency_intervals",
    "ceiling_comparison",
    "SIMILAR_KAPPA",
    "kappa_by_kind",
    "consistency_findings",
    "ssl_kappa_comparison",
    "consistency_level_intervals",
    "DEGENERATE_MARGIN",
    "degenerate_kappa",
]


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


def _withtraining_of(frame: pd.DataFrame) -> pd.DataFrame:
    training = training_of(pd.concat([frame["subject_a"], frame["subject_b"]]))
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
    intervals over images (:func:`humanlike.uncertainty.bootstrap_error_consistency`), else ``ci_low``/``ci_high`` NaN.
    Columns: ``dataset, subject_a, subject_b, training_a, training_b, kind, n_trials, observed_consistency,
    expected_consistency, error_consistency, ci_low, ci_high``.
    """
    selected = trials[trials["dataset"].isin(list(datasets))]
    if selected.empty:
        return pd.DataFrame(columns=_MATRIX_COLUMNS)
    out = metrics.consistency(selected, per="dataset").drop(columns="n_conditions")
    if n_boot > 0:
        boot = uncertainty.bootstrap_error_consistency(selected, n_boot=n_boot, seed=seed)
        out = out.merge(boot[["dataset", "subject_a", "subject_b", "ci_low", "ci_high"]], how="left")
    else:
        out["ci_low"], out["ci_high"] = np.nan, np.nan
    return _withtraining_of(out)[_MATRIX_COLUMNS]


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
    pairs = _withtraining_of(_unordered(metrics.consistency(selected, per="dataset"), ["dataset"]))
    mixed = {frozenset(("supervised", "self-supervised"))}
    subset = pairs[[frozenset((a, b)) in mixed for a, b in zip(pairs["training_a"], pairs["training_b"])]]
    pairs = pd.concat([pairs, subset.assign(kind="supervised–self-supervised")], ignore_index=True)
    grouped = pairs.dropna(subset=["error_consistency"]).groupby(["dataset", "kind"], sort=False)
    out = grouped["error_consistency"].agg(["mean", "min", "max", "size"]).reset_index()
    out = out.rename(columns={"size": "n_pairs"})
    order = {k: i for i, k in enumerate(PAIR_KINDS)}
    out = out.assign(_kind=out["kind"].map(order).fillna(len(order)))
    return sort_by_dataset(out, "_kind")[columns]


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
    humans = observer_names(selected)
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
    out["training"] = out["subject"].map(training_of(out["subject"]))
    return out.sort_values(["dataset", "level", "subject"], ignore_index=True)[columns]


def consistency_intervals(
    trials: pd.DataFrame, n_boot: int = 1000, seed: int = 0, ood_only: bool = True
) -> pd.DataFrame:
    """Error consistency of every model with every human observer, and of every pair of observers, per dataset,
    with 95 % percentile bootstrap intervals over images (:func:`humanlike.uncertainty.bootstrap_error_consistency`;
    kappa averaged over the conditions of a dataset; with ``ood_only`` the benchmark's conditions only, as in
    :func:`consistency_summary`). Each pair of observers appears once, under ``humans``.
    Columns: ``dataset, subject, partner, training, kind, error_consistency, ci_low, ci_high`` (``subject``: the
    model, or ``humans`` for a pair of observers; ``partner``: the observer, or ``subject-01 & subject-02``).
    """

    columns = ["dataset", "subject", "partner", "training", "kind", "error_consistency", "ci_low", "ci_high"]
    trials = benchmark.ood_trials(trials) if ood_only else trials
    humans, models = observer_names(trials), model_names(trials)
    frames = []
    if humans and models:
        boot = uncertainty.bootstrap_error_consistency(trials, models, humans, n_boot=n_boot, seed=seed)
        frames.append(boot.rename(columns={"subject_a": "subject", "subject_b": "partner"}))
    if len(humans) > 1:
        boot = uncertainty.bootstrap_error_consistency(trials, humans, humans, n_boot=n_boot, seed=seed)
        boot = boot[boot["subject_a"] < boot["subject_b"]]
        frames.append(boot.assign(subject=HUMANS, partner=boot["subject_a"] + " & " + boot["subject_b"]))
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)
    out["training"] = out["subject"].map(training_of(out["subject"]))
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
    out = sort_by_dataset(out)
    out[["n_model_pairs", "n_below"]] = out[["n_model_pairs", "n_below"]].fillna(0).astype(int)
    return out[columns]


#: Self-supervised and supervised models count as "about equally" consistent with humans when their mean kappa
#: with the observers differs by less than this. It lies below the half-width of the 95% bootstrap interval of a
#: single model–observer kappa on the published data (median 0.07, quartiles 0.055 and 0.095, measured with
#: consistency_intervals at 200 resamples), so a smaller difference is within the uncertainty of one pair and is
#: not read as a difference.
SIMILAR_KAPPA = 0.05


def kappa_by_kind(summary: pd.DataFrame, groups: dict[str, Sequence[str] | None]) -> pd.DataFrame:
    """Mean kappa per kind of pair, averaged over the datasets of each group (each dataset weighs the same).

    Parameters
    ----------
    summary : DataFrame
        :func:`consistency_summary`.
    groups : dict
        Column title -> the datasets it averages over (``None``: all datasets of ``summary``).

    Returns
    -------
    DataFrame
        Index ``pair`` (the kinds, in :data:`PAIR_KINDS` order), one column per group (NaN where a group has
        no pair of that kind).
    """
    columns = {}
    for title, datasets in groups.items():
        rows = summary if datasets is None else summary[summary["dataset"].isin(list(datasets))]
        columns[title] = overall_consistency(rows).set_index("kind")["mean"]
    table = pd.DataFrame(columns)
    order = [k for k in PAIR_KINDS if k in table.index] + [k for k in table.index if k not in PAIR_KINDS]
    table = table.reindex(order)
    table.index.name = "pair"
    return table


def consistency_findings(
    summary: pd.DataFrame, ceiling: pd.DataFrame, *, similar: float = SIMILAR_KAPPA, majority: float = MAJORITY
) -> pd.Series:
    """Chapter 3's claims as numbers and verdict keys, from :func:`consistency_summary` and
    :func:`ceiling_comparison`.

    Parameters
    ----------
    summary, ceiling : DataFrame
        The two tables.
    similar : float, default :data:`SIMILAR_KAPPA`
        Below this absolute difference in mean kappa, self-supervised and supervised count as similar.
    majority : float, default :data:`MAJORITY`
        ``models_agree_on_most`` needs more than this fraction of the datasets.

    Returns
    -------
    Series
        * ``n_datasets``: datasets with at least one model; ``n_human_above``: of those, datasets where the mean
          human–human kappa exceeds the mean kappa of every model with the observers; ``exceptions``: the
          others, as "dataset (best model)" text;
        * ``n_model_pairs`` / ``n_below``: model–observer pairs, and those whose interval lies below the human
          mean of their dataset;
        * ``ssl_minus_supervised``: mean over datasets of the human–self-supervised kappa minus that of the
          human–supervised kappa (NaN without both kinds), and its verdict ``ssl_vs_supervised``: ``"missing"``,
          ``"similar"``, ``"more"`` or ``"less"`` (self-supervised more / less consistent with humans);
        * ``n_models_agree``: datasets where pairs of models agree more than pairs of humans (mean kappa), out of
          ``n_summary_datasets``; ``models_agree_on_most``: more than ``majority`` of them.
    """
    above = ceiling.dropna(subset=["best_model_mean"])
    higher = above["human_mean"] > above["best_model_mean"]
    means = summary.pivot_table(index="dataset", columns="kind", values="mean")
    overall = means.mean()
    both = {"model–model", "human–human"} <= set(means.columns)
    gap = overall.get("human–self-supervised", np.nan) - overall.get("human–supervised", np.nan)
    verdict = "missing" if pd.isna(gap) else "similar" if abs(gap) < similar else "more" if gap > 0 else "less"
    agree = int((means["model–model"] > means["human–human"]).sum()) if both else 0
    return pd.Series(
        {
            "n_datasets": len(above),
            "n_human_above": int(higher.sum()),
            "exceptions": ", ".join(f"{r.dataset} ({r.best_model})" for r in above[~higher].itertuples()),
            "n_model_pairs": int(ceiling["n_model_pairs"].sum()),
            "n_below": int(ceiling["n_below"].sum()),
            "ssl_minus_supervised": gap,
            "ssl_vs_supervised": verdict,
            "n_models_agree": agree,
            "n_summary_datasets": len(means),
            "models_agree_on_most": bool(len(means) and agree > majority * len(means)),
        }
    )


def consistency_level_intervals(
    trials: pd.DataFrame,
    datasets: Sequence[str] = data.PARAMETRIC_DATASETS,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Each model's mean error consistency with the human observers per distortion level, with a percentile
    bootstrap interval of that mean (images resampled within each dataset x condition;
    :func:`humanlike.uncertainty.bootstrap_error_consistency` with ``average_b``, so the mean is taken inside every
    replicate); and ``humans``: the mean kappa between pairs of observers with the range over pairs
    (:func:`consistency_by_level`). Columns: ``dataset, condition, level, label, parameter, subject, training,
    error_consistency, ci_low, ci_high, interval``.
    """
    columns = ["dataset", "condition", "level", "label", "parameter", "subject", "training", "error_consistency",
               "ci_low", "ci_high", "interval"]  # fmt: skip
    selected = trials[trials["dataset"].isin(list(datasets))]
    humans, models = observer_names(selected), model_names(selected)
    if selected.empty or not humans:
        return pd.DataFrame(columns=columns)
    ceiling = consistency_by_level(selected, datasets)
    ceiling = ceiling[ceiling["subject"] == HUMANS].rename(columns={"low": "ci_low", "high": "ci_high"})
    ceiling = ceiling.assign(interval="range over pairs of observers")
    frames = [ceiling]
    if models:
        # One "dataset" per condition: the bootstrap then averages kappa over that condition only.
        keyed = selected.assign(dataset=selected["dataset"].astype(str) + "\x00" + selected["condition"].astype(str))
        boot = uncertainty.bootstrap_error_consistency(keyed, models, humans, n_boot=n_boot, seed=seed, level=level,
                                                   average_b=True)  # fmt: skip
        split = boot["dataset"].str.split("\x00", n=1, expand=True)
        boot = boot.assign(dataset=split[0], condition=split[1]).rename(columns={"subject_a": "subject"})
        boot = boot.drop(columns=["subject_b", "n_boot", "level"])
        boot = boot.join(condition_levels(boot))
        boot["training"] = boot["subject"].map(training_of(boot["subject"]))
        frames.append(boot.assign(interval=f"{level:.0%} bootstrap interval"))
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["dataset", "level", "subject"], ignore_index=True)[columns]


#: A decision maker whose accuracy in a condition is at most this or at least 1 minus this makes kappa degenerate
#: there: with accuracy p1 = 1 (or 0) the expected agreement equals the observed one, c_exp = c_obs, so kappa is 0
#: whatever the other observer does; close to it, kappa rests on a handful of errors (or hits).
DEGENERATE_MARGIN = 0.05


def degenerate_kappa(
    trials: pd.DataFrame, datasets: Sequence[str] | None = None, *, margin: float = DEGENERATE_MARGIN
) -> pd.DataFrame:
    """The conditions where error consistency is degenerate: some decision maker's accuracy is within ``margin``
    of 0 or 1 (see :data:`DEGENERATE_MARGIN`). One row per dataset and condition that has such decision makers:
    ``dataset, condition, level, label, n_degenerate`` (how many), ``n_subjects``, ``humans_degenerate`` (the
    observers' mean accuracy itself is that extreme), ``who`` (names, ``, ``-joined; observers counted, not
    named). Empty when no condition is degenerate.
    """
    columns = ["dataset", "condition", "level", "label", "n_degenerate", "n_subjects", "humans_degenerate", "who"]
    if not 0 <= margin < 0.5:
        raise ValueError(f"margin must be in [0, 0.5), not {margin}")
    selected = trials if datasets is None else trials[trials["dataset"].isin(list(datasets))]
    if selected.empty:
        return pd.DataFrame(columns=columns)
    acc = metrics.accuracy(selected, by=["dataset", "condition", "subject"])
    acc["is_human"] = acc["subject"].isin(observer_names(selected))
    acc["degenerate"] = (acc["accuracy"] <= margin) | (acc["accuracy"] >= 1 - margin)
    rows = []
    for (dataset, condition), group in acc.groupby(["dataset", "condition"], sort=False):
        bad = group[group["degenerate"]]
        if bad.empty:
            continue
        human_mean = group.loc[group["is_human"], "accuracy"].mean()
        observers = int(bad["is_human"].sum())
        who = list(bad.loc[~bad["is_human"], "subject"]) + ([f"{observers} observer(s)"] if observers else [])
        rows.append({"dataset": dataset, "condition": condition, "n_degenerate": len(bad), "n_subjects": len(group),
                     "humans_degenerate": bool(human_mean <= margin or human_mean >= 1 - margin),
                     "who": ", ".join(who)})  # fmt: skip
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(rows)
    out = out.join(condition_levels(out)[["level", "label"]])
    return sort_by_dataset(out, "level")[columns].reset_index(drop=True)


def _chunked_kappa(correct: np.ndarray, seen: np.ndarray, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray,
                   chunk_bytes: int = 64 * 2**20) -> np.ndarray:  # fmt: skip
    """(B, rows, cols) kappa per bootstrap replicate (``weights``: (B, images)), a chunk of replicates at a time."""
    step = max(1, chunk_bytes // (8 * 3 * max(1, len(rows) * correct.shape[1])))
    chunks = [metrics.pairwise_consistency(correct, seen, rows, cols, weights=weights[s : s + step, None, :])
              for s in range(0, len(weights), step)]  # fmt: skip
    return np.concatenate([chunk.error_consistency for chunk in chunks])


def ssl_kappa_comparison(
    trials: pd.DataFrame,
    models: Sequence[str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """The paper's comparison behind claim 3: are self-supervised networks' errors closer to supervised
    networks' than to humans'? Per dataset (the benchmark's conditions, as :func:`consistency_summary`) and over
    datasets (:data:`ALL_DATASETS`, each dataset weighing the same):

    * ``ssl_supervised``: mean kappa of every self-supervised model with every supervised one;
    * ``ssl_human``: mean kappa of every self-supervised model with every human observer;
    * ``difference`` = ssl_supervised - ssl_human, with a two-stage percentile bootstrap interval: in every
      replicate the dataset's observers are resampled (``default_rng([seed, 1])``), then the images within each
      condition (the resamples of :func:`humanlike.uncertainty.bootstrap_block_weights`, shared by all pairs).

    ``models``: the models to use (default: all of ``trials``); their training type comes from
    :func:`humanlike.results.training_of`. Empty without a self-supervised model, a supervised one and an
    observer. Columns: ``dataset, ssl_supervised, ssl_human, difference, ci_low, ci_high, n_self_supervised,
    n_supervised, n_observers, self_supervised`` (the self-supervised models' names, comma-separated).
    """
    columns = ["dataset", "ssl_supervised", "ssl_human", "difference", "ci_low", "ci_high", "n_self_supervised",
               "n_supervised", "n_observers", "self_supervised"]  # fmt: skip
    trials = benchmark.ood_trials(trials)
    present = model_names(trials)
    names = present if models is None else [m for m in present if m in set(models)]
    kinds = training_of(names)
    ssl = [m for m in names if kinds[m] == "self-supervised"]
    supervised = [m for m in names if kinds[m] == "supervised"]
    humans = observer_names(trials)
    if not (ssl and supervised and humans):
        return pd.DataFrame(columns=columns)
    matrix = metrics.correctness_matrix(trials[trials["subject"].isin([*ssl, *supervised, *humans])])
    rows, n_sup = matrix.index(ssl), len(supervised)
    cols = np.concatenate([matrix.index(supervised), matrix.index(humans)])
    weights = uncertainty.bootstrap_block_weights(matrix.blocks, n_boot, seed)
    observer_rng = np.random.default_rng([seed, 1])
    index = {(d, c): i for i, (d, c, _) in enumerate(matrix.blocks)}
    out, replicates = [], []
    by_dataset = matrix.dataset_blocks()
    for dataset in ordered_datasets(by_dataset):
        blocks = by_dataset[dataset]
        point, reps = [], []
        for condition, columns_ in blocks:
            correct, seen = matrix.correct[:, columns_], matrix.seen[:, columns_]
            point.append(metrics.pairwise_consistency(correct, seen, rows, cols).error_consistency)
            reps.append(_chunked_kappa(correct, seen, rows, cols, weights[index[(dataset, condition)]]))
        point, reps = metrics.nanmean(np.stack(point), 0), metrics.nanmean(np.stack(reps), 0)  # (R, C), (B, R, C)
        with_humans = np.isfinite(point[:, n_sup:]).any(axis=0)
        if not with_humans.any() or not np.isfinite(point[:, :n_sup]).any():
            continue
        human_point, human_reps = point[:, n_sup:][:, with_humans], reps[:, :, n_sup:][:, :, with_humans]
        u = uncertainty.bootstrap_weights(observer_rng, human_point.shape[1], n_boot)[:, None, :]  # (B, 1, H)
        u = u * np.isfinite(human_reps)
        ssl_human_reps = metrics.nanmean(metrics.divide((np.nan_to_num(human_reps) * u).sum(axis=2), u.sum(axis=2)), 1)
        ssl_sup = float(metrics.nanmean(point[:, :n_sup], (0, 1)))
        ssl_human = float(metrics.nanmean(human_point, (0, 1)))
        samples = metrics.nanmean(reps[:, :, :n_sup], (1, 2)) - ssl_human_reps
        replicates.append(samples)
        low, high = uncertainty.percentile_interval(samples[:, None], level)
        seen_by = [m for m, ok in zip(ssl, np.isfinite(point).any(axis=1)) if ok]
        n_supervised = int(np.isfinite(point[:, :n_sup]).any(axis=0).sum())
        out.append([dataset, ssl_sup, ssl_human, ssl_sup - ssl_human, float(low[0]), float(high[0]), len(seen_by),
                    n_supervised, int(with_humans.sum()), ", ".join(seen_by)])  # fmt: skip
    if not out:
        return pd.DataFrame(columns=columns)
    table = pd.DataFrame(out, columns=columns)
    samples = np.mean(np.stack(replicates), axis=0)
    low, high = uncertainty.percentile_interval(samples[:, None], level)
    used = sorted({m for names_ in table["self_supervised"] for m in names_.split(", ")})
    means = [table[c].mean() for c in ("ssl_supervised", "ssl_human", "difference")]
    overall = [ALL_DATASETS, *means, float(low[0]), float(high[0]), len(used), len(supervised),
               int(table["n_observers"].sum()), ", ".join(used)]  # fmt: skip
    return pd.concat([pd.DataFrame([overall], columns=columns), table], ignore_index=True)
