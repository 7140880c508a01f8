"""The book's page "Use it yourself" (book/use_it_yourself.md): its commands run, in order, in a temporary copy of the
project, with the substitutes named in SUBSTITUTES and NET_SUBSTITUTES (each must still match the page, so page and
test cannot drift apart); its Slurm script is the README's recipe, which tests/test_slurm.py runs on a real Slurm."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_slurm import readme_recipe

REPO = Path(__file__).resolve().parents[1]
PAGE = REPO / "book" / "use_it_yourself.md"
PYTHON = sys.executable

# (what the page says, what this test runs instead, why)
SUBSTITUTES = [
    ("pip install '.[book]'", f"{PYTHON} -m pip install --dry-run --no-deps --no-build-isolation '.[book]'",
     "resolve the package and its extra, without installing into the test's environment"),
    ("--datasets cue-conflict edge silhouette", "--datasets cue-conflict --random-weights",
     "the one dataset shape-bias needs (1,280 images, a minute or two on a CPU) and no weights download"),
    ("humanlike ", f"{PYTHON} -m humanlike.cli ", "the package of the copy, not an installed console script"),
    ("python tools/build_book.py --only 04", f"{PYTHON} tools/build_book.py --no-html --only 04",
     "the chapter executes; the HTML build is make book's, checked by tests/test_book.py"),
    ("make paper", "make -n paper", "the zoo needs internet and hours: make prints what it would run"),
]  # fmt: skip

# the same for the page's net.py
_CHEAPER = ("the factory as written, with a network 30x cheaper than ResNet-18 (seconds, not half a minute, for the "
            "1,280 images on one core): the commands are under test, not ResNet-18's speed")
NET_SUBSTITUTES = [
    ("torchvision.models.resnet18(", "torchvision.models.mobilenet_v3_small(", _CHEAPER),
    ("torchvision.models.ResNet18_Weights.", "torchvision.models.MobileNet_V3_Small_Weights.", _CHEAPER),
]  # fmt: skip

pytestmark = pytest.mark.slow


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", PAGE.read_text(), re.S | re.M)


def _substituted(text: str, substitutes: list[tuple[str, str, str]]) -> str:
    """``text`` of the page with each substitute made; each must still match the page."""
    for said, instead, why in substitutes:
        assert said in text, f"the page no longer says {said!r} (substitute: {why})"
        text = text.replace(said, instead)
    return text


def test_the_page_is_in_the_table_of_contents():
    assert re.search(r"^\s+- file: use_it_yourself$", (REPO / "_toc.yml").read_text(), re.M)


def test_the_slurm_script_on_the_page_is_the_readme_recipe():
    """The page includes the README's lines from `import os` to `cluster.close()`: the whole recipe, no more."""
    include = re.search(r"```\{literalinclude\} \.\./README\.md\n(.*?)```", PAGE.read_text(), re.S)
    assert include, "the page includes the Slurm recipe from README.md"
    options = dict(re.findall(r"^:([\w-]+): (.*)$", include[1], re.M))
    recipe = readme_recipe()
    start, end = recipe.index(options["start-at"]), recipe.rindex(options["end-at"]) + len(options["end-at"])
    assert recipe[start:end].strip() == recipe.strip()
    readme = (REPO / "README.md").read_text()
    assert readme.count(options["start-at"] + "\n") == 1 and readme.count(options["end-at"]) == 1


def test_the_pages_commands_run(tmp_path, mirror):
    copy = tmp_path / "humanlike"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "chapters", ".ipynb_checkpoints")
    for folder in ("lib", "analysis", "tools", "book"):
        shutil.copytree(REPO / folder, copy / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md", "Makefile", "_config.yml", "_toc.yml", "package.json",
                 "package-lock.json", "constraints.txt"):
        shutil.copy(REPO / name, copy / name)
    if (REPO / "node_modules").is_dir():  # the book's pinned npm assets, as `make book` installed them (read only)
        (copy / "node_modules").symlink_to(REPO / "node_modules")
    (python_block,) = _blocks("python")
    (copy / "net.py").write_text(_substituted(python_block, NET_SUBSTITUTES))  # "Save it as net.py"
    script = _substituted("\n".join(_blocks("bash")), SUBSTITUTES)
    env = {**os.environ, "PYTHONPATH": str(copy / "lib")}
    run = subprocess.run(["bash", "-euxo", "pipefail", "-c", script], cwd=copy, env=env, capture_output=True,
                         text=True, timeout=900)  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]

    # install: the package with the extra "book" resolves
    assert re.search(r"Would install .*humanlike-0\.1\.0", run.stdout)
    # evaluate: the published format, under the chosen name
    trials = copy / "runs" / "raw-data" / "cue-conflict" / "cue-conflict_mynet_session-1.csv"
    assert len(trials.read_text().splitlines()) == 1 + 1280
    # shape-bias: the table, with the new model beside ResNet-50 (published) and humans
    for row in ("mynet", "resnet50", "humans"):
        assert re.search(rf"^\s*{row}\s+\d", run.stdout, re.M), row
    # the chapter, executed with the model among its parameters and in its outputs
    chapter = (copy / "book" / "chapters" / "04_shape_bias.ipynb").read_text()
    assert '\\"mynet\\"' in chapter or '"mynet"' in chapter
    assert "mynet" in re.sub(r'"source":.*?\]', "", chapter, flags=re.S)
    # the paper's zoo: make would evaluate it and build the book with it
    assert "evaluate --zoo paper --out runs/paper" in run.stdout
