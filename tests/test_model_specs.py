"""Any model file (issue 15): ``python:<path/to/file.py>:<callable>`` with relative paths in subfolders, absolute
paths and ``~``; ``python:<dotted.module>:<callable>`` with the current folder importable; a missing file or
callable named in the error."""

from __future__ import annotations

import csv
import json
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from humanlike import cli
from humanlike.errors import UnknownNameError
from humanlike.inference import models
from humanlike.inference.models import check_spec, load_model

NET = textwrap.dedent(
    """
    import torch
    from torch import nn

    from helper import WIDTH  # a sibling module: the file's folder is importable, as under `python net.py`


    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(15)
                self.conv = nn.Conv2d(3, WIDTH, 7, stride=8)
                self.fc = nn.Linear(WIDTH, 1000)

        def forward(self, x):
            return self.fc(self.conv(x).mean(dim=(2, 3)))


    def make(random_weights=False):
        return Tiny()
    """
)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A user's project folder, the current folder: sub/dir/net.py (+ helper.py) and a package mynets/; sys.path
    and sys.modules are restored afterwards."""
    root = tmp_path / "project"
    for folder in (root / "sub" / "dir", root / "mynets"):
        folder.mkdir(parents=True)
        (folder / "net.py").write_text(NET)
        (folder / "helper.py").write_text("WIDTH = 8\n")
    (root / "mynets" / "__init__.py").write_text("")
    (root / "mynets" / "net.py").write_text(NET.replace("from helper import", "from mynets.helper import"))
    monkeypatch.chdir(root)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(root))])
    yield root
    for name in [n for n in sys.modules if n == "helper" or n.startswith(("mynets", "humanlike_user_"))]:
        del sys.modules[name]


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_evaluate_a_file_in_a_subfolder_from_the_project_root(project, capsys):
    code = cli.main(["evaluate", "--model", "python:sub/dir/net.py:make", "--datasets", "edge", "--out", "out",
                     "--workers", "0"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    rows = _rows(project / "out" / "raw-data" / "edge" / "edge_make_session-1.csv")
    assert len(rows) == 160 and {r["subj"] for r in rows} == {"make"}
    provenance = json.loads((project / "out" / "provenance" / "edge" / "edge_make_session-1.json").read_text())
    assert provenance["spec"] == "python:sub/dir/net.py:make" and provenance["precision"] == "fp32"
    assert "make" in capsys.readouterr().out  # the summary table


def test_absolute_and_home_relative_paths(project, monkeypatch):
    relative = load_model("python:sub/dir/net.py:make")
    absolute = load_model(f"python:{project / 'sub' / 'dir' / 'net.py'}:make")
    monkeypatch.setenv("HOME", str(project.parent))
    home = load_model("python:~/project/sub/dir/net.py:make")
    digests = {models.state_dict_sha256(m.module) for m in (relative, absolute, home)}
    assert len(digests) == 1 and home.name == "make" and home.spec == "python:~/project/sub/dir/net.py:make"
    assert home.module(torch.zeros(1, 3, 224, 224)).shape == (1, 1000)
    assert check_spec("python:~/project/sub/dir/net.py:make") == "python:~/project/sub/dir/net.py:make"


def test_a_dotted_module_with_the_current_folder_importable(project):
    assert "" not in sys.path and str(project) not in sys.path  # as under the `humanlike` console script
    loaded = load_model("python:mynets.net:make")
    assert loaded.name == "make" and loaded.module(torch.zeros(2, 3, 64, 64)).shape == (2, 1000)
    assert sys.path[0] == str(project)


@pytest.mark.parametrize(
    "spec, named",
    [
        ("python:sub/dir/nothere.py:make", "no file sub/dir/nothere.py"),
        ("python:sub/dir/net.py:nothere", "'sub/dir/net.py' has no attribute 'nothere'"),
        ("python:mynets.net:nothere", "'mynets.net' has no attribute 'nothere'"),
        ("python:nomodule_q15.net:make", "cannot import 'nomodule_q15.net'"),
    ],
)
def test_a_missing_file_or_callable_is_named(project, capsys, spec, named):
    code = cli.main(["evaluate", "--model", spec, "--datasets", "edge", "--out", "out"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and named in err and spec in err
    assert not (project / "out" / "raw-data").exists()


def test_a_missing_file_is_refused_before_any_model_work(project):
    with pytest.raises(UnknownNameError, match=r"no file sub/nothere\.py \(/.*/project/sub/nothere\.py\)"):
        check_spec("python:sub/nothere.py:make")


@pytest.mark.parametrize(
    "spec",
    ["python:net.py", "python::make", "python:sub/dir/net.txt:make", "python:a b:make", "python:.py:make",
     "python:mynets.net:make()", "python:mynets..net:make"],
)  # fmt: skip
def test_malformed_python_specs(spec):
    with pytest.raises(UnknownNameError, match=r"must look like python:<module>:<callable> or "
                                               r"python:<path/to/file\.py>:<callable>"):  # fmt: skip
        check_spec(spec)


def test_python_target_splits_at_the_last_colon():
    assert models.python_target("python:C:/models/net.py:make") == ("C:/models/net.py", "make")
    assert models.python_target("python:../nets/v2.py:Factory.build") == ("../nets/v2.py", "Factory.build")
    assert models.default_name("python:sub/dir/net.py:make") == "make"
