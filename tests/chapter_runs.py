"""Run a chapter (analysis/NN_<topic>.py) through papermill in a test, as the book build does."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def execute_chapter(chapter: str, parameters: dict, tmp_path: Path) -> dict:
    """Execute chapter ``chapter`` ("04") with ``parameters`` in ``tmp_path``; the executed notebook as JSON."""
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
