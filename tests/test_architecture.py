"""The package's house rules, read from its source: stages as folders, imports pointing down only, no circle, torch
only in the inference stage, modules of a readable size."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lib" / "humanlike"

#: The floors of the house, lowest first: a module may import from its own floor or below.
FLOORS: list[tuple[str, tuple[str, ...]]] = [
    ("shared", ("humanlike", "humanlike.errors", "humanlike.text", "humanlike.files", "humanlike.registry",
                "humanlike.startup")),
    ("data", ("humanlike.data",)),
    ("inference", ("humanlike.inference",)),
    ("analysis", ("humanlike.metrics", "humanlike.uncertainty", "humanlike.benchmark")),
    ("results", ("humanlike.results",)),
    ("charts", ("humanlike.charts",)),
    ("chapters", ("humanlike.params", "humanlike.explorer", "humanlike.cli")),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def floor_of(module: str) -> int:
    """The floor of a module: the longest prefix that names one."""
    best, level = -1, -1
    for index, (_name, prefixes) in enumerate(FLOORS):
        for prefix in prefixes:
            below = prefix != "humanlike" and module.startswith(prefix + ".")  # the root __init__ holds only __version__
            if (module == prefix or below) and len(prefix) > best:
                best, level = len(prefix), index
    assert level >= 0, f"{module} is on no floor: add it to FLOORS"
    return level


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The package modules a file imports, anywhere in it (inside functions too)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            # "from pkg import mod" imports the module pkg.mod; "from mod import name" imports mod
            targets = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in modules else stem for a in node.names]
        else:
            continue
        found |= {t for t in targets if t in modules and t != name}
    return found


def graph() -> dict[str, set[str]]:
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(f) for f in files}
    return {module_name(f): imports_of(f, modules) for f in files}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_graph_reader_sees_relative_and_function_level_imports(tmp_path):
    edges = graph()
    assert "humanlike.data.trials_cache" in edges["humanlike.data.trials"]  # from .trials_cache import ...
    assert "humanlike.inference.models" in edges["humanlike.params"]  # inside a function
    assert "humanlike.data" in edges["humanlike.results.common"]  # from .. import data


def test_cycle_finder_on_a_hand_made_graph():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle():
    assert cycles(graph()) == []


def test_imports_point_down_only():
    upward = [
        f"{source} ({FLOORS[floor_of(source)][0]}) imports {target} ({FLOORS[floor_of(target)][0]})"
        for source, targets in graph().items()
        for target in sorted(targets)
        if floor_of(target) > floor_of(source)
    ]
    assert upward == []


def test_torch_is_imported_only_by_the_inference_stage():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if module_name(path).startswith("humanlike.inference"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names] if isinstance(node, ast.Import)
                else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            )  # fmt: skip
            offenders += [f"{module_name(path)}: {n}" for n in names if n.split(".")[0] in ("torch", "torchvision")]
    assert offenders == []


def test_importing_the_analysis_path_loads_no_torch():
    code = (
        "import sys, humanlike.data.trials, humanlike.metrics, humanlike.benchmark, humanlike.results, "
        "humanlike.charts, humanlike.params, humanlike.explorer, humanlike.cli\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_readable(path):
    assert len(path.read_text().splitlines()) <= 750, f"{path.name}: split it by what it does"


def test_charts_load_altair_without_the_unused_iri_grammar():
    """Altair's jsonschema would import rfc3987_syntax (2 s compiling a grammar) in every chapter's kernel."""
    code = (
        "import sys, humanlike.charts, altair\n"
        "print('rfc3987_syntax' in sys.modules, sys.modules.get('rfc3987_syntax', 0) is None)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]  # not loaded, and not left blocked for others
