"""Uncertainty of the metrics (:mod:`humanlike.metrics`): bootstrap resamples over images, and over observers and
then images, with percentile intervals.

* Images are resampled by multiplicity weights (:func:`bootstrap_weights`): a replicate counts each image as often
  as it was drawn, so one matrix product gives every replicate of a sum at once.
* Quantities that involve human observers are resampled in two stages (:func:`two_stage_mean`): observers with
  replacement, then images within them (Davison & Hinkley 1997, ch. 3.8, the "hierarchical" bootstrap), so that
  the interval counts the variance between observers as well as between images.
* Intervals are percentile intervals (:func:`percentile_interval`) of the replicates, NaN replicates ignored.

References: Efron & Tibshirani (1993), *An Introduction to the Bootstrap*; Davison & Hinkley (1997), *Bootstrap
Methods and their Application*.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from .metrics import (  # the metrics' own building blocks: a replicate is the metric with weights
    _cue_conflict,
    _key_matrix,
    _pairs_frame,
    correctness_matrix,
    divide,
    nanmean,
    pairwise_consistency,
    shape_texture_decisions,
)

def percentile_interval(samples: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over axis 0 of bootstrap samples, ignoring NaN replicates."""
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), not {level}")
    tail = 100 * (1 - level) / 2
    finite = np.isfinite(samples)
    low = np.full(samples.shape[1:], np.nan)
    high = np.full(samples.shape[1:], np.nan)
    ok = finite.any(axis=0)
    if ok.any():
        low[ok], high[ok] = np.nanpercentile(samples[:, ok], [tail, 100 - tail], axis=0)
    return low, high


def bootstrap_weights(rng: np.random.Generator, n_images: int, n_boot: int) -> np.ndarray:
    """(n_boot, n_images) multiplicities of a resample with replacement of n_images images (each row sums to
    n_images): row b counts how often each image was drawn in bootstrap replicate b."""
    draws = rng.integers(0, n_images, size=(n_boot, n_images))
    flat = (np.arange(n_boot)[:, None] * n_images + draws).reshape(-1)
    return np.bincount(flat, minlength=n_boot * n_images).reshape(n_boot, n_images).astype(float)


def two_stage_mean(
    values: np.ndarray,
    seen: np.ndarray | None = None,
    *,
    observers: bool = True,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """Mean of an (observers x images) table with a two-stage percentile bootstrap interval: observers resampled
    with replacement, then images (the same image resample for every drawn observer, so that comparisons with
    models on those images stay paired). ``observers=False`` resamples images only (the observers taken as
    fixed). ``seen``: 1 where the observer saw the image (default: all). Replicate b, with multiplicities u (of
    observers) and v (of images), both from :func:`bootstrap_weights` of one ``default_rng(seed)``:

        mean_b = sum_oi u_bo v_bi m_oi x_oi / sum_oi u_bo v_bi m_oi

    Returns ``(estimate, ci_low, ci_high)``. See the methods page for why observers must be resampled.

    >>> two_stage_mean(np.array([[1.0, 1.0], [0.0, 0.0]]), n_boot=200)[0]
    0.5
    """
    values = np.asarray(values, dtype=float)
    seen = np.ones_like(values) if seen is None else np.asarray(seen, dtype=float)
    if values.ndim != 2 or seen.shape != values.shape:
        raise ValueError("values and seen must be (observers x images) arrays of the same shape")
    rng = np.random.default_rng(seed)
    u = bootstrap_weights(rng, values.shape[0], n_boot) if observers else np.ones((n_boot, values.shape[0]))
    v = bootstrap_weights(rng, values.shape[1], n_boot)
    hits = np.where(seen > 0, values, 0.0) * seen
    samples = divide(np.einsum("bo,oi,bi->b", u, hits, v), np.einsum("bo,oi,bi->b", u, seen, v))
    low, high = percentile_interval(samples[:, None], level)
    return float(divide(hits.sum(), seen.sum())), float(low[0]), float(high[0])


def bootstrap_block_weights(blocks: Sequence[tuple[str, str, slice]], n_boot: int, seed: int) -> list[np.ndarray]:
    # One generator, blocks in their fixed (sorted) order: the same seed gives the same resamples to every
    # bootstrap function, so intervals of accuracy and kappa come from the same resampled image sets.
    rng = np.random.default_rng(seed)
    return [bootstrap_weights(rng, columns.stop - columns.start, n_boot) for _, _, columns in blocks]


def bootstrap_accuracy(
    trials: pd.DataFrame,
    per: Literal["condition", "dataset"] = "dataset",
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Percentile bootstrap interval of each decision maker's accuracy, resampling images.

    Image ids are resampled with replacement within each dataset x condition (stratified, so every condition
    keeps its number of images; numpy ``default_rng(seed)``); all decision makers share each resample. The
    replicate accuracy is sum_i w_i x_i / sum_i w_i m_i (w: multiplicities, x: correct, m: seen), computed for
    all replicates and decision makers as one matrix product W X^T per block.
    Columns: ``subject, dataset, [condition,] accuracy, ci_low, ci_high, n_boot, level``.
    """
    matrix = correctness_matrix(trials)
    weights = bootstrap_block_weights(matrix.blocks, n_boot, seed)
    hits = [(w @ matrix.correct[:, c].T, w @ matrix.seen[:, c].T) for w, (_, _, c) in zip(weights, matrix.blocks)]
    if per == "condition":
        groups = [(d, cond, [i]) for i, (d, cond, _) in enumerate(matrix.blocks)]
    elif per == "dataset":
        groups = [(d, None, [i for i, b in enumerate(matrix.blocks) if b[0] == d]) for d in matrix.dataset_blocks()]
    else:
        raise ValueError(f"per must be 'condition' or 'dataset', not {per!r}")
    frames = []
    for dataset, condition, members in groups:
        columns = np.concatenate([np.arange(matrix.blocks[i][2].start, matrix.blocks[i][2].stop) for i in members])
        estimate = divide(matrix.correct[:, columns].sum(axis=1), matrix.seen[:, columns].sum(axis=1))
        samples = divide(sum(hits[i][0] for i in members), sum(hits[i][1] for i in members))
        low, high = percentile_interval(samples, level)
        frame = {"subject": matrix.subjects, "dataset": dataset}
        if condition is not None:
            frame["condition"] = condition
        frame.update({"accuracy": estimate, "ci_low": low, "ci_high": high})
        frames.append(pd.DataFrame(frame)[np.isfinite(estimate)])
    out = pd.concat(frames, ignore_index=True)
    out["n_boot"], out["level"] = n_boot, level
    return out


def bootstrap_shape_bias(
    trials: pd.DataFrame,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    dataset: str | None = "cue-conflict",
    pool_humans: bool = True,
) -> pd.DataFrame:
    """Percentile bootstrap interval of each decision maker's :func:`shape_bias`, resampling cue-conflict image
    ids with replacement (numpy ``default_rng(seed)``; all decision makers share each resample). Replicate:
    sum_i w_i shape_i / sum_i w_i (shape_i + texture_i). With ``pool_humans`` an extra row ``humans`` pools all
    human trials (counts summed over observers). Columns: ``subject, shape_bias, ci_low, ci_high, n_boot, level``.
    """
    cue = _cue_conflict(trials, dataset).copy()
    decisions = shape_texture_decisions(cue)
    cue["condition"] = "0"  # one resampling stratum: the images of the dataset
    cue["dataset"] = dataset or "cue-conflict"
    axes, m = _key_matrix(
        cue,
        {"shape": decisions["is_shape"].to_numpy(float), "texture": decisions["is_texture"].to_numpy(float)},
    )
    subjects, shape, texture = axes["subjects"], m["shape"], m["texture"]
    if pool_humans and axes["is_human"].any():
        subjects = np.append(subjects, "humans")
        shape = np.vstack([shape, shape[axes["is_human"]].sum(axis=0)])
        texture = np.vstack([texture, texture[axes["is_human"]].sum(axis=0)])
    weights = bootstrap_weights(np.random.default_rng(seed), shape.shape[1], n_boot)
    samples = divide(weights @ shape.T, weights @ (shape + texture).T)
    low, high = percentile_interval(samples, level)
    estimate = divide(shape.sum(axis=1), (shape + texture).sum(axis=1))
    return pd.DataFrame(
        {"subject": subjects, "shape_bias": estimate, "ci_low": low, "ci_high": high, "n_boot": n_boot, "level": level}
    )


def bootstrap_error_consistency(
    trials: pd.DataFrame,
    subjects_a: Sequence[str] | None = None,
    subjects_b: Sequence[str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    chunk_bytes: int = 64 * 2**20,
    average_b: bool = False,
) -> pd.DataFrame:
    """Percentile bootstrap interval of the error consistency of pairs, per dataset (kappa per condition,
    averaged over conditions, as in :func:`consistency` with per="dataset").

    With ``average_b=True`` the statistic is each ``subjects_a`` member's kappa averaged over its partners in
    ``subjects_b`` (self-pairs left out), e.g. a model's mean error consistency with all human observers; the
    average is taken inside every replicate, so the interval is that of the mean (``subject_b == "mean"``).

    Image ids are resampled within each dataset x condition (same resamples as :func:`bootstrap_accuracy` for
    the same seed); each replicate's kappa comes from :func:`pairwise_consistency` with the multiplicities as
    weights, for all pairs and a chunk of replicates at once (chunks of at most ``chunk_bytes``).
    Columns: ``dataset, subject_a, subject_b, error_consistency, ci_low, ci_high, n_boot, level``.
    """
    matrix = correctness_matrix(trials)
    rows, cols = matrix.index(subjects_a), matrix.index(subjects_b)
    weights = bootstrap_block_weights(matrix.blocks, n_boot, seed)
    by_dataset: dict[str, list[int]] = {}
    for i, (dataset, _, _) in enumerate(matrix.blocks):
        by_dataset.setdefault(dataset, []).append(i)
    frames = []
    for dataset, members in by_dataset.items():
        estimates, samples = [], []
        for block in members:
            columns = matrix.blocks[block][2]
            correct, seen = matrix.correct[:, columns], matrix.seen[:, columns]
            estimates.append(pairwise_consistency(correct, seen, rows, cols).error_consistency)
            w = weights[block]
            step = max(1, chunk_bytes // (8 * 3 * max(1, len(rows) * correct.shape[1])))  # no pairs: any step
            # Weights with a leading replicate axis broadcast the five products into batched ones.
            chunks = [
                pairwise_consistency(correct, seen, rows, cols, weights=w[s : s + step, None, :]).error_consistency
                for s in range(0, n_boot, step)
            ]
            samples.append(np.concatenate(chunks))
        estimate = nanmean(np.stack(estimates), axis=0)
        replicates = nanmean(np.stack(samples), axis=0)
        names_b = matrix.subjects[cols]
        if average_b:
            self_pair = matrix.subjects[rows][:, None] == names_b[None, :]
            estimate = nanmean(np.where(self_pair, np.nan, estimate), 1)[:, None]
            replicates = nanmean(np.where(self_pair[None], np.nan, replicates), 2)[:, :, None]
            names_b = np.array(["mean"])
        low, high = percentile_interval(replicates, level)
        frame = _pairs_frame(
            {"dataset": np.array([dataset])},
            matrix.subjects[rows],
            names_b,
            {"error_consistency": estimate[None], "ci_low": low[None], "ci_high": high[None]},
        )
        frames.append(frame[(frame["subject_a"] != frame["subject_b"]) & np.isfinite(frame["error_consistency"])])
    out = pd.concat(frames, ignore_index=True)
    out["n_boot"], out["level"] = n_boot, level
    return out
