"""`make lab`: JupyterLab on this environment opens the chapters' jupytext .py files as notebooks.

A headless JupyterLab server (the one `make lab` starts, on a free port with a token, rooted at the repository)
serves analysis/01_noise_robustness.py through its contents API as a notebook: jupytext's contents manager is
active (its server extension is enabled in the environment), and the chapter's first code cell is the
papermill ``parameters`` cell. Saving the notebook view (on a copy of the chapter) writes the percent-format .py
back, with the edit and without outputs.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHAPTER = "analysis/01_noise_robustness.py"
START_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(url: str, token: str, method: str = "GET", body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": f"token {token}", "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=20) as response:
        text = response.read()
    return json.loads(text) if text else {}


@contextlib.contextmanager
def running_lab(root: Path, home: Path):
    """A headless `jupyter lab` serving ``root`` on 127.0.0.1 (a free port, a token); yields (base URL, token).

    Shut down through its API afterwards, which must end the server cleanly (exit status 0).
    """
    token, port = secrets.token_hex(16), _free_port()
    env = {
        **os.environ,
        # Keep the user's own Jupyter config and runtime files out of it: only the environment's config counts.
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    command = [
        str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}", "--allow-root",
    ]  # fmt: skip
    home.mkdir(parents=True, exist_ok=True)
    log = open(home / "server.log", "w+")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            _request(f"{base}/api/status", token)
            break
        except (urllib.error.URLError, ConnectionError, OSError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log.seek(0)
                pytest.fail(f"jupyter lab did not start:\n{log.read()[-3000:]}")
            time.sleep(0.25)
    try:
        yield base, token
    finally:
        try:
            _request(f"{base}/api/shutdown", token, method="POST")
            process.wait(timeout=20)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            log.close()
    assert process.returncode == 0, f"jupyter lab exited with {process.returncode} after /api/shutdown"


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory):
    """`jupyter lab` rooted at the repository, as `make lab` starts it."""
    with running_lab(REPO, tmp_path_factory.mktemp("jupyter")) as server:
        yield server


def test_chapter_opens_as_a_notebook_with_a_parameters_cell(lab_server) -> None:
    base, token = lab_server
    model = _request(f"{base}/api/contents/{CHAPTER}?type=notebook&content=1", token)
    assert model["type"] == "notebook" and model["path"] == CHAPTER
    notebook = model["content"]
    assert notebook["metadata"]["kernelspec"]["name"] == "humanlike"
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code, f"{CHAPTER}: no code cells"
    assert "parameters" in code[0]["metadata"].get("tags", []), f"{CHAPTER}: first code cell not tagged parameters"
    # The cells are those of the .py file (jupytext's percent format), not one cell of raw text.
    markers = re.findall(r"^# %%", (REPO / CHAPTER).read_text(), re.M)
    assert len(notebook["cells"]) == len(markers)


def test_the_text_view_still_reads_the_py_file(lab_server) -> None:
    base, token = lab_server
    # The plain text view of the same file still works: jupytext adds the notebook view, it does not replace it.
    model = _request(f"{base}/api/contents/{CHAPTER}?type=file&content=1", token)
    assert model["type"] == "file" and model["content"] == (REPO / CHAPTER).read_text()


@pytest.mark.slow  # seconds (a cluster, a subprocess, a model)
def test_saving_the_notebook_writes_the_py_file(tmp_path: Path) -> None:
    # On a copy of the chapter (the repository's files stay untouched): change the parameters cell in the
    # notebook view and save it, as Lab's save does (PUT of the notebook model).
    root = tmp_path / "root"
    (root / "analysis").mkdir(parents=True)
    original = (REPO / CHAPTER).read_text()
    (root / CHAPTER).write_text(original)
    with running_lab(root, tmp_path / "jupyter") as (base, token):
        url = f"{base}/api/contents/{CHAPTER}"
        notebook = _request(f"{url}?type=notebook&content=1", token)["content"]
        cell = next(c for c in notebook["cells"] if "parameters" in c["metadata"].get("tags", []))
        before = cell["source"]
        assert before in original
        cell["source"] = before + "\nbootstrap = 200  # edited in Jupyter"
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "an output\n"}]
        saved = _request(url, token, "PUT", {"type": "notebook", "format": "json", "content": notebook})
        assert saved["type"] == "notebook"
    # Still the percent-format script, with exactly that line added and no output stored (jupytext records its
    # format and own version in the header when it saves: left out of the comparison).
    stamp = re.compile(r"^#\s+(format_version|jupytext_version): .*\n", re.M)
    text = stamp.sub("", (root / CHAPTER).read_text())
    assert text == original.replace(before, cell["source"], 1)
    assert list((root / "analysis").iterdir()) == [root / CHAPTER], "no paired .ipynb written beside it"
