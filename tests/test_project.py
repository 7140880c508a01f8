"""Project-level facts: the package declares ranges (lower bounds, the book's toolchain in extras), the lock
(constraints.txt) satisfies them and environment.yml agrees with it, constraints-minimum.txt holds exactly the lower
bounds of the core, and the built wheel's metadata says so."""

from __future__ import annotations

import email
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
SETUP_EXTRAS = ("book", "lab", "test", "dask", "slurm")  # what `make setup` installs
BOOK_TOOLCHAIN = {"jupyter-book", "jupyterlab", "jupytext", "papermill", "playwright", "ipykernel", "altair"}


def _pins(lines) -> dict[str, str]:
    """``name==version`` lines (comments and other lines ignored) as {canonical name: version}."""
    pins = {}
    for line in lines:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;#]+)\s*(#.*)?", line)
        if match:
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def _file_pins(name: str) -> dict[str, str]:
    return _pins((REPO / name).read_text().splitlines())


def _requirements(*extras: str) -> list[Requirement]:
    specs = PROJECT["dependencies"] + [s for extra in extras for s in PROJECT["optional-dependencies"][extra]]
    return [Requirement(spec) for spec in specs]


def test_core_requirements_are_ranges_without_the_book_toolchain():
    core = _requirements()
    assert core and all(r.specifier and all(s.operator == ">=" for s in r.specifier) for r in core), (
        "core requirements are lower bounds only"
    )
    assert not BOOK_TOOLCHAIN & {canonicalize_name(r.name) for r in core}
    assert PROJECT["requires-python"] == ">=3.11"
    assert {"book", "lab", "test", "dask", "slurm", "timm"} <= set(PROJECT["optional-dependencies"])


def test_an_upper_bound_says_why():
    lines = (REPO / "pyproject.toml").read_text().splitlines()
    bounded = [line for line in lines if re.search(r'^\s*"[^"]*<', line)]
    assert bounded, "jupyter-book 2 is a known break"
    assert all("#" in line for line in bounded), bounded


def test_the_lock_satisfies_every_requirement_make_setup_installs():
    lock = _file_pins("constraints.txt")
    assert "humanlike" not in lock
    assert lock["torch"] == "2.14.1" and lock["torchvision"] == "0.29.1"  # the releases on the build machines' disk
    for requirement in _requirements(*SETUP_EXTRAS):
        name = canonicalize_name(requirement.name)
        assert name in lock, f"constraints.txt: {name} is not locked"
        assert requirement.specifier.contains(lock[name], prereleases=True), f"{name}=={lock[name]} vs {requirement}"


def test_environment_yml_pins_the_locked_versions_of_the_direct_requirements():
    text = (REPO / "environment.yml").read_text()
    listed = _pins(re.findall(r"^\s+- (\S+==\S+)\s*$", text, re.M))
    lock = _file_pins("constraints.txt")
    direct = {canonicalize_name(r.name) for r in _requirements(*SETUP_EXTRAS)}
    assert set(listed) == direct
    assert listed == {name: lock[name] for name in listed}
    assert "- python=3.11" in text and f"- -e .[{','.join(SETUP_EXTRAS)}]" in text


def test_the_minimum_constraints_are_the_lower_bounds_of_the_core():
    minimum = _file_pins("constraints-minimum.txt")
    bounds = {canonicalize_name(r.name): next(iter(r.specifier)).version for r in _requirements()}
    assert {name: minimum[name] for name in bounds} == bounds
    assert set(minimum) - set(bounds) == {"pytest", "hypothesis"}  # the test runner, at the lock's versions
    lock = _file_pins("constraints.txt")
    assert {name: lock[name] for name in ("pytest", "hypothesis")} == {n: minimum[n] for n in ("pytest", "hypothesis")}


def test_make_setup_installs_with_the_lock_and_reinstalls_when_it_changes():
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^\$\(STAMP\): pyproject\.toml constraints\.txt$", makefile, re.M)
    assert "pip install --quiet -c constraints.txt -e '.[$(EXTRAS)]'" in makefile
    assert re.search(rf"^EXTRAS := {','.join(SETUP_EXTRAS)}$", makefile, re.M)


def test_ci_runs_the_minimum_versions():
    """`make test-minimum` is a target (its own venv, reinstalled when the minimums change) that CI runs."""
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^\$\(MIN_STAMP\): pyproject\.toml constraints-minimum\.txt$", makefile, re.M)
    assert "-c constraints-minimum.txt -e ." in makefile
    assert re.search(r"^test-minimum: \$\(MIN_STAMP\)$", makefile, re.M)
    assert re.search(r"^make test-minimum$", (REPO / ".ci" / "run").read_text(), re.M)
    assert "run: make test-minimum" in (REPO / ".github" / "workflows" / "book.yml").read_text()


@pytest.mark.slow
def test_the_wheel_metadata_has_ranges_and_no_book_toolchain_in_the_core(tmp_path):
    """Builds the wheel (setuptools, no build isolation: a few seconds offline) from a copy of the sources."""
    pytest.importorskip("setuptools")
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(REPO / "lib", source / "lib", ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(tmp_path),
         str(source)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("humanlike-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = email.message_from_bytes(archive.read(name))
        assert any(n.startswith("humanlike/resources/") for n in archive.namelist())
    assert metadata["Requires-Python"] == ">=3.11"
    requires = [Requirement(r) for r in metadata.get_all("Requires-Dist")]
    core = [r for r in requires if r.marker is None]
    assert {canonicalize_name(r.name) for r in core} == {canonicalize_name(r.name) for r in _requirements()}
    assert all("==" not in str(r.specifier) and "<" not in str(r.specifier) for r in core)
    assert not BOOK_TOOLCHAIN & {canonicalize_name(r.name) for r in core}
    extras = set(metadata.get_all("Provides-Extra"))
    assert {"book", "lab", "test", "dask", "slurm", "timm"} <= extras
    book = {canonicalize_name(r.name) for r in requires if r.marker and r.marker.evaluate({"extra": "book"})}
    assert {"jupyter-book", "papermill", "altair", "jupytext", "ipywidgets", "vl-convert-python"} <= book
