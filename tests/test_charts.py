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
def _contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #RRGGBB colours (worked out by hand: black on white is 21, grey #767676 on white 4.5)."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_helper_matches_the_wcag_examples():
    assert round(_contrast("#000000", "#FFFFFF"), 1) == 21.0
    assert round(_contrast("#767676", "#FFFFFF"), 1) == 4.5


def test_greys_of_many_other_models_stand_out_on_both_pages():
    names = [f"someone-{i}" for i in range(16)]
    colours = charts.model_colors(names)
    assert len(set(colours.values())) == 16
    assert all(_contrast(c, "#FFFFFF") >= 3 and _contrast(c, "#14181E") >= 3 for c in colours.values()), colours


def test_one_other_model_and_every_training_colour_stand_out_on_both_pages():
    # one model the paper did not have gets OTHER_COLOR itself (chapter 4 rerun with bagnet33: its legend symbol
    # was #9A9A9A, 2.8:1 on white)
    (alone,) = charts.model_colors(["bagnet33"]).values()
    for colour in (alone, *charts.TRAINING_COLORS.values()):
        assert _contrast(colour, "#FFFFFF") >= 3 and _contrast(colour, "#14181E") >= 3, colour


def test_palette_covers_every_training_type():
    assert set(charts.TRAINING_COLORS) == {"human", "supervised", "self-supervised", "weakly-supervised", "unknown"}
    assert all(re.fullmatch(r"#[0-9A-F]{6}", c) for c in charts.TRAINING_COLORS.values())


def test_model_colors_follow_training_type():
    colours = charts.model_colors(["resnet50", "humans", "simclr-resnet50x1", "bagnet33", "nobody-knows-me"])
    assert list(colours) == ["resnet50", "humans", "simclr-resnet50x1", "bagnet33", "nobody-knows-me"]
    assert colours["humans"] == charts.TRAINING_COLORS["human"]
    assert colours["simclr-resnet50x1"] == charts.TRAINING_COLORS["self-supervised"]
    # bagnet33 and an unknown model are not the paper's: two greys (issue 9, "the paper's view first"), both
    # standing out from the light and the dark page (issue 16: contrast >= 3:1)
    assert colours["nobody-knows-me"] != colours["bagnet33"]
    for name in ("nobody-knows-me", "bagnet33"):
        assert _contrast(colours[name], "#FFFFFF") >= 3 and _contrast(colours[name], "#14181E") >= 3, colours[name]
    assert colours["bagnet33"][1:3] == colours["bagnet33"][3:5] == colours["bagnet33"][5:7]  # a grey
    assert colours["resnet50"] == charts.TRAINING_COLORS["supervised"]  # the one supervised model of the paper


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


def test_to_html_packs_a_large_spec_gzipped_and_the_page_gets_it_back_whole():
    import base64
    import gzip

    frame = pd.concat([_frame().assign(subject=f"model-{i}") for i in range(60)], ignore_index=True)
    chart = charts.line_chart(frame, x="level", y="accuracy", dropdown="dataset")
    html = charts.to_html(chart)
    inline = json.loads(re.search(r"var spec = (.*);\n", html).group(1))
    assert inline["datasets"] == {} and inline["params"], "the data are packed, the rest stays readable"
    packed = json.loads(re.search(r"var packed = (.*);\n", html).group(1))
    spec = {**inline, "datasets": json.loads(gzip.decompress(base64.b64decode(packed)))}
    assert spec == json.loads(json.dumps(chart.to_dict()))
    assert len(html) < len(json.dumps(spec)) / 3  # the page carries a fraction of the bytes
    assert "DecompressionStream" in html


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


# ------------------------------------------------------------------------------------------- issue 9: axes, data, paper
def _levels_frame() -> pd.DataFrame:
    # Two datasets whose labels overlap with opposite orders: "a" runs 0, 30, 60 and "b" runs 60, 30, 0 (as
    # contrast runs from high to low values). Rows shuffled, so that no order comes from the row order.
    rows = []
    for dataset, labels in {"a": ["0", "30", "60"], "b": ["60", "30", "0"]}.items():
        for strength, label in enumerate(labels):
            for subject in ("humans", "resnet50"):
                rows.append(dict(dataset=dataset, subject=subject, label=label, strength=strength, condition=label,
                                 parameter="p", accuracy=0.9 - 0.2 * strength, ci_low=0.5, ci_high=0.95))  # fmt: skip
    return pd.DataFrame(rows).sample(frac=1, random_state=3).reset_index(drop=True)


def _x_ticks(svg: str, title: str) -> list[str]:
    """The x axis' tick labels in drawing order: the texts after the group labelled 'X-axis', up to its title."""
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg[svg.index('aria-label="X-axis') :])
    return texts[: texts.index(title)]


@pytest.mark.parametrize(("picked", "expected"), [("a", ["0", "30", "60"]), ("b", ["60", "30", "0"])])
def test_distortion_axis_follows_the_datasets_own_order(picked, expected):
    chart = charts.distortion_chart(_levels_frame(), dropdown_value=picked, x_title="level")
    domain = chart.to_dict()["layer"][0]["encoding"]["x"]["scale"]["domain"]
    assert set(domain) == {"expr"}, "an explicit per-dataset domain, not a data-driven sort"
    assert _x_ticks(_render(chart), "level") == expected


def test_level_domain_per_dataset_and_without_dropdown():
    frame = _levels_frame()
    expr = charts.level_domain(frame, "label", "strength", "dataset").to_dict()["expr"]
    table = json.loads(expr[: expr.rindex("[pick_dataset]")])
    assert table == {"a": ["0", "30", "60"], "b": ["60", "30", "0"]}
    one = frame[frame["dataset"] == "b"]
    assert charts.level_domain(one, "label", "strength", "dataset") == ["60", "30", "0"]
    assert charts.level_domain(one, "label", "strength", None) == ["60", "30", "0"]


def test_consistency_level_chart_axis_is_explicit():
    frame = _levels_frame().rename(columns={"strength": "level", "accuracy": "error_consistency",
                                            "ci_low": "low", "ci_high": "high"}).assign(comparison="x", n_pairs=3)  # fmt: skip
    chart = charts.consistency_level_chart(frame, value="b")
    assert _x_ticks(_render(chart), "condition (undistorted first, strongest distortion last)") == ["60", "30", "0"]


def _tooltips(spec) -> list[dict]:
    found = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "tooltip" and isinstance(value, list):
                found += value
            else:
                found += _tooltips(value)
    elif isinstance(spec, list):
        for value in spec:
            found += _tooltips(value)
    return found


def test_tooltips_have_readable_titles():
    gap = pd.DataFrame({"dataset": ["a", "b"], "subject_a": ["resnet50"] * 2, "points": [-11.0, 3.25]})
    heat = charts.heatmap(gap, x="dataset", y="subject_a", value="points", dropdown=None, domain=(-60, 60),
                          value_title="points vs. humans")  # fmt: skip
    tips = _tooltips(heat.to_dict())
    titles = {t["field"]: t.get("title") for t in tips}
    assert titles == {"subject_a": "decision maker", "dataset": "dataset", "points": "points vs. humans"}
    assert {t["field"]: t.get("format") for t in tips}["points"] == "+.1f"  # -11.0 shows as -11.0, not -11.000
    for chart in (charts.distortion_chart(_levels_frame()), charts.bar_chart(_frame(), x="subject", y="accuracy")):
        for tip in _tooltips(chart.to_dict()):
            assert tip.get("title") and "_" not in tip["title"], tip


def test_paper_models_first_and_the_others_grey():
    names = ["swag-vit-b16-in1k", "bagnet33", "simclr-resnet50x1", "resnet50", "humans", "my-model"]
    assert charts.decision_maker_order(names) == [
        "humans", "resnet50", "simclr-resnet50x1", "bagnet33", "swag-vit-b16-in1k", "my-model"
    ]  # fmt: skip  (the paper's models by training type, then the others by training type: unknown last)
    groups = charts.colour_groups(names)
    assert groups["resnet50"] == "supervised" and groups["simclr-resnet50x1"] == "self-supervised"
    assert {groups[n] for n in ("swag-vit-b16-in1k", "bagnet33", "my-model")} == {charts.OTHER_MODELS}
    colours = charts.model_colors(names)
    for name in ("swag-vit-b16-in1k", "bagnet33", "my-model"):
        r, g, b = (int(colours[name][i : i + 2], 16) for i in (1, 3, 5))
        assert r == g == b and r >= 0x66, (name, colours[name])  # grey, never near black (it must show on dark pages)
    assert "not in the paper" in charts.colour_key()._repr_html_()


def test_chart_table_is_the_embedded_rows_and_confusions_unpack():
    frame = _frame()
    assert charts.chart_table(charts.bar_chart(frame, x="subject", y="accuracy")).shape == frame.shape
    cells = pd.DataFrame([dict(dataset="d", subject=s, category=c, response=r, proportion=0.25, n=1)
                          for s in ("humans", "resnet50") for c in "ab" for r in "ab" if (s, c, r) != ("humans", "b", "a")])  # fmt: skip
    table = charts.chart_table(charts.confusion_heatmap(cells, rows=["a", "b"], columns=["a", "b"]))
    # 2 decision makers x 4 cells, less the one cell humans never had: 7 rows, the columns of the long table.
    assert len(table) == 7
    assert list(table.columns) == ["dataset", "subject", "category", "response", "proportion", "n"]
    merged = table.merge(cells, on=["dataset", "subject", "category", "response"], suffixes=("", "_given"))
    assert len(merged) == 7 and (merged["proportion"] == merged["proportion_given"]).all()


def test_to_html_writes_the_csv_and_links_it_only_in_a_book_build(tmp_path, monkeypatch):
    chart = charts.bar_chart(_frame(), x="subject", y="accuracy")
    monkeypatch.delenv(charts.DATA_DIR_ENV, raising=False)
    assert "Download data" not in charts.to_html(chart)
    monkeypatch.setenv(charts.DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.setenv(charts.CHAPTER_ENV, "07_test")
    html = charts.to_html(chart)
    href = re.search(r'<a href="(data/07_test-chart-\d+\.csv)" download="[^"]+"', html).group(1)
    written = tmp_path / href
    assert [p.name for p in written.parent.iterdir()] == [written.name]  # no temporary file left behind
    table = pd.read_csv(written)
    assert list(table.columns) == list(_frame().columns) and len(table) == len(_frame())


def test_figure_numbers_and_caption(monkeypatch):
    monkeypatch.delenv(charts.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv(charts.CHAPTER_ENV, "03_image_errors")
    chart = charts.bar_chart(_frame(), x="subject", y="accuracy")
    first = charts.figure(chart, "Accuracy <per> model. Whiskers: 95% bootstrap intervals.")
    second = charts.figure(chart, "Again.")
    chapter, n = first.number.split(".")
    assert chapter == "3" and second.number == f"3.{int(n) + 1}"
    html = first._repr_mimebundle_()["text/html"]
    assert html.startswith(f'<figure class="humanlike-figure" id="figure-3-{n}">')
    assert f"Figure 3.{n}.</span> Accuracy &lt;per&gt; model. Whiskers" in html
    assert charts.figure(chart, "x", number="A.1").number == "A.1"


# ------------------------------------------------------------------------------------------- fewer datasets
def _overall(n_datasets: dict[str, int]) -> pd.DataFrame:
    """OOD accuracy on "all datasets" and on edge: ``n_datasets`` per subject on the former, 1 on the latter."""
    rows = []
    for subject, n in n_datasets.items():
        rows.append({"dataset": "all datasets", "subject": subject, "ood_accuracy": 0.5, "n_datasets": n})
        rows.append({"dataset": "edge", "subject": subject, "ood_accuracy": 0.5, "n_datasets": 1})
    return pd.DataFrame(rows)


def test_bars_averaged_over_fewer_datasets_are_hollow_and_say_so():
    # resnet18 has 1 of the 3 datasets the others have: on "all datasets" (not on edge, where everyone has 1 of 1)
    chart = charts.bar_chart(_overall({"humans": 3, "resnet50": 3, "resnet18": 1}), x="subject", y="ood_accuracy",
                             horizontal=True)  # fmt: skip
    spec = chart.to_dict()
    rows = {(r["dataset"], r["subject"]): r for r in next(iter(spec["datasets"].values()))}
    assert rows["all datasets", "resnet18"]["fewer"] and rows["all datasets", "resnet18"]["datasets"] == "1 of 3"
    assert not rows["all datasets", "resnet50"]["fewer"] and rows["all datasets", "resnet50"]["datasets"] == "3 of 3"
    assert not any(rows["edge", s]["fewer"] for s in ("humans", "resnet50", "resnet18"))
    bar = spec["layer"][0]
    assert bar["encoding"]["fillOpacity"]["condition"]["test"] == "datum.fewer"
    assert bar["encoding"]["strokeDash"]["condition"]["value"] == [4, 2]
    assert {"field": "datasets", "type": "nominal", "title": "datasets averaged"} in bar["encoding"]["tooltip"]
    assert spec["title"]["text"] == charts.common.FEWER_DATASETS
    assert "<svg" in _render(chart)


def test_bars_of_as_many_datasets_each_are_drawn_as_before():
    chart = charts.bar_chart(_overall({"humans": 3, "resnet50": 3}), x="subject", y="ood_accuracy")
    spec = chart.to_dict()
    assert "fewer" not in json.dumps(spec) and "title" not in spec
