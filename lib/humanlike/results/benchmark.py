"""Chapter 5, the benchmark and your model: the benchmark's metrics per model, overall and per dataset, and a
model evaluated on a few datasets placed among the others on equal terms.

See Also
--------
humanlike.charts.benchmark
"""

from __future__ import annotations

import pandas as pd

from .. import benchmark, metrics
from .common import ALL_DATASETS, HUMANS, THIRD_PARTY_LABEL, observer_names, sort_by_dataset, training_types

__all__ = [
    "benchmark_scopes",
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
    (:func:`humanlike.metrics.bootstrap_error_consistency` with ``average_b=True``).

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
    kappa = metrics.bootstrap_error_consistency(subset, [model], humans, n_boot=n_boot, seed=seed, average_b=True)
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
