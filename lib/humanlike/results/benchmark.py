"""Chapter 5, the benchmark and your model: the benchmark's metrics per model, overall and per dataset, and a
model evaluated on a few datasets placed among the others on equal terms.

See Also
--------
humanlike.charts.benchmark
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import benchmark, metrics, uncertainty
from .common import (
    ALL_DATASETS,
    HUMANS,
    THIRD_PARTY_LABEL,
    dataset_coverage,
    observer_names,
    sort_by_dataset,
    training_types,
)

__all__ = [
    "benchmark_scopes",
    "benchmark_intervals",
    "benchmark_take_away",
    "benchmark_on_datasets_of",
    "model_kappa_intervals",
    "placement_findings",
]


def benchmark_scopes(trials: pd.DataFrame) -> pd.DataFrame:
    """The benchmark's four metrics per model, overall and per dataset, in one tidy table for charts.

    Columns: ``scope`` (:data:`ALL_DATASETS` or a dataset name), ``model``, ``training``, ``third_party`` (the
    group that ran a third-party evaluation, ``"<model> [<owner>]"`` from
    :func:`humanlike.results.third_party.paper_models_third_party`, else ``""``), the four benchmark metrics,
    ``mean_rank`` (among the models within the scope, third-party runs of the toolbox included), ``n_datasets``.
    The ``ALL_DATASETS`` rows are :func:`humanlike.benchmark.benchmark_table`; the per-dataset rows come from
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
    table = sort_by_dataset(table, column="scope")
    table["training"] = training_types(table["model"])
    label = table["model"].astype(str).map(lambda name: "".join(THIRD_PARTY_LABEL.findall(name)))  # " [<owner>]"
    table["third_party"] = label.str.strip(" []")
    return table[["scope", "model", "training", "third_party", *benchmark.METRICS, "mean_rank", "n_datasets"]]


def benchmark_on_datasets_of(trials: pd.DataFrame, model: str) -> pd.DataFrame:
    """The benchmark table restricted to the datasets ``model`` has trials in, so that a model evaluated on a few
    datasets is ranked against the others on equal terms (same columns as ``benchmark_table``)."""
    have = trials.loc[trials["subject"] == model, "dataset"].unique()
    if len(have) == 0:
        raise ValueError(f"no trials of model {model!r}")
    return benchmark.benchmark_table(trials[trials["dataset"].isin(have)])


def model_kappa_intervals(trials: pd.DataFrame, model: str, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Error consistency of ``model`` with the human observers, per dataset it was evaluated on, averaged over the
    observers, with a 95% percentile bootstrap interval over images
    (:func:`humanlike.uncertainty.bootstrap_error_consistency` with ``average_b=True``).

    Returns
    -------
    DataFrame
        ``dataset, error_consistency, ci_low, ci_high``.
    """
    have = trials.loc[trials["subject"] == model, "dataset"].unique()
    if len(have) == 0:
        raise ValueError(f"no trials of model {model!r}")
    subset = trials[trials["dataset"].isin(have)]
    humans = observer_names(subset)
    kappa = uncertainty.bootstrap_error_consistency(subset, [model], humans, n_boot=n_boot, seed=seed, average_b=True)
    return sort_by_dataset(kappa)[["dataset", "error_consistency", "ci_low", "ci_high"]]


def placement_findings(own: pd.DataFrame, model: str) -> dict[str, object]:
    """Where ``model`` stands in :func:`benchmark_on_datasets_of`, as numbers for chapter 5's prose.

    Returns
    -------
    dict
        ``ood_accuracy``, ``error_consistency`` and ``mean_rank`` of the model; ``humans_error_consistency``
        (human observers among themselves on the same datasets); ``n_models`` (models ranked, humans not
        counted); ``n_datasets``.
    """
    table = own.set_index("model")
    if model not in table.index:
        raise ValueError(f"{model!r} is not in the table")
    row = table.loc[model]
    return {
        "ood_accuracy": float(row["ood_accuracy"]),
        "error_consistency": float(row["error_consistency"]),
        "mean_rank": float(row["mean_rank"]),
        "humans_error_consistency": (
            float(table.loc[HUMANS, "error_consistency"]) if HUMANS in table.index else float("nan")
        ),
        "n_models": int((own["model"] != HUMANS).sum()),
        "n_datasets": int(row["n_datasets"]),
    }


def _weighted_observer_mean(values: np.ndarray, u: np.ndarray) -> np.ndarray:
    """(B, S, H) values, (B, H) observer multiplicities -> (B, S) weighted mean over observers, NaN values left out."""
    weights = u[:, None, :] * np.isfinite(values)
    return metrics.divide((np.nan_to_num(values) * weights).sum(axis=2), weights.sum(axis=2))


def _benchmark_replicates(
    trials: pd.DataFrame, n_boot: int, seed: int, chunk_bytes: int = 64 * 2**20
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Bootstrap replicates of the benchmark's four metrics over datasets: decision makers (models, then
    ``humans``) and metric -> (B, S) means over the datasets each decision maker has."""
    matrix = metrics.correctness_matrix(trials)
    humans = np.flatnonzero(matrix.is_human)
    models = np.flatnonzero(~matrix.is_human)
    weights = uncertainty.bootstrap_block_weights(matrix.blocks, n_boot, seed)
    observer_rng = np.random.default_rng([seed, 1])
    index = {(d, c): i for i, (d, c, _) in enumerate(matrix.blocks)}
    upper = np.triu(np.ones((len(humans), len(humans)), dtype=bool), k=1)
    per_dataset = {name: [] for name in benchmark.METRICS}
    for dataset, blocks in matrix.dataset_blocks().items():
        included = [(c, cols) for c, cols in blocks if not benchmark.is_excluded(dataset, c)]
        if not included or not matrix.seen[np.ix_(humans, np.arange(matrix.seen.shape[1]))][:, np.concatenate(
                [np.arange(cols.start, cols.stop) for _, cols in included])].any():  # fmt: skip
            continue
        accuracy, pairs = [], {name: [] for name in benchmark.METRICS[1:]}
        for condition, cols in included:
            correct, seen = matrix.correct[:, cols], matrix.seen[:, cols]
            w = weights[index[(dataset, condition)]]
            acc = metrics.divide(w @ correct.T, w @ seen.T)  # (B, S)
            step = max(1, chunk_bytes // (8 * 3 * max(1, correct.shape[0] * correct.shape[1])))
            chunks = [metrics.pairwise_consistency(correct, seen, cols=humans, weights=w[s : s + step, None, :])
                      for s in range(0, n_boot, step)]  # fmt: skip
            accuracy.append(acc)
            pairs["accuracy_difference"].append((acc[:, :, None] - acc[:, None, humans]) ** 2)
            pairs["observed_consistency"].append(np.concatenate([c.observed_consistency for c in chunks]))
            pairs["error_consistency"].append(np.concatenate([c.error_consistency for c in chunks]))
        accuracy = metrics.nanmean(np.stack(accuracy), 0)  # (B, S)
        pairs = {name: metrics.nanmean(np.stack(v), 0) for name, v in pairs.items()}  # (B, S, H)
        u = uncertainty.bootstrap_weights(observer_rng, len(humans), n_boot)  # observers resampled: second stage
        u = u * np.isfinite(accuracy[:, humans])
        pair_u = (u[:, :, None] * u[:, None, :])[:, upper]  # (B, pairs of observers)
        human_mean = metrics.divide((np.nan_to_num(accuracy[:, humans]) * u).sum(1), u.sum(1))
        rows = {"ood_accuracy": np.column_stack([accuracy[:, models], human_mean])}
        for name, values in pairs.items():
            human_pairs = values[:, humans, :][:, upper]
            pooled = metrics.divide((np.nan_to_num(human_pairs) * pair_u * np.isfinite(human_pairs)).sum(1),
                                    (pair_u * np.isfinite(human_pairs)).sum(1))  # fmt: skip
            rows[name] = np.column_stack([_weighted_observer_mean(values[:, models], u), pooled])
        seen_any = np.isfinite(accuracy[:, models]).any(axis=0)
        for name in benchmark.METRICS:
            rows[name][:, :-1][:, ~seen_any] = np.nan
            per_dataset[name].append(rows[name])
    names = np.append(matrix.subjects[models], HUMANS)
    return names, {name: metrics.nanmean(np.stack(v), 0) for name, v in per_dataset.items()}


def benchmark_intervals(trials: pd.DataFrame, n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """The benchmark table (:func:`humanlike.benchmark.benchmark_table`, point values unchanged) with a 95%
    interval for each metric and each model's rank with its range over the bootstrap samples.

    Replicates: the benchmark recomputed with images resampled within every dataset x condition
    (:func:`humanlike.uncertainty.bootstrap_block_weights`) and, since every metric averages over human observers,
    the dataset's observers resampled as well (two-stage bootstrap; pairs of observers for the ``humans`` row
    weighted by both members' multiplicities). ``rank``: the model's place in the table (1 = lowest mean rank);
    ``rank_low``/``rank_high``: the percentile range of that place over the replicates (mean ranks recomputed in
    each). Only the models evaluated on the most datasets are ranked, among themselves: a model on fewer
    datasets is averaged over those it has, which is not comparable, so its rank and range are NaN. Columns:
    ``model``, each metric of :data:`humanlike.benchmark.METRICS` followed by ``<metric>_low`` and
    ``<metric>_high``, ``mean_rank, rank, rank_low, rank_high, n_datasets``; ``humans`` last, without rank.
    """
    table = benchmark.benchmark_table(trials)
    names, replicates = _benchmark_replicates(benchmark.ood_trials(trials), n_boot, seed)
    position = {str(n): i for i, n in enumerate(names)}
    order = [position[m] for m in table["model"]]
    out = table[["model"]].copy()
    for name in benchmark.METRICS:
        low, high = uncertainty.percentile_interval(replicates[name][:, order], level)
        out[name], out[f"{name}_low"], out[f"{name}_high"] = table[name], low, high
    out["mean_rank"], out["n_datasets"] = table["mean_rank"], table["n_datasets"]
    models = (table["model"] != HUMANS).to_numpy().copy()
    if models.any():  # comparable: evaluated on as many datasets as the most complete model
        models[models] = ~dataset_coverage(table.loc[models, "n_datasets"])["fewer"].to_numpy()
    ranked = np.array(order)[models]
    mean_ranks = sum(
        pd.DataFrame(replicates[name][:, ranked]).rank(axis=1, ascending=ascending, method="average").to_numpy()
        for name, ascending in benchmark._RANKED.items()
    ) / len(benchmark._RANKED)
    places = pd.DataFrame(mean_ranks).rank(axis=1, method="min").to_numpy()  # (B, models)
    tail = 100 * (1 - level) / 2
    out["rank"] = np.nan
    out.loc[models, "rank"] = pd.Series(table.loc[models, "mean_rank"]).rank(method="min").to_numpy()
    out["rank_low"], out["rank_high"] = np.nan, np.nan
    out.loc[models, "rank_low"] = np.percentile(places, tail, axis=0, method="lower")
    out.loc[models, "rank_high"] = np.percentile(places, 100 - tail, axis=0, method="higher")
    return out


def benchmark_take_away(intervals: pd.DataFrame) -> str:
    """Chapter 5's "Take-away" as Markdown, from :func:`benchmark_intervals`: how far the best model's error
    consistency lies from the humans' (intervals), which models share the top place within their rank ranges,
    and where the self-supervised models stand; then what would change it."""
    from ..text import md

    models = intervals[intervals["model"] != HUMANS]
    humans = intervals[intervals["model"] == HUMANS]
    if models.empty or humans.empty:
        return "No model and human observers to compare."
    human = humans.iloc[0]
    best = models.sort_values("error_consistency", ascending=False).iloc[0]
    top = models[models["rank_low"] <= 1]
    ranked = models["rank"].notna()
    training = dict(zip(models["model"], training_types(models["model"])))
    ssl = [f"{m} (rank {r:.0f}, range {lo:.0f}–{hi:.0f})" if pd.notna(r) else f"{m} (fewer datasets: not ranked)"
           for m, r, lo, hi in zip(models["model"], models["rank"], models["rank_low"], models["rank_high"])
           if training[m] == "self-supervised"]  # fmt: skip
    gap = "clearly below" if best["error_consistency_high"] < human["error_consistency_low"] else "not clearly below"
    text = md(
        "**What the data say.** The most error-consistent model, {model}, reaches κ = {kappa:.2f} (95% CI "
        "{low:.2f} to {high:.2f}), {gap} the agreement between two humans, κ = {human:.2f} ({hlow:.2f} to "
        "{hhigh:.2f}). {n_top} of {n} models can take the first place within their rank ranges ({top}). "
        "Self-supervised models: {ssl}.", model=best["model"], kappa=best["error_consistency"],
        low=best["error_consistency_low"], high=best["error_consistency_high"], gap=gap,
        human=human["error_consistency"], hlow=human["error_consistency_low"], hhigh=human["error_consistency_high"],
        n_top=len(top), n=int(ranked.sum()), top=", ".join(top["model"]), ssl="; ".join(ssl) or "none among the data")
    return text + (
        "\n\n**What would change it.** More observers per dataset narrow the humans' intervals, and more "
        "self-supervised models (`make paper`, or your own runs in `extra_dirs`) would show whether SimCLR's place "
        "is typical of its kind."
    )
