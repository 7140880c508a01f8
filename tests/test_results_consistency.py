"""Results of chapters 3 (image-level errors) and 4 (texture versus shape): humanlike.results, sections
"chapter 3" and "chapter 4", and their chart builders in humanlike.charts ("chapter 3/4 builders").

Hand-made trial tables with numbers worked out by hand (or with an independent textbook kappa), then the
published data (the mirror): the tables agree with humanlike.metrics, and the paper's findings hold.
"""

from __future__ import annotations

import itertools

import altair as alt
import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc

from factories import correctness_trials
from humanlike import charts, data, metrics, results

HUMANS = ("subject-01", "subject-02")
MODELS = ("resnet50", "simclr-resnet50x1")


# ------------------------------------------------------------------------------------------- helpers
def _kappa(x: np.ndarray, y: np.ndarray) -> float:
    """Cohen's kappa of two correctness vectors, straight from the definition (independent of metrics)."""
    x, y = np.asarray(x, bool), np.asarray(y, bool)
    observed = np.mean(x == y)
    p, q = x.mean(), y.mean()
    expected = p * q + (1 - p) * (1 - q)
    return 1.0 if observed == 1 else (observed - expected) / (1 - expected)


_trials = correctness_trials  # one trial per decision maker and image


CORRECT = {
    "subject-01": [1, 1, 1, 1, 0, 0, 0, 0],
    "subject-02": [1, 1, 1, 0, 0, 0, 0, 1],
    "resnet50": [1, 0, 1, 0, 1, 0, 1, 0],
    "simclr-resnet50x1": [1, 1, 0, 0, 1, 1, 0, 0],
}


@pytest.fixture
def small() -> pd.DataFrame:
    return _trials(CORRECT)


def _cue(subject: str, answers: dict[str, str], dataset: str = "cue-conflict") -> list[dict]:
    rows = []
    for i, (image, response) in enumerate(answers.items()):
        shape = image.split("-")[0].rstrip("0123456789")
        rows.append(
            dict(dataset=dataset, subject=subject, is_human=subject.startswith("subject-"), session=1, trial=i + 1,
                 condition="0", category=shape, response=response, imagename=image, image_id=image,
                 correct=response == shape)
        )  # fmt: skip
    return rows


IMAGES = ("cat1-elephant1.png", "dog1-clock1.png", "car1-car2.png", "bear1-knife1.png")


@pytest.fixture
def cue() -> pd.DataFrame:
    """Cue-conflict trials. Shape/texture answers (car1-car2 has no conflict and is left out):
    subject-01: shape, shape, -, texture; subject-02: texture, shape, -, shape  -> pooled 4 / 6;
    resnet50: texture x3 -> 0; my-net (a user's model): shape, other, -, texture -> 1 / 2."""
    rows = (
        _cue("subject-01", dict(zip(IMAGES, ["cat", "dog", "car", "knife"])))
        + _cue("subject-02", dict(zip(IMAGES, ["elephant", "dog", "car", "bear"])))
        + _cue("resnet50", dict(zip(IMAGES, ["elephant", "clock", "car", "knife"])))
        + _cue("my-net", dict(zip(IMAGES, ["cat", "bottle", "car", "knife"])))
    )
    return pd.DataFrame(rows)


@pytest.fixture
def third(cue) -> pd.DataFrame:
    """Third-party trials shaped like data.load_third_party: resnet50 of another group answers shape x3."""
    rows = pd.DataFrame(_cue("resnet50", dict(zip(IMAGES, ["cat", "dog", "car", "bear"]))))
    return rows.assign(
        subject="resnet50 [someone]", model="resnet50", source="someone+repo", pipeline="someone's code",
        training="supervised", training_data="ImageNet-1k",
    )  # fmt: skip


def _render(chart) -> str:
    return vlc.vegalite_to_svg(chart.to_dict(), vl_version=alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0])


def _dropdowns(spec: dict) -> list[dict]:
    return [p for p in spec.get("params", []) if "bind" in p and p["bind"] != "legend"]


# ------------------------------------------------------------------------------------------- chapter 3
def test_condition_levels_order_from_undistorted_to_strongest():
    frame = pd.DataFrame(
        {
            "dataset": ["contrast", "contrast", "contrast", "high-pass", "high-pass", "edge", "contrast"],
            "condition": ["c01", "c100", "c50", "inf", "0.4", "0", "c07"],
        }
    )
    levels = results.condition_levels(frame)
    assert list(levels["level"]) == [7, 0, 1, 0, 7, 0, 8]  # an unknown condition (c07) comes after the known ones
    assert list(levels["label"])[:4] == ["1", "100", "50", "none"]  # chapter 1's tick labels
    assert levels["parameter"].iloc[0] == "contrast (%)"
    assert results.condition_level(frame).name == "level"


def test_condition_levels_of_the_mirror(trials):
    pairs = trials[["dataset", "condition"]].drop_duplicates()
    levels = pairs.join(results.condition_levels(pairs))
    for dataset, group in levels.groupby("dataset"):
        assert sorted(group["level"]) == list(range(len(group))), dataset  # distinct, no gaps: all known
    undistorted = levels[levels["level"] == 0].set_index("dataset")["condition"]
    assert undistorted["contrast"] == "c100" and undistorted["uniform-noise"] == "0.00"
    assert undistorted["high-pass"] == "inf" and undistorted["colour"] == "cr"


def test_pair_kind():
    kinds = results.pair_kind(
        ["human", "human", "supervised", "self-supervised", "weakly-supervised"],
        ["human", "self-supervised", "human", "supervised", "unknown"],
    )
    assert list(kinds) == ["human–human", "human–self-supervised", "human–supervised", "model–model", "model–model"]


def test_error_consistency_matrix_matches_hand_computed_kappa(small):
    matrix = results.error_consistency_matrix(small, datasets=["edge"], n_boot=200, seed=1)
    assert len(matrix) == 4 * 3  # ordered pairs, no diagonal
    for a, b in itertools.permutations(CORRECT, 2):
        row = matrix[(matrix["subject_a"] == a) & (matrix["subject_b"] == b)].iloc[0]
        assert row["error_consistency"] == pytest.approx(_kappa(CORRECT[a], CORRECT[b]))
        assert row["n_trials"] == 8
        assert row["ci_low"] <= row["ci_high"]
    h = matrix[(matrix["subject_a"] == "subject-01") & (matrix["subject_b"] == "subject-02")].iloc[0]
    assert h["error_consistency"] == pytest.approx(0.5)  # c_obs 6/8, c_exp 1/2
    assert h["kind"] == "human–human"
    row = matrix[(matrix["subject_a"] == "resnet50") & (matrix["subject_b"] == "simclr-resnet50x1")].iloc[0]
    assert (row["training_a"], row["training_b"], row["kind"]) == ("supervised", "self-supervised", "model–model")
    # symmetric
    pivot = matrix.pivot(index="subject_a", columns="subject_b", values="error_consistency")
    assert np.allclose(pivot.to_numpy(), pivot.T.to_numpy(), equal_nan=True)


def test_error_consistency_matrix_without_bootstrap_or_data(small):
    matrix = results.error_consistency_matrix(small, datasets=["edge"])
    assert matrix["ci_low"].isna().all()
    assert results.error_consistency_matrix(small, datasets=["sketch"]).empty


def test_consistency_summary_counts_each_pair_once(small):
    summary = results.consistency_summary(small).set_index("kind")
    assert summary.loc["human–human", "n_pairs"] == 1
    assert summary.loc["human–supervised", "n_pairs"] == 2
    assert summary.loc["human–self-supervised", "n_pairs"] == 2
    assert summary.loc["model–model", "n_pairs"] == 1
    assert summary.loc["supervised–self-supervised", "n_pairs"] == 1  # the same model pair, repeated
    expected = np.mean([_kappa(CORRECT["resnet50"], CORRECT[h]) for h in HUMANS])
    assert summary.loc["human–supervised", "mean"] == pytest.approx(expected)
    assert summary.loc["human–human", "mean"] == pytest.approx(0.5)
    overall = results.overall_consistency(summary.reset_index()).set_index("kind")
    assert overall.loc["human–human", "mean"] == pytest.approx(0.5)
    assert overall.loc["human–human", "n_datasets"] == 1


def test_consistency_by_level_models_vs_humans_and_ceiling():
    frames = []
    for condition, shift in [("c50", 1), ("c100", 0), ("c05", 2)]:
        correct = {name: list(np.roll(hits, shift)) for name, hits in CORRECT.items()}
        frames.append(_trials(correct, dataset="contrast", condition=condition))
    trials = pd.concat(frames, ignore_index=True)
    levels = results.consistency_by_level(trials)
    assert list(levels.drop_duplicates("condition")["condition"]) == ["c100", "c50", "c05"]
    assert list(levels.drop_duplicates("condition")["level"]) == [0, 1, 5]
    assert list(levels.drop_duplicates("condition")["label"]) == ["100", "50", "5"]
    humans = levels[levels["subject"] == "humans"]
    assert (humans["comparison"] == "between human observers").all()
    assert humans["error_consistency"].tolist() == pytest.approx([0.5, 0.5, 0.5])  # rolling keeps kappa
    assert (humans["n_pairs"] == 1).all()
    model = levels[(levels["subject"] == "resnet50") & (levels["condition"] == "c100")].iloc[0]
    kappas = [_kappa(CORRECT["resnet50"], CORRECT[h]) for h in HUMANS]
    assert model["error_consistency"] == pytest.approx(np.mean(kappas))
    assert (model["low"], model["high"]) == pytest.approx((min(kappas), max(kappas)))
    assert model["training"] == "supervised" and model["n_pairs"] == 2


def test_consistency_intervals_and_ceiling_comparison(small):
    intervals = results.consistency_intervals(small, n_boot=300, seed=0)
    humans = intervals[intervals["subject"] == "humans"]
    assert humans["partner"].tolist() == ["subject-01 & subject-02"]  # each pair of observers once
    assert len(intervals) == 1 + 2 * 2
    assert (intervals["ci_low"] <= intervals["ci_high"]).all()
    assert set(intervals["kind"]) == {"human–human", "human–supervised", "human–self-supervised"}

    made = pd.DataFrame(
        dict(
            dataset="edge",
            subject=["humans", "humans", "resnet50", "resnet50", "simclr-resnet50x1"],
            partner=["a & b", "a & c", "a", "b", "a"],
            error_consistency=[0.4, 0.6, 0.1, 0.3, 0.45],
            ci_low=[0.3, 0.5, 0.0, 0.2, 0.3],
            ci_high=[0.5, 0.7, 0.2, 0.55, 0.6],
        )
    )
    row = results.ceiling_comparison(made).iloc[0]
    assert (row["human_mean"], row["human_min"], row["human_max"]) == pytest.approx((0.5, 0.4, 0.6))
    assert row["model_mean"] == pytest.approx((0.1 + 0.3 + 0.45) / 3)
    assert (row["n_model_pairs"], row["n_below"]) == (3, 1)  # only 0.2 < 0.5
    assert (row["best_model"], row["best_model_mean"]) == ("simclr-resnet50x1", pytest.approx(0.45))


def test_consistency_intervals_without_models(small):
    humans_only = small[small["is_human"]]
    intervals = results.consistency_intervals(humans_only, n_boot=50)
    assert set(intervals["subject"]) == {"humans"}
    assert results.ceiling_comparison(intervals)["n_model_pairs"].tolist() == [0]


def test_consistency_findings(small):
    summary = results.consistency_summary(small)
    ceiling = results.ceiling_comparison(results.consistency_intervals(small, n_boot=50))
    facts = results.consistency_findings(summary, ceiling)
    best = max(np.mean([_kappa(CORRECT[m], CORRECT[h]) for h in HUMANS]) for m in MODELS)
    assert facts["n_datasets"] == 1
    assert facts["n_human_above"] == int(0.5 > best)
    sup = np.mean([_kappa(CORRECT["resnet50"], CORRECT[h]) for h in HUMANS])
    ssl = np.mean([_kappa(CORRECT["simclr-resnet50x1"], CORRECT[h]) for h in HUMANS])
    assert facts["ssl_minus_supervised"] == pytest.approx(ssl - sup)
    model_model = _kappa(CORRECT["resnet50"], CORRECT["simclr-resnet50x1"])
    assert facts["n_models_agree"] == int(model_model > 0.5)


# ------------------------------------------------------------------------------------------- chapter 4
def test_shape_bias_intervals_by_hand(cue, third):
    table = results.shape_bias_intervals(cue, third, n_boot=200, seed=0).set_index("subject")
    assert table.loc["humans", "shape_bias"] == pytest.approx(4 / 6)
    assert (table.loc["humans", "n_shape"], table.loc["humans", "n_texture"]) == (4, 2)
    assert table.loc["subject-01", "shape_bias"] == pytest.approx(2 / 3)
    assert table.loc["subject-02", "shape_bias"] == pytest.approx(2 / 3)
    assert table.loc["resnet50", "shape_bias"] == 0
    assert table.loc["my-net", "shape_bias"] == pytest.approx(0.5)
    assert table.loc["resnet50 [someone]", "shape_bias"] == 1
    kinds = table["kind"].to_dict()
    assert kinds["humans"] == "humans" and kinds["subject-01"] == "observer" and kinds["resnet50"] == "model"
    # sources: never mixed
    assert table.loc["resnet50", "source"] == results.TOOLBOX_SOURCE
    assert table.loc["my-net", "source"] == results.OWN_SOURCE
    assert table.loc["my-net", "training"] == "unknown"
    assert table.loc["resnet50 [someone]", "source"] == "someone+repo"
    assert table.loc["resnet50 [someone]", "panel"] == results.PANELS[1]
    assert set(table.loc[["humans", "resnet50", "my-net"], "panel"]) == {results.PANELS[0]}
    assert (table["ci_low"] <= table["shape_bias"] + 1e-12).all() and (table["shape_bias"] <= table["ci_high"] + 1e-12).all()


def test_shape_bias_intervals_without_third_party_or_cue_conflict(cue, small):
    table = results.shape_bias_intervals(cue, None, n_boot=50)
    assert set(table["panel"]) == {results.PANELS[0]}
    assert results.shape_bias_intervals(small, None, n_boot=50).empty


def test_shape_bias_categories(cue, third):
    cats = results.shape_bias_categories(cue, third)
    humans = cats[cats["subject"] == "humans"].set_index("category")
    assert humans.loc["cat", "shape_bias"] == pytest.approx(1 / 2)  # subject-01 shape, subject-02 texture
    assert humans.loc["dog", "shape_bias"] == 1
    assert "car" not in humans.index  # no conflict
    assert not cats["subject"].str.startswith("subject-").any()  # observers only pooled
    assert cats.loc[cats["subject"] == "resnet50 [someone]", "group"].unique().tolist() == ["someone+repo"]
    assert set(cats.loc[cats["subject"].isin(["humans", "resnet50", "my-net"]), "group"]) == {results.PANELS[0]}


def test_shape_bias_summary_and_findings(cue, third):
    table = results.shape_bias_intervals(cue, third, n_boot=50)
    summary = results.shape_bias_summary(table)
    assert summary["kind"].tolist()[:2] == ["humans", "observer"]
    models = summary[(summary["panel"] == results.PANELS[0]) & (summary["kind"] == "model")].set_index("training")
    assert models.loc["supervised", "mean"] == 0 and models.loc["unknown", "highest"] == "my-net"
    facts = results.shape_bias_findings(table, results.shape_bias_categories(cue, third))
    assert facts["humans"] == pytest.approx(4 / 6)
    assert facts["n_observers"] == 2 and facts["n_models"] == 2
    assert (facts["model_min_name"], facts["model_max_name"]) == ("resnet50", "my-net")
    assert facts["mean_supervised"] == 0 and facts["n_self-supervised"] == 0
    assert facts["third_ssl_min_name"] == "" and np.isnan(facts["sin_min"])
    assert facts["humans_category_min"] == pytest.approx(0.5)
    assert facts["model_cells_below_half"] == pytest.approx(4 / 5)  # resnet50: 0, 0, 0; my-net: 1, (none), 0


def test_cue_conflict_examples(cue):
    examples = results.cue_conflict_examples(cue, n=2, seed=3)
    assert examples["image_id"].nunique() == 2
    assert examples.drop_duplicates("image_id")["shape"].is_unique
    assert "car1-car2.png" not in set(examples["image_id"])  # no conflict, never an example
    assert all(p == f"datasets/cue-conflict/{s}/{i}" for p, s, i in zip(examples["path"], examples["shape"], examples["image_id"]))
    again = results.cue_conflict_examples(cue, n=2, seed=3)
    pd.testing.assert_frame_equal(examples, again)
    # n=3: all three images with a conflict have distinct shapes (cat, dog, bear), so every one is picked
    every = results.cue_conflict_examples(cue, n=3, seed=3)
    assert set(every["image_id"]) == {"cat1-elephant1.png", "dog1-clock1.png", "bear1-knife1.png"}
    one = every[every["image_id"] == "cat1-elephant1.png"].set_index("subject")
    # answers to cat1-elephant1 (see the cue fixture): cat, elephant, elephant, cat
    assert one["answer"].to_dict() == {"subject-01": "shape", "subject-02": "texture", "resnet50": "texture",
                                       "my-net": "shape"}  # fmt: skip
    assert set(one["texture"]) == {"elephant"}


def test_third_party_overview(third):
    overview = results.third_party_overview(third)
    assert overview.to_dict("records") == [
        {"source": "someone+repo", "pipeline": "someone's code", "datasets": "cue-conflict", "models": "resnet50"}
    ]


# ------------------------------------------------------------------------------------------- charts
def test_chapter_3_builders_render_with_dropdowns(small):
    matrix = results.error_consistency_matrix(small, datasets=["edge"], n_boot=20)
    spec = charts.consistency_matrix(matrix, datasets=["edge"]).to_dict()
    assert _dropdowns(spec)[0]["bind"]["options"] == ["edge"]
    assert spec["encoding"]["y"]["sort"][:2] == list(HUMANS)  # humans first
    assert "<svg" in _render(charts.consistency_matrix(matrix))
    summary = results.consistency_summary(small)
    assert "<svg" in _render(charts.pair_kind_chart(summary))
    intervals = results.consistency_intervals(small, n_boot=20)
    assert "<svg" in _render(charts.consistency_interval_chart(intervals))
    levels = results.consistency_by_level(
        pd.concat([_trials(CORRECT, "contrast", c) for c in ("c100", "c05")], ignore_index=True)
    )
    chart = charts.consistency_level_chart(levels, datasets=data.PARAMETRIC_DATASETS)
    assert _dropdowns(chart.to_dict())[0]["bind"]["options"] == ["contrast"]
    assert "<svg" in _render(chart)


def test_chapter_4_builders(cue, third, mirror):
    table = results.shape_bias_intervals(cue, third, n_boot=20)
    assert "<svg" in _render(charts.shape_bias_chart(table))
    cats = results.shape_bias_categories(cue, third)
    chart = charts.shape_category_chart(cats, table, value="someone+repo")
    spec = chart.to_dict()
    # the user's own model (my-net) sits with the toolbox's models; each third-party source is a group of its own
    assert _dropdowns(spec)[0]["bind"]["options"] == [results.PANELS[0], "someone+repo"]
    # the colour scale follows the dropdown: its domain is an expression of the dropdown's value
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert "pick_group" in scale["domain"]["expr"]
    assert "<svg" in _render(chart)



def test_stimulus_gallery_draws_given_thumbnails_and_notes_missing_ones(cue):
    examples = results.cue_conflict_examples(cue, n=2, seed=0)
    first, second = examples["image_id"].unique()
    html = charts.stimulus_gallery(examples, {first: "data:image/jpeg;base64,AAAA", second: None}).data
    assert html.count("data:image/jpeg;base64,AAAA") == 1
    assert html.count("image not available") == 1
    # a value that is not an image data URI is never put into src
    html = charts.stimulus_gallery(examples, {first: "javascript:alert(1)"}).data
    assert "javascript:" not in html and html.count("image not available") == 2


def test_stimulus_thumbnails_of_real_stimuli(trials):
    examples = results.cue_conflict_examples(trials, n=3, seed=0)
    thumbnails = results.stimulus_thumbnails(examples, size=64)
    assert set(thumbnails) == set(examples["image_id"])
    assert all(t.startswith("data:image/jpeg;base64,") for t in thumbnails.values())
    html = charts.stimulus_gallery(examples, thumbnails, size=64).data
    assert html.count("data:image/jpeg;base64,") == 3
    assert len(html) < 60_000  # small thumbnails only


def test_stimulus_thumbnails_report_unreadable_images(cue, tmp_path):
    examples = results.cue_conflict_examples(cue, n=2, seed=0)
    broken = tmp_path / "broken.png"
    broken.write_text("not an image")
    assert set(results.stimulus_thumbnails(examples, fetch=lambda path: broken).values()) == {None}


# ------------------------------------------------------------------------------------------- real data
def test_matrix_agrees_with_an_independent_kappa_on_real_data(trials):
    """Kappa of real pairs recomputed here from the trials (images both saw, :func:`_kappa` from the definition),
    without humanlike.metrics."""
    sketch = trials[trials["dataset"] == "sketch"]  # one condition, so kappa over the dataset is one kappa
    matrix = results.error_consistency_matrix(sketch, datasets=["sketch"]).set_index(["subject_a", "subject_b"])
    for a, b in [("subject-01", "subject-02"), ("resnet50", "subject-03"), ("resnet50", "simclr-resnet50x1")]:
        left = sketch[sketch["subject"] == a].set_index("image_id")["correct"]
        right = sketch[sketch["subject"] == b].set_index("image_id")["correct"]
        shared = left.index.intersection(right.index)
        assert len(shared) > 100
        expected = _kappa(left[shared].to_numpy(), right[shared].to_numpy())
        assert matrix.loc[(a, b), "error_consistency"] == pytest.approx(expected, abs=1e-12)
        assert matrix.loc[(a, b), "n_trials"] == len(shared)
        assert matrix.loc[(b, a), "error_consistency"] == pytest.approx(expected, abs=1e-12)


def test_paper_findings_on_real_data(trials):
    """Geirhos et al. 2020 on the public data: humans agree with each other more than with the models, on
    average and on cue-conflict for every single model; humans decide by shape, every model by texture."""
    summary = results.consistency_summary(trials)
    overall = results.overall_consistency(summary).set_index("kind")["mean"]
    assert overall["human–human"] > overall["human–supervised"] + 0.15
    assert overall["human–human"] > overall["human–self-supervised"] + 0.15
    levels = results.consistency_by_level(trials)
    ceiling = metrics.human_ceiling(
        metrics.consistency(trials[trials["dataset"].isin(data.PARAMETRIC_DATASETS)], per="condition"),
        "error_consistency", by=["dataset", "condition"],
    )  # fmt: skip
    humans = levels[levels["subject"] == "humans"].merge(ceiling, on=["dataset", "condition"])
    assert np.allclose(humans["error_consistency"], humans["mean"])
    assert len(humans) == sum(len(results.DISTORTIONS[d].conditions) for d in data.PARAMETRIC_DATASETS)

    intervals = results.consistency_intervals(trials[trials["dataset"] == "cue-conflict"], n_boot=100)
    row = results.ceiling_comparison(intervals).iloc[0]
    assert row["best_model_mean"] < row["human_mean"]

    table = results.shape_bias_intervals(trials, data.load_third_party(datasets=["cue-conflict"]), n_boot=100)
    own = table[table["panel"] == results.PANELS[0]].set_index("subject")
    assert own.loc["humans", "shape_bias"] > 0.9
    assert (own.loc[list(data.MODELS), "shape_bias"] < 0.5).all()
    direct = metrics.shape_bias(trials).set_index("subject")["shape_bias"]
    assert np.allclose(own.loc[list(data.MODELS), "shape_bias"], direct.loc[list(data.MODELS)])
    third = table[table["panel"] == results.PANELS[1]]
    assert third["subject"].str.contains(r" \[", regex=True).all()  # labelled by owner, never a toolbox name
    assert set(third["source"]) <= set(data.THIRD_PARTY_SOURCES)
    sin = third[third["training_data"] == "Stylized-ImageNet"]["shape_bias"]
    assert len(sin) and sin.min() > 0.5  # Geirhos et al. 2019: Stylized-ImageNet raises the shape bias


# ------------------------------------------------------------------------------------------- chapter 3 findings
def _kind_summary() -> pd.DataFrame:
    """Mean kappa per kind: d1 human–human 0.5, human–supervised 0.2, human–self-supervised 0.23, model–model 0.6;
    d2 0.4, 0.1, 0.13, 0.3."""
    rows = []
    for dataset, values in {"d1": (0.5, 0.2, 0.23, 0.6), "d2": (0.4, 0.1, 0.13, 0.3)}.items():
        for kind, value in zip(("human–human", "human–supervised", "human–self-supervised", "model–model"), values):
            rows.append((dataset, kind, value, value, value, 1))
    return pd.DataFrame(rows, columns=["dataset", "kind", "mean", "min", "max", "n_pairs"])


def _ceiling() -> pd.DataFrame:
    """d1: humans 0.5 above the best model (m1, 0.3); d2: humans 0.4 below m2 (0.45)."""
    return pd.DataFrame(
        [("d1", 0.5, 0.4, 0.6, 0.25, 4, 3, "m1", 0.3), ("d2", 0.4, 0.3, 0.5, 0.2, 4, 1, "m2", 0.45)],
        columns=["dataset", "human_mean", "human_min", "human_max", "model_mean", "n_model_pairs", "n_below",
                 "best_model", "best_model_mean"],
    )  # fmt: skip


def test_consistency_findings_verdicts_hand_made():
    facts = results.consistency_findings(_kind_summary(), _ceiling())
    assert (facts["n_datasets"], facts["n_human_above"], facts["exceptions"]) == (2, 1, "d2 (m2)")
    assert (facts["n_model_pairs"], facts["n_below"]) == (8, 4)
    # self-supervised minus supervised: (0.23 + 0.13) / 2 - (0.2 + 0.1) / 2 = 0.03 < SIMILAR_KAPPA (0.05)
    assert facts["ssl_minus_supervised"] == pytest.approx(0.03)
    assert facts["ssl_vs_supervised"] == "similar"
    assert results.consistency_findings(_kind_summary(), _ceiling(), similar=0.01)["ssl_vs_supervised"] == "more"
    # models agree more than humans on d1 (0.6 > 0.5) but not d2 (0.3 < 0.4): 1 of 2 is not "most"
    assert (facts["n_models_agree"], facts["n_summary_datasets"]) == (1, 2)
    assert facts["models_agree_on_most"] is False
    assert results.consistency_findings(_kind_summary(), _ceiling(), majority=0.4)["models_agree_on_most"] is True


def test_consistency_findings_without_a_self_supervised_model():
    summary = _kind_summary()
    summary = summary[summary["kind"] != "human–self-supervised"]
    facts = results.consistency_findings(summary, _ceiling())
    assert np.isnan(facts["ssl_minus_supervised"]) and facts["ssl_vs_supervised"] == "missing"
    summary = _kind_summary().assign(mean=lambda f: np.where(f["kind"] == "human–self-supervised", 0.05, f["mean"]))
    assert results.consistency_findings(summary, _ceiling())["ssl_vs_supervised"] == "less"  # 0.05 - 0.15


def test_kappa_by_kind_averages_datasets_per_group():
    table = results.kappa_by_kind(_kind_summary(), {"d1 only": ["d1"], "both": None})
    assert table.index.tolist() == ["human–human", "human–supervised", "human–self-supervised", "model–model"]
    assert table.round(3).values.tolist() == [[0.5, 0.45], [0.2, 0.15], [0.23, 0.18], [0.6, 0.45]]


# ------------------------------------------------------------------------------------------- chapter 4 findings
def _shape_table(ssl: float, sin: float | None = None) -> pd.DataFrame:
    """A shape_bias_intervals-like table: humans 0.9; supervised models 0.2 and 0.3; one self-supervised model."""
    rows = [
        ("humans", "humans", "human", None, results.PANELS[0], 0.9),
        ("subject-01", "observer", "human", None, results.PANELS[0], 0.95),
        ("resnet50", "model", "supervised", "ImageNet-1k", results.PANELS[0], 0.2),
        ("bagnet33", "model", "supervised", "ImageNet-1k", results.PANELS[0], 0.3),
        ("simclr-resnet50x1", "model", "self-supervised", "ImageNet-1k", results.PANELS[0], ssl),
        ("resnet50 [x]", "model", "supervised", "ImageNet-1k", results.PANELS[1], 0.25),
    ]
    if sin is not None:
        rows.append(("resnet50-sin [x]", "model", "supervised", "Stylized-ImageNet", results.PANELS[1], sin))
    table = pd.DataFrame(rows, columns=["subject", "kind", "training", "training_data", "panel", "shape_bias"])
    return table.assign(ci_low=table["shape_bias"] - 0.05, ci_high=table["shape_bias"] + 0.05)


def test_shape_bias_findings_verdicts_hand_made():
    # self-supervised 0.4: |0.4 - 0.25| = 0.15 to the supervised mean, |0.4 - 0.9| = 0.5 to humans -> supervised
    f = results.shape_bias_findings(_shape_table(ssl=0.4, sin=0.8))
    assert f["ssl_nearer_to"] == "supervised"
    assert f["models_all_texture"] is True  # largest model 0.4 < 0.5
    assert f["sin_above_imagenet"] is True  # 0.8 > 0.25 (the only third-party ImageNet-1k model)
    # self-supervised 0.7: 0.45 from the supervised mean, 0.2 from humans -> humans; now a model is above 0.5
    f = results.shape_bias_findings(_shape_table(ssl=0.7, sin=0.2))
    assert f["ssl_nearer_to"] == "humans" and f["models_all_texture"] is False
    assert f["sin_above_imagenet"] is False  # 0.2 < 0.25
    f = results.shape_bias_findings(_shape_table(ssl=0.4).query("training != 'self-supervised'"))
    assert f["ssl_nearer_to"] == "" and f["sin_above_imagenet"] is False


def test_training_of_reads_a_third_party_label_as_its_model():
    # "alexnet [harvard-visionlab]" is the third-party run of torchvision's AlexNet: supervised, like "alexnet";
    # a third-party model without metadata stays "unknown", and observers are "human".
    from humanlike.results.common import training_of

    kinds = training_of(["alexnet [harvard-visionlab]", "alexnet", "no-such-net [someone]", "subject-03", "humans"])
    assert kinds == {
        "alexnet [harvard-visionlab]": "supervised",
        "alexnet": "supervised",
        "no-such-net [someone]": "unknown",
        "subject-03": "human",
        "humans": "human",
    }
