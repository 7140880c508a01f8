"""humanlike.benchmark: a hand-made case worked out in the comments, the toolbox's published per-dataset
accuracies, and the matrix implementation against a plain-loop reference on the mirror."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from humanlike import benchmark as B
from humanlike.data import DATASETS, MODELS, NONPARAMETRIC_DATASETS, PARAMETRIC_DATASETS


def rows(subject: str, dataset: str, condition: str, outcomes: dict[str, object]) -> list[dict]:
    """Trials: image -> 1 (cat answered cat), 0 (cat answered dog) or "na" (no answer)."""
    out = []
    for image, outcome in outcomes.items():
        response = {1: "cat", 0: "dog", "na": "na"}[outcome]
        out.append(
            {
                "dataset": dataset,
                "subject": subject,
                "is_human": subject.startswith("subject-"),
                "condition": condition,
                "image_id": image,
                "category": "cat",
                "response": response,
                "correct": response == "cat",
            }
        )
    return out


def hand_made_trials() -> pd.DataFrame:
    t = []
    # colour, condition bw (in the benchmark), images i1..i4
    t += rows("m", "colour", "bw", {"i1": 1, "i2": 1, "i3": 0, "i4": 0})
    t += rows("m2", "colour", "bw", {"i1": 1, "i2": 1, "i3": 1, "i4": 0})
    t += rows("subject-01", "colour", "bw", {"i1": 1, "i2": 1, "i3": 1, "i4": 0})
    t += rows("subject-02", "colour", "bw", {"i1": 1, "i2": 0, "i3": 0, "i4": 0})
    # colour, condition cr: excluded; it would change every number if it were used
    t += rows("m", "colour", "cr", {"j1": 0, "j2": 0})
    t += rows("m2", "colour", "cr", {"j1": 0, "j2": 0})
    t += rows("subject-01", "colour", "cr", {"j1": 1, "j2": 1})
    t += rows("subject-02", "colour", "cr", {"j1": 1, "j2": 1})
    # edge (nonparametric, all trials); m2 has no edge trials; subject-02 gives no answer on e1 (an error)
    t += rows("m", "edge", "0", {"e1": 1, "e2": 0})
    t += rows("subject-01", "edge", "0", {"e1": 1, "e2": 0})
    t += rows("subject-02", "edge", "0", {"e1": "na", "e2": 1})
    return pd.DataFrame(t)


def test_benchmark_table_hand_made():
    table = B.benchmark_table(hand_made_trials())
    assert list(table.columns) == B.TABLE_COLUMNS
    # colour/bw, accuracies: m 0.5, m2 0.75, subject-01 0.75, subject-02 0.25
    #   m vs s01: (0.5-0.75)^2 = 0.0625; agree on i1 i2 i4 -> c_obs 0.75; c_exp = .5*.75 + .5*.25 = 0.5; kappa 0.5
    #   m vs s02: 0.0625; agree on i1 i3 i4 -> 0.75; c_exp 0.5; kappa 0.5
    #   m2 vs s01: 0, c_obs 1, kappa 1;  m2 vs s02: 0.25, agree on i1 i4 -> 0.5, c_exp .75*.25*2 = 0.375,
    #   kappa (0.5-0.375)/0.625 = 0.2
    #   humans (s01, s02): 0.25, c_obs 0.5, kappa 0.2; OOD accuracy (0.75 + 0.25) / 2 = 0.5
    # edge: m 0.5, s01 0.5, s02 0.5 (na is an error)
    #   m vs s01: 0, c_obs 1, kappa 1;  m vs s02: 0, c_obs 0, c_exp 0.5, kappa -1 -> means 0, 0.5, 0
    #   humans: 0, c_obs 0, kappa -1; OOD accuracy 0.5
    # means over datasets:
    #   m:      OOD (0.5+0.5)/2 = 0.5, diff (0.0625+0)/2 = 0.03125, c_obs (0.75+0.5)/2 = 0.625, kappa (0.5+0)/2 = 0.25
    #   m2:     colour only: OOD 0.75, diff (0+0.25)/2 = 0.125, c_obs (1+0.5)/2 = 0.75, kappa (1+0.2)/2 = 0.6
    #   humans: OOD 0.5, diff (0.25+0)/2 = 0.125, c_obs (0.5+0)/2 = 0.25, kappa (0.2-1)/2 = -0.4
    # ranks: diff m 1, m2 2; c_obs m 2, m2 1; kappa m 2, m2 1 -> mean rank m 5/3, m2 4/3
    expected = pd.DataFrame(
        {
            "model": ["m2", "m", "humans"],
            "ood_accuracy": [0.75, 0.5, 0.5],
            "accuracy_difference": [0.125, 0.03125, 0.125],
            "observed_consistency": [0.75, 0.625, 0.25],
            "error_consistency": [0.6, 0.25, -0.4],
            "mean_rank": [4 / 3, 5 / 3, np.nan],
            "n_datasets": [1, 2, 2],
        }
    )
    pd.testing.assert_frame_equal(table, expected, check_dtype=False, atol=1e-12, rtol=0)


def test_benchmark_table_model_without_matched_trials():
    # zz: colour/bw on images no observer saw (z1 right, z2 wrong) and edge condition "1", which no observer saw
    trials = pd.DataFrame(
        rows("zz", "colour", "bw", {"z1": 1, "z2": 0}) + rows("zz", "edge", "1", {"e1": 1, "e2": 0})
    )
    table = B.benchmark_table(pd.concat([hand_made_trials(), trials], ignore_index=True))
    # zz: OOD accuracy 0.5 on both datasets, so both count (n_datasets 2) although no comparison with the humans
    # exists on edge; colour: (0.5 - 0.75)^2 = (0.5 - 0.25)^2 = 0.0625 with both observers; no shared image, so no
    # consistency, hence no rank (NaN): listed after the ranked models, but still before the humans row
    # m, m2 as in test_benchmark_table_hand_made; accuracy difference ranks m 1, zz 2, m2 3; consistencies m 2, m2 1
    # -> mean rank m (1 + 2 + 2) / 3 = 5/3, m2 (3 + 1 + 1) / 3 = 5/3: tied, by name
    assert table["model"].tolist() == ["m", "m2", "zz", "humans"]
    np.testing.assert_allclose(table["mean_rank"], [5 / 3, 5 / 3, np.nan, np.nan])
    zz = table.iloc[2]
    assert zz["ood_accuracy"] == 0.5 and zz["accuracy_difference"] == pytest.approx(0.0625)
    assert np.isnan(zz["observed_consistency"]) and np.isnan(zz["error_consistency"])
    assert table["n_datasets"].tolist() == [2, 1, 2, 2] and table["n_datasets"].dtype.kind == "i"


def test_per_dataset_is_long_and_tidy():
    per = B.benchmark_per_dataset(hand_made_trials())
    assert list(per.columns) == ["model", "dataset", "metric", "value"]
    assert set(per["metric"]) == set(B.METRICS)
    # m2 has no edge rows; 4 metrics x (m, m2, humans on colour; m, humans on edge)
    assert len(per) == 4 * 5
    assert per[(per["model"] == "m2") & (per["dataset"] == "edge")].empty
    value = per.set_index(["model", "dataset", "metric"])["value"]
    assert value[("humans", "edge", "error_consistency")] == pytest.approx(-1.0)


def test_mean_rank_ties_share_the_average_rank():
    table = pd.DataFrame(
        {
            "model": ["a", "b", "c", "humans"],
            "accuracy_difference": [0.1, 0.2, 0.2, 0.0],  # ranks 1, 2.5, 2.5
            "observed_consistency": [0.8, 0.7, 0.9, 1.0],  # ranks 2, 3, 1
            "error_consistency": [0.3, 0.3, 0.1, 0.9],  # ranks 1.5, 1.5, 3
        }
    )
    ranked = B.add_mean_rank(table).set_index("model")["mean_rank"]
    # a: (1 + 2 + 1.5) / 3 = 1.5; b: (2.5 + 3 + 1.5) / 3 = 7/3; c: (2.5 + 1 + 3) / 3 = 6.5/3; humans: unranked
    assert ranked["a"] == pytest.approx(1.5)
    assert ranked["b"] == pytest.approx(7 / 3)
    assert ranked["c"] == pytest.approx(6.5 / 3)
    assert np.isnan(ranked["humans"])


def test_shape_bias_table_pools_humans():
    t = []
    for subject, answers in {"m": ["airplane", "bicycle", "bicycle"], "subject-01": ["airplane", "airplane", "cat"],
                             "subject-02": ["airplane", "bicycle", "bicycle"]}.items():  # fmt: skip
        for image, response in zip(["airplane1-bicycle2.png", "airplane2-bicycle1.png", "cat1-cat2.png"], answers):
            category = image.split("1")[0].split("2")[0]
            t.append({"dataset": "cue-conflict", "subject": subject, "is_human": subject != "m", "condition": "0",
                      "image_id": image, "category": category, "response": response})  # fmt: skip
    table = B.shape_bias_table(pd.DataFrame(t))
    assert list(table.columns) == B.SHAPE_BIAS_COLUMNS
    assert table["model"].tolist() == ["m", "humans", "subject-01", "subject-02"]
    value = table.set_index("model")
    # cat1-cat2 is dropped; m: 1 shape, 1 texture -> 0.5; s01: 2 shape; s02: 1 shape 1 texture; pooled 3 / 4
    assert value.loc["m", "shape_bias"] == 0.5
    assert (value.loc["humans", "n_shape"], value.loc["humans", "n_texture"]) == (3, 1)
    assert value.loc["humans", "shape_bias"] == 0.75


# ------------------------------------------------------------------------------------------------ mirror
def test_excluded_conditions_exist_in_the_mirror(trials):
    assert set(B.EXCLUDED_CONDITIONS) == set(PARAMETRIC_DATASETS)
    for dataset, excluded in B.EXCLUDED_CONDITIONS.items():
        conditions = set(trials.loc[trials["dataset"] == dataset, "condition"])
        assert set(excluded) < conditions, dataset  # every name is a real raw value, and something is left
    ood = B.ood_trials(trials)
    assert set(ood.loc[ood["dataset"].isin(NONPARAMETRIC_DATASETS)].index) == set(
        trials.loc[trials["dataset"].isin(NONPARAMETRIC_DATASETS)].index
    )
    assert set(ood.loc[ood["dataset"] == "uniform-noise", "condition"]) == {"0.03", "0.05", "0.10", "0.20", "0.35"}


def published_performances(mirror) -> pd.DataFrame:
    paths = sorted((mirror / "raw-data" / "performances").glob("*.csv"))
    frames = [pd.read_csv(path, dtype={"performance": str}) for path in paths]
    published = pd.concat(frames, ignore_index=True)
    return published[published["metric_name"] == "accuracy (top-1)"]


def test_dataset_accuracy_matches_published_performances(trials, mirror):
    published = published_performances(mirror)
    # the CSVs spell model names with underscores (simclr_resnet50x1); ours are the file names (simclr-resnet50x1)
    by_csv_name = {model.replace("-", "_"): model for model in MODELS}
    assert set(published["subj"]) == set(by_csv_name)
    ours = B.dataset_accuracy(trials).set_index(["model", "dataset"])["accuracy"]
    checked = 0
    for subj, dataset, printed in published[["subj", "dataset_name", "performance"]].itertuples(index=False):
        decimals = len(printed.split(".")[1]) if "." in printed else 0
        value = ours[(by_csv_name[subj], dataset)]
        # equal to the printed digits: within half a unit of the last printed decimal
        assert abs(value - float(printed)) <= 0.5 * 10**-decimals, (subj, dataset, value, printed)
        checked += 1
    assert checked == len(MODELS) * len(DATASETS)


def reference_benchmark(trials: pd.DataFrame, dataset: str, models: list[str]) -> dict[tuple[str, str], float]:
    """Plain loops over models, observers and conditions with pandas joins, for one dataset."""
    frame = B.ood_trials(trials[trials["dataset"] == dataset])
    observers = sorted(frame.loc[frame["is_human"], "subject"].unique())

    def compare(a: str, b: str) -> tuple[float, float, float]:
        diffs, observed, kappas = [], [], []
        for _, cond in frame.groupby("condition"):
            ca = cond[cond["subject"] == a].set_index("image_id")["correct"]
            cb = cond[cond["subject"] == b].set_index("image_id")["correct"]
            diffs.append((ca.mean() - cb.mean()) ** 2)
            joined = pd.concat([ca.rename("a"), cb.rename("b")], axis=1, join="inner")
            c_obs = (joined["a"] == joined["b"]).mean()
            pa, pb = joined["a"].mean(), joined["b"].mean()
            c_exp = pa * pb + (1 - pa) * (1 - pb)
            observed.append(c_obs)
            kappas.append(1.0 if c_obs == 1 else (c_obs - c_exp) / (1 - c_exp))
        return float(np.mean(diffs)), float(np.mean(observed)), float(np.mean(kappas))

    out = {}
    for model in models:
        acc = frame[frame["subject"] == model].groupby("condition")["correct"].mean().mean()
        values = np.array([compare(model, h) for h in observers]).mean(axis=0)
        out[(model, "ood_accuracy")] = acc
        out.update({(model, m): v for m, v in zip(B.METRICS[1:], values)})
    pairs = [compare(a, b) for i, a in enumerate(observers) for b in observers[i + 1 :]]
    out.update({("humans", m): v for m, v in zip(B.METRICS[1:], np.array(pairs).mean(axis=0))})
    out[("humans", "ood_accuracy")] = np.mean(
        [frame[frame["subject"] == h].groupby("condition")["correct"].mean().mean() for h in observers]
    )
    return out


@pytest.mark.parametrize("dataset", ["cue-conflict", "eidolonII"])
def test_per_dataset_matches_plain_loop_reference(trials, dataset):
    models = ["resnet50", "swag-vit-h14-in1k"]
    subset = trials[trials["dataset"] == dataset]
    per = B.benchmark_per_dataset(subset).set_index(["model", "metric"])["value"]
    for key, expected in reference_benchmark(subset, dataset, models).items():
        assert per[key] == pytest.approx(expected, abs=1e-12), key


def test_benchmark_table_on_mirror_and_a_model_lacking_datasets(trials):
    full = B.benchmark_table(trials)
    assert list(full.columns) == B.TABLE_COLUMNS
    assert len(full) == len(MODELS) + 1
    assert full["model"].iloc[-1] == "humans" and np.isnan(full["mean_rank"].iloc[-1])
    assert (full["n_datasets"] == len(DATASETS)).all()
    assert full["mean_rank"].iloc[:-1].is_monotonic_increasing
    # mean rank of a table: the mean of the three ranks among models
    models = full.iloc[:-1]
    ranks = (
        models["accuracy_difference"].rank() + models["observed_consistency"].rank(ascending=False)
        + models["error_consistency"].rank(ascending=False)
    ) / 3  # fmt: skip
    np.testing.assert_allclose(models["mean_rank"], ranks)

    dropped = ["edge", "colour", "rotation"]
    fewer = trials[~((trials["subject"] == "bagnet33") & trials["dataset"].isin(dropped))]
    table = B.benchmark_table(fewer).set_index("model")
    assert table.loc["bagnet33", "n_datasets"] == len(DATASETS) - len(dropped)
    per = B.benchmark_per_dataset(trials)
    kept = per[(per["model"] == "bagnet33") & ~per["dataset"].isin(dropped)]
    for metric in B.METRICS:
        # unweighted mean over the datasets it has
        assert table.loc["bagnet33", metric] == pytest.approx(kept.loc[kept["metric"] == metric, "value"].mean())
    # the other rows do not change (ranks may)
    other = full.set_index("model").drop(index="bagnet33")[list(B.METRICS)]
    pd.testing.assert_frame_equal(table.drop(index="bagnet33")[list(B.METRICS)].loc[other.index], other)


def test_benchmark_needs_human_trials():
    models_only = hand_made_trials().query("not is_human")
    message = "^the benchmark compares models with human observers, but the trial table has no human trials$"
    with pytest.raises(ValueError, match=message):
        B.benchmark_table(models_only)


def test_benchmark_with_one_observer_or_only_excluded_conditions():
    # one observer in all (subject-01 right on s1 and s2); m right on s1 only
    #   m: OOD 0.5, diff (0.5 - 1)^2 = 0.25, c_obs 1/2, c_exp 0.5 * 1 + 0.5 * 0 = 0.5, kappa 0
    #   humans: OOD 1; no pair of distinct observers, so no comparison (NaN)
    t = rows("m", "sketch", "0", {"s1": 1, "s2": 0}) + rows("subject-01", "sketch", "0", {"s1": 1, "s2": 1})
    per = B.benchmark_per_dataset(pd.DataFrame(t)).set_index(["model", "metric"])["value"]
    assert len(per) == 8
    np.testing.assert_allclose(per.loc["m"][list(B.METRICS)], [0.5, 0.25, 0.5, 0.0])
    assert per.loc["humans"]["ood_accuracy"] == 1.0 and per.loc["humans"].iloc[1:].isna().all()
    # a table whose every condition is excluded (colour/cr) has nothing to compare: empty, with the usual columns
    excluded = hand_made_trials().query("condition == 'cr'")
    assert B.benchmark_per_dataset(excluded).empty
    assert list(B.benchmark_per_dataset(excluded).columns) == ["model", "dataset", "metric", "value"]
    assert B.benchmark_table(excluded).empty and list(B.benchmark_table(excluded).columns) == B.TABLE_COLUMNS


# ------------------------------------------------------------------------------------------------ mean rank
def test_mean_rank_of_four_models_with_ties_worked_by_hand():
    # humans sits in the middle and is better than every model on all three metrics: if it were ranked, every
    # model's rank would grow by 1.
    table = pd.DataFrame(
        {
            "model": ["a", "b", "humans", "c", "d"],
            "ood_accuracy": [0.9, 0.1, 0.5, 0.2, 0.3],  # not ranked
            "accuracy_difference": [0.02, 0.01, 0.0, 0.02, 0.05],
            "observed_consistency": [0.70, 0.60, 1.0, 0.80, 0.60],
            "error_consistency": [0.20, 0.30, 1.0, 0.10, 0.30],
        }
    )
    original = table.copy()
    ranked = B.add_mean_rank(table)
    # accuracy difference, ascending (lower is better): b 1; a, c tied for 2-3 -> 2.5 each; d 4
    # observed consistency, descending (higher is better): c 1; a 2; b, d tied for 3-4 -> 3.5 each
    # error consistency, descending: b, d tied for 1-2 -> 1.5 each; a 3; c 4
    # mean: a (2.5 + 2 + 3) / 3 = 2.5; b (1 + 3.5 + 1.5) / 3 = 2; c (2.5 + 1 + 4) / 3 = 2.5; d (4 + 3.5 + 1.5) / 3 = 3
    assert ranked["model"].tolist() == ["a", "b", "humans", "c", "d"]  # row order kept
    np.testing.assert_allclose(ranked["mean_rank"].to_numpy(), [2.5, 2.0, np.nan, 2.5, 3.0], rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(ranked.drop(columns="mean_rank"), original)  # nothing else changes
    pd.testing.assert_frame_equal(table, original)  # the input is not modified


# ------------------------------------------------------------------------------------------------ excluded conditions
#: The model-vs-human toolbox's benchmark definition, written out here independently of humanlike.benchmark (issue 2,
#: "Benchmark table - the published definition"): excluded conditions as raw CSV values ...
PUBLISHED_EXCLUDED = {
    "colour": {"cr"},
    "contrast": {"c100", "c03", "c01"},
    "high-pass": {"inf", "0.55", "0.45", "0.4"},
    "low-pass": {"0", "15", "40"},
    "phase-scrambling": {"0", "150", "180"},
    "power-equalisation": {"0"},
    "false-colour": {"true"},
    "rotation": {"0"},
    "eidolonI": {"1-10-10", "64-10-10", "128-10-10"},
    "eidolonII": {"1-3-10", "32-3-10", "64-3-10", "128-3-10"},
    "eidolonIII": {"1-0-10", "16-0-10", "32-0-10", "64-0-10", "128-0-10"},
    "uniform-noise": {"0.00", "0.60", "0.90"},
}
#: ... and the conditions that remain (the experiments' other levels, as the raw files spell them).
PUBLISHED_INCLUDED = {
    "colour": {"bw"},
    "contrast": {"c50", "c30", "c15", "c10", "c05"},
    "high-pass": {"3", "1.5", "1", "0.7"},
    "low-pass": {"1", "3", "5", "7", "10"},
    "phase-scrambling": {"30", "60", "90", "120"},
    "power-equalisation": {"pow"},
    "false-colour": {"false"},
    "rotation": {"90", "180", "270"},
    "eidolonI": {"2-10-10", "4-10-10", "8-10-10", "16-10-10", "32-10-10"},
    "eidolonII": {"2-3-10", "4-3-10", "8-3-10", "16-3-10"},
    "eidolonIII": {"2-0-10", "4-0-10", "8-0-10"},
    "uniform-noise": {"0.03", "0.05", "0.10", "0.20", "0.35"},
}


def test_excluded_conditions_are_the_published_ones():
    # every dataset and every condition: deleting, adding or misspelling one fails here
    assert {d: set(c) for d, c in B.EXCLUDED_CONDITIONS.items()} == PUBLISHED_EXCLUDED
    assert all(len(set(c)) == len(c) for c in B.EXCLUDED_CONDITIONS.values())
    for dataset, conditions in PUBLISHED_EXCLUDED.items():
        assert all(B.is_excluded(dataset, c) for c in conditions), dataset
        assert not any(B.is_excluded(dataset, c) for c in PUBLISHED_INCLUDED[dataset]), dataset
    for dataset in NONPARAMETRIC_DATASETS:
        assert not B.is_excluded(dataset, "0")
    # a condition is excluded only in its own dataset ("0" is excluded in low-pass, not in phase-scrambling's ...)
    assert not B.is_excluded("colour", "0") and not B.is_excluded("contrast", "cr")


def test_published_conditions_occur_in_the_human_and_model_data(trials):
    assert set(PUBLISHED_EXCLUDED) == set(PUBLISHED_INCLUDED) == set(PARAMETRIC_DATASETS)
    for dataset in PARAMETRIC_DATASETS:
        frame = trials[trials["dataset"] == dataset]
        humans = set(frame.loc[frame["is_human"], "condition"])
        # every excluded and every included condition is a real raw value of the human data, and nothing else is
        assert humans == PUBLISHED_EXCLUDED[dataset] | PUBLISHED_INCLUDED[dataset], dataset
        for model, conditions in frame[~frame["is_human"]].groupby("subject")["condition"]:
            assert set(conditions) == humans, (dataset, model)
        ood = B.ood_trials(frame)
        assert set(ood["condition"]) == PUBLISHED_INCLUDED[dataset], dataset
        assert len(ood) == frame["condition"].isin(PUBLISHED_INCLUDED[dataset]).sum()


def independent_benchmark(trials: pd.DataFrame, dataset: str, model: str) -> dict[str, float]:
    """The four numbers of one model and dataset with plain pandas, conditions from PUBLISHED_INCLUDED."""
    frame = trials[(trials["dataset"] == dataset) & trials["condition"].isin(PUBLISHED_INCLUDED[dataset])]
    per_condition = frame.pivot_table(index="condition", columns="subject", values="correct", aggfunc="mean")
    observers = sorted(frame.loc[frame["is_human"], "subject"].unique())
    diff, observed, kappa = [], [], []
    for observer in observers:
        pair = frame[frame["subject"].isin([model, observer])].pivot_table(
            index=["condition", "image_id"], columns="subject", values="correct", aggfunc="first"
        ).dropna().astype(float)
        agree = (pair[model] == pair[observer]).groupby(level="condition").mean()
        pa, pb = pair[model].groupby(level="condition").mean(), pair[observer].groupby(level="condition").mean()
        expected = pa * pb + (1 - pa) * (1 - pb)
        k = ((agree - expected) / (1 - expected)).where(agree < 1, 1.0)
        diff.append(((per_condition[model] - per_condition[observer]) ** 2).mean())
        observed.append(agree.mean())
        kappa.append(k.mean())
    return {
        "ood_accuracy": per_condition[model].mean(),
        "accuracy_difference": np.mean(diff),
        "observed_consistency": np.mean(observed),
        "error_consistency": np.mean(kappa),
    }


def test_contrast_benchmark_equals_an_independent_pandas_computation(trials):
    contrast = trials[trials["dataset"] == "contrast"]
    per = B.benchmark_per_dataset(contrast).set_index(["model", "metric"])["value"]
    for metric, expected in independent_benchmark(trials, "contrast", "resnet50").items():
        assert per[("resnet50", metric)] == pytest.approx(expected, abs=1e-12), metric


@pytest.mark.parametrize(
    "dataset, condition", [(d, c) for d, conditions in sorted(PUBLISHED_EXCLUDED.items()) for c in sorted(conditions)]
)
def test_including_an_excluded_condition_changes_the_benchmark(trials, monkeypatch, dataset, condition):
    frame = trials[trials["dataset"] == dataset]
    real = B.benchmark_per_dataset(frame).set_index(["model", "metric"])["value"]
    kept = tuple(c for c in B.EXCLUDED_CONDITIONS[dataset] if c != condition)
    monkeypatch.setitem(B.EXCLUDED_CONDITIONS, dataset, kept)
    patched = B.benchmark_per_dataset(frame).set_index(["model", "metric"])["value"]
    # the condition now enters every model's OOD accuracy (its images differ from the included conditions')
    changed = (patched - real).abs() > 1e-9
    assert changed[:, "ood_accuracy"].sum() >= len(MODELS) - 1, (dataset, condition)
    assert changed.any()


def test_shape_bias_table_order_and_the_is_human_column(trials):
    table = B.shape_bias_table(trials)
    assert table.index.tolist() == list(range(len(table)))
    models = table.iloc[: len(MODELS)]
    assert set(models["model"]) == set(MODELS)
    # models by decreasing shape bias (ties by name), then humans, then the observers by name
    assert models["shape_bias"].is_monotonic_decreasing
    assert table["model"].iloc[len(MODELS)] == "humans"
    observers = table["model"].iloc[len(MODELS) + 1 :].tolist()
    assert observers == sorted(observers) and len(observers) > 1
    # is_human decides who is an observer, not the name: a model called subject-99, an observer called alice
    cue = trials[trials["dataset"] == "cue-conflict"].copy()
    cue["subject"] = cue["subject"].replace({"resnet50": "subject-99", "subject-01": "alice"})
    renamed = B.shape_bias_table(cue)
    assert renamed["model"].iloc[len(MODELS) + 1] == "alice"
    assert "subject-99" in set(renamed["model"].iloc[: len(MODELS)])
    # without the column, the name pattern decides
    unnamed = B.shape_bias_table(trials[trials["dataset"] == "cue-conflict"].drop(columns="is_human"))
    pd.testing.assert_frame_equal(unnamed, table)


def test_shape_bias_table_breaks_ties_by_name():
    t = []
    for subject, response in {"zeta": "airplane", "alpha": "airplane", "mid": "bicycle"}.items():
        t.append({"dataset": "cue-conflict", "subject": subject, "is_human": False, "condition": "0",
                  "image_id": "airplane1-bicycle2.png", "category": "airplane", "response": response})  # fmt: skip
    table = B.shape_bias_table(pd.DataFrame(t))
    # alpha and zeta: shape bias 1 (tied, by name); mid: 0; no observers, so no humans row
    assert table["model"].tolist() == ["alpha", "zeta", "mid"]


def test_ood_trials_of_a_single_excluded_condition_is_empty():
    only_cr = pd.DataFrame(rows("m", "colour", "cr", {"j1": 1, "j2": 0}))
    assert B.ood_trials(only_cr).empty
    only_bw = pd.DataFrame(rows("m", "colour", "bw", {"j1": 1}))
    assert len(B.ood_trials(only_bw)) == 1


def test_a_dataset_no_human_saw_gives_no_rows(mirror):
    # edge has observers; contrast's observers are removed: contrast cannot be compared with humans, so the model
    # gets no contrast rows at all (before: an OOD accuracy row that counted in n_datasets, with NaN comparisons).
    from humanlike import data

    trials = data.load_trials(datasets=["edge", "contrast"], models=["resnet50"], mirror=mirror)
    without = trials[~((trials["dataset"] == "contrast") & trials["is_human"])]
    per_dataset = B.benchmark_per_dataset(without)
    assert set(per_dataset["dataset"]) == {"edge"}
    table = B.benchmark_table(without)
    assert table.set_index("model").loc["resnet50", "n_datasets"] == 1
    edge_only = B.benchmark_table(trials[trials["dataset"] == "edge"])
    pd.testing.assert_frame_equal(table, edge_only)


def test_bootstrap_kappa_of_no_pairs_is_an_empty_table(mirror):
    from humanlike import data
    from humanlike import uncertainty as U

    trials = data.load_trials(datasets=["edge"], models=["resnet50"], mirror=mirror)
    out = U.bootstrap_error_consistency(trials, [], None, n_boot=5)
    assert out.empty and {"subject_a", "subject_b", "ci_low", "ci_high"} <= set(out.columns)
