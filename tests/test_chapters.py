"""The chapters: chart builders of chapters 1 and 2, the parameter checks and text escaping every chapter uses,
and the notebooks executed through papermill with non-default parameters (given as text, as papermill's command
line passes them)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
from chapter_runs import execute_chapter, torch_modules
import vl_convert as vlc

from humanlike import charts, data, metrics, params, results
from humanlike.errors import UnknownNameError
from humanlike.text import escape_markdown, html_text, md

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
    # The axis domain is each dataset's labels in order of strength, picked by the dropdown (an explicit list:
    # a sort by strength went stale in Vega after switching datasets a few times).
    expr = line["encoding"]["x"]["scale"]["domain"]["expr"]
    domains = json.loads(expr[: expr.rindex("}") + 1])
    assert domains["uniform-noise"] == ["0.00", "0.03", "0.05", "0.10", "0.20", "0.35", "0.60", "0.90"]
    assert domains["contrast"] == ["100", "50", "30", "15", "10", "5", "3", "1"]
    assert expr.endswith("[pick_dataset] || []")
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


# ------------------------------------------------------------------------------------------- parameters
def _results_dir(root: Path, mirror: Path, model: str = "my-model") -> Path:
    """An extra dir holding one model: resnet50's published edge answers under another name."""
    target = root / "raw-data" / "edge"
    target.mkdir(parents=True)
    (target / f"edge_{model}_session-1.csv").write_text(
        (mirror / "raw-data" / "edge" / "edge_resnet50_session-1.csv").read_text()
    )
    return root


def test_chapter_parameters_normalise_papermill_text(tmp_path, mirror):
    _results_dir(tmp_path, mirror)
    checked = params.chapter(
        models="resnet50, simclr-*", extra_dirs=f'["{tmp_path}"]', datasets='["edge", "sketch", "edge"]',
        bootstrap="20", seed="3",
    )  # fmt: skip
    assert checked == (["resnet50", "simclr-*"], [str(tmp_path)], ["edge", "sketch"], 20, 3)
    assert params.chapter() == (None, [], None, 1000, 0)
    assert params.boolean("third_party", "False") is False and params.boolean("third_party", "yes") is True
    assert params.optional_text("evaluate_model", "None") is None
    assert params.optional_text("evaluate_model", " efficientnet-lite0 ") == "efficientnet-lite0"
    assert params.choice("device", "cpu", ("auto", "cpu", "cuda")) == "cpu"
    assert params.model_spec("evaluate_model", "efficientnet-lite0") == "efficientnet-lite0"
    assert params.model_spec("evaluate_model", "None") is None


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"bootstrap": 0}, "parameter bootstrap: must be a positive integer, not 0"),
        ({"bootstrap": -5}, "parameter bootstrap: must be a positive integer, not -5"),
        ({"bootstrap": "many"}, "parameter bootstrap: must be an integer, not 'many'"),
        ({"bootstrap": 2.5}, "parameter bootstrap: must be an integer, not 2.5"),
        ({"bootstrap": True}, "parameter bootstrap: must be an integer, not True"),
        ({"bootstrap": 10**6}, f"parameter bootstrap: must be at most {params.MAX_BOOTSTRAP}, not 1000000"),
        ({"seed": -1}, "parameter seed: must be an integer from 0 to 4294967295, not -1"),
        ({"seed": "x"}, "parameter seed: must be an integer, not 'x'"),
        ({"datasets": '["contrats"]'}, "parameter datasets: unknown dataset 'contrats'; known: cue-conflict"),
        ({"datasets": "Edge"}, "parameter datasets: unknown dataset 'Edge' (did you mean 'edge'?)"),
        ({"datasets": "[]"}, "parameter datasets: is empty"),
        ({"datasets": '["edge"'}, "parameter datasets: expected a list of names"),
        ({"models": '["resnet-50"]'}, "parameter models: 'resnet-50' matches no known model; known: bagnet33"),
        ({"models": "swag-nothing-*"}, "parameter models: 'swag-nothing-*' matches no known model"),
        ({"models": '["<img src=x onerror=alert(1)>"]'}, "parameter models: '<img src=x onerror=alert(1)>' is not a "
                                                         "model name (letters, digits and . _ + - only"),
        ({"models": "humans"}, "parameter models: 'humans' matches no known model"),
        ({"extra_dirs": '["/no/such/dir"]'}, "parameter extra_dirs: '/no/such/dir' does not exist"),
        ({"extra_dirs": 5}, "parameter extra_dirs: expected a list of names"),
        ({"datasets": "edge", "allowed_datasets": data.PARAMETRIC_DATASETS, "why": "has no distortion levels"},
         "parameter datasets: 'edge' has no distortion levels; choose from colour, contrast"),
    ],
)  # fmt: skip
def test_wrong_chapter_parameters_are_one_line_errors(arguments, message):
    with pytest.raises(params.ParameterError) as error:
        params.chapter(**arguments)
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)
    assert isinstance(error.value, UnknownNameError)  # a usage error: exit code 2 on the command line


def test_other_parameter_checkers_refuse_wrong_values(tmp_path):
    afile = tmp_path / "file.txt"
    afile.write_text("")
    cases = [
        (lambda: params.directories("extra_dirs", [str(afile)]), f"parameter extra_dirs: '{afile}' is not a directory"),
        (lambda: params.boolean("third_party", "maybe"), "parameter third_party: must be true or false, not 'maybe'"),
        (lambda: params.choice("device", "gpu", ("auto", "cpu", "cuda")),
         "parameter device: must be one of auto, cpu, cuda, not 'gpu'"),
        (lambda: params.optional_text("evaluate_model", 3), "parameter evaluate_model: must be text or None, not 3"),
        (lambda: params.positive_int("examples", 17, maximum=16), "parameter examples: must be at most 16, not 17"),
        (lambda: params.model_spec("evaluate_model", "efficientnet-lite1"),
         "parameter evaluate_model: unknown model 'efficientnet-lite1'"),
    ]  # fmt: skip
    for call, message in cases:
        with pytest.raises(params.ParameterError, match="^" + re.escape(message)):
            call()


def test_models_from_extra_dirs_are_known(tmp_path, mirror):
    runs = _results_dir(tmp_path / "runs", mirror)
    assert params.chapter(models="my-*", extra_dirs=[str(runs)]).models == ["my-*"]
    with pytest.raises(params.ParameterError, match="'my-\\*' matches no known model"):
        params.chapter(models="my-*")
    with pytest.raises(params.ParameterError, match=f"^parameter extra_dirs: {re.escape(str(tmp_path))}"):
        params.chapter(models="resnet50", extra_dirs=[str(tmp_path)])  # no raw-data/ inside


def test_every_chapter_checks_its_parameters_first():
    """The first code cell after the parameters cell calls params.chapter with all five common parameters."""
    import jupytext

    for source in sorted((ROOT / "analysis").glob("[0-9][0-9]_*.py")):
        cells = [c for c in jupytext.read(source).cells if c.cell_type == "code"]
        assert "parameters" in cells[0].metadata.get("tags", []), source.name
        first = cells[1].source
        assert "params.chapter(" in first, f"{source.name}: parameters are not checked first"
        for name in ("models", "extra_dirs", "datasets", "bootstrap", "seed"):
            assert f"{name}={name}" in first, f"{source.name}: {name} not checked"
        assert "load_trials" not in first  # checked before any data are read


# ------------------------------------------------------------------------------------------- escaping
HOSTILE = """<img src=x onerror="alert('1')"> & <script>alert(1)</script> *bold* [link](javascript:x) `code`"""


def test_escape_markdown_renders_hostile_text_as_text():
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark").render(escape_markdown(HOSTILE))
    assert "<img" not in rendered and "<script" not in rendered and "<em>" not in rendered
    assert "<a " not in rendered and "<code>" not in rendered
    assert "&lt;img src=x onerror=&quot;alert(" in rendered  # a quote cannot end an attribute: there is none
    assert "&amp; &lt;script&gt;" in rendered
    # the text a reader sees is the original, character for character
    import html as html_module

    text = html_module.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()
    assert text == HOSTILE


def test_md_escapes_values_but_not_the_template():
    out = md("**{name}** reaches {value:.0%} on {n} datasets", name="<b>a & 'b'</b>", value=0.5, n=3)
    assert out == "**&lt;b&gt;a &amp; &#x27;b&#x27;&lt;/b&gt;** reaches 50% on 3 datasets"


def test_html_text_escapes_quotes_for_attributes():
    assert html_text("""x' onerror="y""") == "x&#x27; onerror=&quot;y"
    assert html_text(HOSTILE).count("<") == 0


def test_gallery_escapes_names_from_data():
    examples = pd.DataFrame(
        {
            "image_id": ["cat1-elephant1.png"] * 2,
            "path": ["datasets/cue-conflict/cat/cat1-elephant1.png"] * 2,
            "shape": ["cat"] * 2,
            "texture": ["elephant"] * 2,
            "subject": ["subject-01", "<script>alert(1)</script>"],
            "is_human": [True, False],
            "training": ["human", "unknown"],
            "response": ["cat", "<b>dog</b>"],
            "answer": ["shape", "other"],
        }
    )
    page = charts.stimulus_gallery(examples, {}).data
    assert "<script>" not in page and "<b>dog" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;dog&lt;/b&gt;" in page


# ------------------------------------------------------------------------------------------- notebooks


def _outputs(notebook: dict, mime: str) -> list:
    """The outputs of one MIME type; Markdown as the text it renders to (backslash escapes and entities undone)."""
    found = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", output
            value = output.get("data", {}).get(mime)
            if value is not None:
                text = value if not isinstance(value, list) else "".join(value)
                found.append(html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)) if mime == "text/markdown" else text)
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


def _markdown(notebook: dict) -> str:
    return "\n".join(_outputs(notebook, "text/markdown"))


# The shared runs (tests/chapter_runs.py, SHARED_PARAMETERS): one execution per chapter, every test below reads it.
@pytest.mark.parametrize("number", ["00", "01", "02", "03", "04"])
def test_chapters_with_default_parameters_never_load_torch(chapter, number):
    """Only evaluating a model needs torch; drawing the book from trial files must not pay for it."""
    assert torch_modules(chapter(number)) == []


def test_chapter_01_with_chosen_models_and_one_from_extra_dirs(chapter):
    notebook = chapter("01")  # resnet50, simclr-*, my-model (copies of resnet50's files); uniform-noise, contrast
    assert _decision_makers(notebook) == {"humans", "resnet50", "simclr-resnet50x1", "my-model"}
    text = _markdown(notebook)
    assert "SimCLR against ResNet-50" in text and "not computed" not in text
    assert "swag" not in text and "bagnet33" not in text
    # the same answers as resnet50 give the same numbers
    tallies = text[text.index("clearly above the human mean:") :].replace("\\", "")  # Markdown escapes
    tally = dict(re.findall(r"([\w.-]+) (\d+ / \d+)", tallies))
    assert tally["my-model"] == tally["resnet50"]
    html = "\n".join(_outputs(notebook, "text/html"))
    assert "window.vegaEmbed" in html and "swag-vit" not in html


def test_chapter_02_with_chosen_models(chapter):
    notebook = chapter("02")  # bagnet33, swag-vit-*, simclr-* (no resnet50); sketch, edge, uniform-noise
    names = _decision_makers(notebook) - {n for n in _decision_makers(notebook) if n.startswith("subject-")}
    assert names == {"humans", "bagnet33", "swag-vit-b16-in1k", "swag-vit-l16-in1k", "swag-vit-h14-in1k",
                     "simclr-resnet50x1"}  # fmt: skip
    text = _markdown(notebook)
    # the SimCLR-against-ResNet-50 sentence needs both: left out without resnet50
    assert "bagnet33" in text and not re.search(r"(?<![\w-])resnet50(?![\w-])", text)


def test_chapter_03_with_chosen_models(chapter):
    notebook = chapter("03")  # resnet50, simclr-resnet50x1; edge, uniform-noise, contrast; 10 resamples
    names = _decision_makers(notebook)
    assert {"resnet50", "simclr-resnet50x1"} <= names
    assert not {n for n in names if n.startswith(("swag", "bagnet"))}
    text = _markdown(notebook)
    assert "10-resample" in text  # the bootstrap parameter reached the prose
    assert "swag" not in text


def test_chapter_04_with_chosen_models_and_no_third_party(chapter):
    notebook = chapter("04")  # resnet50, bagnet33; no third party; 2 examples; seed 1
    names = _decision_makers(notebook)
    assert {"humans", "resnet50", "bagnet33"} <= names and not {n for n in names if n.startswith("swag")}
    html = "\n".join(_outputs(notebook, "text/html"))
    # the two example stimuli of the gallery (the charts' pictures are data in their specs, not <img> elements)
    assert html.count("<img src='data:image/jpeg;base64,") == 2
    text = _markdown(notebook)
    assert "Third-party data switched off" in text and "third-party evaluations, the self-supervised" not in text


def _benchmark_rows(notebook: dict) -> list[dict]:
    specs = _outputs(notebook, f"application/vnd.vegalite.v{VL.split('.')[0]}+json")
    (rows,) = [r for spec in specs for r in spec.get("datasets", {}).values()]
    return rows


def test_chapter_05_without_evaluating(chapter):
    notebook = chapter("05")  # every model; cue-conflict, edge, sketch; no evaluation
    rows = _benchmark_rows(notebook)
    assert {r["model"] for r in rows} == {"humans", *data.MODELS, "alexnet [harvard-visionlab]"}
    assert {r["scope"] for r in rows} == {results.ALL_DATASETS, "cue-conflict", "edge", "sketch"}
    text = _markdown(notebook)
    assert "No model evaluated" in text and "No evaluated model to place" in text


def test_chapter_05_ranks_the_third_party_alexnet_labelled_by_source(chapter, mirror):
    rows = _benchmark_rows(chapter("05"))
    alexnet = [r for r in rows if r["model"] == "alexnet [harvard-visionlab]"]
    # every dataset of the run that the fork evaluated (its files in the mirror), and the average over them
    fork = mirror / "third-party" / "harvard-visionlab+model-vs-human-dmc" / "raw-data"
    evaluated = {d for d in ("cue-conflict", "edge", "sketch") if list((fork / d).glob("*alexnet*"))}
    assert evaluated and {r["scope"] for r in alexnet} == {results.ALL_DATASETS, *evaluated}
    # marked as third-party (a diamond, named in the tooltip: only humans and your own model are labelled on the
    # plot, so that labels never overlap), and ranked with the other models
    assert all(r["third_party"] == "harvard-visionlab" and r["label"] == "" for r in alexnet)
    assert all(r["mean_rank"] is not None for r in alexnet)
    assert {r["third_party"] for r in rows if r not in alexnet} == {""}
    tables = "\n".join(_outputs(chapter("05"), "text/html"))
    assert "alexnet [harvard-visionlab]" in tables and "third party" in tables


@pytest.mark.slow
def test_chapter_stops_on_a_wrong_parameter_before_reading_data(tmp_path):
    import papermill

    with pytest.raises(papermill.PapermillExecutionError) as error:
        execute_chapter("03", {"datasets": '["edge", "contrats"]', "bootstrap": 10}, tmp_path)
    assert error.value.ename == "ParameterError"
    assert error.value.evalue.startswith("parameter datasets: unknown dataset 'contrats'")


@pytest.mark.slow
def test_chapter_refuses_a_hostile_model_name_in_a_results_dir(tmp_path, mirror):
    import papermill

    target = tmp_path / "runs" / "raw-data" / "cue-conflict"
    target.mkdir(parents=True)
    hostile = target / "cue-conflict_<img src=x onerror=alert(1)>_session-1.csv"
    hostile.write_text((mirror / "raw-data" / "cue-conflict" / "cue-conflict_resnet50_session-1.csv").read_text())
    with pytest.raises(papermill.PapermillExecutionError) as error:
        execute_chapter("04", {"extra_dirs": f'["{tmp_path / "runs"}"]', "bootstrap": 10, "third_party": False}, tmp_path)
    assert error.value.ename in {"ParameterError", "DataFileError"}
    assert "<img src=x onerror=alert(1)>" in error.value.evalue and "\n" not in error.value.evalue
    shown = json.loads((tmp_path / "04_shape_bias.out.ipynb").read_text())
    pages = [str(o.get("data", {})) for c in shown["cells"] for o in c.get("outputs", []) if o.get("data")]
    assert not any("<img src=x" in page for page in pages)  # never placed into the page


def test_chapter_00_counts_the_chosen_data(chapter):
    notebook = chapter("00")  # resnet50, simclr-*; cue-conflict, edge
    assert _decision_makers(notebook) - {n for n in _decision_makers(notebook) if n.startswith("subject-")} == {
        "resnet50", "simclr-resnet50x1", "humans"  # Figure 0.1 has the pooled humans row its caption promises
    }
    tables = "\n".join(_outputs(notebook, "text/html"))
    assert "humans: observers" in tables and "all datasets" in tables
    assert ">contrast<" not in tables and ">cue-conflict<" in tables  # a table row per dataset shown, no other
