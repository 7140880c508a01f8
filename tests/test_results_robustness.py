"""Result tables of chapters 1 (noise robustness) and 2 (category-level errors): humanlike.results.

Hand-made trial tables with known answers, then the published data against the benchmark and the metrics.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from humanlike import benchmark, data, metrics, results, uncertainty
from factories import trial_table
from humanlike.data import CATEGORIES


_trials = trial_table  # (dataset, subject, condition, image_id, category, response) tuples


def _answers(dataset, subject, condition, right, n=10, category="cat", wrong="dog", offset=0):
    """``n`` trials on images ``img<offset>`` ..., the first ``right`` of them correct."""
    return [
        (dataset, subject, condition, f"img{offset + i}", category, category if i < right else wrong) for i in range(n)
    ]


# ------------------------------------------------------------------------------------------- chapter 1
def test_every_published_condition_has_a_strength(trials):
    for dataset in data.PARAMETRIC_DATASETS:
        published = trials.loc[trials["dataset"] == dataset, "condition"].unique()
        levels = results.distortion_levels(dataset, published)
        assert sorted(levels["condition"]) == sorted(published)
        assert list(levels["strength"]) == list(range(len(published)))
        assert levels["label"].is_unique


def test_distortion_levels_order_and_spellings():
    contrast = results.distortion_levels("contrast", ["c05", "c100", "c50"])
    assert list(contrast["condition"]) == ["c100", "c50", "c05"]  # weakest (full contrast) first
    assert list(contrast["distortion"]) == [100.0, 50.0, 5.0]
    high_pass = results.distortion_levels("high-pass")
    assert high_pass["condition"].iloc[0] == "inf" and high_pass["label"].iloc[0] == "none"
    assert list(high_pass["distortion"].iloc[1:]) == sorted(high_pass["distortion"].iloc[1:], reverse=True)
    noise = results.distortion_levels("uniform-noise", ["0.9", "0.0", "0.10"])  # other spellings of the numbers
    assert list(noise["strength"]) == [0, 3, 7]
    eidolon = results.distortion_levels("eidolonII", ["128-3-10", "1-3-10"])
    assert list(eidolon["distortion"]) == [1.0, 128.0]
    assert list(results.distortion_levels("false-colour")["label"]) == ["true", "opponent"]
    with pytest.raises(ValueError, match="unknown condition"):
        results.distortion_levels("contrast", ["c07"])
    with pytest.raises(KeyError):
        results.distortion_levels("sketch")


def test_accuracy_by_level_humans_mean_and_range():
    rows = (
        _answers("contrast", "subject-01", "c100", 10)
        + _answers("contrast", "subject-02", "c100", 8)
        + _answers("contrast", "subject-01", "c05", 6)
        + _answers("contrast", "subject-02", "c05", 2)
        + _answers("contrast", "model-x", "c100", 9)
        + _answers("contrast", "model-x", "c05", 1)
        + _answers("sketch", "model-x", "0", 5)  # nonparametric: ignored
    )
    table = results.accuracy_by_level(_trials(rows), n_boot=50, seed=1)
    assert set(table["dataset"]) == {"contrast"}
    humans = table[table["subject"] == "humans"].set_index("condition")
    assert humans.loc["c100", ["accuracy", "ci_low", "ci_high"]].tolist() == pytest.approx([0.9, 0.8, 1.0])
    assert humans.loc["c05", ["accuracy", "ci_low", "ci_high"]].tolist() == pytest.approx([0.4, 0.2, 0.6])
    assert (humans["n_observers"] == 2).all() and (humans["interval"] == "range over observers").all()
    model = table[table["subject"] == "model-x"].set_index("condition")
    assert model.loc["c05", "accuracy"] == pytest.approx(0.1)
    assert model.loc["c05", "strength"] == 5 and model.loc["c100", "strength"] == 0
    assert (model["ci_low"] <= model["accuracy"]).all() and (model["accuracy"] <= model["ci_high"]).all()
    assert model["training"].iloc[0] == "unknown" and humans["training"].iloc[0] == "human"
    assert table["subject"].iloc[0] == "humans"  # humans first within a dataset


def test_ood_accuracy_leaves_out_excluded_conditions_and_averages():
    rows = (
        _answers("uniform-noise", "subject-01", "0.00", 10)  # excluded (undistorted)
        + _answers("uniform-noise", "subject-01", "0.10", 8)
        + _answers("uniform-noise", "subject-01", "0.20", 6)
        + _answers("uniform-noise", "subject-02", "0.10", 4)
        + _answers("uniform-noise", "subject-02", "0.20", 2)
        + _answers("uniform-noise", "model-x", "0.10", 5)
        + _answers("uniform-noise", "model-x", "0.20", 1)
        + _answers("uniform-noise", "model-x", "0.90", 0)  # excluded (humans near chance)
        + _answers("contrast", "subject-01", "c50", 10)
        + _answers("contrast", "model-x", "c50", 3)
    )
    ood = results.ood_accuracy(_trials(rows), n_boot=100, seed=0).set_index(["dataset", "subject"])
    assert ood.loc[("uniform-noise", "model-x"), "ood_accuracy"] == pytest.approx(0.3)  # (0.5 + 0.1) / 2
    assert ood.loc[("uniform-noise", "humans"), "ood_accuracy"] == pytest.approx(0.5)  # mean of 0.7 and 0.3
    assert ood.loc[("uniform-noise", "model-x"), "n_conditions"] == 2
    assert ood.loc[("all datasets", "model-x"), "ood_accuracy"] == pytest.approx((0.3 + 0.3) / 2)
    assert ood.loc[("all datasets", "humans"), "ood_accuracy"] == pytest.approx((0.5 + 1.0) / 2)
    assert ood.loc[("all datasets", "model-x"), "n_datasets"] == 2
    assert not any(s.startswith("subject-") for _, s in ood.index)  # single observers are not listed
    assert ((ood["ci_low"] <= ood["ood_accuracy"] + 1e-12) & (ood["ood_accuracy"] <= ood["ci_high"] + 1e-12)).all()
    assert ood.index.get_level_values("dataset")[0] == "all datasets"


def test_ood_difference_is_paired():
    rows = _answers("uniform-noise", "subject-01", "0.10", 6, n=20) + _answers("uniform-noise", "a", "0.10", 12, n=20)
    rows += [(d, "b", c, i, cat, r) for d, s, c, i, cat, r in rows if s == "a"]  # b answers exactly like a
    trials = _trials(rows)
    same = results.ood_accuracy_difference(trials, [("a", "b")], n_boot=200, seed=3)
    assert (same[["difference", "ci_low", "ci_high"]].to_numpy() == 0).all()  # identical answers: no spread at all
    default = results.ood_accuracy_difference(trials, n_boot=200, seed=3)
    assert set(zip(default["subject_a"], default["subject_b"])) == {("a", "humans"), ("b", "humans")}
    row = default[(default["subject_a"] == "a") & (default["dataset"] == "uniform-noise")].iloc[0]
    assert row["difference"] == pytest.approx(0.6 - 0.3)
    assert row["ci_low"] <= row["difference"] <= row["ci_high"]
    with pytest.raises(KeyError, match="nobody"):
        results.ood_accuracy_difference(trials, [("a", "nobody")], n_boot=10)


def test_ood_accuracy_equals_the_benchmark(trials):
    ood = results.ood_accuracy(trials, n_boot=20, seed=0)
    table = benchmark.benchmark_table(trials).set_index("model")["ood_accuracy"]
    overall = ood[ood["dataset"] == results.ALL_DATASETS].set_index("subject")["ood_accuracy"]
    pd.testing.assert_series_equal(overall.sort_index(), table.sort_index(), check_names=False, rtol=1e-12)
    per_dataset = benchmark.benchmark_per_dataset(trials)
    per_dataset = per_dataset[per_dataset["metric"] == "ood_accuracy"].set_index(["dataset", "model"])["value"]
    mine = ood[ood["dataset"] != results.ALL_DATASETS].set_index(["dataset", "subject"])["ood_accuracy"]
    assert np.allclose(mine.reindex(per_dataset.index).to_numpy(), per_dataset.to_numpy(), rtol=1e-12)


def test_published_uniform_noise_simclr_above_resnet50(trials):
    noise = trials[trials["dataset"] == "uniform-noise"]
    gap = results.ood_accuracy_difference(noise, [("simclr-resnet50x1", "resnet50")], n_boot=200, seed=0)
    row = gap[gap["dataset"] == "uniform-noise"].iloc[0]
    assert row["difference"] > 0.1 and row["ci_low"] > 0  # the paper's "SimCLR exception" holds in the raw data


def test_accuracy_by_level_on_published_data(trials):
    table = results.accuracy_by_level(trials[trials["dataset"].isin(["uniform-noise", "eidolonI"])], n_boot=20)
    assert set(table["subject"]) == {"humans", *data.MODELS}
    humans = table[(table["subject"] == "humans") & (table["dataset"] == "uniform-noise")]
    assert (humans["n_observers"] == 4).all()
    assert humans.sort_values("strength")["accuracy"].iloc[-1] < humans.sort_values("strength")["accuracy"].iloc[0]
    assert table.groupby(["dataset", "subject"]).size().max() == 8


def test_describe_and_direction():
    assert results.describe(0.6, 0.57, 0.62) == "60% (95% CI 57% to 62%)"
    assert results.describe(-0.084, -0.11, -0.05, difference=True) == "\u22128 points (95% CI \u221211 to \u22125)"
    assert [results.direction(*i) for i in [(0.1, 0.2), (-0.2, -0.1), (-0.1, 0.1)]] == [1, -1, 0]


# ------------------------------------------------------------------------------------------- chapter 2
def _confusion_rows(dataset, subject, mistakes, n_images=16):
    """One trial per category (image ``<category>-<k>``); ``mistakes`` maps category -> wrong answer."""
    rows = []
    for k, category in itertools.product(range(n_images // 16 or 1), CATEGORIES):
        rows.append((dataset, subject, "0", f"{category}-{k}", category, mistakes.get(category, category)))
    return rows


MISTAKES_A = {"cat": "dog", "dog": "cat", "truck": "car", "knife": "bottle"}
MISTAKES_B = {"oven": "clock", "bird": "airplane", "bear": "dog", "chair": "keyboard"}


def test_confusion_matrices_pool_humans():
    rows = _confusion_rows("sketch", "subject-01", MISTAKES_A) + _confusion_rows("sketch", "subject-02", MISTAKES_B)
    rows += _confusion_rows("sketch", "model-x", MISTAKES_A)
    table = results.confusion_matrices(_trials(rows))
    assert set(table["subject"]) == {"humans", "model-x"}
    humans = table[table["subject"] == "humans"].set_index(["category", "response"])
    assert humans.loc[("cat", "dog"), "n"] == 1 and humans.loc[("cat", "cat"), "n"] == 1
    assert humans.loc[("cat", "dog"), "proportion"] == pytest.approx(0.5)
    assert len(table) == 2 * 17 * 16
    assert table["subject"].iloc[0] == "humans"


def test_confusion_similarity_summary_hand_made():
    rows = (
        _confusion_rows("sketch", "subject-01", MISTAKES_A)
        + _confusion_rows("sketch", "subject-02", MISTAKES_A)
        + _confusion_rows("sketch", "subject-03", {**MISTAKES_A, "oven": "clock"})
        + _confusion_rows("sketch", "same-as-humans", MISTAKES_A)
        + _confusion_rows("sketch", "other", MISTAKES_B)
    )
    summary = results.confusion_similarity_summary(_trials(rows), n_boot=50, seed=0)
    by = summary.set_index(["subject", "comparison"])
    ceiling = by.loc[("humans", results.TO_HUMANS)]
    assert ceiling["n_pairs"] == 3 and ceiling["max"] == pytest.approx(1.0) and ceiling["min"] < 1
    assert by.loc[("same-as-humans", results.TO_HUMANS), "max"] == pytest.approx(1.0)
    assert by.loc[("other", results.TO_HUMANS), "similarity"] < 0.1
    assert by.loc[("other", results.TO_MODELS), "n_pairs"] == 1
    assert by.loc[("other", results.TO_MODELS), "similarity"] == pytest.approx(
        by.loc[("same-as-humans", results.TO_MODELS), "similarity"]
    )
    assert ((summary["ci_low"] <= summary["similarity"]) & (summary["similarity"] <= summary["ci_high"])).all()


def test_confusion_replicates_weigh_trials_by_image_multiplicity():
    rows = _confusion_rows("sketch", "subject-01", MISTAKES_A, n_images=160)
    errs = {"cat": ("dog", 4), "oven": ("clock", 7)}  # model-x errs on the first 4 cat and 7 oven images
    rows += [
        (d, "model-x", c, i, cat, errs[cat][0] if cat in errs and int(i.split("-")[1]) < errs[cat][1] else cat)
        for d, _, c, i, cat, _ in rows
    ]
    trials = _trials(rows)
    subjects = np.array(["model-x", "subject-01"], dtype=object)
    proportion, replicates = results.category_errors._confusion_replicates(trials, subjects, 5, np.random.default_rng(7))
    assert proportion.shape == (2, 17, 16) and replicates.shape == (5, 2, 17, 16)
    # the same multiplicities by hand: one condition, image ids in sorted order
    keys = sorted(set("0\t" + trials["image_id"]))
    weights = uncertainty.bootstrap_weights(np.random.default_rng(7), len(keys), 5)
    weight = dict(zip([k.split("\t")[1] for k in keys], weights[2]))
    model = trials[trials["subject"] == "model-x"].assign(w=lambda f: f["image_id"].map(weight))
    counts = model.groupby(["response", "category"])["w"].sum()
    expected = counts / counts.groupby(level="category").transform("sum")
    r, c = metrics.RESPONSES.index("clock"), CATEGORIES.index("oven")
    assert replicates[2, 0, r, c] == pytest.approx(expected.get(("clock", "oven"), 0.0))
    r, c = metrics.RESPONSES.index("cat"), CATEGORIES.index("cat")
    assert replicates[2, 0, r, c] == pytest.approx(expected.get(("cat", "cat"), 0.0))
    assert 0 < replicates[2, 0, r, c] < 1 and replicates[:, 0, r, c].std() > 0
    assert np.allclose(np.nansum(proportion, axis=1), 1.0)


def test_confusion_similarity_summary_matches_metrics(trials):
    subset = trials[trials["dataset"].isin(["sketch", "uniform-noise"])]
    summary = results.confusion_similarity_summary(subset, n_boot=20, seed=0)
    pairs = metrics.confusion_similarity_pairs(subset, by="dataset")
    ceiling = metrics.human_ceiling(pairs, "confusion_similarity", by="dataset").set_index("dataset")
    mine = summary[summary["subject"] == "humans"].set_index("dataset")
    for column in ("mean", "min", "max"):
        target = "similarity" if column == "mean" else column
        assert np.allclose(mine[target], ceiling.loc[mine.index, column])
    assert (mine["n_pairs"] == ceiling.loc[mine.index, "n"]).all()
    human = pairs["subject_b"].str.startswith("subject-") & ~pairs["subject_a"].str.startswith("subject-")
    expected = pairs[human].groupby(["dataset", "subject_a"])["confusion_similarity"].mean()
    to_humans = summary[(summary["comparison"] == results.TO_HUMANS) & (summary["subject"] != "humans")]
    got = to_humans.set_index(["dataset", "subject"])["similarity"]
    assert np.allclose(got.to_numpy(), expected.reindex(got.index).to_numpy())
    assert ((summary["ci_low"] < summary["similarity"]) & (summary["similarity"] < summary["ci_high"])).all()


def test_confusion_similarity_matrix_and_entropy(trials):
    subset = trials[trials["dataset"] == "sketch"]
    matrix = results.confusion_similarity_matrix(subset)
    assert set(matrix["subject_a"]) == {"humans", *data.MODELS}
    assert len(matrix) == 10 * 9
    entropy = results.response_entropy_table(subset)
    observers = subset.loc[subset["is_human"], "subject"].nunique()
    assert len(entropy) == 1 + observers + len(data.MODELS)
    pooled = entropy.set_index("subject").loc["humans"]
    assert pooled["n_responses"] == (subset["is_human"] & (subset["response"] != "na")).sum()
    assert 0 < pooled["entropy"] <= 4


def test_robustness_tally_counts_clear_sides():
    # three datasets: A clearly below humans on d1 (interval -0.3..-0.1), clearly above on d2 (0.05..0.2),
    # unclear on d3 (-0.1..0.1); the "all datasets" row is not a dataset and must not count
    gap = pd.DataFrame(
        {
            "dataset": ["d1", "d2", "d3", results.ALL_DATASETS],
            "subject_a": ["A"] * 4,
            "subject_b": [results.HUMANS] * 4,
            "difference": [-0.2, 0.1, 0.0, -0.05],
            "ci_low": [-0.3, 0.05, -0.1, -0.1],
            "ci_high": [-0.1, 0.2, 0.1, -0.01],
        }
    )
    tally = results.robustness_tally(gap, ["A", "B"])
    assert tally[["subject", "below", "above", "n_datasets"]].values.tolist() == [["A", 1, 1, 3]]


def test_confusion_findings_against_the_ceiling():
    # ceiling interval on d1 is 0.6..0.8; model M's interval 0.2..0.5 lies below it (counts), on d2 the ceiling is
    # 0.3..0.5 and M's 0.4..0.6 overlaps (does not count). M is closer to the models than to humans on d1 only.
    rows = [
        ("d1", results.HUMANS, results.TO_HUMANS, 0.7, 0.6, 0.8),
        ("d1", "M", results.TO_HUMANS, 0.35, 0.2, 0.5),
        ("d1", "M", results.TO_MODELS, 0.6, 0.5, 0.7),
        ("d2", results.HUMANS, results.TO_HUMANS, 0.4, 0.3, 0.5),
        ("d2", "M", results.TO_HUMANS, 0.5, 0.4, 0.6),
        ("d2", "M", results.TO_MODELS, 0.3, 0.2, 0.4),
    ]
    similarity = pd.DataFrame(rows, columns=["dataset", "subject", "comparison", "similarity", "ci_low", "ci_high"])
    findings = results.confusion_findings(similarity)
    assert findings.values.tolist() == [["M", 1, 1, 2]]


# ------------------------------------------------------------------------------------------- findings
def _ood_and_gap() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hand-made chapter 1 tables: OOD accuracy on uniform noise (SimCLR 0.60, ResNet-50 0.40, humans 0.70) and
    contrast, and paired differences whose intervals put SimCLR clearly above ResNet-50 (+0.10..+0.30), SimCLR
    vs humans unclear (-0.20..+0.05), ResNet-50 clearly below humans on both datasets, SimCLR above on contrast."""
    ood = pd.DataFrame(
        [
            ("uniform-noise", "simclr-resnet50x1", 0.60, 0.55, 0.65),
            ("uniform-noise", "resnet50", 0.40, 0.35, 0.45),
            ("uniform-noise", results.HUMANS, 0.70, 0.65, 0.75),
            ("contrast", "resnet50", 0.50, 0.45, 0.55),
            (results.ALL_DATASETS, "resnet50", 0.45, 0.40, 0.50),
        ],
        columns=["dataset", "subject", "ood_accuracy", "ci_low", "ci_high"],
    )
    gap = pd.DataFrame(
        [
            ("uniform-noise", "simclr-resnet50x1", "resnet50", 0.20, 0.10, 0.30),
            ("uniform-noise", "simclr-resnet50x1", results.HUMANS, -0.10, -0.20, 0.05),
            ("uniform-noise", "resnet50", results.HUMANS, -0.30, -0.40, -0.20),
            ("contrast", "resnet50", results.HUMANS, -0.20, -0.30, -0.10),
            ("contrast", "simclr-resnet50x1", results.HUMANS, 0.05, 0.01, 0.10),
            (results.ALL_DATASETS, "resnet50", results.HUMANS, -0.25, -0.30, -0.20),
        ],
        columns=["dataset", "subject_a", "subject_b", "difference", "ci_low", "ci_high"],
    )
    return ood, gap


def test_robustness_findings_hand_made():
    ood, gap = _ood_and_gap()
    f = results.robustness_findings(ood, gap, ["resnet50", "simclr-resnet50x1"])
    minus = "\N{MINUS SIGN}"
    assert f["simclr_tested"] is True
    assert f["simclr"] == "60% (95% CI 55% to 65%)"
    assert f["humans"] == "70% (95% CI 65% to 75%)"
    assert f["simclr_minus_resnet50"] == "+20 points (95% CI +10 to +30)"
    assert f["simclr_minus_humans"] == f"{minus}10 points (95% CI {minus}20 to +5)"
    assert (f["simclr_vs_resnet50"], f["simclr_vs_humans"]) == ("above", "unclear")
    # 2 datasets; resnet50 clearly below on both (2 > 0.5 * 2), simclr below on none and above on contrast
    assert f["n_datasets"] == 2
    assert f["tally"] == [("resnet50", 2, 0), ("simclr-resnet50x1", 0, 1)]
    assert f["worse"] == ["resnet50"] and f["worse_trainings"] == ["supervised"]
    # a stricter threshold: below on more than all datasets is impossible
    assert results.robustness_findings(ood, gap, ["resnet50"], majority=1.0)["worse"] == []


def test_robustness_findings_without_the_simclr_pair():
    ood, gap = _ood_and_gap()
    f = results.robustness_findings(ood, gap[gap["subject_b"] == results.HUMANS], ["resnet50", "simclr-resnet50x1"])
    assert f["simclr_tested"] is False and "simclr" not in f


def test_robustness_pairs_and_difference_cells():
    assert results.robustness_pairs(["simclr-resnet50x1", "resnet50"]) == [
        ("simclr-resnet50x1", "humans"), ("resnet50", "humans"), ("simclr-resnet50x1", "resnet50")
    ]  # fmt: skip
    _, gap = _ood_and_gap()
    cells = results.difference_cells(gap)
    # only rows against humans, no "all datasets" row; points = 100 x difference; clear = interval excludes 0
    assert cells.values.tolist() == [
        ["uniform-noise", "simclr-resnet50x1", -10.0, "-20 to +5", False],
        ["uniform-noise", "resnet50", -30.0, "-40 to -20", True],
        ["contrast", "resnet50", -20.0, "-30 to -10", True],
        ["contrast", "simclr-resnet50x1", 5.0, "+1 to +10", True],
    ]


def test_category_findings_hand_made():
    # ceilings 0.7 (d1) and 0.4 (d2); model M's similarity to observers 0.35 and 0.5
    similarity = pd.DataFrame(
        [
            ("d1", results.HUMANS, results.TO_HUMANS, 0.7),
            ("d1", "M", results.TO_HUMANS, 0.35),
            ("d1", "M", results.TO_MODELS, 0.9),
            ("d2", results.HUMANS, results.TO_HUMANS, 0.4),
            ("d2", "M", results.TO_HUMANS, 0.5),
        ],
        columns=["dataset", "subject", "comparison", "similarity"],
    )
    # SimCLR correlates 0.6 with ResNet-50 and 0.3 with humans on d1 (nearer ResNet-50), 0.2 / 0.5 on d2
    pairs = pd.DataFrame(
        [
            ("d1", "simclr-resnet50x1", "resnet50", 0.6),
            ("d1", "simclr-resnet50x1", results.HUMANS, 0.3),
            ("d2", "simclr-resnet50x1", "resnet50", 0.2),
            ("d2", "simclr-resnet50x1", results.HUMANS, 0.5),
            ("d1", "resnet50", "simclr-resnet50x1", 0.6),
        ],
        columns=["dataset", "subject_a", "subject_b", "confusion_similarity"],
    )
    f = results.category_findings(similarity, pairs)
    assert (f["n_ceiling"], f["ceiling_min"], f["ceiling_min_dataset"]) == (2, 0.4, "d2")
    assert (f["ceiling_max"], f["ceiling_max_dataset"]) == (0.7, "d1")
    assert (f["models_min"], f["models_max"]) == (0.35, 0.5)
    assert f["simclr_tested"] is True
    assert (f["simclr_nearer"], f["simclr_n"]) == (1, 2)
    assert f["simclr_median_resnet50"] == pytest.approx(0.4)  # median of 0.6 and 0.2
    assert f["simclr_median_humans"] == pytest.approx(0.4)  # median of 0.3 and 0.5
    assert results.category_findings(similarity, pairs[pairs["subject_b"] != "resnet50"])["simclr_tested"] is False


def test_ood_table_says_how_many_datasets_each_mean_rests_on(trials):
    # the published edge and uniform-noise trials, with resnet50's uniform-noise trials removed: its all-datasets
    # mean rests on edge alone (1 of 2), every other model's on both
    two = trials[trials["dataset"].isin(["edge", "uniform-noise"])]
    two = two[~((two["subject"] == "resnet50") & (two["dataset"] == "uniform-noise"))]
    ood = results.ood_accuracy(two, n_boot=10, seed=0)
    models = sorted(set(ood["subject"]) - {results.HUMANS})
    table = results.ood_accuracy_table(ood, [results.HUMANS, *models], ["edge", "uniform-noise"])
    assert list(table.columns) == [results.ALL_DATASETS, "edge", "uniform-noise", "datasets averaged"]
    assert table.at["resnet50", "datasets averaged"] == "1 of 2"
    assert (table.drop(index="resnet50")["datasets averaged"] == "2 of 2").all()
    assert table.at["resnet50", results.ALL_DATASETS] == table.at["resnet50", "edge"]
    assert pd.isna(table.at["resnet50", "uniform-noise"])
