"""The trial explorer through the ipywidgets API: set widget values, check what the widget shows."""

from __future__ import annotations

import pandas as pd
import pytest

from humanlike import explorer as explorer_module
from humanlike.explorer import Explorer, explorer

PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _trials() -> pd.DataFrame:
    rows = []

    def add(dataset, subject, condition, category, response, image_id):
        rows.append(
            dict(
                dataset=dataset, subject=subject, is_human=subject.startswith("subject-"), session=1, trial=len(rows),
                condition=condition, category=category, response=response, imagename=image_id, image_id=image_id,
                correct=category == response,
            )
        )  # fmt: skip

    for subject, answer in [("subject-01", "cat"), ("subject-02", "cat"), ("resnet50", "elephant")]:
        add("cue-conflict", subject, "0", "cat", answer, "cat1-elephant2.png")
        add("cue-conflict", subject, "0", "dog", "dog", "dog3-clock1.png")
    for condition in ["c100", "c05", "c10"]:
        add("contrast", "subject-01", condition, "bird", "bird" if condition != "c05" else "na", f"n01_{condition}.png")
        add("contrast", "simclr-resnet50x1", condition, "bird", "dog", f"n01_{condition}.png")
    return pd.DataFrame(rows)


@pytest.fixture
def stimuli(monkeypatch, tmp_path):
    """Serve a 1x1 PNG for every stimulus and record what was asked for."""
    asked = []
    png = tmp_path / "stimulus.png"
    png.write_bytes(PNG_1x1)

    def fake_fetch(path, mirror=None):
        asked.append(path)
        return png

    monkeypatch.setattr(explorer_module.data, "fetch", fake_fetch)
    return asked


def test_initial_selection_shows_first_image_and_every_answer(stimuli):
    widget = Explorer(_trials())
    assert widget.dataset.value == "cue-conflict"  # paper order: nonparametric datasets first
    assert widget.condition.options == ("0",)
    assert widget.image.value == "cat1-elephant2.png"  # sorted by category, then image
    assert stimuli == ["datasets/cue-conflict/cat/cat1-elephant2.png"]
    assert "data:image/png;base64," in widget.stimulus.value
    assert "texture: <b>elephant</b>" in widget.summary.value
    assert "humans correct: 2 of 2" in widget.summary.value
    assert "models correct: 0 of 1" in widget.summary.value
    table = widget.answers.value
    assert table.count("<tr>") == 1 + 3  # header + one row per decision maker
    assert table.index("subject-01") < table.index("resnet50")  # humans first
    assert list(widget.selection()["response"]) == ["cat", "cat", "elephant"]


def test_choosing_an_image_updates_stimulus_and_answers(stimuli):
    widget = Explorer(_trials())
    before = widget.answers.value
    widget.image.value = "dog3-clock1.png"
    assert stimuli[-1] == "datasets/cue-conflict/dog/dog3-clock1.png"
    assert widget.answers.value != before
    assert "models correct: 1 of 1" in widget.summary.value
    assert "texture: <b>clock</b>" in widget.summary.value


def test_choosing_a_dataset_updates_conditions_images_and_answers(stimuli):
    widget = Explorer(_trials())
    widget.dataset.value = "contrast"
    assert widget.condition.options == ("c05", "c10", "c100")  # natural order, not text order
    assert widget.condition.value == "c05"
    assert [value for _, value in widget.image.options] == ["n01_c05.png"]
    assert "not public" in widget.stimulus.value  # contrast stimuli are not mirrored
    assert len(stimuli) == 1  # and were not asked for
    assert "humans correct: 0 of 1" in widget.summary.value  # "na" counts as an error
    assert ">na<" in widget.answers.value

    widget.condition.value = "c100"
    assert widget.image.value == "n01_c100.png"
    assert "humans correct: 1 of 1" in widget.summary.value


def test_initial_values_and_dataset_subset(stimuli):
    widget = explorer(_trials(), datasets=["contrast"], condition="c10")
    assert widget.dataset.options == ("contrast",)
    assert widget.condition.value == "c10"
    assert widget.image.value == "n01_c10.png"


def test_missing_stimulus_is_reported_not_raised(monkeypatch):
    def failing_fetch(path, mirror=None):
        raise OSError("no mirror here")

    monkeypatch.setattr(explorer_module.data, "fetch", failing_fetch)
    widget = Explorer(_trials())
    assert "stimulus unavailable: no mirror here" in widget.stimulus.value


def test_rejects_tables_without_the_trial_columns():
    with pytest.raises(ValueError, match="lack column"):
        Explorer(pd.DataFrame({"dataset": ["edge"]}))
    with pytest.raises(ValueError, match="no trials"):
        Explorer(_trials().iloc[:0])


def test_real_stimulus_from_the_mirror(mirror):
    from humanlike.data import load_trials

    trials = load_trials(datasets=["silhouette"], models=["resnet50"], mirror=mirror)
    widget = Explorer(trials, mirror=mirror)
    assert widget.dataset.value == "silhouette"
    assert widget.stimulus.value.startswith("<img src='data:image/png;base64,iVBORw0KGgo")
    shown = widget.selection()
    assert set(shown["image_id"]) == {widget.image.value}
    assert "resnet50" in set(shown["subject"]) and shown["is_human"].any()
