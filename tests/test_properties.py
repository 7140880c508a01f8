"""Property tests (hypothesis) of humanlike.metrics and humanlike.benchmark: laws every input must obey, checked on
many small random trial tables. Each law is one the paper's definitions imply; the comment says why."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from humanlike import benchmark as B
from humanlike import metrics as M
from humanlike import uncertainty as U
from humanlike.data import CATEGORIES

# Small examples, no deadline: the machine is shared and numpy/pandas start-up times vary.
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

bits = st.integers(min_value=0, max_value=1)


@st.composite
def observer_pair(draw, min_images: int = 1, max_images: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Correctness (0/1) of two observers on the same images."""
    n = draw(st.integers(min_value=min_images, max_value=max_images))
    a = draw(arrays(np.int8, n, elements=bits))
    b = draw(arrays(np.int8, n, elements=bits))
    return a, b


def kappa_of(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(c_obs, kappa) of two observers through pairwise_consistency (one condition, both saw every image)."""
    correct = np.vstack([a, b]).astype(float)
    result = M.pairwise_consistency(correct, np.ones_like(correct))
    return result.observed_consistency[0, 1], result.error_consistency[0, 1]


# ------------------------------------------------------------------------------------------------ consistency
@FAST
@given(observer_pair())
def test_kappa_is_symmetric_and_bounded(pair):
    a, b = pair
    correct = np.vstack([a, b]).astype(float)
    result = M.pairwise_consistency(correct, np.ones_like(correct))
    # symmetric: kappa(a, b) = kappa(b, a), and so are c_obs and c_exp (c_exp is symmetric in p1, p2)
    for matrix in (result.observed_consistency, result.expected_consistency, result.error_consistency):
        assert matrix[0, 1] == pytest.approx(matrix[1, 0], abs=1e-12, nan_ok=True)
    # c_obs is a fraction of trials; kappa is Cohen's kappa of two binary raters: in [-1, 1] (never +-inf)
    c_obs, kappa = result.observed_consistency[0, 1], result.error_consistency[0, 1]
    assert 0.0 <= c_obs <= 1.0
    assert 0.0 <= result.expected_consistency[0, 1] <= 1.0
    assert np.isnan(kappa) or -1.0 - 1e-12 <= kappa <= 1.0 + 1e-12
    # a real pair always has a kappa: c_exp = 1 only when both are always right or always wrong, then c_obs = 1
    assert np.isfinite(kappa)


@FAST
@given(arrays(np.int8, st.integers(1, 30), elements=bits))
def test_kappa_is_one_for_identical_observers(a):
    c_obs, kappa = kappa_of(a, a)
    assert (c_obs, kappa) == (1.0, 1.0)
    # and the diagonal of the all-pairs matrix is 1 (every observer agrees with itself)
    correct = np.vstack([a, 1 - a]).astype(float)
    result = M.pairwise_consistency(correct, np.ones_like(correct))
    np.testing.assert_array_equal(np.diag(result.error_consistency), [1.0, 1.0])


@FAST
@given(arrays(np.int8, st.integers(2, 30), elements=bits))
def test_kappa_is_minus_one_for_opposite_observers_of_accuracy_one_half(a):
    # b answers correctly exactly where a errs: c_obs = 0. If p_a = 1/2 then p_b = 1/2, c_exp = 1/2, kappa = -1;
    # otherwise c_exp = p(1-p) * 2 < 1/2 and kappa = -c_exp / (1 - c_exp) lies in (-1, 0).
    c_obs, kappa = kappa_of(a, 1 - a)
    assert c_obs == 0.0
    p = a.mean()
    expected = -2 * p * (1 - p) / (1 - 2 * p * (1 - p))
    assert kappa == pytest.approx(expected, abs=1e-12)
    assert -1.0 <= kappa < 0 or (p in (0.0, 1.0) and kappa == 0.0)


@FAST
@given(observer_pair(), st.randoms(use_true_random=False))
def test_consistency_is_invariant_to_the_order_of_trials(pair, random):
    a, b = pair
    images = [f"i{k:02d}" for k in range(len(a))]
    rows = [("m", "c", image, "cat", "cat" if ok else "dog") for image, ok in zip(images, a)]
    rows += [("subject-01", "c", image, "cat", "cat" if ok else "dog") for image, ok in zip(images, b)]
    frame = pd.DataFrame(rows, columns=["subject", "condition", "image_id", "category", "response"])
    frame.insert(0, "dataset", "colour")
    frame["correct"] = frame["response"] == frame["category"]
    shuffled = frame.sample(frac=1, random_state=random.randint(0, 2**31)).reset_index(drop=True)
    first, second = M.consistency(frame), M.consistency(shuffled)
    pd.testing.assert_frame_equal(first, second)
    c_obs, kappa = kappa_of(a, b)
    row = first[first["subject_a"] == "m"].iloc[0]
    assert row["observed_consistency"] == pytest.approx(c_obs) and row["error_consistency"] == pytest.approx(kappa)


@FAST
@given(
    st.floats(0, 1, allow_nan=False), st.floats(0, 1, allow_nan=False), st.floats(0, 1, allow_nan=False)
)
def test_expected_consistency_and_kappa_formulas(p1, p2, c_obs):
    c_exp = M.expected_consistency(p1, p2)
    # c_exp = p1 p2 + (1-p1)(1-p2) lies in [0, 1], is symmetric, and is 1/2 whenever either observer is at 1/2
    assert 0.0 <= c_exp <= 1.0 + 1e-12
    assert c_exp == pytest.approx(M.expected_consistency(p2, p1))
    assert M.expected_consistency(0.5, p2) == pytest.approx(0.5)
    kappa = M.error_consistency(c_obs, c_exp)
    if c_obs == 1.0:
        assert kappa == 1.0
    elif c_exp < 1.0:
        assert kappa == pytest.approx((c_obs - c_exp) / (1 - c_exp))
        # kappa grows with c_obs (the same c_exp): agreement beyond chance
        assert M.error_consistency(min(1.0, c_obs + 0.1), c_exp) >= kappa - 1e-12
    else:
        assert np.isnan(kappa)


# ------------------------------------------------------------------------------------------------ shape bias
responses = st.sampled_from(["shape", "texture", "other", "na"])


@st.composite
def cue_conflict_trials(draw) -> pd.DataFrame:
    """One decision maker's cue-conflict trials: shape cat, texture dog (or a same-category cat-cat image)."""
    kinds = draw(st.lists(st.tuples(responses, st.booleans()), min_size=1, max_size=40))
    rows = []
    for k, (kind, conflict) in enumerate(kinds):
        texture = "dog" if conflict else "cat"
        response = {"shape": "cat", "texture": texture, "other": "car", "na": "na"}[kind]
        rows.append(("cue-conflict", "m", "0", f"cat{k}-{texture}{k}.png", "cat", response))
    return pd.DataFrame(rows, columns=["dataset", "subject", "condition", "image_id", "category", "response"])


@FAST
@given(cue_conflict_trials(), st.randoms(use_true_random=False))
def test_shape_bias_is_a_fraction_and_ignores_trial_order(trials, random):
    out = M.shape_bias(trials)
    shuffled = M.shape_bias(trials.sample(frac=1, random_state=random.randint(0, 2**31)))
    pd.testing.assert_frame_equal(out, shuffled)
    if out.empty:  # only same-category images: no informative trial, no row
        assert (trials["image_id"].str.contains("dog")).sum() == 0
        return
    row = out.iloc[0]
    informative = trials["image_id"].str.contains("dog")
    # counted by hand: shape answers and texture answers among the conflicting images
    n_shape = int((informative & (trials["response"] == "cat")).sum())
    n_texture = int((informative & (trials["response"] == "dog")).sum())
    assert (row["n_shape"], row["n_texture"], row["n_trials"]) == (n_shape, n_texture, int(informative.sum()))
    if n_shape + n_texture == 0:
        assert np.isnan(row["shape_bias"])
    else:
        assert 0.0 <= row["shape_bias"] <= 1.0
        assert row["shape_bias"] == pytest.approx(n_shape / (n_shape + n_texture))


# ------------------------------------------------------------------------------------------------ benchmark
@st.composite
def benchmark_trials(draw) -> pd.DataFrame:
    """Two human observers and a model on one or two conditions of 'colour' (bw enters the benchmark; cr is
    excluded), every image seen by all three."""
    rows = []
    for condition in draw(st.sampled_from([["bw"], ["bw", "cr"]])):
        n = draw(st.integers(2, 12))
        for subject in ["subject-01", "subject-02", "m"]:
            outcome = draw(arrays(np.int8, n, elements=bits))
            for k, ok in enumerate(outcome):
                response = "cat" if ok else "dog"
                rows.append(("colour", subject, subject != "m", condition, f"{condition}{k}", "cat", response))
    columns = ["dataset", "subject", "is_human", "condition", "image_id", "category", "response"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["correct"] = frame["response"] == frame["category"]
    return frame


@FAST
@given(benchmark_trials())
def test_benchmark_values_lie_in_their_ranges(trials):
    table = B.benchmark_table(trials).set_index("model")
    for model in ["m", "humans"]:
        row = table.loc[model]
        assert 0.0 <= row["ood_accuracy"] <= 1.0
        assert 0.0 <= row["accuracy_difference"] <= 1.0
        assert 0.0 <= row["observed_consistency"] <= 1.0
        assert -1.0 - 1e-12 <= row["error_consistency"] <= 1.0 + 1e-12
    # the excluded condition cr never counts: dropping its trials changes nothing
    bw_only = B.benchmark_table(trials[trials["condition"] == "bw"]).set_index("model")
    pd.testing.assert_frame_equal(table, bw_only)


@FAST
@given(st.integers(1, 9), st.integers(0, 10))
def test_accuracy_difference_is_zero_for_a_model_at_the_humans_mean(half, extra):
    # observer 1 gets the first `half` of 2 * half images right, observer 2 the second half -> both 1/2; the model
    # answers the same images as observer 1: accuracy difference 0 with both, OOD accuracy = the humans' mean.
    # `extra` images all three answer correctly keep the accuracies equal (to each other).
    n = 2 * half
    outcomes = {
        "subject-01": [k < half for k in range(n)] + [True] * extra,
        "subject-02": [k >= half for k in range(n)] + [True] * extra,
        "m": [k < half for k in range(n)] + [True] * extra,
    }
    rows = [
        ("colour", s, s != "m", "bw", f"i{k:02d}", "cat", "cat" if ok else "dog", ok)
        for s, values in outcomes.items()
        for k, ok in enumerate(values)
    ]
    columns = ["dataset", "subject", "is_human", "condition", "image_id", "category", "response", "correct"]
    table = B.benchmark_table(pd.DataFrame(rows, columns=columns)).set_index("model")
    assert table.loc["m", "accuracy_difference"] == 0.0
    assert table.loc["m", "ood_accuracy"] == pytest.approx(table.loc["humans", "ood_accuracy"])
    # the model is observer 1's twin: kappa 1 with observer 1, and with observer 2 the same as the humans' pair
    assert table.loc["m", "error_consistency"] == pytest.approx((1.0 + table.loc["humans", "error_consistency"]) / 2)


@FAST
@given(
    st.lists(
        st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(-1, 1)), min_size=1, max_size=8
    )
)
def test_mean_rank_lies_between_one_and_the_number_of_models(values):
    table = pd.DataFrame(values, columns=list(B._RANKED)).assign(model=[f"m{k}" for k in range(len(values))])
    ranked = B.add_mean_rank(table)["mean_rank"]
    n = len(values)
    assert ((ranked >= 1) & (ranked <= n)).all()
    # the ranks of each metric sum to 1 + ... + n, so the mean ranks do as well: their mean is (n + 1) / 2
    assert ranked.mean() == pytest.approx((n + 1) / 2)


# ------------------------------------------------------------------------------------------------ accuracy, intervals
@FAST
@given(arrays(np.int8, st.integers(1, 40), elements=bits))
def test_accuracy_is_the_fraction_correct(outcome):
    frame = pd.DataFrame(
        {
            "subject": "m",
            "dataset": "colour",
            "condition": "bw",
            "correct": outcome.astype(bool),
        }
    )
    row = M.accuracy(frame).iloc[0]
    assert row["accuracy"] == pytest.approx(outcome.mean())
    assert (row["n_correct"], row["n_trials"]) == (int(outcome.sum()), len(outcome))
    assert 0 <= row["accuracy"] <= 1 and M.CHANCE == 1 / len(CATEGORIES)


@FAST
@given(
    arrays(np.float64, st.tuples(st.integers(2, 50), st.integers(1, 3)), elements=st.floats(-1e6, 1e6)),
    st.floats(0.05, 0.99),
)
def test_percentile_interval_is_ordered_and_nested(samples, level):
    low, high = U.percentile_interval(samples, level)
    assert (samples.min(axis=0) <= low + 1e-9).all() and (low <= high + 1e-9).all()
    assert (high <= samples.max(axis=0) + 1e-9).all()
    # a wider level never gives a narrower interval
    wider_low, wider_high = U.percentile_interval(samples, min(0.999, level + 0.2))
    assert (wider_low <= low + 1e-9).all() and (wider_high >= high - 1e-9).all()
