"""Chapter 2, category-level errors: confusion matrices, confusion similarity against the human ceiling with
bootstrap intervals, response entropy, and the chapter's findings.

See Also
--------
humanlike.charts.category_errors
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import NormalDist

import numpy as np
import pandas as pd

from .. import data, metrics, uncertainty
from .common import (
    HUMANS,
    SIMCLR,
    SUPERVISED,
    observer_names,
    ordered_datasets,
    pool_humans,
    sort_by_dataset,
    training_types,
    with_pooled_humans,
)

__all__ = [
    "similarity_with_entropy",
    "COLLAPSE_BITS",
    "TO_HUMANS",
    "TO_MODELS",
    "confusion_matrices",
    "confusion_similarity_matrix",
    "confusion_similarity_summary",
    "confusion_findings",
    "response_entropy_table",
    "category_findings",
    "entropy_by_level",
]


#: How a decision maker's confusion similarity is summarised in :func:`confusion_similarity_summary`.
TO_HUMANS = "to human observers"
TO_MODELS = "to other models"


def confusion_matrices(trials: pd.DataFrame) -> pd.DataFrame:
    """Confusion matrix (:func:`humanlike.metrics.confusion_matrix`) per dataset and decision maker, all
    conditions of a dataset pooled; ``humans``: the trials of all observers pooled.

    Columns: ``dataset, subject, training, category, response, n, proportion`` (the full 17 x 16 grid per
    dataset and decision maker; ``proportion`` sums to 1 over the responses of a presented category).
    """
    out = metrics.confusion_matrix(pool_humans(trials), by=["dataset", "subject"])
    out.insert(2, "training", training_types(out["subject"]))
    out["_human"] = out["subject"] != HUMANS
    return sort_by_dataset(out, "_human", "subject").drop(columns="_human")


def confusion_similarity_matrix(trials: pd.DataFrame) -> pd.DataFrame:
    """:func:`humanlike.metrics.confusion_similarity_pairs` per dataset between the models and ``humans`` (all
    observers pooled), both orders of every pair. Columns: ``dataset, subject_a, subject_b, confusion_similarity``."""
    models = trials[~trials["is_human"].astype(bool)]
    pooled = pool_humans(trials[trials["is_human"].astype(bool)])
    pairs = metrics.confusion_similarity_pairs(pd.concat([pooled, models], ignore_index=True), by="dataset")
    return sort_by_dataset(pairs)


def _confusion_replicates(trials: pd.DataFrame, subjects: np.ndarray, n_boot: int, rng: np.random.Generator):
    """Confusion proportions (S, 17, 16) and their bootstrap replicates (B, S, 17, 16) for one dataset.

    Images are resampled with replacement within each condition (multiplicities from
    :func:`humanlike.uncertainty.bootstrap_weights`), all decision makers sharing each resample; a trial counts as
    often as its image was drawn.
    """
    n_r, n_c = len(metrics.RESPONSES), len(data.CATEGORIES)
    key = trials["condition"].astype(str) + "\t" + trials["image_id"].astype(str)
    key_codes, keys = pd.factorize(key, sort=True)
    conditions = pd.Series(keys).str.split("\t").str[0].to_numpy()
    weights = np.zeros((n_boot, len(keys)))
    for condition in pd.unique(conditions):  # keys are sorted, so each condition is a contiguous run
        run = np.flatnonzero(conditions == condition)
        weights[:, run[0] : run[-1] + 1] = uncertainty.bootstrap_weights(rng, len(run), n_boot)
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
    makers; for the comparisons with human observers the observers are resampled as well, two-stage: their
    multiplicities weigh the mean over observers, or over pairs of observers for the ceiling). Not the
    percentile interval: a resample repeats images, which adds sampling noise to every
    confusion matrix and changes all correlations systematically (the human-to-human ceiling drops by 0.05 to
    0.1 on the published data), so percentile intervals can miss the estimate itself; the bootstrap spread is
    close to a grouped jackknife's standard error. Columns: ``dataset, subject, training, comparison,
    similarity, min, max, ci_low, ci_high, n_pairs, n_boot, level``.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), not {level}")
    z = NormalDist().inv_cdf(0.5 + level / 2)
    rng = np.random.default_rng(seed)
    observer_rng = np.random.default_rng([seed, 1])  # apart from the images' draws: model–model intervals unchanged
    humans = set(observer_names(trials))
    rows = []
    for dataset in ordered_datasets(trials["dataset"]):
        sub = trials[trials["dataset"] == dataset]
        subjects = np.array(sorted(set(sub["subject"].astype(str))), dtype=object)
        proportion, replicates = _confusion_replicates(sub, subjects, n_boot, rng)
        point, samples = _similarities(proportion), _similarities(replicates)  # (S, S), (B, S, S)
        human = np.array([s in humans for s in subjects])
        model_rows = np.flatnonzero(~human)

        def add(subject: str, comparison: str, values: np.ndarray, replicate_values: np.ndarray,
                observers: np.ndarray | None = None) -> None:  # fmt: skip
            finite = values[np.isfinite(values)]
            estimate = float(finite.mean()) if len(finite) else np.nan
            if observers is None:
                replicates = metrics.nanmean(replicate_values, 1)
            else:  # observers resampled too: their multiplicities weigh the mean over observers (or their pairs)
                weight = observers * np.isfinite(replicate_values)
                replicates = metrics.divide((np.nan_to_num(replicate_values) * weight).sum(1), weight.sum(1))
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
        u = uncertainty.bootstrap_weights(observer_rng, len(h), n_boot)  # (B, H): the second stage, observers
        if len(h) > 1:
            upper = np.triu_indices(len(h), k=1)
            add(HUMANS, TO_HUMANS, point[np.ix_(h, h)][upper], samples[:, h][:, :, h][:, upper[0], upper[1]],
                u[:, upper[0]] * u[:, upper[1]])  # fmt: skip
        for m in model_rows:
            if len(h):
                add(subjects[m], TO_HUMANS, point[m, h], samples[:, m, h], u)
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


def response_entropy_table(trials: pd.DataFrame) -> pd.DataFrame:
    """:func:`humanlike.metrics.response_entropy` (bits, over the 16 categories) per dataset and decision maker:
    every model, every observer, and ``humans`` (all observers' responses pooled).
    Columns: ``dataset, subject, training, entropy, n_responses``."""
    out = metrics.response_entropy(with_pooled_humans(trials), by=["dataset", "subject"])
    out.insert(2, "training", training_types(out["subject"]))
    out["_human"] = out["subject"] != HUMANS
    return sort_by_dataset(out, "_human", "subject").drop(columns="_human")




def category_findings(similarity: pd.DataFrame, pairs: pd.DataFrame) -> dict[str, object]:
    """Chapter 2's claims as numbers.

    Parameters
    ----------
    similarity : DataFrame
        :func:`confusion_similarity_summary`.
    pairs : DataFrame
        :func:`confusion_similarity_matrix` (models and the pooled humans).

    Returns
    -------
    dict
        ``n_ceiling`` (datasets with a human ceiling), ``ceiling_min`` / ``ceiling_max`` (the lowest and highest
        ceiling) with ``ceiling_min_dataset`` / ``ceiling_max_dataset``; ``models_min`` / ``models_max`` (the
        models' similarity to human observers, over models and datasets; NaN without models); ``simclr_tested``
        (both :data:`SIMCLR` and :data:`SUPERVISED` present) and then ``simclr_nearer`` (datasets on which
        SimCLR's confusions correlate more with ResNet-50's than with the pooled humans'), ``simclr_n`` (datasets
        compared), ``simclr_median_resnet50`` and ``simclr_median_humans`` (median correlations).

    See Also
    --------
    confusion_findings : the per-model counts against the ceiling.
    """
    to_humans = similarity[similarity["comparison"] == TO_HUMANS]
    ceiling = to_humans[to_humans["subject"] == HUMANS].dropna(subset=["similarity"])
    models = to_humans[to_humans["subject"] != HUMANS]["similarity"].dropna()
    facts: dict[str, object] = {"n_ceiling": len(ceiling)}
    if len(ceiling):
        low, high = ceiling.loc[ceiling["similarity"].idxmin()], ceiling.loc[ceiling["similarity"].idxmax()]
        facts.update(ceiling_min=float(low["similarity"]), ceiling_min_dataset=low["dataset"],
                     ceiling_max=float(high["similarity"]), ceiling_max_dataset=high["dataset"])  # fmt: skip
    facts.update(models_min=float(models.min()) if len(models) else np.nan,
                 models_max=float(models.max()) if len(models) else np.nan)  # fmt: skip
    simclr = pairs[pairs["subject_a"] == SIMCLR]
    simclr = simclr.pivot(index="dataset", columns="subject_b", values="confusion_similarity")
    tested = {SUPERVISED, HUMANS} <= set(simclr.columns)
    facts["simclr_tested"] = tested
    if tested:
        both = simclr[[SUPERVISED, HUMANS]].dropna()
        facts.update(
            simclr_nearer=int((both[SUPERVISED] > both[HUMANS]).sum()),
            simclr_n=len(both),
            simclr_median_resnet50=float(both[SUPERVISED].median()),
            simclr_median_humans=float(both[HUMANS].median()),
        )
    return facts


def entropy_by_level(
    trials: pd.DataFrame, n_boot: int = 1000, seed: int = 0, level: float = 0.95
) -> pd.DataFrame:
    """Response entropy (:func:`humanlike.metrics.response_entropy`, bits over the 16 categories) per distortion
    level of the parametric datasets, as in the paper's entropy-against-distortion plots.

    Models: entropy per condition with a percentile bootstrap interval (images resampled with replacement within
    each dataset x condition, :func:`humanlike.uncertainty.bootstrap_weights`; numpy ``default_rng(seed)``).
    Humans: one row ``humans`` per condition, the mean entropy over the observers, with the range over observers
    (min, max) as its interval. ``na`` answers are left out. Columns as :func:`accuracy_by_level` with
    ``entropy`` for ``accuracy``: ``dataset, subject, training, condition, parameter, strength, distortion, label,
    entropy, ci_low, ci_high, interval, n_observers``.
    """
    from .common import DISTORTIONS, per_level_table

    trials = trials[trials["dataset"].isin(list(DISTORTIONS)) & trials["response"].isin(list(data.CATEGORIES))]
    if trials.empty:
        raise ValueError("no answered trials of a parametric dataset")
    humans = set(observer_names(trials))
    code = {c: i for i, c in enumerate(data.CATEGORIES)}
    rng = np.random.default_rng(seed)
    rows = []
    for (dataset, condition), block in trials.groupby(["dataset", "condition"], sort=True):
        images = np.array(sorted(block["image_id"].unique()))
        subjects = np.array(sorted(block["subject"].astype(str).unique()))
        onehot = np.zeros((len(images), len(subjects), len(data.CATEGORIES)))
        onehot[np.searchsorted(images, block["image_id"].to_numpy()),
               np.searchsorted(subjects, block["subject"].astype(str).to_numpy()),
               block["response"].map(code).to_numpy()] = 1  # fmt: skip
        weights = uncertainty.bootstrap_weights(rng, len(images), n_boot)
        resampled = (weights @ onehot.reshape(len(images), -1)).reshape(n_boot, *onehot.shape[1:])  # BLAS, not einsum
        counts = np.concatenate([onehot.sum(axis=0)[None], resampled])
        q = metrics.divide(counts, counts.sum(axis=2, keepdims=True))
        with np.errstate(divide="ignore", invalid="ignore"):
            entropy = -np.where(q > 0, q * np.log2(np.where(q > 0, q, 1.0)), 0.0).sum(axis=2) + 0.0
        low, high = uncertainty.percentile_interval(entropy[1:], level)
        human = np.array([s in humans for s in subjects])
        for j in np.flatnonzero(~human):
            rows.append({"dataset": dataset, "condition": condition, "subject": subjects[j], "entropy": entropy[0, j],
                         "ci_low": low[j], "ci_high": high[j], "interval": f"{level:.0%} bootstrap interval",
                         "n_observers": np.nan})  # fmt: skip
        if human.any():
            values = entropy[0, human]
            rows.append({"dataset": dataset, "condition": condition, "subject": HUMANS, "entropy": values.mean(),
                         "ci_low": values.min(), "ci_high": values.max(), "interval": "range over observers",
                         "n_observers": int(human.sum())})  # fmt: skip
    return per_level_table(pd.DataFrame(rows), "entropy")


#: A model's answers have *collapsed* when their entropy lies this many bits below the least spread human
#: observer's: 2^H is the number of categories in effective use, so one bit fewer means half as many.
COLLAPSE_BITS = 1.0


def similarity_with_entropy(similarity: pd.DataFrame, entropy: pd.DataFrame) -> pd.DataFrame:
    """Each model's confusion similarity to the human observers beside its response entropy, per dataset.

    Confusion similarity is this book's own summary (the paper shows the matrices). A model whose answers
    collapse onto a few categories (low entropy, typically at strong distortions) has a few large off-diagonal
    cells that decide the correlation, so its low similarity says as much about the collapse as about the kind
    of errors. ``collapsed``: the model's entropy lies more than :data:`COLLAPSE_BITS` below that of every
    human observer of the dataset.

    Parameters
    ----------
    similarity, entropy : DataFrame
        :func:`confusion_similarity_summary` and :func:`response_entropy_table`.

    Returns
    -------
    DataFrame
        ``dataset, subject, similarity, entropy, human_min_entropy, human_mean_entropy, collapsed``.
    """
    columns = ["dataset", "subject", "similarity", "entropy", "human_min_entropy", "human_mean_entropy", "collapsed"]
    models = similarity[(similarity["comparison"] == TO_HUMANS) & (similarity["subject"] != HUMANS)]
    observers = entropy[entropy["subject"].isin(observer_names_from(entropy))]
    humans = observers.groupby("dataset")["entropy"].agg(human_min_entropy="min", human_mean_entropy="mean")
    out = models[["dataset", "subject", "similarity"]].merge(entropy[["dataset", "subject", "entropy"]],
                                                             on=["dataset", "subject"], how="left")  # fmt: skip
    out = out.join(humans, on="dataset")
    out["collapsed"] = (out["entropy"] < out["human_min_entropy"] - COLLAPSE_BITS).to_numpy()
    return out[columns].reset_index(drop=True)


def observer_names_from(frame: pd.DataFrame) -> list[str]:
    """The single human observers among a table's ``subject`` names (``subject-NN``)."""
    names = frame["subject"].astype(str).unique()
    return [n for n, human in zip(names, metrics.is_human_name(names)) if human]
