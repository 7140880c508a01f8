"""Run a chapter (analysis/NN_<topic>.py) through papermill in a test, as the book build does.

Executing a chapter takes seconds, so each chapter runs once per test session with one set of parameters that
every test about it shares (:data:`SHARED_PARAMETERS`, the ``chapter`` fixture of tests/conftest.py); only tests
of a chapter that stops (a wrong parameter, a hostile file) execute one of their own. Every execution also reports
which torch modules its kernel had loaded at the end (:func:`torch_modules`): chapters 00-04 must load none.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The last cell added to every executed chapter: the kernel's loaded torch modules, as one JSON line.
PROBE = "torch-modules:"
_PROBE_CELL = (
    "import json as _json, sys as _sys\n"
    f"print({PROBE!r}, _json.dumps(sorted(m for m in _sys.modules if m.split('.')[0] in ('torch', 'torchvision'))))"
)

#: The parameters of each chapter's shared run (text, as papermill's command line passes them). ``{runs}`` is a
#: results folder the fixture fills with ``my-model``: copies of the published ResNet-50 files (see
#: :func:`prepare_runs`), so that a model from ``extra_dirs`` has known numbers.
SHARED_PARAMETERS: dict[str, dict] = {
    "00": {"models": '["resnet50", "simclr-*"]', "datasets": '["cue-conflict", "edge"]', "bootstrap": 10,
           "verdict_bootstrap": 20, "explorer_images": 1},
    "01": {"models": '["resnet50", "simclr-*", "my-model"]', "datasets": '["uniform-noise", "contrast"]',
           "extra_dirs": '["{runs}"]', "bootstrap": 20},
    "02": {"models": '["bagnet33", "swag-vit-*", "simclr-*"]', "datasets": '["sketch", "edge", "uniform-noise"]',
           "bootstrap": 10},
    "03": {"models": '["resnet50", "simclr-resnet50x1"]', "datasets": '["edge", "uniform-noise", "contrast"]',
           "bootstrap": 10},
    "04": {"models": "resnet50, bagnet33", "bootstrap": 10, "third_party": "false", "examples": 2, "seed": 1},
    "05": {"datasets": '["cue-conflict", "edge", "sketch"]', "bootstrap": 10, "evaluate_model": "None"},
}  # fmt: skip

#: The published ResNet-50 files copied as ``my-model`` into the shared results folder.
MY_MODEL_DATASETS = ("uniform-noise", "contrast")


def prepare_runs(runs: Path, mirror: Path) -> Path:
    """A results folder holding ``my-model``: the published ResNet-50 files of :data:`MY_MODEL_DATASETS`."""
    for dataset in MY_MODEL_DATASETS:
        target = runs / "raw-data" / dataset
        target.mkdir(parents=True, exist_ok=True)
        published = mirror / "raw-data" / dataset / f"{dataset}_resnet50_session-1.csv"
        (target / f"{dataset}_my-model_session-1.csv").write_text(published.read_text())
    return runs


def shared_parameters(chapter: str, runs: Path) -> dict:
    """:data:`SHARED_PARAMETERS` of ``chapter`` with the results folder filled in."""
    return {k: v.replace("{runs}", str(runs)) if isinstance(v, str) else v
            for k, v in SHARED_PARAMETERS[chapter].items()}  # fmt: skip


def execute_chapter(chapter: str, parameters: dict, tmp_path: Path) -> dict:
    """Execute chapter ``chapter`` ("04") with ``parameters`` in ``tmp_path``; the executed notebook as JSON."""
    import jupytext
    import nbformat
    import papermill

    (source,) = sorted((ROOT / "analysis").glob(f"{chapter}_*.py"))
    notebook = jupytext.read(source)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells.append(nbformat.v4.new_code_cell(_PROBE_CELL))
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / f"{source.stem}.ipynb"
    jupytext.write(notebook, path)
    out = tmp_path / f"{source.stem}.out.ipynb"
    papermill.execute_notebook(
        str(path), str(out), parameters=parameters, kernel_name="python3", cwd=str(ROOT), progress_bar=False
    )
    return json.loads(out.read_text())


def torch_modules(notebook: dict) -> list[str]:
    """The torch modules the chapter's kernel had loaded when it finished (the probe cell's output)."""
    for cell in reversed(notebook["cells"]):
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", ""))
            if text.startswith(PROBE):
                return json.loads(text[len(PROBE) :])
    raise AssertionError("the probe cell did not run")
