"""Run a chapter (analysis/NN_<topic>.py) through papermill in a test, as the book build does.

Executing a chapter takes seconds (mostly the kernel's start and imports), so each chapter runs once per test
session with one set of parameters that every test about it shares (:data:`SHARED_PARAMETERS`, the ``chapter``
fixture of tests/conftest.py); only tests of a chapter that stops (a wrong parameter, a hostile file) execute one
of their own. The shared runs start when the session starts, one after the other in one background process that
imports papermill once (:class:`SharedRuns`); under pytest-xdist the workers share them through files. Every
execution (each with a kernel of its own) also reports which torch modules its kernel had loaded at the end
(:func:`torch_modules`): chapters 00-04 must load none.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The last cell added to every executed chapter: the kernel's loaded torch modules, as one JSON line.
PROBE = "torch-modules:"
_PROBE_CELL = (
    "import json as _json, sys as _sys\n"
    f"print({PROBE!r}, _json.dumps(sorted(m for m in _sys.modules if m.split('.')[0] in ('torch', 'torchvision'))))"
)

#: The parameters of each shared run, by name: the chapter's number, then ``+<what>`` for a second run of it (text,
#: as papermill's command line passes them). ``{runs}`` is a results folder holding ``my-model`` (copies of the
#: published ResNet-50 files, so that a model from ``extra_dirs`` has known numbers); ``{edge_only}`` one holding
#: ``resnet18`` on edge alone (a renamed copy of the published edge_resnet50 file: a paper model evaluated on the
#: one dataset, as `humanlike evaluate --datasets edge` leaves it). See :func:`prepare_runs`.
SHARED_PARAMETERS: dict[str, dict] = {
    "00": {"models": '["resnet50", "simclr-*"]', "datasets": '["cue-conflict", "edge"]', "bootstrap": 10,
           "explorer_images": 1},
    "01": {"models": '["resnet50", "simclr-*", "my-model"]', "datasets": '["uniform-noise", "contrast"]',
           "extra_dirs": '["{runs}"]', "bootstrap": 20},
    "02": {"models": '["bagnet33", "swag-vit-*", "simclr-*"]', "datasets": '["sketch", "edge", "uniform-noise"]',
           "bootstrap": 10},
    "03": {"models": '["resnet50", "simclr-resnet50x1"]', "datasets": '["edge", "uniform-noise", "contrast"]',
           "bootstrap": 10},
    "04": {"models": "resnet50, bagnet33", "bootstrap": 10, "third_party": "false", "examples": 2, "seed": 1},
    "05": {"datasets": '["cue-conflict", "edge", "sketch"]', "bootstrap": 10, "evaluate_model": "None"},
    # every chapter with resnet18 on edge only (tests/test_partial_models.py): one dataset list, bootstrap and seed,
    # so that each chapter's take-away prints the key number of the introduction's verdict table
    **{f"{number}+edge-only": {"bootstrap": 20, "seed": 0, "extra_dirs": '["{edge_only}"]', "datasets": datasets,
                                **extra}
       for number, datasets, extra in [
           ("00", '["uniform-noise", "edge", "cue-conflict"]', {"explorer_images": 1}),
           ("01", '["uniform-noise"]', {}),
           ("02", '["uniform-noise", "edge", "cue-conflict"]', {}),
           ("03", '["uniform-noise", "edge", "cue-conflict"]', {}),
           ("04", '["cue-conflict", "edge"]', {"examples": 1}),
           ("05", '["uniform-noise", "edge", "cue-conflict"]', {"evaluate_model": "None"}),
       ]},
}  # fmt: skip

#: The published ResNet-50 files copied as ``my-model`` into the shared results folder.
MY_MODEL_DATASETS = ("uniform-noise", "contrast")


def prepare_runs(root: Path, mirror: Path) -> dict[str, Path]:
    """The results folders of :data:`SHARED_PARAMETERS`: ``runs`` (``my-model``: the published ResNet-50 files of
    :data:`MY_MODEL_DATASETS`) and ``edge_only`` (``resnet18``: the published edge ResNet-50 file, renamed)."""
    runs, edge_only = root / "runs", root / "edge-only"
    if edge_only.exists():  # prepared already (by another test process: tests/conftest.py)
        return {"runs": runs, "edge_only": edge_only}
    for dataset in MY_MODEL_DATASETS:
        target = runs / "raw-data" / dataset
        target.mkdir(parents=True, exist_ok=True)
        published = mirror / "raw-data" / dataset / f"{dataset}_resnet50_session-1.csv"
        (target / f"{dataset}_my-model_session-1.csv").write_text(published.read_text())
    (edge_only / "raw-data" / "edge").mkdir(parents=True, exist_ok=True)
    text = (mirror / "raw-data" / "edge" / "edge_resnet50_session-1.csv").read_text()
    (edge_only / "raw-data" / "edge" / "edge_resnet18_session-1.csv").write_text(text.replace("\nresnet50,", "\nresnet18,"))
    return {"runs": runs, "edge_only": edge_only}


def shared_parameters(name: str, folders: dict[str, Path]) -> dict:
    """:data:`SHARED_PARAMETERS` of the run ``name`` with its results folders filled in."""
    def fill(value):
        if not isinstance(value, str):
            return value
        for key, folder in folders.items():
            value = value.replace("{" + key + "}", str(folder))
        return value

    return {k: fill(v) for k, v in SHARED_PARAMETERS[name].items()}


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
        str(path), str(out), parameters=parameters, kernel_name="python3", cwd=str(ROOT), progress_bar=False,
        shutdown_kernel="immediate",  # as tools/build_book.py: every cell has run
    )
    return json.loads(out.read_text())


def chapter_outputs(notebook: dict, mimes: tuple[str, ...] = ("text/html", "text/markdown")) -> str:
    """The outputs of an executed chapter of the given MIME types, joined by newlines; fails on an error output."""
    found = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", output
            for mime in mimes:
                value = output.get("data", {}).get(mime)
                if value is not None:
                    found.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(found)


def torch_modules(notebook: dict) -> list[str]:
    """The torch modules the chapter's kernel had loaded when it finished (the probe cell's output)."""
    for cell in reversed(notebook["cells"]):
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", ""))
            if text.startswith(PROBE):
                return json.loads(text[len(PROBE) :])
    raise AssertionError("the probe cell did not run")


class SharedRuns:
    """The shared runs ``names`` (keys of :data:`SHARED_PARAMETERS`), each executed once, its result kept in
    ``root/<name>/executed.json`` (or the reason it failed in ``failed.txt``).

    Several test processes (pytest-xdist's workers) may share ``root``: a lock per run makes the first process that
    needs it execute it while the others wait for its file. With ``background``, one process executes every run not
    done yet, in order, from now on (papermill imported once, not once per run: a second of CPU each), so that the
    tests rarely wait; a run a test needs first is executed by a process of its own.
    """

    def __init__(self, names: list[str], root: Path, mirror: Path, *, background: bool = True) -> None:
        from filelock import FileLock

        self._root, self._names, self._lock = root, names, FileLock
        root.mkdir(parents=True, exist_ok=True)
        with FileLock(root / "folders.lock"):
            self._folders = prepare_runs(root, mirror)
        self._executed: dict[str, dict] = {}
        self._background: subprocess.Popen | None = None
        if background:  # every run not done yet, in one process (--all: _execute_all)
            folders = json.dumps({key: str(path) for key, path in self._folders.items()})
            self._background = subprocess.Popen(
                [sys.executable, __file__, "--all", str(root), folders, *names],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
            )  # fmt: skip

    def _ensure(self, name: str) -> Path:
        """The run's folder, once its ``executed.json`` (or ``failed.txt``) exists; executes the run if no process
        has."""
        folder = self._root / name
        with self._lock(self._root / f"{name}.lock"):
            if not _finished(folder):
                self._execute(name[:2], shared_parameters(name, self._folders), folder)
        return folder

    @staticmethod
    def _execute(number: str, parameters: dict, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [sys.executable, __file__, number, json.dumps(parameters), str(folder)],
            capture_output=True, text=True, cwd=ROOT,
        )  # fmt: skip
        if result.returncode != 0:
            _failed(folder, number, parameters, result.stderr)

    def get(self, name: str) -> dict:
        """The executed chapter of the shared run ``name`` ("03", "03+edge-only"); waits for it."""
        if name not in self._names:
            raise KeyError(f"no shared run {name!r}: add it to SHARED_PARAMETERS")
        if name not in self._executed:
            folder = self._ensure(name)
            if (folder / "failed.txt").exists():
                raise AssertionError((folder / "failed.txt").read_text())
            self._executed[name] = json.loads((folder / "executed.json").read_text())
        return self._executed[name]

    def close(self) -> None:
        """The session is over: the background process finishes the run it is executing and starts no other."""
        if self._background is not None:
            (self._root / STOP).touch()
            self._background.wait()


#: A file in the runs' folder that tells the background process to start no other run (the session is over).
STOP = "stop"


def _finished(folder: Path) -> bool:
    return (folder / "executed.json").exists() or (folder / "failed.txt").exists()


def _failed(folder: Path, number: str, parameters: dict, error: str) -> None:
    """``failed.txt``: what a test that needs the run reports."""
    (folder / "failed.txt").write_text(f"chapter {number} failed with {parameters}:\n{error[-5000:]}")


def _save(executed: dict, folder: Path) -> None:
    """``executed.json``, written whole under another name, then renamed: a reader never sees half a file."""
    (folder / "executed.json.part").write_text(json.dumps(executed))
    (folder / "executed.json.part").replace(folder / "executed.json")


def _execute_all(root: Path, folders: dict[str, Path], names: list[str]) -> None:
    """Each shared run of ``names`` that no process has executed, in order, under its lock; a chapter that fails
    leaves its error in ``failed.txt`` and the next one runs."""
    import traceback

    from filelock import FileLock

    for name in names:
        if (root / STOP).exists():
            return
        folder = root / name
        with FileLock(root / f"{name}.lock"):
            if _finished(folder):
                continue
            parameters = shared_parameters(name, folders)
            try:
                _save(execute_chapter(name[:2], parameters, folder), folder)
            except Exception:
                _failed(folder, name[:2], parameters, traceback.format_exc())


if __name__ == "__main__":
    # one shared run: chapter, parameters (JSON), folder; or all of them: --all, root, folders (JSON), names
    from humanlike.startup import without_iri_grammar

    with without_iri_grammar():  # papermill's jsonschema, 2 s sooner (as tools/build_book.py)
        import papermill  # noqa: F401
    if sys.argv[1] == "--all":
        folders_by_key = {key: Path(path) for key, path in json.loads(sys.argv[3]).items()}
        _execute_all(Path(sys.argv[2]), folders_by_key, sys.argv[4:])
    else:
        chapter_folder = Path(sys.argv[3])
        _save(execute_chapter(sys.argv[1], json.loads(sys.argv[2]), chapter_folder), chapter_folder)
