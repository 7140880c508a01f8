"""The data layer on the real mirror and on malformed files made by hand."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from humanlike import data
from humanlike.errors import DataFileError, UnknownNameError


def test_human_trial_counts(trials):
    humans = trials[trials["is_human"]]
    assert len(humans) == 85_120
    assert (humans["response"] == "na").sum() == 597
    assert humans.groupby(["dataset", "subject"]).ngroups == 90
    # na never counts as correct
    assert not humans.loc[humans["response"] == "na", "correct"].any()


def test_model_trial_files(trials):
    models = trials[~trials["is_human"]]
    assert sorted(models["subject"].unique()) == sorted(data.MODELS)
    assert models.groupby(["dataset", "subject"]).ngroups == 9 * 17


def test_columns_and_normalisation(trials):
    assert list(trials.columns) == data.TRIAL_COLUMNS
    nonparametric = trials[trials["dataset"].isin(data.NONPARAMETRIC_DATASETS)]
    assert set(nonparametric["condition"]) == {data.NO_CONDITION}
    # condition text kept as written: "0.00" is not "0"
    noise = trials[trials["dataset"] == "uniform-noise"]
    assert {"0.00", "0.03", "0.90"} <= set(noise["condition"])
    assert set(trials["category"]) == set(data.CATEGORIES)
    assert set(trials["response"]) <= set(data.CATEGORIES) | {"na"}
    # humans and models saw the same base images in every dataset
    for dataset, frame in trials.groupby("dataset"):
        assert set(frame.loc[frame["is_human"], "image_id"]) == set(frame.loc[~frame["is_human"], "image_id"]), dataset


@pytest.mark.parametrize(
    "name, expected",
    [
        ("0001_cop_s01_c30_knife_10_n03041632_7380.png", "n03041632_7380.png"),
        ("0001_ske_s01_0_boat_00_boat-0068-sketch-23.png", "boat-0068-sketch-23.png"),
        ("0001_s5n_s01_0_bird_00_bird3-bird2.png", "bird3-bird2.png"),
        ("airplane1.png", "airplane1.png"),
        ("0001_cl_dnn_cr_oven_40_n04111531_14126.png", "n04111531_14126.png"),
    ],
)
def test_image_id_rule(name, expected):
    assert data.image_id(name) == expected
    assert data.image_ids(pd.Series([name, "x_y.png"])).tolist() == [expected, "y.png"]


def test_image_ids_of_the_table_follow_the_rule(trials):
    # The trial table's image_id is computed by Arrow's RE2 engine when a file is first read; data.image_ids uses
    # Python's re. Both must give the same id for each of the 247,840 published trials.
    sample = trials.drop_duplicates("imagename")
    assert data.image_ids(sample["imagename"]).tolist() == sample["image_id"].tolist()


def test_texture_category():
    ids = pd.Series(["airplane1-bicycle2.png", "bird3-bird2.png", "clock10-oven11.png"])
    assert data.texture_category(ids).tolist() == ["bicycle", "bird", "oven"]


def test_model_selection_and_unknown_names(mirror):
    frame = data.load_trials(datasets=["edge"], models=["swag-vit-*"], humans=False, mirror=mirror)
    assert sorted(frame["subject"].unique()) == ["swag-vit-b16-in1k", "swag-vit-h14-in1k", "swag-vit-l16-in1k"]
    assert len(frame) == 3 * 160
    with pytest.raises(UnknownNameError, match="unknown model 'resnet5'"):
        data.load_trials(datasets=["edge"], models=["resnet5"], mirror=mirror)
    with pytest.raises(UnknownNameError, match="unknown dataset 'edges'"):
        data.load_trials(datasets=["edges"], mirror=mirror)


def test_metadata_covers_published_models():
    table = data.model_metadata(list(data.MODELS) + ["subject-01", "my-net"])
    assert set(table["training"]) == {"supervised", "self-supervised", "weakly-supervised", "human", "unknown"}
    assert table.set_index("model").loc["simclr-resnet50x1", "training"] == "self-supervised"


# ------------------------------------------------------------------ a user's own model CSVs (extra_dirs)
def _copy_model_file(mirror: Path, root: Path, dataset: str, model: str = "resnet50", new_name: str = "mynet") -> Path:
    target = root / "raw-data" / dataset / f"{dataset}_{new_name}_session-1.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(mirror / "raw-data" / dataset / f"{dataset}_{model}_session-1.csv", target)
    return target


def test_extra_dir_is_loaded(mirror, tmp_path):
    _copy_model_file(mirror, tmp_path, "edge")
    frame = data.load_trials(datasets=["edge"], models=["mynet", "resnet50"], extra_dirs=[tmp_path], mirror=mirror)
    mine = frame[frame["subject"] == "mynet"].reset_index(drop=True)
    theirs = frame[frame["subject"] == "resnet50"].reset_index(drop=True)
    assert len(mine) == 160
    pd.testing.assert_series_equal(mine["correct"], theirs["correct"])
    assert "mynet" in data.known_models([tmp_path])


def _edit(path: Path, edit) -> None:
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(edit(lines)))


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda ls: [ls[0].replace("object_response,", "")] + ls[1:], "missing column.*object_response"),
        (lambda ls: ls[:1] + [ls[1].replace(",airplane,NaN", ",aeroplane,NaN")] + ls[2:], "unknown category.*aeroplane"),
        (lambda ls: ls[:-1] + [ls[-1][: len(ls[-1]) // 3]], "truncated|line 161"),
        (lambda ls: ls + [ls[5]], "duplicated trial"),
    ],
    ids=["missing-column", "wrong-category", "truncated", "duplicate-trial"],
)
def test_malformed_extra_file_is_refused(mirror, tmp_path, edit, message):
    path = _copy_model_file(mirror, tmp_path, "edge")
    _edit(path, edit)
    with pytest.raises(DataFileError, match=message) as error:
        data.load_trials(datasets=["edge"], extra_dirs=[tmp_path], mirror=mirror)
    assert str(path) in str(error.value)


def test_image_ids_from_another_dataset_are_refused(mirror, tmp_path):
    # sketch answers filed as edge (edge and silhouette share their image names, sketch does not)
    source = _copy_model_file(mirror, tmp_path, "sketch")
    target = tmp_path / "raw-data" / "edge" / "edge_mynet_session-1.csv"
    target.parent.mkdir(parents=True)
    source.rename(target)
    shutil.rmtree(tmp_path / "raw-data" / "sketch")
    with pytest.raises(DataFileError, match="not in dataset 'edge'") as error:
        data.load_trials(datasets=["edge"], extra_dirs=[tmp_path], mirror=mirror)
    assert str(target) in str(error.value)


def test_badly_named_extra_file(tmp_path, mirror):
    folder = tmp_path / "raw-data" / "edge"
    folder.mkdir(parents=True)
    (folder / "results.csv").write_text("x\n")
    with pytest.raises(DataFileError, match="results.csv: file name must be edge_<model>_session-1.csv"):
        data.load_trials(datasets=["edge"], extra_dirs=[tmp_path], mirror=mirror)


def test_mirror_missing_file_and_checksum(tmp_path, mirror):
    fake = tmp_path / "mirror"
    path = "raw-data/edge/edge_resnet50_session-1.csv"
    with pytest.raises(DataFileError, match="mirror: the data mirror is not a directory"):
        data.fetch(path, mirror=fake)
    fake.mkdir()
    with pytest.raises(DataFileError, match="missing from the mirror"):
        data.fetch(path, mirror=fake)
    (fake / "raw-data/edge").mkdir(parents=True)
    (fake / path).write_text((mirror / path).read_text().replace("knife", "clock", 1))
    with pytest.raises(DataFileError, match="edge_resnet50_session-1.csv: checksum mismatch"):
        data.fetch(path, mirror=fake)
    assert data.fetch(path, mirror=mirror) == mirror / path


def test_third_party_is_labelled_by_source(mirror):
    frame = data.load_third_party(datasets=["cue-conflict"], mirror=mirror)
    published = set(data.MODELS)
    assert not published & set(frame["subject"]), "third-party names never collide with published ones"
    by_subject = frame.groupby("subject")[["source", "training", "training_data"]].first()
    assert by_subject.loc["resnet50-dino [kayburns]", "training"] == "self-supervised"
    assert by_subject.loc["resnet50_train_60_epochs [rgeirhos]", "training_data"] == "Stylized-ImageNet"
    assert by_subject.loc["caffe-alexnet [rgeirhos]", "source"] == "rgeirhos+texture-vs-shape"
    # every third-party cue-conflict file covers the 1,280 stimuli once
    assert (frame.groupby("subject").size() == 1280).all()
    assert set(frame["image_id"]) == data.dataset_images("cue-conflict", mirror=mirror)
