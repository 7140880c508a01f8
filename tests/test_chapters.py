"""Chapters 1 and 2: their chart builders, and the notebooks executed through papermill with non-default
parameters (given as text, as papermill's command line passes them)."""

from __future__ import annotations

import json
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
import vl_convert as vlc

from humanlike import charts, data, metrics, results

ROOT = Path(__file__).resolve().parents[1]
VL = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]


def _svg(chart: alt.TopLevelMixin) -> str:
    return vlc.vegalite_to_svg(chart.to_dict(), vl_version=VL)


def _bound(spec: dict) -> dict[str, dict]:
    """Parameters bound to an input (dropdowns), by name."""
    return {p["name"]: p for p in spec.get("params", []) if "bind" in p and p["bind"] != "legend"}


# ------------------------------------------------------------------------------------------- builders
def _levels() -> pd.DataFrame:
    rows = []
    for dataset in ["contrast", "uniform-noise"]:
        levels = results.distortion_levels(dataset)
        for subject, scale in [("humans", 1.0), ("resnet50", 0.8), ("simclr-resnet50x1", 0.9)]:
            for _, level in levels.iterrows():
                acc = scale * (1 - level["strength"] / 10)
                rows.append({**level.to_dict(), "subject": subject, "accuracy": acc, "ci_low": acc - 0.05,
                             "ci_high": acc + 0.05})  # fmt: skip
    return pd.DataFrame(rows)


def test_distortion_chart_orders_conditions_by_strength():
    chart = charts.distortion_chart(_levels(), reference=1 / 16, dropdown_value="uniform-noise")
    spec = chart.to_dict()
    assert _bound(spec)["pick_dataset"]["value"] == "uniform-noise"
    line = next(layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "line")
    assert line["encoding"]["x"]["sort"] == {"field": "strength", "op": "min"}
    areas = [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "area"]
    assert len(areas) == 2  # humans' range always, a model's interval while selected in the legend
    svg = _svg(chart)
    assert "uniform noise width" in svg  # the dataset's parameter above the plot
    assert svg.index(">0.00<") < svg.index(">0.90<")
    contrast = _svg(charts.distortion_chart(_levels(), dropdown_value="contrast"))
    assert "contrast (%)" in contrast and contrast.index(">100<") < contrast.index(">50<")


def test_confusion_heatmap_packs_matrices_and_has_two_dropdowns():
    trials = pd.DataFrame(
        {
            "dataset": "sketch",
            "subject": ["subject-01", "subject-01", "resnet50", "resnet50"],
            "is_human": [True, True, False, False],
            "category": ["cat", "dog", "cat", "dog"],
            "response": ["cat", "cat", "knife", "dog"],
        }
    )
    table = results.confusion_matrices(trials)
    chart = charts.confusion_heatmap(table, rows=metrics.RESPONSES, columns=data.CATEGORIES, subject_value="resnet50")
    spec = chart.to_dict()
    assert set(_bound(spec)) == {"pick_dataset", "pick_subject"}
    assert _bound(spec)["pick_subject"]["bind"]["options"] == ["humans", "resnet50"]
    (values,) = [v for v in spec["datasets"].values()]
    assert len(values) == 2 and len(values[0]["v"]) == 17 * 16  # one packed record per matrix
    svg = _svg(chart)
    assert svg.count("<path") > 16  # cells drawn after unpacking
    assert "knife" in svg


def test_similarity_chart_draws_the_ceiling_band():
    summary = pd.DataFrame(
        [
            ("sketch", "humans", results.TO_HUMANS, 0.8, 0.6, 0.9, 0.7, 0.85),
            ("sketch", "resnet50", results.TO_HUMANS, 0.2, 0.1, 0.3, 0.1, 0.3),
            ("sketch", "resnet50", results.TO_MODELS, 0.5, 0.5, 0.5, 0.4, 0.6),
            ("edge", "humans", results.TO_HUMANS, 0.3, -0.2, 0.6, 0.2, 0.4),
        ],
        columns=["dataset", "subject", "comparison", "similarity", "min", "max", "ci_low", "ci_high"],
    )
    chart = charts.similarity_chart(summary, dropdown_options=data.DATASETS)
    spec = chart.to_dict()
    assert _bound(spec)["pick_dataset"]["bind"]["options"] == ["edge", "sketch"]
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rect", "rule", "rule", "point"]
    assert "<svg" in _svg(chart)


# ------------------------------------------------------------------------------------------- notebooks
def _execute(chapter: str, parameters: dict, tmp_path: Path) -> dict:
    import jupytext
    import papermill

    (source,) = sorted((ROOT / "analysis").glob(f"{chapter}_*.py"))
    notebook = jupytext.read(source)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / f"{source.stem}.ipynb"
    jupytext.write(notebook, path)
    out = tmp_path / f"{source.stem}.out.ipynb"
    papermill.execute_notebook(
        str(path), str(out), parameters=parameters, kernel_name="python3", cwd=str(ROOT), progress_bar=False
    )
    return json.loads(out.read_text())


def _outputs(notebook: dict, mime: str) -> list:
    found = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", output
            value = output.get("data", {}).get(mime)
            if value is not None:
                found.append(value if not isinstance(value, list) else "".join(value))
    return found


def _decision_makers(notebook: dict) -> set[str]:
    """Every decision-maker name in the data of the notebook's charts."""
    names = set()
    specs = _outputs(notebook, f"application/vnd.vegalite.v{VL.split('.')[0]}+json")
    assert specs, "no chart in the executed notebook"
    for spec in specs:
        for rows in spec.get("datasets", {}).values():
            for row in rows:
                names.update(str(row[k]) for k in ("subject", "subject_a", "subject_b") if k in row)
    return names


def test_chapter_01_with_chosen_models(tmp_path):
    notebook = _execute(
        "01",
        {"models": '["resnet50", "simclr-*"]', "datasets": '["uniform-noise", "contrast"]', "bootstrap": 20},
        tmp_path,
    )
    names = _decision_makers(notebook)
    assert names == {"humans", "resnet50", "simclr-resnet50x1"}
    text = "\n".join(_outputs(notebook, "text/markdown"))
    assert "SimCLR against ResNet-50" in text and "not computed" not in text
    assert "swag" not in text and "bagnet33" not in text
    html = "\n".join(_outputs(notebook, "text/html"))
    assert "window.vegaEmbed" in html and "swag-vit" not in html


def test_chapter_02_with_chosen_models(tmp_path):
    notebook = _execute(
        "02", {"models": "bagnet33, swag-vit-*", "datasets": '["sketch", "edge"]', "bootstrap": 10}, tmp_path
    )
    names = _decision_makers(notebook) - {n for n in _decision_makers(notebook) if n.startswith("subject-")}
    assert names == {"humans", "bagnet33", "swag-vit-b16-in1k", "swag-vit-l16-in1k", "swag-vit-h14-in1k"}
    text = "\n".join(_outputs(notebook, "text/markdown"))
    assert "bagnet33" in text and "resnet50" not in text  # the SimCLR sentence needs both: left out


def test_chapter_01_with_a_model_from_extra_dirs(tmp_path, mirror):
    target = tmp_path / "runs" / "raw-data" / "uniform-noise"
    target.mkdir(parents=True)
    published = mirror / "raw-data" / "uniform-noise" / "uniform-noise_resnet50_session-1.csv"
    (target / "uniform-noise_my-model_session-1.csv").write_text(published.read_text())
    notebook = _execute(
        "01",
        {"models": '["my-model", "resnet50"]', "extra_dirs": f'["{tmp_path / "runs"}"]', "datasets": "uniform-noise",
         "bootstrap": 10},  # fmt: skip
        tmp_path,
    )
    assert _decision_makers(notebook) == {"humans", "resnet50", "my-model"}
    text = "\n".join(_outputs(notebook, "text/markdown"))
    assert "resnet50 1 / 0; my-model 1 / 0" in text  # same answers as resnet50: same numbers


def test_chapter_03_with_chosen_models(tmp_path):
    notebook = _execute(
        "03",
        {"models": '["resnet50", "simclr-resnet50x1"]', "datasets": '["edge", "uniform-noise"]', "bootstrap": 10},
        tmp_path,
    )
    names = _decision_makers(notebook)
    assert {"resnet50", "simclr-resnet50x1"} <= names
    assert not {n for n in names if n.startswith(("swag", "bagnet"))}
    text = "\n".join(_outputs(notebook, "text/markdown"))
    assert "10-resample" in text  # the bootstrap parameter reached the prose
    assert "swag" not in text


def test_chapter_04_with_chosen_models_and_no_third_party(tmp_path):
    notebook = _execute(
        "04",
        {"models": "resnet50, bagnet33", "bootstrap": 10, "third_party": "false", "examples": 2, "seed": 1},
        tmp_path,
    )
    names = _decision_makers(notebook)
    assert {"humans", "resnet50", "bagnet33"} <= names and not {n for n in names if n.startswith("swag")}
    html = "\n".join(_outputs(notebook, "text/html"))
    assert html.count("data:image/jpeg;base64,") == 2  # the two example stimuli
    text = "\n".join(_outputs(notebook, "text/markdown"))
    assert "Third-party data switched off" in text and "third-party evaluations, the self-supervised" not in text


def test_chapter_05_without_evaluating(tmp_path):
    notebook = _execute(
        "05",
        {"models": '["resnet50", "simclr-resnet50x1"]', "datasets": '["cue-conflict", "edge"]', "bootstrap": 10,
         "evaluate_model": None},  # fmt: skip
        tmp_path,
    )
    specs = _outputs(notebook, f"application/vnd.vegalite.v{VL.split('.')[0]}+json")
    (rows,) = [r for spec in specs for r in spec.get("datasets", {}).values()]
    assert {r["model"] for r in rows} == {"humans", "resnet50", "simclr-resnet50x1"}
    assert {r["scope"] for r in rows} == {results.ALL_DATASETS, "cue-conflict", "edge"}
    text = "\n".join(_outputs(notebook, "text/markdown"))
    assert "No model evaluated" in text and "No evaluated model to place" in text
