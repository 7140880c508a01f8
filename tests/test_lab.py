"""`make lab`: JupyterLab on this environment opens the chapters' jupytext .py files as notebooks.

A headless JupyterLab server (the one `make lab` starts, on a free port with a token, rooted at the repository)
serves analysis/01_noise_robustness.py through its contents API as a notebook: jupytext's contents manager is
active (its server extension is enabled in the environment), and the chapter's first code cell is the
papermill ``parameters`` cell.
"""

from __future__ import annotations

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


def _get(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory):
    """A headless `jupyter lab` on 127.0.0.1; yields (base URL, token); shut down through its API afterwards."""
    token, port = secrets.token_hex(16), _free_port()
    home = tmp_path_factory.mktemp("jupyter")
    env = {
        **os.environ,
        # Keep the user's own Jupyter config and runtime files out of it: only the environment's config counts.
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    command = [
        str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={REPO}", f"--IdentityProvider.token={token}", "--allow-root",
    ]  # fmt: skip
    log = open(home / "server.log", "w+")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            _get(f"{base}/api/status", token)
            break
        except (urllib.error.URLError, ConnectionError, OSError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log.seek(0)
                pytest.fail(f"jupyter lab did not start:\n{log.read()[-3000:]}")
            time.sleep(0.25)
    yield base, token
    request = urllib.request.Request(
        f"{base}/api/shutdown", method="POST", headers={"Authorization": f"token {token}"}
    )
    try:
        urllib.request.urlopen(request, timeout=10).close()
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
    assert process.returncode == 0, f"jupyter lab exited with {process.returncode} after /api/shutdown"


def test_chapter_opens_as_a_notebook_with_a_parameters_cell(lab_server) -> None:
    base, token = lab_server
    model = _get(f"{base}/api/contents/{CHAPTER}?type=notebook&content=1", token)
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
    model = _get(f"{base}/api/contents/{CHAPTER}?type=file&content=1", token)
    assert model["type"] == "file" and model["content"] == (REPO / CHAPTER).read_text()
