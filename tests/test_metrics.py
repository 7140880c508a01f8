"""humanlike.metrics: hand-made cases worked out in the comments, and the matrix code against plain loops on the
real mirror data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from humanlike import metrics as M
from humanlike import uncertainty as U
from factories import ROW_COLUMNS, trial_table
from humanlike.data import CATEGORIES


def make_trials(rows: list[tuple], dataset: str = "colour") -> pd.DataFrame:
    """Trial table from (subject, condition, image_id, category, response) tuples."""
    return trial_table(rows, columns=ROW_COLUMNS[1:], dataset=dataset)


def correctness_rows(subject: str, outcomes: dict[str, int], condition: str = "c") -> list[tuple]:
    """Trials of one subject: image -> 1 (answered "cat" to a cat) or 0 (answered "dog" to a cat)."""
    return [(subject, condition, image, "cat", "cat" if ok else "dog") for image, ok in outcomes.items()]


def one_pair(frame: pd.DataFrame, a: str, b: str) -> pd.Series:
    pairs = M.consistency(frame, per="condition")
    selected = pairs[(pairs["subject_a"] == a) & (pairs["subject_b"] == b)]
    assert len(selected) == 1
    return selected.iloc[0]


# ------------------------------------------------------------------------------------------------ accuracy
def test_accuracy_counts_na_as_error_and_groups_by_condition():
    frame = make_trials(
        [
            ("subject-01", "bw", "i1", "cat", "cat"),
            ("subject-01", "bw", "i2", "dog", "dog"),
            ("subject-01", "bw", "i3", "dog", "na"),  # no answer: an error
            ("subject-01", "cr", "i4", "car", "truck"),
        ]
    )
    out = M.accuracy(frame).set_index(["subject", "condition"])
    assert list(M.accuracy(frame).columns) == ["subject", "dataset", "condition", "accuracy", "n_correct", "n_trials"]
    # bw: 2 of 3 correct; cr: 0 of 1
    assert out.loc[("subject-01", "bw"), "accuracy"] == pytest.approx(2 / 3)
    assert out.loc[("subject-01", "bw"), "n_trials"] == 3
    assert out.loc[("subject-01", "cr"), "accuracy"] == 0.0
    assert M.CHANCE == 1 / 16


# ------------------------------------------------------------------------------------------------ kappa
def test_expected_and_error_consistency_formulas():
    # p1 = 0.75, p2 = 0.5: c_exp = 0.375 + 0.125 = 0.5; c_obs = 0.75 -> kappa = 0.25 / 0.5 = 0.5
    assert M.expected_consistency(0.75, 0.5) == pytest.approx(0.5)
    assert M.error_consistency(0.75, 0.5) == pytest.approx(0.5)
    # vectorised; c_obs = 1 gives 1 even when c_exp = 1 (0/0 otherwise);
    # c_exp = 1 with c_obs < 1 is impossible for real data and documented as NaN
    kappa = M.error_consistency(np.array([1.0, 1.0, 0.2, np.nan]), np.array([1.0, 0.5, 1.0, 0.5]))
    assert kappa[0] == 1.0 and kappa[1] == 1.0
    assert np.isnan(kappa[2]) and np.isnan(kappa[3])


def test_kappa_is_one_when_observed_consistency_is_one():
    # both correct on every image: p1 = p2 = 1, c_exp = 1, the formula would be 0/0; defined as 1
    frame = make_trials(correctness_rows("a", {"i1": 1, "i2": 1}) + correctness_rows("b", {"i1": 1, "i2": 1}))
    row = one_pair(frame, "a", "b")
    assert row["observed_consistency"] == 1.0
    assert row["expected_consistency"] == 1.0
    assert row["error_consistency"] == 1.0


def test_negative_kappa():
    # a: 1 1 1 0, b: 1 1 0 1 -> agree on i1, i2: c_obs = 2/4 = 0.5
    # p_a = p_b = 0.75: c_exp = 0.5625 + 0.0625 = 0.625; kappa = (0.5 - 0.625) / 0.375 = -1/3
    frame = make_trials(
        correctness_rows("a", {"i1": 1, "i2": 1, "i3": 1, "i4": 0})
        + correctness_rows("b", {"i1": 1, "i2": 1, "i3": 0, "i4": 1})
    )
    row = one_pair(frame, "a", "b")
    assert row["observed_consistency"] == pytest.approx(0.5)
    assert row["expected_consistency"] == pytest.approx(0.625)
    assert row["error_consistency"] == pytest.approx(-1 / 3)
    # complete disagreement: a 1 1 0 0, b 0 0 1 1: c_obs = 0, c_exp = 0.5, kappa = -0.5 / 0.5 = -1
    frame = make_trials(
        correctness_rows("a", {"i1": 1, "i2": 1, "i3": 0, "i4": 0})
        + correctness_rows("b", {"i1": 0, "i2": 0, "i3": 1, "i4": 1})
    )
    assert one_pair(frame, "a", "b")["error_consistency"] == pytest.approx(-1.0)


def test_unmatched_images_take_no_part():
    # a saw i1..i4, b saw i2..i5; matched: i2, i3, i4 with a = 1 1 0, b = 1 0 0
    # c_obs = 2/3 (i2 both right, i4 both wrong); accuracies on the matched images: p_a = 2/3, p_b = 1/3
    # (on all their trials both would be 1/2); c_exp = 2/9 + 2/9 = 4/9; kappa = (2/3 - 4/9) / (5/9) = 0.4
    frame = make_trials(
        correctness_rows("a", {"i1": 0, "i2": 1, "i3": 1, "i4": 0})
        + correctness_rows("b", {"i2": 1, "i3": 0, "i4": 0, "i5": 1})
    )
    row = one_pair(frame, "a", "b")
    assert row["n_trials"] == 3
    assert row["observed_consistency"] == pytest.approx(2 / 3)
    assert row["expected_consistency"] == pytest.approx(4 / 9)
    assert row["error_consistency"] == pytest.approx(0.4)
    # a pair that shares no image at all gets no row
    frame = make_trials(correctness_rows("a", {"i1": 1}) + correctness_rows("b", {"i2": 1}))
    assert M.consistency(frame).empty


def test_images_match_only_within_their_condition():
    # same image id in two conditions: two separate trials; a and b agree in c1 and disagree in c2
    frame = make_trials(
        correctness_rows("a", {"i1": 1, "i2": 0}, "c1")
        + correctness_rows("b", {"i1": 1, "i2": 0}, "c1")
        + correctness_rows("a", {"i1": 1, "i2": 0}, "c2")
        + correctness_rows("b", {"i1": 0, "i2": 1}, "c2")
    )
    per_condition = M.consistency(frame).query("subject_a == 'a'").set_index("condition")
    # c1: c_obs 1 -> kappa 1; c2: c_obs 0, c_exp 0.5 -> kappa -1
    assert per_condition.loc["c1", "error_consistency"] == 1.0
    assert per_condition.loc["c2", "error_consistency"] == pytest.approx(-1.0)
    # per dataset: unweighted mean over conditions: (1 + -1) / 2 = 0; c_obs (1 + 0) / 2
    per_dataset = M.consistency(frame, per="dataset").query("subject_a == 'a'").iloc[0]
    assert per_dataset["error_consistency"] == pytest.approx(0.0)
    assert per_dataset["observed_consistency"] == pytest.approx(0.5)
    assert per_dataset["n_trials"] == 4 and per_dataset["n_conditions"] == 2


def test_na_counts_as_error_in_consistency():
    # a answers na on i2 (an error), b answers wrongly on i2: both wrong there -> agree everywhere
    frame = make_trials(
        [("a", "c", "i1", "cat", "cat"), ("a", "c", "i2", "dog", "na"), ("a", "c", "i3", "car", "car")]
        + [("b", "c", "i1", "cat", "cat"), ("b", "c", "i2", "dog", "cat"), ("b", "c", "i3", "car", "car")]
    )
    row = one_pair(frame, "a", "b")
    assert row["observed_consistency"] == 1.0
    assert row["error_consistency"] == 1.0


def test_pairwise_consistency_selects_rows_and_cols():
    # rows: correct 1 0 / 0 1 / 1 0, all seen; pair (row 0, row 2) identical, (row 0, row 1) opposite
    correct = np.array([[1, 0], [0, 1], [1, 0]])
    seen = np.ones_like(correct)
    result = M.pairwise_consistency(correct, seen, rows=[0], cols=[1, 2])
    assert result.n_trials.tolist() == [[2, 2]]
    assert result.observed_consistency.tolist() == [[0.0, 1.0]]
    assert result.error_consistency[0, 0] == pytest.approx(-1.0)
    assert result.error_consistency[0, 1] == 1.0


def test_pairwise_consistency_accuracies_on_matched_images_and_bool_input():
    # a saw i1..i3 (wrong, right, right: 2/3 in all); b saw i2, i3 (right, wrong). Matched: i2, i3 (n = 2)
    # p_a = (1 + 1) / 2 = 1 (not 2/3), p_b = (1 + 0) / 2 = 0.5; c_obs 1/2 (agree on i2);
    # c_exp = 1 * 0.5 + 0 * 0.5 = 0.5; kappa 0
    correct = np.array([[0, 1, 1], [0, 1, 0]])
    seen = np.array([[1, 1, 1], [0, 1, 1]])
    result = M.pairwise_consistency(correct, seen, rows=[0], cols=[1])
    assert result.n_trials.tolist() == [[2]] and result.accuracy_a.tolist() == [[1.0]]
    assert result.accuracy_b.tolist() == [[0.5]]
    assert result.observed_consistency.tolist() == [[0.5]] and result.error_consistency.tolist() == [[0.0]]
    # bool arrays are 0/1 arrays: the same numbers (n counts images, not a logical product)
    as_bool = M.pairwise_consistency(correct.astype(bool), seen.astype(bool), rows=[0], cols=[1])
    for name, values in result._asdict().items():
        np.testing.assert_array_equal(getattr(as_bool, name), values, err_msg=name)


def test_error_consistency_undefined_cases_give_nan_without_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning (0/0, x/0) would fail here
        # c_exp = 1 with c_obs = 1: kappa 1 (by definition); c_obs 0.2: x/0 -> NaN; c_obs NaN, c_exp 1: 0/0 -> NaN
        kappa = M.error_consistency(np.array([1.0, 0.2, np.nan]), np.array([1.0, 1.0, 1.0]))
    assert kappa[0] == 1.0 and np.isnan(kappa[1]) and np.isnan(kappa[2])


def test_duplicate_trials_are_refused():
    frame = make_trials(correctness_rows("a", {"i1": 1}) + correctness_rows("a", {"i1": 0}))
    with pytest.raises(ValueError, match="i1"):
        M.correctness_matrix(frame)
    # the message names the duplicated cell, not the first one of the matrix (a/i1 is seen once here)
    frame = make_trials(correctness_rows("a", {"i1": 1, "i2": 1}) + correctness_rows("b", {"i1": 1, "i2": 1, "i3": 1}))
    frame = pd.concat([frame, frame.iloc[[3]]], ignore_index=True)  # b's i2 twice
    message = "^b has 2 trials for image i2 in colour/c; pairwise metrics need one trial per image and condition$"
    with pytest.raises(ValueError, match=message):
        M.correctness_matrix(frame)


def test_correctness_matrix_takes_is_human_from_the_table():
    frame = two_dataset_trials()  # a, b, subject-01 (sorted rows of the matrix)
    # the is_human column decides (a user's table may name its observers otherwise) ...
    frame["is_human"] = frame["subject"] == "a"
    assert M.correctness_matrix(frame).is_human.tolist() == [True, False, False]
    # ... and without it, the subject-NN pattern
    assert M.correctness_matrix(frame.drop(columns="is_human")).is_human.tolist() == [False, False, True]


@pytest.mark.parametrize("column", ["subject", "dataset", "image_id"])
def test_missing_keys_are_refused(column):
    frame = make_trials(correctness_rows("a", {"i1": 1, "i2": 0}) + correctness_rows("b", {"i1": 1, "i2": 1}))
    frame.loc[1, column] = None
    with pytest.raises(ValueError, match="^the trial table has missing subject, dataset or image_id values$"):
        M.correctness_matrix(frame)


def test_pairwise_results_do_not_depend_on_the_row_order():
    # the matrix sorts its columns by (dataset, condition, image): conditions listed c2 first, images unsorted
    frame = two_dataset_trials()
    frame["condition"] = np.where(frame["image_id"] < "i06", "c2", "c1")
    shuffled = frame.sample(frac=1.0, random_state=4).reset_index(drop=True)
    out = M.consistency(shuffled, ["a"], ["b"])
    assert out["dataset"].tolist() == ["edge", "edge", "sketch", "sketch"]
    assert out["condition"].tolist() == ["c1", "c2", "c1", "c2"]
    pd.testing.assert_frame_equal(out, M.consistency(frame, ["a"], ["b"]))
    # the bootstrap draws images by column: with a seed, the same replicates whatever the row order
    kwargs = {"n_boot": 30, "seed": 5, "level": 0.5}
    boot = U.bootstrap_error_consistency(shuffled, ["a"], ["b"], **kwargs)
    pd.testing.assert_frame_equal(boot, U.bootstrap_error_consistency(frame, ["a"], ["b"], **kwargs))


# ------------------------------------------------------------------------------------------------ shape bias
def cue_conflict_trials() -> pd.DataFrame:
    rows = [
        # model: airplane/bicycle -> shape; airplane/chair -> texture; cat/cat dropped (shape == texture);
        # bird/clock -> texture; bird/dog answered knife -> neither
        ("m", "0", "airplane1-bicycle2.png", "airplane", "airplane"),
        ("m", "0", "airplane1-chair2.png", "airplane", "chair"),
        ("m", "0", "cat3-cat1.png", "cat", "cat"),
        ("m", "0", "bird2-clock1.png", "bird", "clock"),
        ("m", "0", "bird2-dog4.png", "bird", "knife"),
        # two observers: subject-01 shape, shape; subject-02 shape, texture, na (neither)
        ("subject-01", "0", "airplane1-bicycle2.png", "airplane", "airplane"),
        ("subject-01", "0", "bird2-clock1.png", "bird", "bird"),
        ("subject-02", "0", "airplane1-bicycle2.png", "airplane", "airplane"),
        ("subject-02", "0", "airplane1-chair2.png", "airplane", "chair"),
        ("subject-02", "0", "bird2-dog4.png", "bird", "na"),
    ]
    return make_trials(rows, dataset="cue-conflict")


def test_shape_bias_drops_same_category_trials():
    out = M.shape_bias(cue_conflict_trials()).set_index("subject")
    # m: 1 shape, 2 texture -> 1/3; the cat3-cat1 trial counts nowhere (4 informative trials)
    assert out.loc["m", "shape_bias"] == pytest.approx(1 / 3)
    assert (out.loc["m", "n_shape"], out.loc["m", "n_texture"], out.loc["m", "n_trials"]) == (1, 2, 4)
    # subject-01: 2 / 2 = 1; subject-02: 1 shape, 1 texture -> 0.5
    assert out.loc["subject-01", "shape_bias"] == 1.0
    assert out.loc["subject-02", "shape_bias"] == 0.5


def test_shape_bias_per_category():
    out = M.shape_bias_per_category(cue_conflict_trials()).query("subject == 'm'").set_index("category")
    # airplane: 1 shape, 1 texture -> 0.5; bird: 0 shape, 1 texture -> 0; cat: only a dropped trial -> no row
    assert out.loc["airplane", "shape_bias"] == 0.5
    assert out.loc["bird", "shape_bias"] == 0.0
    assert "cat" not in out.index


def test_shape_bias_needs_cue_conflict_rows():
    with pytest.raises(ValueError, match="cue-conflict"):
        M.shape_bias(make_trials(correctness_rows("a", {"i1": 1})))


# ------------------------------------------------------------------------------------------------ confusions
def confusion_trials() -> pd.DataFrame:
    # a: presented cat -> cat, dog, na, cat; presented dog -> dog
    rows = [("a", "0", f"i{k}", "cat", r) for k, r in enumerate(["cat", "dog", "na", "cat"])]
    rows.append(("a", "0", "i9", "dog", "dog"))
    return make_trials(rows, dataset="edge")


def test_confusion_matrix_columns_sum_to_one():
    out = M.confusion_matrix(confusion_trials())
    assert len(out) == 17 * 16  # the full grid, zeros included
    cell = out.set_index(["category", "response"])["proportion"]
    # column cat: cat 2/4, dog 1/4, na 1/4; column dog: dog 1
    assert cell[("cat", "cat")] == 0.5
    assert cell[("cat", "dog")] == 0.25
    assert cell[("cat", "na")] == 0.25
    assert cell[("dog", "dog")] == 1.0
    assert cell[("cat", "bird")] == 0.0
    assert np.isnan(cell[("bird", "bird")])  # never presented
    sums = out.groupby("category")["proportion"].sum(min_count=1).dropna()
    assert sums.to_dict() == {"cat": 1.0, "dog": 1.0}


def test_response_entropy_in_bits():
    # without na: responses cat, dog, cat, dog -> q = (1/2, 1/2) -> H = 1 bit
    out = M.response_entropy(confusion_trials())
    assert out["entropy"].iloc[0] == pytest.approx(1.0)
    assert out["n_responses"].iloc[0] == 4
    # with na: cat 2, dog 2, na 1 -> q = (0.4, 0.4, 0.2): H = -(2 * 0.4 log2 0.4 + 0.2 log2 0.2)
    expected = -(2 * 0.4 * math.log2(0.4) + 0.2 * math.log2(0.2))  # = 1.5219...
    assert M.response_entropy(confusion_trials(), include_na=True)["entropy"].iloc[0] == pytest.approx(expected)
    # all 16 categories answered equally often: log2(16) = 4 bits
    uniform = make_trials([("a", "0", f"i{k}", c, c) for k, c in enumerate(CATEGORIES)])
    assert M.response_entropy(uniform)["entropy"].iloc[0] == pytest.approx(4.0)


def test_confusion_similarity():
    cat, dog, bird = CATEGORIES.index("cat"), CATEGORIES.index("dog"), CATEGORIES.index("bird")
    a = np.eye(16)
    a[[cat, dog], cat] = 0.5  # cats half the time called dogs
    b = np.eye(16)
    b[[cat, dog], cat] = [0.8, 0.2]  # same error, less often: same pattern -> r = 1
    c = np.eye(16)
    c[[cat, bird], cat] = 0.5  # a different error
    assert M.confusion_similarity(a, b) == pytest.approx(1.0)
    # two single spikes e_i, e_j among n = 240 entries: r = (-1/n) / (1 - 1/n) = -1 / 239
    assert M.confusion_similarity(a, c) == pytest.approx(-1 / 239)
    # no errors at all: correlation undefined
    assert np.isnan(M.confusion_similarity(np.eye(16), a))
    # the na row (17th) is ignored
    a17 = np.vstack([a, np.full((1, 16), 0.3)])
    assert M.confusion_similarity(a17, b) == pytest.approx(1.0)


def test_confusion_similarity_pairs_match_single_pairs():
    rows = []
    answers_of = {"x": ["cat", "dog", "dog"], "y": ["cat", "dog", "bird"], "z": ["bird", "bird", "cat"]}
    for subject, answers in answers_of.items():
        rows += [(subject, "0", f"i{k}", cat, r) for k, (cat, r) in enumerate(zip(["cat", "cat", "dog"], answers))]
    frame = make_trials(rows, dataset="edge")
    pairs = M.confusion_similarity_pairs(frame).set_index(["subject_a", "subject_b"])["confusion_similarity"]
    assert len(pairs) == 6  # ordered pairs of distinct subjects
    grid = M.confusion_matrix(frame)
    matrix = {
        s: g.pivot(index="response", columns="category", values="proportion")
        .loc[list(M.RESPONSES), list(CATEGORIES)]
        .to_numpy()
        for s, g in grid.groupby("subject")
    }
    for (a, b), value in pairs.items():
        # most categories are never presented here (NaN columns): both functions count them as zeros
        expected = M.confusion_similarity(matrix[a], matrix[b])
        assert np.isfinite(expected)
        assert value == pytest.approx(expected, nan_ok=True)


# ------------------------------------------------------------------------------------------------ ceilings
def test_human_ceiling_over_distinct_unordered_pairs():
    pairs = pd.DataFrame(
        {
            "subject_a": ["subject-01", "subject-02", "subject-01", "subject-02", "m", "subject-01"],
            "subject_b": ["subject-02", "subject-01", "subject-03", "subject-03", "subject-01", "subject-01"],
            "error_consistency": [0.2, 0.2, 0.4, 0.9, 0.0, 1.0],
        }
    )
    out = M.human_ceiling(pairs, "error_consistency").iloc[0]
    # pairs (01,02) = 0.2 counted once, (01,03) = 0.4, (02,03) = 0.9; the model pair and self pair are left out
    assert out["n"] == 3
    assert out["mean"] == pytest.approx(0.5)
    assert (out["min"], out["max"]) == (0.2, 0.9)
    per_subject = pd.DataFrame({"subject": ["subject-01", "subject-02", "m"], "accuracy": [0.5, 0.7, 0.1]})
    out = M.human_ceiling(per_subject, "accuracy").iloc[0]
    assert (out["n"], out["mean"], out["min"], out["max"]) == (2, pytest.approx(0.6), 0.5, 0.7)


# ------------------------------------------------------------------------------------------------ bootstrap
def test_bootstrap_weights_are_resample_counts():
    w = U.bootstrap_weights(np.random.default_rng(3), n_images=5, n_boot=4)
    assert w.shape == (4, 5)
    assert (w.sum(axis=1) == 5).all()
    draws = np.random.default_rng(3).integers(0, 5, size=(4, 5))
    assert all((np.bincount(row, minlength=5) == w[b]).all() for b, row in enumerate(draws))


def test_bootstrap_accuracy_single_replicate_equals_explicit_resample():
    # two conditions (strata, sorted: c1 then c2), images drawn with replacement within each
    outcomes = {"c1": [1, 0, 1, 1, 0], "c2": [0, 0, 1]}
    rows = []
    for condition, values in outcomes.items():
        rows += correctness_rows("a", {f"{condition}-{k}": v for k, v in enumerate(values)}, condition)
    frame = make_trials(rows)
    out = U.bootstrap_accuracy(frame, per="dataset", n_boot=1, seed=7).iloc[0]
    rng = np.random.default_rng(7)
    drawn = [np.array(values)[rng.integers(0, len(values), size=(1, len(values)))[0]] for values in outcomes.values()]
    expected = np.concatenate(drawn).mean()
    assert out["ci_low"] == pytest.approx(expected) and out["ci_high"] == pytest.approx(expected)
    assert out["accuracy"] == pytest.approx(4 / 8)
    # seeded: same seed, same interval; all-correct subject: interval [1, 1]
    many = U.bootstrap_accuracy(frame, n_boot=200, seed=1)
    assert many.equals(U.bootstrap_accuracy(frame, n_boot=200, seed=1))
    assert not many.equals(U.bootstrap_accuracy(frame, n_boot=200, seed=2))
    perfect = make_trials(correctness_rows("a", {"i1": 1, "i2": 1, "i3": 1}))
    assert U.bootstrap_accuracy(perfect, n_boot=50)[["ci_low", "ci_high"]].iloc[0].tolist() == [1.0, 1.0]


def test_bootstrap_error_consistency_single_replicate_equals_explicit_resample():
    a = np.array([1, 1, 1, 0, 0, 1, 0, 1])
    b = np.array([1, 0, 1, 0, 1, 1, 0, 0])
    images = [f"i{k}" for k in range(len(a))]  # sorted order = column order
    frame = make_trials(
        correctness_rows("a", dict(zip(images, a.tolist()))) + correctness_rows("b", dict(zip(images, b.tolist())))
    )
    out = U.bootstrap_error_consistency(frame, ["a"], ["b"], n_boot=1, seed=11).iloc[0]
    idx = np.random.default_rng(11).integers(0, len(a), size=(1, len(a)))[0]
    ra, rb = a[idx], b[idx]
    c_obs = np.mean(ra == rb)
    c_exp = ra.mean() * rb.mean() + (1 - ra.mean()) * (1 - rb.mean())
    expected = 1.0 if c_obs == 1 else (c_obs - c_exp) / (1 - c_exp)
    assert out["ci_low"] == pytest.approx(expected)
    # point estimate on the data: c_obs = 5/8, p_a = 5/8, p_b = 4/8 -> c_exp = 0.5, kappa = 0.125/0.5 = 0.25
    assert out["error_consistency"] == pytest.approx(0.25)
    # identical decision makers: kappa = 1 in every replicate
    same = dict(zip(images, a.tolist()))
    twin = make_trials(correctness_rows("a", same) + correctness_rows("c", same))
    interval = U.bootstrap_error_consistency(twin, ["a"], ["c"], n_boot=30)[["ci_low", "ci_high"]]
    assert interval.iloc[0].tolist() == [1.0, 1.0]


def test_bootstrap_shape_bias_single_replicate_and_pooled_humans():
    frame = cue_conflict_trials()
    out = U.bootstrap_shape_bias(frame, n_boot=1, seed=5).set_index("subject")
    # column order: sorted image ids
    images = sorted(frame["image_id"].unique())
    idx = np.random.default_rng(5).integers(0, len(images), size=(1, len(images)))[0]
    decisions = frame.assign(**M.shape_texture_decisions(frame)[["is_shape", "is_texture"]])
    model = decisions[decisions["subject"] == "m"].set_index("image_id")
    shape = sum(model["is_shape"].get(images[i], False) for i in idx)
    texture = sum(model["is_texture"].get(images[i], False) for i in idx)
    expected = shape / (shape + texture) if shape + texture else np.nan
    assert out.loc["m", "ci_low"] == pytest.approx(expected, nan_ok=True)
    # pooled humans: subject-01 2 shape 0 texture, subject-02 1 shape 1 texture -> 3 / 4
    assert out.loc["humans", "shape_bias"] == pytest.approx(0.75)


# ------------------------------------------------------------------------------------------------ real data
def reference_consistency(trials: pd.DataFrame) -> pd.DataFrame:
    """Plain two-loop reference: every ordered pair, every condition, trials joined on image_id."""
    rows = []
    for (dataset, condition), frame in trials.groupby(["dataset", "condition"]):
        by_subject = {s: g.set_index("image_id")["correct"] for s, g in frame.groupby("subject")}
        for a, ca in by_subject.items():
            for b, cb in by_subject.items():
                if a == b:
                    continue
                joined = pd.concat([ca.rename("a"), cb.rename("b")], axis=1, join="inner")
                if joined.empty:
                    continue
                c_obs = float((joined["a"] == joined["b"]).mean())
                pa, pb = float(joined["a"].mean()), float(joined["b"].mean())
                c_exp = pa * pb + (1 - pa) * (1 - pb)
                kappa = 1.0 if c_obs == 1.0 else (c_obs - c_exp) / (1 - c_exp)
                rows.append((dataset, condition, a, b, len(joined), c_obs, c_exp, kappa))
    columns = ["dataset", "condition", "subject_a", "subject_b", "n_trials", *M.CONSISTENCY_COLUMNS]
    return pd.DataFrame(rows, columns=columns)


@pytest.mark.parametrize("dataset", ["cue-conflict", "contrast"])
def test_kappa_matrix_matches_two_loop_reference_on_mirror(trials, dataset):
    frame = trials[trials["dataset"] == dataset]
    # humans on a random subset of images: one observer loses half its trials, another a few conditions' worth
    rng = np.random.default_rng(0)
    drop = frame.index[(frame["subject"] == "subject-01") & (rng.random(len(frame)) < 0.5)]
    drop = drop.union(frame.index[(frame["subject"] == "subject-02") & frame["image_id"].str.contains("1")])
    frame = frame.drop(drop)
    keys = ["dataset", "condition", "subject_a", "subject_b"]
    ours = M.consistency(frame).sort_values(keys, ignore_index=True)
    reference = reference_consistency(frame).sort_values(keys, ignore_index=True)
    ordered_pairs = frame.groupby("condition")["subject"].nunique().map(lambda n: n * (n - 1)).sum()
    assert len(ours) == len(reference) == ordered_pairs
    pd.testing.assert_frame_equal(ours[keys].astype(str), reference[keys].astype(str))
    assert (ours["n_trials"].to_numpy() == reference["n_trials"].to_numpy()).all()
    for column in M.CONSISTENCY_COLUMNS:
        np.testing.assert_allclose(ours[column], reference[column], rtol=0, atol=1e-12, err_msg=column)


def test_shape_bias_on_mirror_matches_row_by_row_count(trials):
    cue = trials[trials["dataset"] == "cue-conflict"]
    ours = M.shape_bias(cue).set_index("subject")
    for subject, frame in cue.groupby("subject"):
        shape = texture = 0
        for image, category, response in zip(frame["image_id"], frame["category"], frame["response"]):
            texture_name = "".join(ch for ch in image.split("-")[-1].replace(".png", "") if not ch.isdigit())
            if texture_name == category:
                continue
            shape += response == category
            texture += response == texture_name
        assert (ours.loc[subject, "n_shape"], ours.loc[subject, "n_texture"]) == (shape, texture), subject
        assert ours.loc[subject, "shape_bias"] == pytest.approx(shape / (shape + texture))


def test_bootstrap_kappa_averaged_over_partners(trials):
    edge = trials[trials["dataset"] == "edge"]
    humans = sorted(edge.loc[edge["is_human"], "subject"].unique())
    per_pair = U.bootstrap_error_consistency(edge, ["resnet50", humans[0]], humans, n_boot=50, seed=1)
    mean = U.bootstrap_error_consistency(edge, ["resnet50", humans[0]], humans, n_boot=50, seed=1,
                                               average_b=True).set_index("subject_a")
    assert set(mean["subject_b"]) == {"mean"}
    # the estimate is the plain mean over partners, the observer's self-pair left out
    expected = per_pair.groupby("subject_a")["error_consistency"].mean()
    assert mean.loc["resnet50", "error_consistency"] == pytest.approx(expected["resnet50"])
    assert mean.loc[humans[0], "error_consistency"] == pytest.approx(expected[humans[0]])
    assert (per_pair["subject_a"] != per_pair["subject_b"]).all()
    row = mean.loc["resnet50"]
    assert row["ci_low"] < row["error_consistency"] < row["ci_high"]


# ------------------------------------------------------------------------------------------------ intervals
def test_percentile_interval_on_known_percentiles():
    # column 0: 0, 1, ..., 1000 (the p-th percentile is 10 p exactly); column 1: the same times -2; then NaN
    # replicates (ignored) and a column of NaN only (no interval)
    values = np.arange(1001.0)
    samples = np.column_stack([values, -2 * values, np.full(1001, np.nan)])
    samples = np.vstack([samples, np.full((7, 3), np.nan)])
    low, high = U.percentile_interval(samples, 0.95)
    # 95 %: the 2.5th and 97.5th percentiles -> 25 and 975; column 1: -1950 and -50
    np.testing.assert_allclose(low[:2], [25.0, -1950.0], rtol=1e-12)
    np.testing.assert_allclose(high[:2], [975.0, -50.0], rtol=1e-12)
    assert np.isnan(low[2]) and np.isnan(high[2])
    # 99 %: 0.5th and 99.5th -> 5 and 995; 50 %: 25th and 75th -> 250 and 750
    assert [x[0] for x in U.percentile_interval(samples, 0.99)] == pytest.approx([5.0, 995.0], rel=1e-12)
    assert [x[0] for x in U.percentile_interval(samples, 0.5)] == pytest.approx([250.0, 750.0], rel=1e-12)
    for level in (0, 1, 1.5, -0.1):
        with pytest.raises(ValueError, match="level"):
            U.percentile_interval(samples, level)


def test_percentile_interval_has_the_shape_of_one_replicate():
    samples = np.arange(2 * 3 * 101.0).reshape(101, 2, 3)  # replicate axis first; column (i, j) = 6 k + 3 i + j
    low, high = U.percentile_interval(samples, 0.9)
    # 5th and 95th percentile of k = 0..100 are 5 and 95 -> 30 + (3 i + j) and 570 + (3 i + j)
    np.testing.assert_allclose(low, 30 + np.arange(6.0).reshape(2, 3))
    np.testing.assert_allclose(high, 570 + np.arange(6.0).reshape(2, 3))


def binary_trials(n_correct: int, n: int, subject: str = "a") -> pd.DataFrame:
    return make_trials(correctness_rows(subject, {f"i{k:04d}": int(k < n_correct) for k in range(n)}))


@pytest.mark.parametrize("level, z", [(0.95, 1.959964), (0.99, 2.575829), (0.6827, 1.0)])
def test_bootstrap_accuracy_interval_is_the_binomial_one(level, z):
    # 200 of 400 images correct: a resample's accuracy is Binomial(400, 0.5) / 400, close to normal with
    # sd = sqrt(0.5 * 0.5 / 400) = 0.025, so the percentile interval is 0.5 +- z * 0.025 (z of the level);
    # with 4000 replicates a quantile is within about 0.002 of it (and resampled accuracies are multiples of 1/400).
    out = U.bootstrap_accuracy(binary_trials(200, 400), n_boot=4000, seed=3, level=level).iloc[0]
    assert out["accuracy"] == 0.5
    assert out["ci_low"] == pytest.approx(0.5 - z * 0.025, abs=0.005)
    assert out["ci_high"] == pytest.approx(0.5 + z * 0.025, abs=0.005)
    assert (out["n_boot"], out["level"]) == (4000, level)


@pytest.mark.parametrize("level, z", [(0.95, 1.959964), (0.99, 2.575829)])
def test_bootstrap_shape_bias_interval_is_the_binomial_one(level, z):
    # 400 informative images, a model answering the shape on 100, the texture on 300: resampled shape bias
    # ~ Binomial(400, 0.25) / 400, sd = sqrt(0.25 * 0.75 / 400) = 0.02165 -> 0.25 +- z * 0.02165
    rows = []
    for k in range(400):
        response = "cat" if k < 100 else "dog"
        rows.append(("m", "0", f"cat{k:03d}-dog{k:03d}.png", "cat", response))
    frame = make_trials(rows, dataset="cue-conflict")
    out = U.bootstrap_shape_bias(frame, n_boot=4000, seed=4, level=level).iloc[0]
    sd = np.sqrt(0.25 * 0.75 / 400)
    assert out["shape_bias"] == 0.25
    assert out["ci_low"] == pytest.approx(0.25 - z * sd, abs=0.005)
    assert out["ci_high"] == pytest.approx(0.25 + z * sd, abs=0.005)


def test_bootstrap_error_consistency_interval_is_the_percentile_of_its_replicates():
    # the replicates recomputed here from the same weights, the 2.5th / 97.5th percentiles taken with numpy
    rng = np.random.default_rng(0)
    a, b = (rng.random(60) < 0.6).astype(int), (rng.random(60) < 0.5).astype(int)
    images = [f"i{k:02d}" for k in range(60)]  # sorted order = column order
    frame = make_trials(
        correctness_rows("a", dict(zip(images, a.tolist()))) + correctness_rows("b", dict(zip(images, b.tolist())))
    )
    out = U.bootstrap_error_consistency(frame, ["a"], ["b"], n_boot=300, seed=9).iloc[0]
    weights = U.bootstrap_weights(np.random.default_rng(9), 60, 300)
    kappas = []
    for w in weights:
        idx = np.repeat(np.arange(60), w.astype(int))
        ra, rb = a[idx], b[idx]
        c_obs = np.mean(ra == rb)
        c_exp = ra.mean() * rb.mean() + (1 - ra.mean()) * (1 - rb.mean())
        kappas.append(1.0 if c_obs == 1 else (c_obs - c_exp) / (1 - c_exp))
    low, high = np.percentile(kappas, [2.5, 97.5])
    assert out["ci_low"] == pytest.approx(low, abs=1e-12)
    assert out["ci_high"] == pytest.approx(high, abs=1e-12)
    assert (out["n_boot"], out["level"]) == (300, 0.95)


def test_normal_interval_of_confusion_similarity_uses_z_of_the_level(trials):
    from humanlike import results

    edge = trials[(trials["dataset"] == "edge") & trials["subject"].isin(["resnet50", "bagnet33", "subject-01",
                                                                          "subject-02", "subject-03"])]  # fmt: skip
    # same seed, same replicates, same spread: the half-widths are z(level) * spread, z(95 %) = 1.959964,
    # z(68.27 %) = 1.0000 (one standard deviation)
    wide = results.confusion_similarity_summary(edge, n_boot=20, seed=2, level=0.95)
    one_sd = results.confusion_similarity_summary(edge, n_boot=20, seed=2, level=0.682689492)
    half_wide = wide["ci_high"] - wide["similarity"]
    half_one = one_sd["ci_high"] - one_sd["similarity"]
    finite = np.isfinite(half_wide) & (half_one > 0)
    assert finite.sum() >= 3
    np.testing.assert_allclose(half_wide[finite] / half_one[finite], 1.959964, rtol=1e-5)
    np.testing.assert_allclose((wide["similarity"] - wide["ci_low"])[finite], half_wide[finite], rtol=1e-9)


# ------------------------------------------------------------------------------------------------ groups and defaults
def test_response_entropy_per_group():
    rows = [("b", "0", f"i{k}", "cat", r) for k, r in enumerate(["cat", "dog", "car", "cat"])]  # listed first
    rows += [("a", "0", "j1", "cat", "dog")]  # a single answer: 0 bits
    rows += [("c", "0", f"k{k}", "cat", "na") for k in range(3)]  # no answer at all: undefined without na
    out = M.response_entropy(make_trials(rows, dataset="edge"))
    # groups sorted by name; b: q = (1/2, 1/4, 1/4) -> H = 1/2 + 2 * 1/4 * 2 = 1.5 bits
    assert out["subject"].tolist() == ["a", "b", "c"]
    assert out["n_responses"].tolist() == [1, 4, 0]
    assert out["entropy"].dtype == float
    entropy = out["entropy"].to_numpy()
    assert entropy[0] == 0.0 and not np.signbit(entropy[0])  # 0 bits, not -0
    assert entropy[1] == pytest.approx(1.5)
    assert np.isnan(entropy[2])
    # with na as a 17th outcome: c answered na 3 times -> 0 bits; b unchanged
    with_na = M.response_entropy(make_trials(rows, dataset="edge"), include_na=True)["entropy"].to_numpy()
    np.testing.assert_allclose(with_na, [0.0, 1.5, 0.0])
    # any grouping: by condition, all three subjects pooled (8 answers: cat 2, dog 2, car 1; na 3 left out)
    pooled = M.response_entropy(make_trials(rows, dataset="edge"), by="condition").iloc[0]
    expected = -(2 * 0.4 * math.log2(0.4) + 0.2 * math.log2(0.2))
    assert (pooled["condition"], pooled["n_responses"]) == ("0", 5)
    assert pooled["entropy"] == pytest.approx(expected)


def test_confusion_counts_groups_sorted_and_refuses_unknown_names():
    rows = [("b", "0", "i1", "cat", "dog"), ("a", "0", "i1", "cat", "cat"), ("b", "0", "i2", "dog", "na")]
    keys, counts = M.confusion_counts(make_trials(rows, dataset="edge"))
    assert keys["subject"].tolist() == ["a", "b"]
    cat, dog, na = CATEGORIES.index("cat"), CATEGORIES.index("dog"), M.RESPONSES.index("na")
    assert counts.shape == (2, 17, 16) and counts.sum() == 3
    assert counts[0, cat, cat] == 1 and counts[1, dog, cat] == 1 and counts[1, na, dog] == 1
    grid = M.confusion_matrix(make_trials(rows, dataset="edge"))
    cell = grid.set_index(["subject", "category", "response"])["n"]
    assert (cell[("b", "cat", "dog")], cell[("b", "dog", "na")], cell[("a", "cat", "cat")], cell.sum()) == (1, 1, 1, 3)
    by_condition = M.confusion_matrix(make_trials(rows, dataset="edge"), by="condition")
    assert list(by_condition.columns[:3]) == ["condition", "category", "response"] and len(by_condition) == 17 * 16
    # a response outside the 16 categories (and not na), or an unknown presented category, is refused
    for bad in [("a", "0", "i3", "cat", "banana"), ("a", "0", "i3", "banana", "cat")]:
        with pytest.raises(ValueError, match="16 categories"):
            M.confusion_counts(make_trials(rows + [bad], dataset="edge"))


def test_confusion_similarity_pairs_per_dataset():
    rows = []
    answers_of = {"x": ["cat", "dog", "dog"], "y": ["cat", "dog", "bird"]}
    for dataset in ["sketch", "edge"]:  # unsorted on purpose
        for subject, answers in answers_of.items():
            answers = answers if dataset == "edge" else answers[::-1]
            for k, (category, r) in enumerate(zip(["cat", "cat", "dog"], answers)):
                rows.append((dataset, subject, "0", f"{dataset}{k}", category, r))
    frame = pd.DataFrame(rows, columns=["dataset", "subject", "condition", "image_id", "category", "response"])
    out = M.confusion_similarity_pairs(frame)
    assert list(out.columns) == ["dataset", "subject_a", "subject_b", "confusion_similarity"]
    assert out.index.tolist() == [0, 1, 2, 3]
    assert out["dataset"].tolist() == ["edge", "edge", "sketch", "sketch"]
    for dataset in ["edge", "sketch"]:
        alone = M.confusion_similarity_pairs(frame[frame["dataset"] == dataset])
        mine = out[out["dataset"] == dataset]
        np.testing.assert_allclose(mine["confusion_similarity"], alone["confusion_similarity"])
    empty = M.confusion_similarity_pairs(frame.iloc[:0], by=["dataset", "condition"])
    assert list(empty.columns) == ["dataset", "condition", "subject_a", "subject_b", "confusion_similarity"]
    assert empty.empty


def test_human_ceiling_with_named_humans_and_groups():
    pairs = pd.DataFrame(
        {
            "dataset": ["edge", "edge", "edge", "sketch", "sketch"],
            "subject_a": ["ann", "ann", "subject-01", "ann", "bob"],
            "subject_b": ["bob", "subject-01", "ann", "bob", "ann"],
            "kappa": [0.2, 0.5, 0.5, 0.6, 0.6],
        }
    )
    # humans = ann and bob only: subject-01 is not one of them here; sketch holds (ann, bob) in both orders, once
    out = M.human_ceiling(pairs, "kappa", by="dataset", humans={"ann", "bob"})
    assert list(out.columns) == ["dataset", "metric", "mean", "min", "max", "n"]
    assert out["dataset"].tolist() == ["edge", "sketch"]
    assert out["n"].tolist() == [1, 1]
    np.testing.assert_allclose(out["mean"], [0.2, 0.6])
    per_subject = pd.DataFrame({"subject": ["ann", "subject-01", "bob"], "accuracy": [0.5, 0.9, np.nan]})
    out = M.human_ceiling(per_subject, "accuracy", humans=["ann", "bob"]).iloc[0]
    assert (out["n"], out["mean"]) == (1, 0.5)  # subject-01 is not named; bob's NaN is dropped


def test_shape_bias_per_category_keeps_to_cue_conflict():
    frame = pd.concat([cue_conflict_trials(), make_trials([("m", "0", "airplane1-bicycle2.png", "airplane",
                                                            "bicycle")], dataset="edge")])  # fmt: skip
    out = M.shape_bias_per_category(frame).query("subject == 'm'").set_index("category")
    assert out.loc["airplane", "shape_bias"] == 0.5  # the edge trial does not count


def two_dataset_trials() -> pd.DataFrame:
    """Three decision makers (a, b, subject-01) on 'sketch' (listed first) and 'edge', 12 images each."""
    rng = np.random.default_rng(5)
    frames = []
    for dataset in ["sketch", "edge"]:
        rows = []
        for subject in ["a", "b", "subject-01"]:
            rows += correctness_rows(subject, {f"i{k:02d}": int(rng.random() < 0.6) for k in range(12)}, "0")
        frames.append(make_trials(rows, dataset=dataset))
    return pd.concat(frames, ignore_index=True)


def test_bootstrap_defaults_are_documented_ones():
    frame = two_dataset_trials()
    # defaults: 1000 replicates, seed 0, 95 %, per dataset, not averaged over partners
    accuracy = U.bootstrap_accuracy(frame)
    pd.testing.assert_frame_equal(accuracy, U.bootstrap_accuracy(frame, "dataset", n_boot=1000, seed=0, level=0.95))
    assert "condition" not in accuracy.columns and set(accuracy["n_boot"]) == {1000}
    kappa = U.bootstrap_error_consistency(frame)
    explicit = U.bootstrap_error_consistency(frame, None, None, n_boot=1000, seed=0, level=0.95, average_b=False)
    pd.testing.assert_frame_equal(kappa, explicit)
    assert set(kappa["n_boot"]) == {1000} and set(kappa["level"]) == {0.95}
    cue = cue_conflict_trials()
    shape = U.bootstrap_shape_bias(cue)
    pd.testing.assert_frame_equal(shape, U.bootstrap_shape_bias(cue, n_boot=1000, seed=0, level=0.95, pool_humans=True))
    assert "humans" in set(shape["subject"]) and set(shape["n_boot"]) == {1000}
    # 499 informative images: enough for the interval to depend on the seed
    many = make_trials([("m", "0", f"cat{k}-dog{k}.png", "cat", "cat" if k % 3 else "dog") for k in range(499)],
                       dataset="cue-conflict")  # fmt: skip
    pd.testing.assert_frame_equal(U.bootstrap_shape_bias(many), U.bootstrap_shape_bias(many, seed=0))
    assert not U.bootstrap_shape_bias(many).equals(U.bootstrap_shape_bias(many, seed=1))


def test_bootstrap_error_consistency_pairs_and_datasets():
    frame = two_dataset_trials()
    out = U.bootstrap_error_consistency(frame, ["a"], ["b", "subject-01"], n_boot=40, seed=1)
    # one row per dataset (sorted) and pair, the rows numbered 0..n-1
    assert out.index.tolist() == [0, 1, 2, 3]
    assert list(out.columns) == ["dataset", "subject_a", "subject_b", "error_consistency", "ci_low", "ci_high",
                                 "n_boot", "level"]  # fmt: skip
    assert out["dataset"].tolist() == ["edge", "edge", "sketch", "sketch"]
    assert out["subject_a"].tolist() == ["a"] * 4 and out["subject_b"].tolist() == ["b", "subject-01"] * 2
    for dataset in ["edge", "sketch"]:
        alone = M.consistency(frame[frame["dataset"] == dataset], ["a"], ["b"], per="dataset").iloc[0]
        row = out[(out["dataset"] == dataset) & (out["subject_b"] == "b")].iloc[0]
        assert row["error_consistency"] == pytest.approx(alone["error_consistency"])
    # averaged over partners: a self-pair in subjects_b is left out of the estimate and of every replicate
    with_self = U.bootstrap_error_consistency(frame, ["a"], ["a", "b", "subject-01"], n_boot=40, seed=1, average_b=True)
    without = U.bootstrap_error_consistency(frame, ["a"], ["b", "subject-01"], n_boot=40, seed=1, average_b=True)
    pd.testing.assert_frame_equal(with_self, without)
    assert without["subject_b"].tolist() == ["mean", "mean"]


def test_human_ceiling_groups_sorted_and_named():
    pairs = pd.DataFrame(
        {
            "dataset": ["sketch", "edge", "sketch"],
            "subject_a": ["subject-01", "subject-01", "subject-02"],
            "subject_b": ["subject-02", "subject-02", "subject-03"],
            "kappa": [0.6, 0.2, 0.4],
        }
    )
    out = M.human_ceiling(pairs, "kappa", by=["dataset"])
    assert out["dataset"].tolist() == ["edge", "sketch"]
    assert out["metric"].tolist() == ["kappa", "kappa"]
    np.testing.assert_allclose(out["mean"], [0.2, 0.5])
    assert out["n"].tolist() == [1, 2]


def test_confusion_similarity_broadcasts_over_leading_dimensions():
    cat, dog, bird = CATEGORIES.index("cat"), CATEGORIES.index("dog"), CATEGORIES.index("bird")
    a, b, c = np.eye(16), np.eye(16), np.eye(16)
    a[[cat, dog], cat] = 0.5
    b[[cat, dog], cat] = [0.8, 0.2]
    c[[cat, bird], cat] = 0.5
    c[[dog, bird], dog] = [0.7, 0.3]
    # a stack of pairs gives the pairs' similarities one by one (each matrix centred and scaled on its own)
    d = 0.5 * c + 0.5 * np.eye(16)
    stacked = M.confusion_similarity(np.stack([a, a, c]), np.stack([b, c, d]))
    single = [M.confusion_similarity(a, b), M.confusion_similarity(a, c), M.confusion_similarity(c, d)]
    np.testing.assert_allclose(stacked, single, rtol=1e-12)
    assert stacked[0] == pytest.approx(1.0) and stacked[2] == pytest.approx(1.0)


def test_bootstrap_shape_bias_is_one_stratum_of_images():
    frame = cue_conflict_trials()
    # (a narrow level: with so few images a 95 % interval is [0, 1] for almost any resampling)
    reference = U.bootstrap_shape_bias(frame, n_boot=20, seed=3, level=0.5, dataset=None)
    # the images form one stratum whatever the condition and dataset columns say (the images are the unit)
    relabelled = frame.assign(
        condition=np.where(frame["subject"] == "m", "0", "1"), dataset=np.where(frame["subject"] == "m", "x", "y")
    )
    again = U.bootstrap_shape_bias(relabelled, n_boot=20, seed=3, level=0.5, dataset=None)
    pd.testing.assert_frame_equal(again, reference)
    # with a dataset name, rows of other datasets are left out
    mixed = pd.concat([frame, make_trials([("m", "0", "airplane1-bicycle2.png", "airplane", "bicycle")], "edge")])
    pd.testing.assert_frame_equal(U.bootstrap_shape_bias(mixed, n_boot=20, seed=3, level=0.5), reference)


def test_never_presented_categories_count_as_no_confusion():
    cat, dog, bird = CATEGORIES.index("cat"), CATEGORIES.index("dog"), CATEGORIES.index("bird")
    a, b = np.eye(16), np.eye(16)
    a[[cat, dog], cat] = 0.5
    b[[cat, bird], cat] = [0.6, 0.4]
    b[[dog, cat], dog] = [0.9, 0.1]
    a_unseen = a.copy()
    a_unseen[:, bird] = np.nan  # bird never presented to a: its column shows no confusion (zeros)
    a_zero = a.copy()
    a_zero[:, bird] = 0.0
    assert M.confusion_similarity(a_unseen, b) == pytest.approx(M.confusion_similarity(a_zero, b))
    assert np.isfinite(M.confusion_similarity(a_unseen, b))


def test_categorical_groups_without_trials_get_no_row():
    rows = [("b", "0", "i1", "cat", "dog"), ("a", "0", "i1", "cat", "cat")]
    frame = make_trials(rows, dataset="edge")
    frame["subject"] = pd.Categorical(frame["subject"], categories=["a", "b", "never"])
    keys, counts = M.confusion_counts(frame)
    assert keys["subject"].tolist() == ["a", "b"] and counts.shape[0] == 2


def test_accuracy_and_shape_bias_groups_are_sorted_and_observed():
    frame = make_trials(
        [("b", "bw", "i1", "cat", "cat"), ("a", "bw", "i1", "cat", "dog"), ("a", "bw", "i2", "dog", "dog")]
    )
    out = M.accuracy(frame, by="subject")
    assert out["subject"].tolist() == ["a", "b"] and out["accuracy"].tolist() == [0.5, 1.0]
    assert out["n_correct"].dtype.kind == "i" and out["n_trials"].dtype.kind == "i"
    frame["subject"] = pd.Categorical(frame["subject"], categories=["b", "a", "never"])
    assert len(M.accuracy(frame, by="subject")) == 2  # no row for a category without trials
    cue = cue_conflict_trials()
    cue = cue.iloc[::-1]  # subject-02 first
    shape = M.shape_bias(cue)
    assert shape["subject"].tolist() == ["m", "subject-01", "subject-02"]
    cue = cue.assign(subject=pd.Categorical(cue["subject"], categories=["subject-02", "m", "subject-01", "never"]))
    assert len(M.shape_bias(cue)) == 3


def test_bootstrap_accuracy_per_condition():
    frame = two_dataset_trials()
    frame["condition"] = np.where(frame["image_id"] < "i06", "c1", "c2")
    out = U.bootstrap_accuracy(frame, per="condition", n_boot=30, seed=2)
    columns = ["subject", "dataset", "condition", "accuracy", "ci_low", "ci_high", "n_boot", "level"]
    assert list(out.columns) == columns
    assert out.index.tolist() == list(range(3 * 2 * 2))
    # blocks sorted by dataset, then condition; subjects sorted within each
    assert out["dataset"].tolist() == ["edge"] * 6 + ["sketch"] * 6
    assert out["condition"].tolist() == (["c1"] * 3 + ["c2"] * 3) * 2
    plain = M.accuracy(frame).set_index(["subject", "dataset", "condition"])["accuracy"]
    for row in out.itertuples():
        assert row.accuracy == pytest.approx(plain[(row.subject, row.dataset, row.condition)])
        assert row.ci_low <= row.accuracy <= row.ci_high
    with pytest.raises(ValueError, match="per"):
        U.bootstrap_accuracy(frame, per="image")


def test_consistency_selected_pairs_and_an_empty_table():
    frame = two_dataset_trials()
    out = M.consistency(frame, ["a"], ["b", "subject-01"])
    assert set(out["subject_a"]) == {"a"} and set(out["subject_b"]) == {"b", "subject-01"} and len(out) == 4
    out = M.consistency(frame, ["a"], ["b"])  # subject-01 is on neither side
    assert set(out["subject_b"]) == {"b"} and len(out) == 2
    boot = U.bootstrap_error_consistency(frame, ["a"], ["b"], n_boot=10)
    assert set(boot["subject_b"]) == {"b"} and len(boot) == 2
    empty = M.consistency(frame.iloc[:0])
    assert list(empty.columns) == ["dataset", "condition", "subject_a", "subject_b", "n_trials",
                                   *M.CONSISTENCY_COLUMNS]  # fmt: skip
    empty = M.consistency(frame.iloc[:0], per="dataset")
    assert list(empty.columns) == ["dataset", "subject_a", "subject_b", "n_trials", "n_conditions",
                                   *M.CONSISTENCY_COLUMNS]  # fmt: skip


def test_shape_texture_decisions_columns_and_index():
    cue = cue_conflict_trials().set_index(pd.Index(range(100, 110)))
    out = M.shape_texture_decisions(cue)
    assert list(out.columns) == ["texture", "informative", "is_shape", "is_texture"]
    assert out.index.tolist() == list(range(100, 110))
    assert out["texture"].tolist()[:3] == ["bicycle", "chair", "cat"]


def test_bootstrap_shape_bias_without_pooling():
    out = U.bootstrap_shape_bias(cue_conflict_trials(), n_boot=20, pool_humans=False)
    assert out["subject"].tolist() == ["m", "subject-01", "subject-02"]
    assert list(out.columns) == ["subject", "shape_bias", "ci_low", "ci_high", "n_boot", "level"]
    assert set(out["n_boot"]) == {20} and set(out["level"]) == {0.95}


def test_consistency_columns_counts_and_index():
    # c1: a = 1 0, b = 1 1 on i1, i2; c saw only i3 (shares no image: no pair with c); c2: a = b = 1 on i1
    frame = make_trials(
        correctness_rows("a", {"i1": 1, "i2": 0}, "c1")
        + correctness_rows("b", {"i1": 1, "i2": 1}, "c1")
        + correctness_rows("c", {"i3": 1}, "c1")
        + correctness_rows("a", {"i1": 1}, "c2")
        + correctness_rows("b", {"i1": 1}, "c2")
    )
    out = M.consistency(frame)
    # the 9 pairs of each condition less self-pairs and pairs with c: (a, b) and (b, a) per condition, rows
    # numbered 0..3 after the dropped ones, n_trials a count
    assert list(out.columns) == ["dataset", "condition", "subject_a", "subject_b", "n_trials", *M.CONSISTENCY_COLUMNS]
    assert out.index.tolist() == [0, 1, 2, 3]
    assert out["condition"].tolist() == ["c1", "c1", "c2", "c2"]
    assert out["subject_a"].tolist() == ["a", "b", "a", "b"] and out["subject_b"].tolist() == ["b", "a", "b", "a"]
    assert out["n_trials"].dtype.kind == "i" and out["n_trials"].tolist() == [2, 2, 1, 1]
    # c1: c_obs 1/2; p_a = 1/2, p_b = 1: c_exp = 1/2 * 1 + 1/2 * 0 = 1/2, kappa = 0; c2: c_obs = c_exp = 1, kappa 1
    np.testing.assert_allclose(out["error_consistency"], [0.0, 0.0, 1.0, 1.0])
    # per dataset: n_trials 2 + 1 = 3 and 2 conditions first, then the means: c_obs (1/2 + 1) / 2 = 3/4,
    # c_exp 3/4, kappa (0 + 1) / 2 = 1/2
    out = M.consistency(frame, per="dataset")
    assert list(out.columns) == ["dataset", "subject_a", "subject_b", "n_trials", "n_conditions",
                                 *M.CONSISTENCY_COLUMNS]  # fmt: skip
    assert out.index.tolist() == [0, 1]
    assert out["n_trials"].dtype.kind == "i" and out["n_trials"].tolist() == [3, 3]
    assert out["n_conditions"].tolist() == [2, 2]
    np.testing.assert_allclose(out[list(M.CONSISTENCY_COLUMNS)].to_numpy(), [[0.75, 0.75, 0.5]] * 2)
    with pytest.raises(ValueError, match=r"^per must be 'condition' or 'dataset', not 'image'$"):
        M.consistency(frame, per="image")


def test_names_not_in_the_trial_table_are_refused():
    frame = two_dataset_trials()
    # every missing name, in the order given, on one line
    with pytest.raises(KeyError) as refused:
        M.consistency(frame, ["a", "x", "y"])
    assert refused.value.args == ("not in the trial table: x, y",)
    with pytest.raises(KeyError) as refused:
        U.bootstrap_error_consistency(frame, ["a"], ["z", "b"], n_boot=5)
    assert refused.value.args == ("not in the trial table: z",)
    matrix = M.correctness_matrix(frame)
    assert matrix.index(["subject-01", "a"]).tolist() == [2, 0]
    # no name selected: no pair, an empty table with the usual columns
    empty = M.consistency(frame, [])
    assert empty.empty and list(empty.columns) == list(M.consistency(frame).columns)
    # no names: an empty array of row numbers
    assert matrix.index([]).dtype.kind == "i"


def test_is_human_name_is_a_bool_mask_even_of_no_names():
    assert M.is_human_name(["subject-01", "resnet50", "subject-1x"]).tolist() == [True, False, False]
    assert M.is_human_name(["a", "b"], humans=["b"]).tolist() == [False, True]
    # no names: still a bool array, usable as a mask (numpy would make float64 of an empty list)
    assert M.is_human_name([]).dtype == bool and M.is_human_name([], humans=["subject-01"]).dtype == bool
