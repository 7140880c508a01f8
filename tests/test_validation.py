"""Checks on a user's trial files (extra dirs): names, content against the dataset, what directories hold. Each
case is a published file copied and changed by hand; the expected answer is worked out in the comments."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from humanlike import data
from humanlike.data import names
from humanlike.errors import DataFileError, UnknownNameError
from humanlike.files import file_sha256


def _copy(mirror: Path, root: Path, dataset: str, name: str, model: str = "resnet50") -> Path:
    target = root / "raw-data" / dataset / f"{dataset}_{name}_session-1.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(mirror / "raw-data" / dataset / f"{dataset}_{model}_session-1.csv", target)
    return target


def _rows(path: Path) -> tuple[str, list[list[str]]]:
    header, *rows = path.read_text().splitlines()
    return header, [row.split(",") for row in rows]


def _write(path: Path, header: str, rows: list[list[str]]) -> None:
    path.write_text("\n".join([header, *(",".join(row) for row in rows)]) + "\n")


def _load(mirror, extra, datasets=("edge",), **kwargs):
    return data.load_trials(datasets=list(datasets), extra_dirs=extra, mirror=mirror, humans=False, **kwargs)


# ------------------------------------------------------------------ the name rule (one place: humanlike.data.names)
@pytest.mark.parametrize("name", ["resnet50", "my-net_v2.1+ft", "A", "efficientnet-lite0"])
def test_good_model_names(name):
    assert names.check_model_name(name, "--name") == name


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "empty model name"),
        ("<img src=x onerror=alert(1)>", "bad model name"),
        ("my net", "bad model name"),
        ("a/b", "bad model name"),
        ("naïve", "bad model name"),
        ("humans", "reserved for the human observers"),
        ("subject-01", "reserved for the human observers"),
    ],
)
def test_bad_model_names(name, message):
    with pytest.raises(UnknownNameError, match=f"^--name: .*{message}"):
        names.check_model_name(name, "--name")
    with pytest.raises(DataFileError, match=message):
        names.check_model_name(name, "x.csv", DataFileError)


# ------------------------------------------------------------------ rule 2 and 7: names from file names
@pytest.mark.parametrize(
    "model, message",
    [
        ("<img src=x onerror=alert(1)>", "bad model name"),
        ("", "empty model name"),
        ("humans", "reserved for the human observers"),
        ("subject-03", "reserved for the human observers"),
        ("resnet50", "taken by a published model"),
        ("swag-vit-b16-in1k", "taken by a published model"),
        ("alexnet", "taken by a third-party model"),
        ("resnet50-dino", "taken by a third-party model"),
    ],
)
def test_file_names_that_are_refused(mirror, tmp_path, model, message):
    path = _copy(mirror, tmp_path, "cue-conflict", model)
    with pytest.raises(DataFileError, match=message) as error:
        _load(mirror, [tmp_path], datasets=["cue-conflict"])
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_a_user_file_never_replaces_a_published_model(mirror, tmp_path):
    # Before: a user's edge_resnet50 silently replaced the published resnet50. Now it is refused, even with the
    # published content (an identical copy is still a second source under a taken name).
    _copy(mirror, tmp_path, "edge", "resnet50")
    with pytest.raises(DataFileError, match="taken by a published model"):
        _load(mirror, [tmp_path], models=["resnet50"])


def test_empty_model_part_without_double_underscore(mirror, tmp_path):
    folder = tmp_path / "raw-data" / "edge"
    folder.mkdir(parents=True)
    shutil.copy(mirror / "raw-data/edge/edge_resnet50_session-1.csv", folder / "edge_session-1.csv")
    with pytest.raises(DataFileError, match="edge_session-1.csv: file name must be edge_<model>_session-1.csv"):
        _load(mirror, [tmp_path])


def test_same_dir_twice_and_identical_copies_count_once(mirror, tmp_path):
    _copy(mirror, tmp_path / "a", "edge", "mynet")
    _copy(mirror, tmp_path / "b", "edge", "mynet")  # an identical copy in another dir
    for extra in ([tmp_path / "a", tmp_path / "a"], [tmp_path / "a", tmp_path / "b"]):
        frame = _load(mirror, extra, models=["mynet"])
        assert len(frame) == 160 and frame["trial"].is_unique  # 160 edge images, once each


def test_same_name_from_two_sources_is_an_error_naming_both(mirror, tmp_path):
    a = _copy(mirror, tmp_path / "a", "edge", "mynet")
    b = _copy(mirror, tmp_path / "b", "edge", "mynet", model="bagnet33")  # other answers, same name
    with pytest.raises(DataFileError, match="one model name, one source") as error:
        _load(mirror, [tmp_path / "a", tmp_path / "b"])
    assert str(a) in str(error.value) and str(b) in str(error.value)
    # Same name, other datasets in the two dirs: two sources merged under one name; refused too.
    shutil.rmtree(tmp_path / "b")
    c = _copy(mirror, tmp_path / "b", "silhouette", "mynet")
    with pytest.raises(DataFileError, match="one model name, one source") as error:
        _load(mirror, [tmp_path / "a", tmp_path / "b"], datasets=["edge", "silhouette"])
    assert str(a) in str(error.value) and str(c) in str(error.value)


# ------------------------------------------------------------------ rule 3: content against the dataset
def test_category_must_be_the_images_category(mirror, tmp_path):
    path = _copy(mirror, tmp_path, "edge", "mynet")
    header, rows = _rows(path)
    # Row 1 of resnet50's edge file is trial 1, image airplane1.png, category airplane; call it a bear.
    assert rows[0][2] == "1" and rows[0][7] == "airplane1.png" and rows[0][5] == "airplane"
    rows[0][5] = "bear"
    _write(path, header, rows)
    with pytest.raises(DataFileError, match=r"trial 1: category 'bear', but the category of image 'airplane1.png' is 'airplane'"):
        _load(mirror, [tmp_path])


def test_cue_conflict_category_is_the_shape(mirror, tmp_path):
    path = _copy(mirror, tmp_path, "cue-conflict", "mynet")
    header, rows = _rows(path)
    # airplane1-bicycle2.png: shape airplane, texture bicycle. Labelling it by its texture is refused.
    assert rows[0][7] == "airplane1-bicycle2.png" and rows[0][5] == "airplane"
    rows[0][5] = "bicycle"
    _write(path, header, rows)
    with pytest.raises(DataFileError, match="shape category of image 'airplane1-bicycle2.png' is 'airplane'"):
        _load(mirror, [tmp_path], datasets=["cue-conflict"])


def test_condition_must_be_one_of_the_datasets(mirror, tmp_path):
    path = _copy(mirror, tmp_path, "contrast", "mynet")
    header, rows = _rows(path)
    assert rows[0][6] == "c30"  # trial 1 of resnet50's contrast file
    rows[0][6] = "c99"
    _write(path, header, rows)
    with pytest.raises(DataFileError, match="trial 1: condition 'c99' is not one of contrast's conditions"):
        _load(mirror, [tmp_path], datasets=["contrast"])


def test_condition_must_be_the_one_the_image_was_shown_in(mirror, tmp_path):
    path = _copy(mirror, tmp_path, "contrast", "mynet")
    header, rows = _rows(path)
    # Trial 1 shows n03041632_7380.png at contrast c30; claiming c100 (a real condition) would move the trial
    # into another condition's comparison.
    rows[0][6] = "c100"
    _write(path, header, rows)
    with pytest.raises(DataFileError, match="image 'n03041632_7380.png' is shown in condition 'c30', not 'c100'"):
        _load(mirror, [tmp_path], datasets=["contrast"])


def test_partial_file_is_announced_and_reported_by_coverage(mirror, tmp_path, capsys):
    path = _copy(mirror, tmp_path, "edge", "mynet")
    header, rows = _rows(path)
    _write(path, header, rows[:40])  # 40 of the 160 edge images
    frame = data.load_trials(datasets=["edge"], extra_dirs=[tmp_path], mirror=mirror, models=["mynet", "resnet50"])
    err = capsys.readouterr().err.splitlines()
    assert err == [f"humanlike: note: {path}: covers 40 of 160 images of edge (a partial model)"]
    table = data.coverage(frame, mirror=mirror).set_index("model")
    assert table.loc["mynet", ["n_images", "n_dataset_images", "partial"]].tolist() == [40, 160, True]
    assert table.loc["resnet50", ["n_images", "n_dataset_images", "partial"]].tolist() == [160, 160, False]
    assert "subject-01" not in table.index


def test_checks_run_on_cache_hits_too(mirror, tmp_path, capsys):
    # A valid file is cached; the same content under a taken name is still refused, and a partial file is still
    # announced on the next (cached) load.
    path = _copy(mirror, tmp_path, "edge", "mynet")
    header, rows = _rows(path)
    _write(path, header, rows[:80])
    for _ in range(2):
        _load(mirror, [tmp_path])
        assert "covers 80 of 160 images" in capsys.readouterr().err
    path.rename(path.with_name("edge_humans_session-1.csv"))
    with pytest.raises(DataFileError, match="reserved for the human observers"):
        _load(mirror, [tmp_path])


def test_tampered_cache_entry_is_still_checked(mirror, tmp_path, monkeypatch):
    # Even an entry that lies (as if written by a buggy normaliser) cannot carry a wrong category past the checks.
    import pyarrow as pa
    import pyarrow.compute as pc

    from humanlike.data import trials_cache

    path = _copy(mirror, tmp_path, "edge", "mynet")
    _load(mirror, [tmp_path])
    real_get = trials_cache.TrialsCache.get

    def lying_get(self, sha256, dataset):
        table = real_get(self, sha256, dataset)
        if table is not None and sha256 == file_sha256(path):
            wrong = pc.if_else(pc.equal(table["category"], "airplane"), "bear", table["category"])
            table = table.set_column(table.schema.get_field_index("category"), "category", wrong.cast(pa.large_string()))
        return table

    monkeypatch.setattr(trials_cache.TrialsCache, "get", lying_get)
    with pytest.raises(DataFileError, match="category 'bear', but the category of image 'airplane"):
        _load(mirror, [tmp_path])


# ------------------------------------------------------------------ rule 4: directories say what they hold
def test_stray_files_and_empty_extra_dir_are_reported(mirror, tmp_path, capsys):
    _copy(mirror, tmp_path, "edge", "mynet")
    (tmp_path / "raw-data" / "edge" / "notes.txt").write_text("hi")
    (tmp_path / "raw-data" / "README").write_text("hi")
    frame = _load(mirror, [tmp_path], models=["mynet"])
    assert len(frame) == 160
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(line.startswith("humanlike: warning: ") and "stray file" in line for line in err)
    assert any("notes.txt" in line for line in err) and any("README" in line for line in err)
    empty = tmp_path / "empty"
    (empty / "raw-data").mkdir(parents=True)
    _load(mirror, [tmp_path, empty], models=["mynet"])
    assert "extra dir holds no trial file" in capsys.readouterr().err
    # A dir with trial files, none of them for the datasets asked for: said, not silently skipped.
    _load(mirror, [tmp_path], datasets=["silhouette"])
    err = capsys.readouterr().err
    assert f"{tmp_path}: contributes no trial file to dataset(s) silhouette (it holds edge)" in err


def test_user_file_in_the_mirror_is_reported(mirror, tmp_path, capsys):
    fake = tmp_path / "mirror"
    folder = fake / "raw-data" / "edge"
    folder.mkdir(parents=True)
    for source in sorted((mirror / "raw-data" / "edge").iterdir()):
        (folder / source.name).symlink_to(source)
    shutil.copy(mirror / "raw-data/edge/edge_resnet50_session-1.csv", folder / "edge_mynet_session-1.csv")
    frame = data.load_trials(datasets=["edge"], mirror=fake)
    assert "mynet" not in set(frame["subject"])
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "edge_mynet_session-1.csv: not a published file" in err[0]
    pd.testing.assert_frame_equal(frame, data.load_trials(datasets=["edge"], mirror=mirror))


# ------------------------------------------------------------------ names as a reader reads them (issue 17, rule 4)
@pytest.mark.parametrize("name, owner", [
    ("ResNet50", "a published model ('resnet50')"),
    ("RESNET50", "a published model ('resnet50')"),
    ("Caffe-AlexNet", "a third-party model ('caffe-alexnet')"),
    ("ｒｅｓｎｅｔ50", "a published model ('resnet50')"),  # full-width letters: NFKC makes them ASCII
    ("resnet50x", None),
])  # fmt: skip
def test_taken_names_are_compared_folded(name, owner):
    assert names.taken_by(name) == owner
    assert names.rerun_name(name) == (name + "-rerun" if owner else name)


@pytest.mark.parametrize("name, paper", [
    ("InsDis", "InsDis"), ("insdis", "InsDis"), ("INSDIS-RERUN", "InsDis"), ("alexnet-rerun", "alexnet"),
    ("InsDis-rerun-rerun", None), ("mynet", None),
])  # fmt: skip
def test_paper_model_named(name, paper):
    assert names.paper_model_named(name) == paper


def test_a_paper_models_name_comes_from_its_spec():
    assert names.check_user_model_name("InsDis", "--name", spec="InsDis") == "InsDis"
    assert names.check_user_model_name("InsDis", "--name", spec="insdis") == "InsDis"  # zoo names in any case
    assert names.check_user_model_name("resnet50-rerun", "--name", spec="resnet50") == "resnet50-rerun"
    for spec in ("python:m:f", "MoCo", "torchvision:resnet50"):
        name = "resnet50-rerun" if spec.startswith("torchvision") else "InsDis"
        with pytest.raises(UnknownNameError, match=f"^--name: model name '{name}' is the paper's"):
            names.check_user_model_name(name, "--name", spec=spec)


def test_a_name_too_long_for_a_file_name():
    longest = "n" * names.MAX_NAME_BYTES
    assert names.check_user_model_name(longest, "--name") == longest
    # the longest file an evaluation writes for it still fits the 255 bytes of a file name
    assert max(len(f"{d}_{longest}_session-1.partial.json") for d in data.DATASETS) == 255
    with pytest.raises(UnknownNameError, match="too long"):
        names.check_user_model_name(longest + "n", "--name")


# ------------------------------------------------------------------ a user CSV's fields (issue 17, rule 5)
def test_header_and_fields_worked_by_hand(mirror, tmp_path):
    from humanlike.data import validation

    source = _copy(mirror, tmp_path, "edge", "mynet")
    header, rows = _rows(source)
    validation.check_header(source, "f.csv")  # the published header: eight distinct columns
    _write(source, header + ",Trial", [row + ["1"] for row in rows])
    with pytest.raises(DataFileError, match=r"^f\.csv: column 'Trial' appears twice in the header \(as 'trial' too\)$"):
        validation.check_header(source, "f.csv")
    frame = pd.DataFrame({"trial": [1, 2, 3], "imagename": ["a.png", "b.png", "c.png"], "condition": ["0", "NaN", ""]})
    validation.check_fields(frame, "edge", "f.csv")  # 0, NaN and empty all say "no condition"
    for column, values, message in [
        ("trial", [1, 2.5, 3], "line 3: trial '2.5' is not a positive integer"),
        ("trial", [1, 2, 2.0**60], "line 4: trial"),
        ("imagename", ["a.png", "sub/b.png", "c.png"], "line 3: image name 'sub/b.png' is not a bare file name"),
        ("imagename", ["a.png", "b.png", ".."], "line 4: image name '..'"),
        ("condition", ["0", "c99", "0"], "line 3: condition 'c99', but edge has no conditions"),
        ("imagename", ["a.png", "b" * 1001, "c.png"], "line 3: imagename of 1001 characters"),
    ]:
        with pytest.raises(DataFileError, match="^f\\.csv: " + message.replace("(", r"\(").replace(".", r"\.")):
            validation.check_fields(frame.assign(**{column: values}), "edge", "f.csv")
    validation.check_fields(frame.assign(condition=["c99", "c1", "c2"]), "colour", "f.csv")  # checked by content
