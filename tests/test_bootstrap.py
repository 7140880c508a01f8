"""The two-stage bootstrap (observers, then images): its coverage on simulated observers with known variances, and
its use for the human side of chapter 1's OOD accuracy."""

from __future__ import annotations

import numpy as np
import pytest

from humanlike import uncertainty


def _coverage(observers: bool, repetitions: int = 300, seed: int = 1) -> float:
    """How often the 95% interval of the mean covers the true mean 0.5, over simulated experiments: 20 observers
    x 60 images, value = 0.5 + observer effect (sd 0.15) + image effect (sd 0.15) + noise (sd 0.1)."""
    rng = np.random.default_rng(seed)
    hits = 0
    for rep in range(repetitions):
        values = (0.5 + rng.normal(0, 0.15, (20, 1)) + rng.normal(0, 0.15, (1, 60)) + rng.normal(0, 0.1, (20, 60)))
        _, low, high = uncertainty.two_stage_mean(values, observers=observers, n_boot=200, seed=rep)
        hits += low <= 0.5 <= high
    return hits / repetitions


def test_two_stage_interval_covers_the_true_mean_and_images_only_does_not():
    # Two-way random effects: the mean's variance is sd_o^2 / 20 + sd_i^2 / 60 + ...; resampling images only
    # misses the observers' share (0.0011 of 0.0015), so its interval is about half as wide and covers far less.
    two_stage, images_only = _coverage(True), _coverage(False)
    assert 0.90 <= two_stage <= 0.99, two_stage
    assert images_only < 0.75, images_only


def test_two_stage_mean_by_hand_and_checks():
    # Observer 1 always right, observer 2 always wrong: the mean is 0.5; resampling observers makes 0 and 1
    # possible replicates, resampling images alone cannot move it.
    values = np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])
    estimate, low, high = uncertainty.two_stage_mean(values, n_boot=400)
    assert estimate == 0.5 and low == 0.0 and high == 1.0
    assert uncertainty.two_stage_mean(values, observers=False, n_boot=400) == (0.5, 0.5, 0.5)
    # unseen cells do not count: observer 2 saw only the last image
    seen = np.array([[1, 1, 1], [0, 0, 1]])
    assert uncertainty.two_stage_mean(values, seen, n_boot=10)[0] == pytest.approx(3 / 4)
    with pytest.raises(ValueError, match="same shape"):
        uncertainty.two_stage_mean(values, seen[:, :2])
