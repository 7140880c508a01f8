"""Chart helpers (humanlike.charts) and the contract of the analysis notebooks (parameters cell)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
import vl_convert as vlc

from humanlike import charts, params

ROOT = Path(__file__).resolve().parents[1]
REQUIRED_PARAMETERS = ("models", "extra_dirs", "datasets", "bootstrap", "seed")


def _frame() -> pd.DataFrame:
    rows = []
    for dataset in ["uniform-noise", "contrast"]:
        for subject in ["humans", "resnet50", "simclr-resnet50x1", "swag-vit-b16-in1k", "my-own-model"]:
            for i, level in enumerate([0.0, 0.1, 0.3]):
                acc = 0.9 - 0.2 * i - (0.1 if dataset == "contrast" else 0.0) - 0.05 * len(subject) / 20
                rows.append(dict(dataset=dataset, subject=subject, level=level, accuracy=acc, lo=acc - 0.05, hi=acc + 0.05))
    return pd.DataFrame(rows)


def _render(chart: alt.TopLevelMixin) -> str:
    return vlc.vegalite_to_svg(chart.to_dict(), vl_version=alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0])


def _dropdown(spec: dict) -> dict:
    params = [p for p in spec.get("params", []) if "bind" in p and p["bind"] != "legend"]
    assert len(params) == 1, spec.get("params")
    return params[0]


# ------------------------------------------------------------------------------------------- colours
def test_palette_covers_every_training_type():
    assert set(charts.TRAINING_COLORS) == {"human", "supervised", "self-supervised", "weakly-supervised", "unknown"}
    assert all(re.fullmatch(r"#[0-9A-F]{6}", c) for c in charts.TRAINING_COLORS.values())


def test_model_colors_follow_training_type():
    colours = charts.model_colors(["resnet50", "humans", "simclr-resnet50x1", "bagnet33", "nobody-knows-me"])
    assert list(colours) == ["resnet50", "humans", "simclr-resnet50x1", "bagnet33", "nobody-knows-me"]
    assert colours["humans"] == charts.TRAINING_COLORS["human"]
    assert colours["simclr-resnet50x1"] == charts.TRAINING_COLORS["self-supervised"]
    assert colours["nobody-knows-me"] == charts.TRAINING_COLORS["unknown"]
    assert colours["resnet50"] != colours["bagnet33"]  # two supervised models: two shades


def test_decision_maker_order_puts_humans_first():
    order = charts.decision_maker_order(["swag-vit-b16-in1k", "resnet50", "subject-02", "humans", "subject-01"])
    assert order == ["humans", "subject-01", "subject-02", "resnet50", "swag-vit-b16-in1k"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("None", None),
        ("", None),
        (["a", "b"], ["a", "b"]),
        ('["resnet50", "swag-*"]', ["resnet50", "swag-*"]),
        ("resnet50, swag-*", ["resnet50", "swag-*"]),
        (("runs/",), ["runs/"]),
    ],
)
def test_as_list_accepts_papermill_text(value, expected):
    assert params.as_list(value) == expected


# ------------------------------------------------------------------------------------------- builders
def test_line_chart_dropdown_legend_and_band():
    chart = charts.line_chart(
        _frame(), x="level", y="accuracy", lower="lo", upper="hi", dropdown_options=["contrast", "uniform-noise", "x"]
    )
    spec = chart.to_dict()
    dropdown = _dropdown(spec)
    assert dropdown["bind"]["input"] == "select"
    assert dropdown["bind"]["options"] == ["contrast", "uniform-noise"]  # given order, absent values dropped
    assert dropdown["value"] == "contrast"
    assert any("filter" in t for t in spec["transform"])
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["area", "line"]
    params = spec.get("params", []) + [p for layer in spec["layer"] for p in layer.get("params", [])]
    legend = [p for p in params if p.get("bind") == "legend"]
    assert legend, "legend selection missing"
    assert "<svg" in _render(chart)


def test_bar_chart_with_intervals_reference_and_colours():
    frame = _frame()[lambda f: f["level"] == 0.1]
    chart = charts.bar_chart(frame, x="subject", y="accuracy", lower="lo", upper="hi", reference=1 / 16, horizontal=True)
    spec = chart.to_dict()
    assert _dropdown(spec)["bind"]["options"] == ["uniform-noise", "contrast"]  # order of appearance
    bar = spec["layer"][0]
    assert bar["encoding"]["y"]["field"] == "subject"
    assert bar["encoding"]["y"]["sort"][0] == "humans"
    scale = bar["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"]))["humans"] == charts.TRAINING_COLORS["human"]
    assert len(spec["layer"]) == 3  # bars, interval rules, reference line
    assert "<svg" in _render(chart)


def test_heatmap_with_dropdown_and_text():
    cells = pd.DataFrame(
        [dict(subject=s, category=c, response=r, p=0.5) for s in ["humans", "resnet50"] for c in "ab" for r in "ab"]
    )
    chart = charts.heatmap(cells, x="category", y="response", value="p", domain=(0, 1), text_format=".2f")
    spec = chart.to_dict()
    assert _dropdown(spec)["bind"]["options"] == ["humans", "resnet50"]
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rect", "text"]
    assert "<svg" in _render(chart)


def test_no_dropdown():
    spec = charts.line_chart(_frame()[lambda f: f["dataset"] == "contrast"], x="level", y="accuracy", dropdown=None).to_dict()
    assert not [p for p in spec.get("params", []) if "bind" in p and p["bind"] != "legend"]


# ------------------------------------------------------------------------------------------- rendering
def test_to_html_calls_the_global_vega_embed_with_the_spec_inline():
    chart = charts.bar_chart(_frame(), x="subject", y="accuracy", dropdown="dataset")
    first, second = charts.to_html(chart), charts.to_html(chart)
    ids = [re.search(r'<div id="([^"]+)" class="humanlike-chart"', h).group(1) for h in (first, second)]
    assert ids[0] != ids[1], "every output needs its own div id"
    assert "window.vegaEmbed(el, spec, options)" in first
    assert "cdn" not in first.lower() and "require(" not in first
    spec = json.loads(re.search(r"var spec = (.*);\n", first).group(1))
    assert spec["$schema"].endswith(".json") and "datasets" in spec


def test_to_html_escapes_script_breaking_text():
    frame = _frame().assign(subject="</script><script>alert(1)</script>")
    html = charts.to_html(charts.bar_chart(frame, x="subject", y="accuracy", color=None))
    assert html.count("</script>") == 1  # only the template's own closing tag


def test_to_html_refuses_trial_level_data():
    big = pd.DataFrame({"x": range(4000), "y": ["a long category label " * 20] * 4000, "dataset": "d"})
    chart = alt.Chart(big).mark_point().encode(x="x:Q", y="y:N")
    with pytest.raises(ValueError, match="aggregated"):
        charts.to_html(chart)


def test_renderer_is_enabled_on_import():
    assert alt.renderers.active == "humanlike"
    bundle = charts.bar_chart(_frame(), x="subject", y="accuracy")._repr_mimebundle_()
    if isinstance(bundle, tuple):
        bundle = bundle[0]
    assert "window.vegaEmbed" in bundle["text/html"]
    assert any(k.startswith("application/vnd.vegalite.v") for k in bundle)


# ------------------------------------------------------------------------------------------- notebooks
ANALYSES = sorted((ROOT / "analysis").glob("[0-9][0-9]_*.py"))


@pytest.mark.parametrize("source", ANALYSES, ids=[p.stem for p in ANALYSES])
def test_analysis_notebook_documents_its_parameters(source, tmp_path, caplog):
    import jupytext
    import papermill

    notebook = jupytext.read(source)
    tagged = [c for c in notebook.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{source.name}: needs exactly one cell tagged 'parameters'"
    path = tmp_path / f"{source.stem}.ipynb"
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    jupytext.write(notebook, path)
    parameters = papermill.inspect_notebook(str(path))
    unparsed = [r.getMessage() for r in caplog.records if "Unable to parse" in r.getMessage()]
    assert not unparsed, f"{source.name}: papermill cannot read (avoid '=' in help comments): {unparsed}"
    for name in REQUIRED_PARAMETERS:
        assert name in parameters, f"{source.name}: parameter {name!r} missing"
        assert parameters[name]["help"].strip(), f"{source.name}: parameter {name!r} has no help comment"
