"""The model-vs-human benchmark (Geirhos et al. 2021, "Partial success in closing the gap between human and
machine vision", NeurIPS; toolbox https://github.com/bethgelab/model-vs-human).

Definition, as published:

* 17 datasets. In the 12 parametric datasets the conditions in :data:`EXCLUDED_CONDITIONS` are left out (the
  undistorted condition, and distortions so strong that humans are near chance, are not "out of distribution"
  tests); the 5 nonparametric datasets use all their trials.
* For every (model, human observer) pair and every remaining condition: the model's accuracy ("OOD accuracy"),
  the squared accuracy difference (model accuracy - observer accuracy)^2, the observed consistency and the error
  consistency (Geirhos et al. 2020, NeurIPS) on the images both saw (:mod:`humanlike.metrics`).
* Average over conditions, then over the dataset's human observers, then over datasets (all unweighted).
  A model that lacks datasets is averaged over those it has (``n_datasets``).
* The ``humans`` row: OOD accuracy is the mean over observers; the three comparisons use every unordered pair
  of distinct observers of a dataset in place of (model, observer), averaged over pairs.
* ``mean_rank``: mean of a model's three ranks among the models on accuracy difference (ascending: lower is
  better), observed consistency and error consistency (descending: higher is better). Ties share the mean of
  the ranks they span (pandas' "average" method, e.g. two models tied for first both get 1.5). The humans row
  is the reference, not a competitor: it gets no rank (NaN) and is listed last.

All pairwise numbers come from one (decision makers x trial keys) correctness matrix with matrix products per
condition, so the cost grows linearly with the number of models (models are only compared with humans).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import metrics
from .registry import HUMANS
from .metrics import CorrectnessMatrix, divide, nanmean, correctness_matrix, pairwise_consistency

#: Conditions left out of the benchmark, as raw CSV values (the ``condition`` column of the trial table).
#: From the model-vs-human toolbox's benchmark definition; checked against the mirror's conditions in the tests.
EXCLUDED_CONDITIONS: dict[str, tuple[str, ...]] = {
    "colour": ("cr",),  # colour images: the undistorted reference
    "contrast": ("c100", "c03", "c01"),
    "high-pass": ("inf", "0.55", "0.45", "0.4"),
    "low-pass": ("0", "15", "40"),
    "phase-scrambling": ("0", "150", "180"),
    "power-equalisation": ("0",),
    "false-colour": ("true",),
    "rotation": ("0",),
    "eidolonI": ("1-10-10", "64-10-10", "128-10-10"),
    "eidolonII": ("1-3-10", "32-3-10", "64-3-10", "128-3-10"),
    "eidolonIII": ("1-0-10", "16-0-10", "32-0-10", "64-0-10", "128-0-10"),
    "uniform-noise": ("0.00", "0.60", "0.90"),
}


#: The benchmark's metrics, in table order.
METRICS: tuple[str, ...] = ("ood_accuracy", "accuracy_difference", "observed_consistency", "error_consistency")

TABLE_COLUMNS = ["model", *METRICS, "mean_rank", "n_datasets"]
SHAPE_BIAS_COLUMNS = ["model", "shape_bias", "n_shape", "n_texture"]

# Rank direction: True = ascending (lower is better).
_RANKED = {"accuracy_difference": True, "observed_consistency": False, "error_consistency": False}


def is_excluded(dataset: str, condition: str) -> bool:
    """Whether (dataset, condition) is left out of the benchmark (see :data:`EXCLUDED_CONDITIONS`)."""
    return condition in EXCLUDED_CONDITIONS.get(dataset, ())


def ood_trials(trials: pd.DataFrame) -> pd.DataFrame:
    """The trials that enter the benchmark: all but those of :data:`EXCLUDED_CONDITIONS`."""
    dataset_codes, datasets = pd.factorize(trials["dataset"])
    condition_codes, conditions = pd.factorize(trials["condition"].astype(str))
    # A (datasets x conditions) lookup table keeps this cheap for millions of trials.
    excluded = np.array([[is_excluded(str(d), str(c)) for c in conditions] for d in datasets], dtype=bool)
    if excluded.size == 0:
        return trials
    return trials[~excluded[dataset_codes, condition_codes]]


def dataset_accuracy(trials: pd.DataFrame) -> pd.DataFrame:
    """Top-1 accuracy of every decision maker on all trials of each dataset (excluded conditions included).

    This is the definition behind the toolbox's ``raw-data/performances/<model>.csv`` (verified in the tests for
    all 9 mirror models and 17 datasets). Columns: ``model, dataset, accuracy, n_trials``.
    """
    out = metrics.accuracy(trials, by=["subject", "dataset"]).rename(columns={"subject": "model"})
    return out[["model", "dataset", "accuracy", "n_trials"]]


def _dataset_metrics(matrix: CorrectnessMatrix, dataset: str, blocks: list[tuple[str, slice]]) -> list[dict]:
    """Benchmark rows (model, dataset, metric, value) of one dataset, humans row included."""
    humans = np.flatnonzero(matrix.is_human)
    included = [columns for condition, columns in blocks if not is_excluded(dataset, condition)]
    # A dataset no human saw has no comparison, so it gives no row at all. (Observers of other datasets stay in
    # the pairs below as NaN, which the means drop: the sums keep the order of the published numbers.)
    if not included or not any(matrix.seen[np.ix_(humans, np.arange(matrix.seen.shape[1])[c])].any() for c in included):
        return []
    accuracy, pair_metrics = [], {name: [] for name in METRICS[1:]}
    for columns in included:
        correct, seen = matrix.correct[:, columns], matrix.seen[:, columns]
        acc = divide(correct.sum(axis=1), seen.sum(axis=1))  # (S,), NaN where not seen
        pairs = pairwise_consistency(correct, seen, cols=humans)  # (S, H)
        accuracy.append(acc)
        pair_metrics["accuracy_difference"].append((acc[:, None] - acc[None, humans]) ** 2)
        pair_metrics["observed_consistency"].append(pairs.observed_consistency)
        pair_metrics["error_consistency"].append(pairs.error_consistency)
    # Mean over conditions first (per decision maker, per decision maker x observer pair).
    accuracy = nanmean(np.stack(accuracy), axis=0)
    pair_metrics = {name: nanmean(np.stack(values), axis=0) for name, values in pair_metrics.items()}
    upper = np.triu(np.ones((len(humans), len(humans)), dtype=bool), k=1)  # each unordered observer pair once

    rows = []

    def add(model: str, metric: str, value: float) -> None:
        rows.append({"model": model, "dataset": dataset, "metric": metric, "value": float(value)})

    for s in np.flatnonzero(~matrix.is_human & np.isfinite(accuracy)):
        add(matrix.subjects[s], "ood_accuracy", accuracy[s])
        for name, values in pair_metrics.items():
            # then the mean over the dataset's observers (those with matched trials: NaN pairs drop out)
            add(matrix.subjects[s], name, nanmean(values[s], 0))
    human_accuracy = accuracy[humans]
    if np.isfinite(human_accuracy).any():
        add(HUMANS, "ood_accuracy", nanmean(human_accuracy, 0))
        for name, values in pair_metrics.items():
            add(HUMANS, name, nanmean(values[humans][upper], 0))
    return rows


def benchmark_per_dataset(trials: pd.DataFrame) -> pd.DataFrame:
    """The benchmark's four metrics per model and dataset (step before the mean over datasets).

    Long format, one row per model x dataset x metric: columns ``model, dataset, metric, value`` with metric in
    :data:`METRICS`; the human reference row is ``model == "humans"``. Datasets in the order of the trial table's
    sorted dataset names; a model appears only for the datasets it has trials in.
    Needs columns ``subject, is_human, dataset, condition, image_id, correct``.
    """
    if len(trials) and not trials["is_human"].any():
        raise ValueError("the benchmark compares models with human observers, but the trial table has no human trials")
    matrix = correctness_matrix(trials)
    rows = [
        row for dataset, blocks in matrix.dataset_blocks().items() for row in _dataset_metrics(matrix, dataset, blocks)
    ]
    return pd.DataFrame(rows, columns=["model", "dataset", "metric", "value"])


def add_mean_rank(table: pd.DataFrame) -> pd.DataFrame:
    """Add ``mean_rank`` (see the module docstring) to a table with one row per model and columns
    accuracy_difference, observed_consistency, error_consistency; the ``humans`` row gets NaN."""
    table = table.copy()
    models = table["model"] != HUMANS
    ranks = [table.loc[models, name].rank(ascending=ascending, method="average") for name, ascending in _RANKED.items()]
    table["mean_rank"] = np.nan
    table.loc[models, "mean_rank"] = sum(ranks) / len(ranks)
    return table


def benchmark_table(trials: pd.DataFrame) -> pd.DataFrame:
    """The benchmark table: one row per model plus ``humans``, the four metrics averaged over datasets.

    Columns exactly ``model, ood_accuracy, accuracy_difference, observed_consistency, error_consistency,
    mean_rank, n_datasets``; sorted by mean rank (ties by model name), the ``humans`` row last.
    """
    per_dataset = benchmark_per_dataset(trials)
    means = per_dataset.pivot_table(index="model", columns="metric", values="value", aggfunc="mean", dropna=False)
    means = means.reindex(columns=list(METRICS))
    counted = per_dataset[(per_dataset["metric"] == "ood_accuracy") & per_dataset["value"].notna()]
    means["n_datasets"] = counted.groupby("model")["dataset"].nunique()
    table = add_mean_rank(means.reset_index().rename_axis(columns=None))
    table["n_datasets"] = table["n_datasets"].fillna(0).astype(int)
    table["_humans"] = table["model"] == HUMANS
    table = table.sort_values(["_humans", "mean_rank", "model"], kind="stable", ignore_index=True)
    return table[TABLE_COLUMNS]


def shape_bias_table(trials: pd.DataFrame) -> pd.DataFrame:
    """Shape bias on cue-conflict (Geirhos et al. 2019; :func:`humanlike.metrics.shape_bias`) per model, for
    all human trials pooled (``humans``: counts summed over observers) and per observer (``subject-NN``).

    Columns ``model, shape_bias, n_shape, n_texture``. Order: models by decreasing shape bias (ties by name),
    then ``humans``, then the observers by name.
    """
    cue = trials[trials["dataset"] == "cue-conflict"]
    per_subject = metrics.shape_bias(cue).rename(columns={"subject": "model"})
    is_human = metrics.is_human_name(per_subject["model"])
    if "is_human" in cue.columns:
        is_human = per_subject["model"].isin(set(cue.loc[cue["is_human"].astype(bool), "subject"])).to_numpy()
    models = per_subject[~is_human].sort_values(["shape_bias", "model"], ascending=[False, True], kind="stable")
    observers = per_subject[is_human].sort_values("model", kind="stable")
    parts = [models]
    if len(observers):
        pooled = observers[["n_shape", "n_texture"]].sum()
        parts.append(
            pd.DataFrame(
                {
                    "model": [HUMANS],
                    "shape_bias": [divide(pooled["n_shape"], pooled["n_shape"] + pooled["n_texture"])[()]],
                    "n_shape": [int(pooled["n_shape"])],
                    "n_texture": [int(pooled["n_texture"])],
                }
            )
        )
        parts.append(observers)
    return pd.concat([p[SHAPE_BIAS_COLUMNS] for p in parts], ignore_index=True)
