"""Project-level facts: environment.yml and pyproject.toml name the same pinned packages."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _pins(specs) -> dict[str, str]:
    pins = {}
    for spec in specs:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;]+)\s*", spec)
        if match:
            pins[match[1].lower()] = match[2]
    return pins


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = _pins(project["dependencies"] + project["optional-dependencies"]["test"])
    listed = _pins(re.findall(r"^\s+- ([^\s#]+==\S+)\s*$", (REPO / "environment.yml").read_text(), re.M))
    assert listed == wanted
    assert all(re.fullmatch(r"\S+==\S+", spec) for spec in project["dependencies"]), "dependencies are pinned"
