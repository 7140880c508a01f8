"""Result tables of the introduction (trial counts) and chapter 5 (placing a new model): humanlike.results.

Hand-made tables whose answers are worked out in the comments, then the published data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from factories import correctness_trials
from humanlike import benchmark, data, results


def _kappa(x, y) -> float:
    """Cohen's kappa of two correctness vectors, from the definition (independent of humanlike.metrics)."""
    x, y = np.asarray(x, bool), np.asarray(y, bool)
    observed = np.mean(x == y)
    p, q = x.mean(), y.mean()
    expected = p * q + (1 - p) * (1 - q)
    return (observed - expected) / (1 - expected)


_trials = correctness_trials  # one trial per decision maker and image


EDGE = {
    "subject-01": [1, 1, 1, 1, 0, 0, 0, 0],
    "subject-02": [1, 1, 1, 0, 0, 0, 0, 1],
    "new-model": [1, 0, 1, 0, 1, 0, 1, 0],
    "resnet50": [1, 1, 0, 0, 1, 1, 0, 0],
}


def test_trial_counts_by_hand():
    # edge: 2 observers x 8 trials, 2 models x 8; sketch: 1 observer (subject-01) x 8, 1 model x 8
    trials = pd.concat(
        [_trials(EDGE, "edge"), _trials({k: EDGE[k] for k in ("subject-01", "resnet50")}, "sketch")],
        ignore_index=True,
    )
    counts = results.trial_counts(trials)
    assert counts.index.tolist() == ["edge", "sketch", results.ALL_DATASETS]
    # all datasets: 3 observer sessions (edge's two, sketch's one: numbers restart per dataset), 2 distinct models
    assert counts.values.tolist() == [[2, 2, 16, 16], [1, 1, 8, 8], [3, 2, 24, 24]]
    assert list(counts.columns) == ["humans: observers", "models: observers", "humans: trials", "models: trials"]


def test_model_kappa_intervals_average_the_observers():
    trials = _trials(EDGE, "edge")
    kappa = results.model_kappa_intervals(trials, "new-model", n_boot=200, seed=0)
    expected = np.mean([_kappa(EDGE["new-model"], EDGE[h]) for h in ("subject-01", "subject-02")])
    assert kappa["dataset"].tolist() == ["edge"]
    assert kappa["error_consistency"].iloc[0] == pytest.approx(expected)  # (0 + 0) / 2 for these answers
    assert kappa["ci_low"].iloc[0] <= kappa["error_consistency"].iloc[0] <= kappa["ci_high"].iloc[0]
    with pytest.raises(ValueError, match="no trials of model 'nobody'"):
        results.model_kappa_intervals(trials, "nobody")


def test_placement_findings_reads_the_model_row():
    own = pd.DataFrame(
        {
            "model": ["humans", "resnet50", "new-model", "bagnet33"],
            "ood_accuracy": [0.9, 0.6, 0.7, 0.5],
            "accuracy_difference": [0.0, 0.1, 0.2, 0.3],
            "observed_consistency": [0.8, 0.7, 0.6, 0.5],
            "error_consistency": [0.4, 0.2, 0.25, 0.1],
            "mean_rank": [np.nan, 1.5, 1.67, 3.0],
            "n_datasets": [3, 3, 3, 3],
        }
    )
    f = results.placement_findings(own, "new-model")
    assert f == {"ood_accuracy": 0.7, "error_consistency": 0.25, "mean_rank": 1.67, "humans_error_consistency": 0.4,
                 "n_models": 3, "n_datasets": 3}  # fmt: skip
    with pytest.raises(ValueError, match="'other' is not in the table"):
        results.placement_findings(own, "other")


def test_placement_on_published_data(trials):
    edge = trials[trials["dataset"].isin(["edge", "silhouette"])]
    own = results.benchmark_on_datasets_of(edge, "resnet50")
    f = results.placement_findings(own, "resnet50")
    table = benchmark.benchmark_table(edge).set_index("model")
    assert f["error_consistency"] == table.loc["resnet50", "error_consistency"]
    assert f["humans_error_consistency"] == table.loc["humans", "error_consistency"]
    assert f["n_models"] == len(data.MODELS) and f["n_datasets"] == 2


def test_benchmark_scopes_rank_the_third_party_alexnet_labelled_by_source(trials):
    """Chapter 5 adds harvard-visionlab's toolbox run of the paper's AlexNet: its numbers are the benchmark's on its
    own trials, it is ranked with the other models, and it keeps its source in its name and in ``third_party``."""
    from humanlike.results.third_party import paper_models_third_party

    datasets = ["edge", "contrast"]
    published = trials[trials["dataset"].isin(datasets)]
    third = paper_models_third_party(datasets)
    alexnet = "alexnet [harvard-visionlab]"
    assert set(third["subject"]) == {alexnet} and set(third["dataset"]) == set(datasets)
    scopes = results.benchmark_scopes(pd.concat([published, third], ignore_index=True))
    rows = scopes[scopes["model"] == alexnet].set_index("scope")
    assert set(rows.index) == {results.ALL_DATASETS, *datasets}
    assert (rows["third_party"] == "harvard-visionlab").all() and (rows["training"] == "supervised").all()
    assert set(scopes.loc[scopes["model"] != alexnet, "third_party"]) == {""}

    # edge has one condition and no excluded one: OOD accuracy is AlexNet's share of correct answers, and error
    # consistency the mean over the edge observers of Cohen's kappa on the images both answered (_kappa above).
    edge = third[third["dataset"] == "edge"].set_index("image_id")["correct"]
    assert rows.loc["edge", "ood_accuracy"] == pytest.approx(edge.mean())
    humans = published[(published["dataset"] == "edge") & published["is_human"]]
    kappas = [
        _kappa(*zip(*[(edge[i], c) for i, c in zip(block["image_id"], block["correct"])]))
        for _, block in humans.groupby("subject")
    ]
    assert rows.loc["edge", "error_consistency"] == pytest.approx(np.mean(kappas))

    # Its metrics depend on its trials and the humans' only: the benchmark of the humans and AlexNet alone.
    alone = benchmark.benchmark_table(pd.concat([published[published["is_human"]], third])).set_index("model")
    for metric in benchmark.METRICS:
        assert rows.loc[results.ALL_DATASETS, metric] == pytest.approx(alone.loc[alexnet, metric])

    # Ranked among the models of each scope (humans are not ranked): on edge, the mean of its three ranks.
    scope = scopes[(scopes["scope"] == "edge") & (scopes["model"] != results.HUMANS)].set_index("model")
    ranks = [scope["accuracy_difference"].rank(), scope["observed_consistency"].rank(ascending=False),
             scope["error_consistency"].rank(ascending=False)]  # fmt: skip
    assert rows.loc["edge", "mean_rank"] == pytest.approx(np.mean([r[alexnet] for r in ranks]))
    assert scopes.loc[scopes["model"] == results.HUMANS, "mean_rank"].isna().all()


def test_a_model_on_fewer_datasets_is_not_ranked():
    """Averaged over the datasets it has, a model evaluated on fewer is not comparable: no rank, no rank range;
    the others are ranked among themselves."""
    both = {"subject-01": [1, 1, 1, 0, 0, 1, 0, 1], "subject-02": [1, 1, 0, 0, 0, 1, 0, 1],
            "good": [1, 1, 1, 0, 0, 1, 0, 1], "bad": [0, 0, 0, 1, 1, 0, 1, 0]}  # fmt: skip
    trials = pd.concat([_trials({**both, "partial": [1, 1, 1, 0, 0, 1, 0, 1]}, "edge"), _trials(both, "sketch")],
                       ignore_index=True)  # fmt: skip
    table = results.benchmark_intervals(trials, n_boot=20, seed=0).set_index("model")
    assert table.loc["partial", "n_datasets"] == 1 and table.loc["good", "n_datasets"] == 2
    assert table.loc["partial", ["rank", "rank_low", "rank_high"]].isna().all()
    assert table.loc["good", "rank"] == 1 and table.loc["bad", "rank"] == 2
