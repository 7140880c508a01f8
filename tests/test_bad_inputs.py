"""Hostile inputs (issue 8): every wrong input is refused with one clear line, nothing wrong is accepted silently.

Each case feeds one wrong input to an entry point and checks what the rules (README, "What the tool refuses")
promise, not what the code happens to do:

* the exit code: 2 for usage (an unknown name, a bad option or parameter value), 1 for bad data or a failed
  operation (a malformed or misnamed file, a directory that is not what it claims, a broken checkpoint);
* exactly one line ``humanlike: error: <file or parameter>: <what is wrong>`` naming the file or the parameter,
  no ``Traceback``, and nothing but ``humanlike: ...`` lines on stderr;
* nothing written or changed: the case's folder (extra dirs, ``--out``, a stimuli mirror) and the trials cache are
  snapshotted (path, size, mtime, sha256) before and after.

The command-line cases run the command line (``python -m humanlike.cli``'s main) each in a process of its own,
forked from one that has imported the package and torch (:class:`CliServer`), each with its own copy of a warmed
user cache (``XDG_CACHE_HOME``), several at a time to keep the file fast; a handful of tests start ``python``
itself. Archives and chapter parameters are checked through the functions the stimuli downloader and the chapters
call. The tiny CSVs are edits of the published ``edge``/``colour``/``cue-conflict`` ResNet-50 files of the mirror
(HUMANLIKE_MIRROR, tests/conftest.py).
"""

from __future__ import annotations

import hashlib
import html.parser
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import MIRROR, SESSION_DIR

ROOT = Path(__file__).resolve().parents[1]
LIB = Path(__import__("humanlike").__file__).resolve().parents[1]
RAW = MIRROR / "raw-data"
HEADER = "subj,session,trial,rt,object_response,category,condition,imagename"
#: The contract's form; what is named (the file, the parameter or its value) is checked case by case.
ERROR_LINE = re.compile(r"^humanlike: error: \S.*\S$")


def _published(dataset: str) -> list[str]:
    """The lines of the published ResNet-50 file of ``dataset`` (header first)."""
    return (RAW / dataset / f"{dataset}_resnet50_session-1.csv").read_text().splitlines()


def _edit(dataset: str, row: int, column: str, value: str, lines: list[str] | None = None) -> str:
    """The published file with one cell changed (``row`` 1 is the first trial)."""
    lines = list(lines or _published(dataset))
    cells = lines[row].split(",")
    cells[HEADER.split(",").index(column)] = value
    lines[row] = ",".join(cells)
    return "\n".join(lines) + "\n"


def _valid(dataset: str = "edge") -> str:
    return "\n".join(_published(dataset)) + "\n"


# ----------------------------------------------------------------------------------------------- snapshots
def snapshot(*roots: Path) -> dict[str, tuple]:
    """Every file and folder below ``roots``: path -> (size, mtime_ns, sha256) or "dir"."""
    state: dict[str, tuple] = {}
    for root in roots:
        if not root.exists():
            state[str(root)] = ("absent",)
            continue
        for path in sorted([root, *root.rglob("*")]):
            if path.is_symlink():
                state[str(path)] = ("link", os.readlink(path))
            elif path.is_dir():
                state[str(path)] = ("dir",)
            else:
                stat = path.stat()
                state[str(path)] = (stat.st_size, stat.st_mtime_ns, _sha256(path, stat))
    return state


_DIGESTS: dict[tuple, str] = {}


def _sha256(path: Path, stat: os.stat_result) -> str:
    """The file's sha256, computed once per inode and change time: the cases' caches are hard links to one warm
    cache (28,000 files hashed twice each, 3 s, otherwise), and any write to a file changes its ctime."""
    key = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _DIGESTS[key]


def check_one_line(stderr: str, *named: str, only: bool = True) -> str:
    """The one error line of ``stderr`` (asserted: one, in the contract's form, naming each of ``named``); with
    ``only``, nothing else but ``humanlike: ...`` lines (a model run also shows its progress and a summary)."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert not only or all(line.startswith("humanlike: ") for line in lines), f"stray output on stderr:\n{stderr}"
    errors = [line for line in lines if line.startswith("humanlike: error:")]
    assert len(errors) == 1, f"expected one error line:\n{stderr}"
    assert ERROR_LINE.match(errors[0]) or errors[0] == "humanlike: error: interrupted", errors[0]
    for name in named:
        assert name in errors[0], f"{name!r} not named in {errors[0]!r}"
    return errors[0]


# ----------------------------------------------------------------------------------------------- the runner
@dataclass
class Case:
    """One hostile input to the command line.

    args:    the command line after ``humanlike``; ``{d}`` is the case's folder.
    setup:   builds the case's files in its folder.
    code:    expected exit code; named: texts the error line must contain (``{d}`` formatted).
    warning: for accepted inputs (code 0): texts of the one ``warning``/``note`` line that must report them.
    """

    id: str
    args: list[str]
    code: int
    named: list[str] = field(default_factory=list)
    setup: Callable[[Path], None] | None = None
    env: dict[str, str] = field(default_factory=dict)
    warning: list[str] = field(default_factory=list)
    stdout_empty: bool = True
    absent: list[str] = field(default_factory=list)  # texts that must not appear on stderr (a usage block ...)


def _files(files: dict[str, str | bytes]) -> Callable[[Path], None]:
    def setup(d: Path) -> None:
        for relative, content in files.items():
            path = d / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)

    return setup


def _extra(name: str, content: str | bytes, dataset: str = "edge") -> Callable[[Path], None]:
    """An extra dir ``{d}/runs`` holding one trial file ``raw-data/<dataset>/<name>``."""
    return _files({f"runs/raw-data/{dataset}/{name}": content})


def _eval18(*options: str) -> list[str]:
    return ["evaluate", "--model", "resnet18", *options, "--out", "{d}/out"]


def _bench(dataset: str = "edge", *more: str) -> list[str]:
    return ["benchmark", "--datasets", dataset, "--extra-dir", "{d}/runs", *more]


EDGE = "{d}/runs/raw-data/edge/"
CSV_CONTENT = [
    # (id, dataset, content, texts named in the error line besides the file)
    ("binary-bytes", "edge", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", []),
    ("empty-file", "edge", "", []),
    ("header-only", "edge", HEADER + "\n", ["no trials"]),
    ("missing-imagename-column", "edge", _valid().replace("imagename", "image", 1), ["imagename"]),
    ("unknown-category", "edge", _edit("edge", 1, "category", "airplanes"), ["airplanes"]),
    ("unknown-response", "edge", _edit("edge", 1, "object_response", "jet"), ["jet"]),
    ("wrong-category-for-image", "edge", _edit("edge", 1, "category", "bear"), ["airplane1.png", "bear"]),
    ("image-not-in-dataset", "edge", _edit("edge", 1, "imagename", "airplane99.png"), ["airplane99.png"]),
    ("image-of-another-dataset", "edge",
     _edit("edge", 1, "imagename", "0001_ske_dnn_0_airplane_00_airplane-0001-sketch-0.png"), ["edge"]),
    ("duplicated-trial-number", "edge", _edit("edge", 2, "trial", "1"), ["trial 1"]),
    ("duplicated-image", "edge", _edit("edge", 2, "imagename", "airplane1.png"), ["airplane1.png"]),
    ("truncated-last-line", "edge", _valid()[: _valid().rindex(",NaN,")] + "\n", []),
    ("non-numeric-trial", "edge", _edit("edge", 3, "trial", "three"), ["trial"]),
    ("missing-trial-number", "edge", _edit("edge", 3, "trial", ""), ["trial"]),
    ("quoted-comma-response", "edge", _edit("edge", 1, "object_response", '"cat,dog"'), ["cat,dog"]),
    ("latin1-bytes", "edge", _edit("edge", 1, "imagename", "airplane1\xe9.png").encode("latin-1"), []),
    ("unknown-condition", "colour", _edit("colour", 1, "condition", "c99"), ["c99"]),
    ("condition-of-another-image", "colour", _edit("colour", 1, "condition", "bw"), ["bw"]),
    ("cue-conflict-texture-as-category", "cue-conflict", _edit("cue-conflict", 1, "category", "bicycle"),
     ["shape category", "bicycle"]),
]  # fmt: skip

FILE_NAMES = [
    # (id, file name in runs/raw-data/edge/, texts named besides the file)
    ("name-humans", "edge_humans_session-1.csv", ["humans"]),
    ("name-subject", "edge_subject-01_session-1.csv", ["subject-01"]),
    ("name-subject-any-number", "edge_subject-7_session-1.csv", ["subject-7"]),
    ("name-published-resnet50", "edge_resnet50_session-1.csv", ["resnet50", "published"]),
    ("name-published-swag", "edge_swag-vit-b16-in1k_session-1.csv", ["swag-vit-b16-in1k", "published"]),
    ("name-third-party-alexnet", "edge_alexnet_session-1.csv", ["alexnet", "third-party"]),
    ("name-third-party-dino", "edge_resnet50-dino_session-1.csv", ["resnet50-dino", "third-party"]),
    ("name-third-party-caffe", "edge_caffe-alexnet_session-1.csv", ["caffe-alexnet", "third-party"]),
    ("name-html", "edge_<img src=x onerror=alert(1)>_session-1.csv", ["<img src=x onerror=alert(1)>"]),
    ("name-quotes-ampersand", "edge_a&b\"c'_session-1.csv", []),
    ("name-space", "edge_my net_session-1.csv", ["my net"]),
    ("name-non-ascii", "edge_naïve_session-1.csv", ["naïve"]),
    ("name-empty-model-part", "edge__session-1.csv", ["empty model name"]),
    ("name-human-file-pattern", "edge_subject-01_session_1.csv", []),
    ("name-other-dataset-prefix", "sketch_mynet_session-1.csv", []),
    ("name-no-session-suffix", "edge_mynet.csv", []),
]

SLOW_MODEL = "python:hostile_models:interrupting"  # see _user_models

CASES: list[Case] = [
    # ------------------------------------------------------------------ usage: names and option values (exit 2)
    Case("bench-unknown-dataset", ["benchmark", "--datasets", "contrats"], 2, ["--datasets", "contrats"]),
    Case("bench-one-of-two-datasets-misspelt", ["benchmark", "--datasets", "edge", "silhouete"], 2, ["--datasets", "silhouete"]),
    Case("bench-unknown-model", ["benchmark", "--datasets", "edge", "--models", "resnet5"], 2, ["--models", "resnet5"]),
    Case("bench-glob-matching-nothing", ["benchmark", "--datasets", "edge", "--models", "zzz*"], 2, ["--models", "zzz*"]),
    Case("bench-humans-as-model", ["benchmark", "--datasets", "edge", "--models", "humans"], 2, ["--models", "humans"]),
    Case("bench-bad-format", ["benchmark", "--format", "xml"], 2, ["--format", "xml"]),
    Case("bench-unknown-option", ["benchmark", "--bootstrap", "10"], 2, ["--bootstrap"]),
    Case("bench-models-without-names", ["benchmark", "--models"], 2, ["--models"]),
    Case("no-subcommand", [], 2, []),
    Case("unknown-subcommand", ["benchmarks"], 2, ["benchmarks"]),
    Case("shape-bias-other-dataset", ["shape-bias", "--datasets", "edge"], 2, ["--datasets", "cue-conflict"]),
    Case("shape-bias-unknown-model", ["shape-bias", "--models", "resnet5"], 2, ["--models", "resnet5"]),
    Case("models-unknown-zoo", ["models", "--zoo", "mine"], 2, ["--zoo", "mine"]),
    Case("models-bad-format", ["models", "--format", "yaml"], 2, ["--format", "yaml"]),
    Case("eval-no-model", ["evaluate", "--datasets", "edge", "--out", "{d}/out"], 2, []),
    Case("eval-unknown-model", ["evaluate", "--model", "resnet51", "--out", "{d}/out"], 2, ["--model", "resnet51"]),
    Case("eval-unknown-torchvision-model", ["evaluate", "--model", "torchvision:resnet51", "--out", "{d}/out"], 2,
         ["resnet51"]),
    Case("eval-bad-python-spec", ["evaluate", "--model", "python:no module", "--out", "{d}/out"], 2,
         ["python:no module"]),
    Case("eval-python-module-missing", ["evaluate", "--model", "python:no_such_module_q7:f", "--datasets", "edge",
                                        "--random-weights", "--out", "{d}/out"], 2, ["no_such_module_q7"],
         stdout_empty=False),
    Case("eval-unknown-dataset", ["evaluate", "--model", "resnet18", "--datasets", "colours", "--out", "{d}/out"], 2,
         ["--datasets", "colours"]),
    Case("eval-name-html", ["evaluate", "--model", "resnet18", "--name", "<b>x</b>", "--out", "{d}/out"], 2,
         ["--name", "<b>x</b>"]),
    Case("eval-name-empty", ["evaluate", "--model", "resnet18", "--name", "", "--out", "{d}/out"], 2, ["--name"]),
    Case("eval-name-humans", ["evaluate", "--model", "resnet18", "--name", "humans", "--out", "{d}/out"], 2,
         ["--name", "humans"]),
    Case("eval-name-subject", ["evaluate", "--model", "resnet18", "--name", "subject-03", "--out", "{d}/out"], 2,
         ["--name", "subject-03"]),
    Case("eval-name-published", ["evaluate", "--model", "resnet18", "--name", "resnet50", "--out", "{d}/out"], 2,
         ["--name", "resnet50", "resnet50-rerun"]),
    Case("eval-name-third-party", ["evaluate", "--model", "alexnet", "--name", "alexnet", "--out", "{d}/out"], 2,
         ["--name", "alexnet", "alexnet-rerun"]),
    Case("eval-name-with-models", ["evaluate", "--models", "resnet18", "alexnet", "--name", "x", "--out", "{d}/out"],
         2, ["--name"]),
    Case("eval-batch-size-zero", _eval18("--batch-size", "0"), 2, ["--batch-size"]),
    Case("eval-batch-size-text", _eval18("--batch-size", "x"), 2, ["--batch-size"]),
    Case("eval-workers-negative", _eval18("--workers", "-1"), 2, ["--workers"]),
    Case("eval-precision", _eval18("--precision", "fp8"), 2, ["--precision", "fp8"]),
    Case("eval-device", _eval18("--device", "tpu"), 2, ["--device", "tpu"]),
    Case("eval-zoo", ["evaluate", "--zoo", "mine", "--out", "{d}/out"], 2, ["--zoo", "mine"]),
    Case("eval-dask-address", ["evaluate", "--model", "resnet18", "--datasets", "edge", "--dask", "ftp://x",
                               "--out", "{d}/out"], 2, ["ftp://x"]),
    Case("eval-out-is-a-file", ["evaluate", "--model", "resnet18", "--datasets", "edge", "--random-weights",
                                "--out", "{d}/afile"], 2, ["{d}/afile"], setup=_files({"afile": "x"})),
    Case("eval-out-below-a-file", ["evaluate", "--model", "resnet18", "--datasets", "edge", "--random-weights",
                                   "--out", "{d}/afile/runs"], 2, ["{d}/afile"], setup=_files({"afile": "x"})),
    # ------------------------------------------------------------------ failed operations (exit 1)
    Case("eval-out-not-writable", ["evaluate", "--model", "resnet18", "--datasets", "edge", "--random-weights",
                                   "--out", "/proc/humanlike-runs"], 1, ["/proc/humanlike-runs"]),
    Case("bench-mirror-missing", ["benchmark", "--datasets", "edge", "--mirror", "{d}/nowhere"], 1, ["{d}/nowhere"]),
    Case("bench-mirror-is-a-file", ["benchmark", "--datasets", "edge", "--mirror", "{d}/afile"], 1, ["{d}/afile"],
         setup=_files({"afile": "x"})),
    Case("bench-mirror-env-missing", ["benchmark", "--datasets", "edge"], 1, ["{d}/nowhere"],
         env={"HUMANLIKE_MIRROR": "{d}/nowhere"}),
    Case("eval-mirror-missing", ["evaluate", "--model", "resnet18", "--datasets", "edge", "--random-weights",
                                 "--mirror", "{d}/nowhere", "--out", "{d}/out"], 1, ["{d}/nowhere"]),
    Case("bench-mirror-not-a-mirror", ["benchmark", "--datasets", "edge", "--mirror", "{d}/empty"], 1, ["{d}/empty"],
         setup=lambda d: (d / "empty").mkdir()),
    Case("bench-mirror-file-changed", ["benchmark", "--datasets", "edge", "--mirror", "{d}/mirror"], 1,
         ["{d}/mirror/raw-data/edge/edge_resnet50_session-1.csv", "checksum"],
         setup=lambda d: _mirror_copy(d / "mirror") or _replace(d / "mirror/raw-data/edge/edge_resnet50_session-1.csv",
                                                                _edit("edge", 1, "object_response", "cat"))),
    Case("bench-extra-dir-is-the-mirror", ["benchmark", "--datasets", "edge", "--extra-dir", str(MIRROR)], 1,
         [str(MIRROR), "published"]),
    Case("eval-out-dangling-link", ["evaluate", "--model", "resnet18", "--datasets", "edge", "--random-weights",
                                    "--out", "{d}/link/runs"], 2, ["{d}/link"],
         setup=lambda d: (d / "link").symlink_to(d / "nowhere")),
    # ------------------------------------------------------------------ user trial files: content (exit 1)
    *[Case(f"csv-{cid}", _bench(dataset), 1, [f"{{d}}/runs/raw-data/{dataset}/{dataset}_mynet_session-1.csv", *named],
           setup=_extra(f"{dataset}_mynet_session-1.csv", content, dataset))
      for cid, dataset, content, named in CSV_CONTENT],
    Case("csv-shape-bias-texture-as-category", ["shape-bias", "--extra-dir", "{d}/runs"], 1,
         ["cue-conflict_mynet_session-1.csv", "bicycle"],
         setup=_extra("cue-conflict_mynet_session-1.csv", _edit("cue-conflict", 1, "category", "bicycle"),
                      "cue-conflict")),
    # ------------------------------------------------------------------ user trial files: names (exit 1)
    *[Case(f"file-{cid}", _bench(), 1, [EDGE + name, *named], setup=_extra(name, _valid()))
      for cid, name, named in FILE_NAMES],
    Case("file-unknown-dataset-folder", _bench(), 1, ["{d}/runs/raw-data/edges"],
         setup=_files({"runs/raw-data/edges/edges_mynet_session-1.csv": _valid()})),
    # ------------------------------------------------------------------ directories (exit 1)
    Case("dir-missing", _bench(), 1, ["{d}/runs"]),
    Case("dir-is-a-file", _bench(), 1, ["{d}/runs"], setup=_files({"runs": "x"})),
    Case("dir-without-raw-data", _bench(), 1, ["{d}/runs"], setup=_files({"runs/edge_mynet_session-1.csv": _valid()})),
    Case("dir-same-model-two-dirs-different", [*_bench(), "--extra-dir", "{d}/other"], 1,
         ["{d}/runs/raw-data/edge/edge_mynet_session-1.csv", "{d}/other/raw-data/edge/edge_mynet_session-1.csv"],
         setup=_files({"runs/raw-data/edge/edge_mynet_session-1.csv": _valid(),
                       "other/raw-data/edge/edge_mynet_session-1.csv": _edit("edge", 1, "object_response", "cat")})),
    Case("dir-same-model-two-dirs-other-datasets", ["benchmark", "--datasets", "edge", "silhouette", "--extra-dir",
                                                    "{d}/runs", "--extra-dir", "{d}/other"], 1, ["mynet"],
         setup=_files({"runs/raw-data/edge/edge_mynet_session-1.csv": _valid(),
                       "other/raw-data/silhouette/silhouette_mynet_session-1.csv": _valid("silhouette")})),
    # ------------------------------------------------------------------ accepted, but reported (exit 0)
    Case("report-empty-extra-dir", _bench(), 0, setup=lambda d: (d / "runs" / "raw-data").mkdir(parents=True),
         warning=["{d}/runs", "no trial file"], stdout_empty=False),
    Case("report-stray-file", _bench(), 0, setup=_files({"runs/raw-data/edge/edge_mynet_session-1.csv": _valid(),
                                                         "runs/raw-data/edge/notes.txt": "my notes"}),
         warning=[EDGE + "notes.txt", "stray"], stdout_empty=False),
    Case("report-folder-named-like-a-csv", _bench(), 0,
         setup=_files({"runs/raw-data/edge/edge_mynet_session-1.csv": _valid(),
                       "runs/raw-data/edge/edge_x_session-1.csv/README": "a folder, not a file"}),
         warning=[EDGE + "edge_x_session-1.csv", "stray"], stdout_empty=False),
    Case("report-stray-file-top", _bench(), 0, setup=_files({"runs/raw-data/edge/edge_mynet_session-1.csv": _valid(),
                                                             "runs/raw-data/README": "x"}),
         warning=["{d}/runs/raw-data/README", "stray"], stdout_empty=False),
    Case("report-dir-for-other-datasets", _bench(), 0,
         setup=_files({"runs/raw-data/sketch/sketch_mynet_session-1.csv": _valid("sketch")}),
         warning=["{d}/runs", "no trial file", "edge"], stdout_empty=False),
    Case("report-partial-coverage", _bench(), 0,
         setup=_extra("edge_mynet_session-1.csv", "\n".join(_published("edge")[:81]) + "\n"),
         warning=[EDGE + "edge_mynet_session-1.csv", "covers 80 of 160 images"], stdout_empty=False),
    Case("report-user-file-in-mirror", ["benchmark", "--datasets", "edge", "--mirror", "{d}/mirror"], 0,
         setup=lambda d: _mirror_copy(d / "mirror", extra={"raw-data/edge/edge_mynet_session-1.csv": _valid()}),
         warning=["{d}/mirror/raw-data/edge/edge_mynet_session-1.csv", "not a published file"], stdout_empty=False),
]  # fmt: skip


def _mirror_copy(target: Path, extra: dict[str, str] | None = None, stimuli: bool = False) -> None:
    """A mirror of links to the real one (raw-data per file, so files can be added), with ``extra`` files and,
    with ``stimuli``, a real copy of the edge images (to be damaged)."""
    target.mkdir(parents=True)
    for entry in MIRROR.iterdir():
        if entry.name not in ("raw-data", "datasets"):
            (target / entry.name).symlink_to(entry)
    for folder in (RAW).iterdir():
        (target / "raw-data" / folder.name).mkdir(parents=True)
        for path in folder.iterdir():
            (target / "raw-data" / folder.name / path.name).symlink_to(path)
    if stimuli:
        shutil.copytree(MIRROR / "datasets" / "edge", target / "datasets" / "edge")
    else:
        (target / "datasets").symlink_to(MIRROR / "datasets")
    _files(extra or {})(target)


def _replace(link: Path, content: str) -> None:
    """Put a file with ``content`` where the mirror copy has a link (a mirror file changed after publication)."""
    link.unlink()
    link.write_text(content)


def _stimuli_case(cid: str, damage: Callable[[Path], None], named: list[str]) -> Case:
    def setup(d: Path) -> None:
        _mirror_copy(d / "mirror", stimuli=True)
        damage(d / "mirror" / "datasets" / "edge")

    return Case(f"stimuli-{cid}", ["evaluate", "--model", "squeezenet1_0", "--random-weights", "--datasets", "edge",
                                   "--mirror", "{d}/mirror", "--out", "{d}/out"], 1, named, setup=setup)  # fmt: skip


CASES += [
    _stimuli_case("misfiled-image", lambda e: (e / "cat" / "cat1.png").rename(e / "dog" / "cat1.png"),
                  ["{d}/mirror/datasets/edge/dog/cat1.png", "'cat'"]),
    _stimuli_case("image-not-in-dataset", lambda e: shutil.copy(e / "cat" / "cat1.png", e / "cat" / "cat11.png"),
                  ["{d}/mirror/datasets/edge/cat/cat11.png"]),
    _stimuli_case("image-missing", lambda e: (e / "cat" / "cat1.png").unlink(), ["{d}/mirror/datasets/edge"]),
    _stimuli_case("image-twice", lambda e: (e / "cat" / "more").mkdir() or shutil.copy(e / "cat" / "cat1.png",
                                                                                        e / "cat" / "more"),
                  ["{d}/mirror/datasets/edge", "cat1.png"]),
    _stimuli_case("folder-not-a-category", lambda e: (e / "cat").rename(e / "kitten"),
                  ["{d}/mirror/datasets/edge/kitten"]),
]


# --------------------------------------------------------------------------- round two (issue 17): rules 4 to 10
def _with_column(name: str, value: str, dataset: str = "edge", rename: tuple[str, str] | None = None) -> str:
    """The published file with one more column ``name`` (every row ``value``), a header column renamed first."""
    lines = _published(dataset)
    header = lines[0] if rename is None else lines[0].replace(rename[0], rename[1], 1)
    return "\n".join([f"{header},{name}", *(f"{line},{value}" for line in lines[1:])]) + "\n"


def _csv_case(cid: str, content: str, named: list[str], dataset: str = "edge") -> Case:
    name = f"{dataset}_mynet_session-1.csv"
    return Case(f"csv-{cid}", _bench(dataset), 1, [f"{{d}}/runs/raw-data/{dataset}/{name}", *named],
                setup=_extra(name, content, dataset))


FORGED = "notes\nhumanlike: error: resnet50 results are forged.txt"
LONG = "x" * 200_000

CASES += [
    # rule 5: user CSVs
    _csv_case("column-twice", _with_column("trial", "5"), ["'trial'", "twice"]),
    _csv_case("column-twice-other-case", _with_column("session", "1", rename=("session", "Session")),
              ["session", "twice"]),
    _csv_case("column-twice-upper-case", _with_column("IMAGENAME", "x.png"), ["IMAGENAME", "twice"]),
    _csv_case("column-twice-spaces", _with_column(" category ", "cat"), ["category", "twice"]),
    _csv_case("trial-fraction", _edit("edge", 1, "trial", "1.5"), ["line 2", "trial", "1.5"]),
    _csv_case("trial-huge", _edit("edge", 1, "trial", "1e30"), ["line 2", "trial"]),
    _csv_case("trial-infinite", _edit("edge", 1, "trial", "inf"), ["line 2", "trial", "inf"]),
    _csv_case("trial-zero", _edit("edge", 1, "trial", "0"), ["line 2", "trial", "'0'"]),
    _csv_case("trial-negative", _edit("edge", 5, "trial", "-5"), ["line 6", "trial", "-5"]),
    _csv_case("trial-nan-text", _edit("edge", 3, "trial", "nan"), ["trial"]),
    _csv_case("condition-in-edge", _edit("edge", 1, "condition", "c99"), ["line 2", "c99", "edge"]),
    _csv_case("condition-of-colour-in-silhouette", _edit("silhouette", 1, "condition", "bw"), ["bw", "silhouette"],
              dataset="silhouette"),
    _csv_case("image-name-traversal", _edit("edge", 1, "imagename", "../../x.png"), ["'../../x.png'", "bare"]),
    _csv_case("image-name-absolute", _edit("edge", 1, "imagename", "/etc/airplane1.png"), ["/etc/airplane1.png"]),
    _csv_case("image-name-backslash", _edit("edge", 1, "imagename", "..\\airplane1.png"), ["bare file name"]),
    _csv_case("image-name-escape-sequence", _edit("edge", 1, "imagename", "airplane1\x1b[2J.png"),
              ["\\x1b[2J", "bare file name"]),
    _csv_case("field-200000-characters", _edit("edge", 1, "object_response", LONG),
              ["line 2", "object_response", "200000 characters"]),
    _csv_case("field-1001-characters", _edit("edge", 7, "subj", "s" * 1001), ["line 8", "subj", "1001 characters"]),
    _csv_case("field-long-category", _edit("edge", 1, "category", LONG), ["category", "200000 characters"]),
    _csv_case("header-long-column-name", _with_column("c" * 5000, "1"), ["line 1", "5000 characters"]),
    # rule 4: names are compared as a reader reads them (case, Unicode forms)
    *[Case(f"file-{cid}", _bench(), 1, [EDGE + name, *named], setup=_extra(name, _valid()))
      for cid, name, named in [
          ("name-Humans-capitalised", "edge_Humans_session-1.csv", ["'Humans'", "human observers"]),
          ("name-SUBJECT-upper", "edge_SUBJECT-01_session-1.csv", ["'SUBJECT-01'", "human observers"]),
          ("name-ResNet50-case", "edge_ResNet50_session-1.csv", ["'ResNet50'", "published", "'resnet50'"]),
          ("name-ALEXNET-upper", "edge_ALEXNET_session-1.csv", ["'ALEXNET'", "third-party"]),
          ("name-fullwidth-humans", "edge_Ｈｕｍａｎｓ_session-1.csv", ["Ｈｕｍａｎｓ"]),
      ]],
    Case("eval-name-Subject-capitalised", _eval18("--name", "Subject-01"), 2, ["--name", "'Subject-01'"]),
    Case("eval-name-HUMANS", _eval18("--name", "HUMANS"), 2, ["--name", "'HUMANS'"]),
    Case("eval-name-published-other-case", _eval18("--name", "ResNet50"), 2, ["--name", "'ResNet50'", "published"]),
    Case("eval-name-third-party-other-case", _eval18("--name", "Caffe-AlexNet"), 2,
         ["--name", "'Caffe-AlexNet'", "third-party"]),
    Case("eval-name-paper-model-of-another-spec", _eval18("--name", "MoCoV2"), 2, ["--name", "'MoCoV2'", "resnet18"]),
    Case("eval-name-paper-rerun-of-another-spec", _eval18("--name", "resnet50-rerun"), 2,
         ["--name", "'resnet50-rerun'", "'resnet50'"]),
    # rule 10: a name too long for a file name is refused before any work
    Case("eval-name-230-characters", _eval18("--name", "n" * 230), 2, ["--name", "too long"]),
    # rule 6: what comes from a file or a name is escaped before it reaches the terminal
    Case("file-name-forging-a-line", _bench(), 1, [EDGE + "edge_a\\nhumanlike: error: forged"],
         setup=_extra("edge_a\nhumanlike: error: forged_session-1.csv", _valid())),
    Case("file-name-escape-sequence", _bench(), 1, ["\\x1b]0;owned\\x07", "bad model name"],
         setup=_extra("edge_x\x1b]0;owned\x07_session-1.csv", _valid())),
    Case("extra-dir-name-with-newline", ["benchmark", "--datasets", "edge", "--extra-dir", "{d}/r\nhumanlike: ok"],
         1, ["{d}/r\\nhumanlike: ok"]),
    Case("bench-dataset-escape-sequence", ["benchmark", "--datasets", "edge\x1b[2J"], 2,
         ["--datasets", "edge\\x1b[2J"]),
    Case("eval-name-escape-sequence", _eval18("--name", "a\x1b[31mb"), 2, ["--name", "\\x1b[31m"]),
    Case("report-stray-file-forging-a-line", _bench(), 0,
         setup=_files({"runs/raw-data/edge/edge_mynet_session-1.csv": _valid(), f"runs/raw-data/edge/{FORGED}": "x"}),
         warning=[EDGE + "notes\\nhumanlike: error: resnet50", "stray"], stdout_empty=False),
    # rule 10: one cause, one warning (an unusable user cache)
    Case("report-cache-home-is-a-file", ["benchmark", "--datasets", "edge"], 0, setup=_files({"afile": "x"}),
         env={"XDG_CACHE_HOME": "{d}/afile"}, warning=["{d}/afile/humanlike/trials", "cannot write the trials cache"],
         stdout_empty=False),
    # shape bias on cue-conflict given twice is shape bias on cue-conflict; another dataset is still refused
    Case("shape-bias-cue-conflict-twice-and-edge", ["shape-bias", "--datasets", "cue-conflict", "cue-conflict",
                                                    "edge"], 2, ["--datasets", "cue-conflict"]),
]  # fmt: skip


# --------------------------------------------------------------------------- user models and checkpoints
USER_MODELS = '''
import os, signal
import torch
from torch import nn


class _Net(nn.Module):
    def __init__(self, value=0.0, interrupt=False, fail=False):
        super().__init__()
        self.value, self.interrupt, self.fail = value, interrupt, fail
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, x):
        if self.interrupt:  # as if the user pressed Ctrl-C during the run
            os.kill(os.getpid(), signal.SIGINT)
        if self.fail:
            raise RuntimeError("shape mismatch in my layer")
        return torch.full((x.shape[0], 1000), self.value) * self.scale


def nan_logits():
    return _Net(float("nan"))


def inf_logits():
    return _Net(float("inf"))


def interrupting():
    return _Net(interrupt=True)


def failing_forward():
    return _Net(fail=True)


def broken():
    raise ValueError("my factory is broken")


def not_a_model():
    return "a string"


def exits():
    import sys
    sys.exit(3)


def exits_quietly():
    raise SystemExit


def parses_arguments():
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", required=True)
    parser.parse_args()
    return _Net()


def _failing_transform(image):
    raise ValueError("my transform is broken")


def broken_transform():
    return _Net(), _failing_transform


def _exiting_transform(image):
    import sys
    sys.exit(5)


def exiting_transform():
    return _Net(), _exiting_transform


class _Exiting(_Net):
    def forward(self, x):
        import sys
        sys.exit(4)


def exiting_forward():
    return _Exiting()
'''


def _user_model_case(cid: str, factory: str, code: int, named: list[str], *options: str,
                     absent: list[str] | None = None) -> Case:
    args = ["evaluate", "--model", f"python:hostile_models:{factory}", *options, "--datasets", "edge", "--out",
            "{d}/out"]
    return Case(f"user-model-{cid}", args, code, named, setup=_files({"hostile_models.py": USER_MODELS}),
                env={"PYTHONPATH": "{d}"}, stdout_empty=code == 2, absent=absent or [])  # fmt: skip


CASES += [
    _user_model_case("nan-logits", "nan_logits", 1, ["nan_logits", "NaN", ".png"]),
    _user_model_case("inf-logits", "inf_logits", 1, ["inf_logits", "infinite", ".png"]),
    _user_model_case("factory-raises", "broken", 1, ["broken", "your model factory raised ValueError",
                                                     "my factory is broken"]),
    _user_model_case("forward-raises", "failing_forward", 1, ["failing_forward", "RuntimeError"]),
    _user_model_case("factory-returns-a-string", "not_a_model", 1, ["not_a_model"]),
    _user_model_case("interrupted", "interrupting", 130, ["interrupted"]),
    # rule 7: whatever the user's code raises, SystemExit and argparse's exit included, is theirs, exit 1
    _user_model_case("factory-sys-exit", "exits", 1, ["exits", "your model factory raised SystemExit: 3"]),
    _user_model_case("factory-raise-system-exit", "exits_quietly", 1, ["your model factory raised SystemExit"]),
    _user_model_case("factory-argparse-exit", "parses_arguments", 1,
                     ["your model factory raised SystemExit: 2", "--size"], absent=["usage:", "humanlike ..."]),
    _user_model_case("transform-raises", "broken_transform", 1,
                     ["your model transform raised ValueError", "my transform is broken", "airplane1.png"],
                     absent=["cannot read"]),
    _user_model_case("transform-sys-exit", "exiting_transform", 1, ["your model transform raised SystemExit: 5"]),
    _user_model_case("forward-sys-exit", "exiting_forward", 1, ["your model forward pass raised SystemExit: 4"]),
    # rule 4: a run named after one of the paper's models comes from that model's spec, or it is refused (usage)
    _user_model_case("named-as-paper-model", "failing_forward", 2, ["--name", "'InsDis'", "python:"], "--name",
                     "InsDis"),
    _user_model_case("named-as-paper-model-other-case", "failing_forward", 2, ["--name", "'insdis'", "'InsDis'"],
                     "--name", "insdis"),
    _user_model_case("named-as-paper-rerun", "failing_forward", 2, ["--name", "'alexnet-rerun'", "'alexnet'"],
                     "--name", "alexnet-rerun"),
]


def _checkpoint_case(cid: str, backbone: Callable[[], object] | bytes, named: list[str]) -> Case:
    """``evaluate --model InsDis`` with a malformed backbone file in the weights cache (and a valid classifier)."""

    def setup(d: Path) -> None:
        import torch

        weights = d / "xdg" / "humanlike" / "weights"
        weights.mkdir(parents=True)
        path = weights / "InsDis.pth"
        if isinstance(backbone, bytes):
            path.write_bytes(backbone)
        else:
            torch.save(backbone(), path)
        torch.manual_seed(0)
        torch.save({"classifier": {"weight": torch.randn(1000, 2048) * 0.01, "bias": torch.zeros(1000)}},
                   weights / "InsDis_classifier.pth")  # fmt: skip

    return Case(f"checkpoint-{cid}", ["evaluate", "--model", "InsDis", "--datasets", "edge", "--out", "{d}/out"], 1,
                ["{d}/xdg/humanlike/weights/InsDis.pth", *named], setup=setup, stdout_empty=False)  # fmt: skip


def _backbone(change: Callable[[dict], None] | None = None) -> Callable[[], dict]:
    """A PyContrast-format InsDis checkpoint (``{"model": {"module.encoder.<resnet50 key>": ...}}``), changed."""

    def build() -> dict:
        import torch
        import torchvision

        torch.manual_seed(0)
        state = {f"module.encoder.{k}": v for k, v in torchvision.models.resnet50().state_dict().items()
                 if not k.startswith("fc.")}  # fmt: skip
        if change:
            change(state)
        return {"model": state}

    return build


def _nan(state: dict) -> None:
    state["module.encoder.layer1.0.conv1.weight"][0, 0, 0, 0] = float("nan")


def _reshape(state: dict) -> None:
    state["module.encoder.conv1.weight"] = state["module.encoder.conv1.weight"][:32]


def _drop(state: dict) -> None:
    del state["module.encoder.layer4.2.bn3.weight"]


def _add(state: dict) -> None:
    import torch

    state["module.encoder.layer5.0.conv1.weight"] = torch.zeros(3)


def _text_value(state: dict) -> None:
    state["module.encoder.bn1.weight"] = "ones"


CASES += [
    _checkpoint_case("empty", b"", ["empty"]),
    _checkpoint_case("text", b"version https://git-lfs.github.com/spec/v1\n", ["not a PyTorch checkpoint"]),
    _checkpoint_case("html-page", b"<!DOCTYPE html><html>Dropbox - error</html>", ["not a PyTorch checkpoint"]),
    _checkpoint_case("list", lambda: [1, 2, 3], ["list"]),
    _checkpoint_case("bare-tensor", lambda: __import__("torch").zeros(3), ["tensor"]),
    _checkpoint_case("non-tensor-value", _backbone(_text_value), ["bn1.weight"]),
    _checkpoint_case("nan-weights", _backbone(_nan), ["layer1.0.conv1.weight", "NaN"]),
    _checkpoint_case("wrong-shape", _backbone(_reshape), ["conv1.weight"]),
    _checkpoint_case("missing-key", _backbone(_drop), ["layer4.2.bn3.weight"]),
    _checkpoint_case("unexpected-key", _backbone(_add), ["layer5.0.conv1.weight"]),
]


# ----------------------------------------------------------------------------------------------- fixtures
def _env(xdg: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "HUMANLIKE_DEBUG"}
    env.update({"HUMANLIKE_MIRROR": str(MIRROR), "XDG_CACHE_HOME": str(xdg), "TORCH_HOME": str(xdg / "torch"),
                "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"})  # fmt: skip
    env.update(extra or {})
    # the package this test imported, not whatever the environment's install points at
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(LIB), env.get("PYTHONPATH", "")]))
    return env


def humanlike(*args: str, xdg: Path, env: dict[str, str] | None = None, timeout: int = 300):
    """`python -m humanlike.cli ARGS` with the user cache ``xdg``: a process of its own, forked from the module's
    :class:`CliServer`; its exit code, stdout and stderr as :func:`subprocess.run` gives them."""
    with tempfile.TemporaryDirectory(prefix="humanlike-cli-") as folder:
        return cli_server().run({"cli": (list(args), _env(xdg, env))}, Path(folder), timeout=timeout)["cli"]


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory) -> Path:
    """A user cache holding the trials of the datasets the cases use (humans and the published models)."""
    xdg = tmp_path_factory.mktemp("warm") / "xdg"
    result = humanlike("benchmark", "--datasets", "edge", "colour", "cue-conflict", "sketch", "silhouette", xdg=xdg)
    assert result.returncode == 0, result.stderr
    return xdg


@dataclass
class Outcome:
    case: Case
    folder: Path
    result: subprocess.CompletedProcess
    before: dict
    after: dict


# Each command runs in a process of its own, forked from one that has imported the package, torch and pandas once
# (importing them takes most of a command's time): the child sets the command's environment, points stdin at
# /dev/null and stdout and stderr at files, and runs the command line's main(), as `python -m humanlike.cli` does;
# nothing is shared between commands but the imported modules. The server reads one batch of commands per line
# (JSON: the commands and how many may run at once) and answers with one line, the exit code of each (a command
# past its timeout is killed: code "timeout"). The tests that need a process of their own (a closed stdout,
# tools/build_book.py, a failed download) start `python` themselves.
DRIVER = r"""
import json, os, signal, sys, time, traceback
import torch, torchvision  # noqa: F401
import humanlike.cli, humanlike.data, humanlike.inference.run, humanlike.inference.runs, humanlike.inference.stimuli  # noqa: F401
import humanlike.data.validation, humanlike.inference.weights, humanlike.inference.zoo  # noqa: F401
import gc
gc.freeze()  # the children's collector leaves the imported objects alone: their pages stay shared (half the CPU)

def child(case):
    # Ctrl-C as in a terminal, even where this server was started with SIGINT ignored (a background job)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.environ.update(case["env"])
    sys.path[:0] = [p for p in case["env"].get("PYTHONPATH", "").split(os.pathsep) if p]
    for fd, path, flags in ((0, os.devnull, os.O_RDONLY), (1, case["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                            (2, case["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
        handle = os.open(path, flags, 0o644)
        os.dup2(handle, fd)
        os.close(handle)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
    try:
        code = humanlike.cli.main(case["args"])
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:  # what the interpreter would print for an exception escaping main()
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)

def run(cases, parallel):
    codes, running, waiting = {}, {}, list(cases)
    while waiting or running:
        while waiting and len(running) < parallel:
            case = waiting.pop(0)
            pid = os.fork()
            if pid == 0:
                child(case)
            running[pid] = (case["id"], time.monotonic() + case.get("timeout", 300))
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid:
            codes[running.pop(pid)[0]] = os.waitstatus_to_exitcode(status)
            continue
        for pid, (cid, deadline) in list(running.items()):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                codes[running.pop(pid)[0]] = "timeout"
        time.sleep(0.01)
    return codes

answers = os.fdopen(os.dup(1), "w")  # fd 1 itself is each child's to redirect
for line in sys.stdin:
    batch = json.loads(line)
    answers.write("codes: " + json.dumps(run(batch["cases"], batch["parallel"])) + "\n")
    answers.flush()
os._exit(0)  # the input closed: no interpreter teardown (seconds with torch loaded)
"""


class CliServer:
    """The process that forks one child per command (:data:`DRIVER`), started once per test module."""

    def __init__(self, folder: Path) -> None:
        self._log = folder / "server-stderr.txt"
        with self._log.open("w") as log:
            self._process = subprocess.Popen([sys.executable, "-c", DRIVER], stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT,
                                             env=_env(folder / "xdg"))  # fmt: skip

    def run(self, commands: dict[str, tuple[list[str], dict[str, str]]], output: Path, *, parallel: int = 1,
            timeout: int = 300) -> dict[str, subprocess.CompletedProcess]:
        """Run ``commands`` (id -> the command line after ``humanlike``, its environment), ``parallel`` at a time,
        each for at most ``timeout`` seconds, their stdout and stderr written to ``output``/<id>.stdout and .stderr;
        the result of each by id, as :func:`subprocess.run` gives it."""
        assert self._process.stdin and self._process.stdout
        jobs = [{"id": cid, "args": args, "env": env, "timeout": timeout, "stdout": str(output / f"{cid}.stdout"),
                 "stderr": str(output / f"{cid}.stderr")} for cid, (args, env) in commands.items()]  # fmt: skip
        self._process.stdin.write(json.dumps({"cases": jobs, "parallel": parallel}) + "\n")
        self._process.stdin.flush()
        for line in self._process.stdout:
            if line.startswith("codes: "):
                codes = json.loads(line[len("codes: ") :])
                timed_out = [cid for cid, code in codes.items() if code == "timeout"]
                assert not timed_out, f"past their timeout: {timed_out}"
                return {job["id"]: subprocess.CompletedProcess(["humanlike", *job["args"]], codes[job["id"]],
                                                               Path(job["stdout"]).read_text(),
                                                               Path(job["stderr"]).read_text())
                        for job in jobs}  # fmt: skip
        raise AssertionError(f"the CLI server stopped:\n{self._log.read_text()[-3000:]}")

    def close(self) -> None:
        assert self._process.stdin
        self._process.stdin.close()
        self._process.wait(timeout=60)


_SERVER: list[CliServer] = []  # the module's one server, started by the first command


def cli_server() -> CliServer:
    if not _SERVER:
        _SERVER.append(CliServer(Path(tempfile.mkdtemp(prefix="cli-server-", dir=SESSION_DIR))))
    return _SERVER[0]


@pytest.fixture(scope="module", autouse=True)
def _stop_cli_server() -> Iterator[None]:
    yield
    while _SERVER:
        server = _SERVER.pop()
        server.close()
        shutil.rmtree(server._log.parent, ignore_errors=True)


@pytest.fixture(scope="module")
def outcomes(warm_cache, tmp_path_factory) -> dict[str, Outcome]:
    """Every CLI case, each in its own process (three at a time), with snapshots before and after."""
    base = tmp_path_factory.mktemp("cases")
    commands = {}
    for case in CASES:
        d = base / case.id
        d.mkdir()
        xdg = d / "xdg"
        shutil.copytree(warm_cache, xdg, copy_function=os.link)  # its own cache, its own verified files
        if case.setup:
            case.setup(d)
        env = _env(xdg, {k: v.replace("{d}", str(d)) for k, v in case.env.items()})
        commands[case.id] = ([a.replace("{d}", str(d)) for a in case.args], env)
    # once every folder is made (a new hard link changes its file's ctime, which would defeat _sha256's memo)
    before = {case.id: snapshot(*_watched(case, base / case.id)) for case in CASES}
    results = cli_server().run(commands, tmp_path_factory.mktemp("outputs"), parallel=3)
    return {case.id: Outcome(case, base / case.id, results[case.id], before[case.id],
                             snapshot(*_watched(case, base / case.id))) for case in CASES}  # fmt: skip


def _watched(case: Case, d: Path) -> list[Path]:
    """What a case must not change: its own files (extra dirs, mirror copies, --out) and the user cache (an
    accepted file may be cached)."""
    xdg = d / "xdg" / "humanlike"
    mine = [p for p in d.iterdir() if p.name != "xdg"]
    return [*mine, d / "out", xdg / "weights", *[xdg / "trials"] * (case.code != 0)]


# ----------------------------------------------------------------------------------------------- the CLI cases
def test_there_are_many_distinct_cases():
    ids = [c.id for c in CASES] + [a[0] for a in ARCHIVES] + [p[0] for p in PARAMETERS]
    assert len(ids) == len(set(ids)) and len(ids) >= 60


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_refused_or_reported(case: Case, outcomes):
    outcome = outcomes[case.id]
    result, d = outcome.result, str(outcome.folder)
    assert result.returncode == case.code, f"exit {result.returncode}:\n{result.stderr}"
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    for text in case.absent:
        assert text not in result.stderr, f"{text!r} on stderr:\n{result.stderr}"
    ours = [line for line in result.stderr.splitlines() if line.startswith("humanlike: ")]
    assert all(len(line) <= 500 and "\x1b" not in line for line in ours), "a line too long or not escaped"
    if case.code:
        check_one_line(result.stderr, *[n.replace("{d}", d) for n in case.named], only=case.stdout_empty)
    else:
        reports = [line for line in result.stderr.splitlines() if line.startswith(("humanlike: warning:",
                                                                                   "humanlike: note:"))]  # fmt: skip
        assert not [line for line in result.stderr.splitlines() if line.startswith("humanlike: error")]
        wanted = [w.replace("{d}", d) for w in case.warning]
        matching = [line for line in reports if all(w in line for w in wanted)]
        assert len(matching) == 1, f"expected one line reporting {wanted}:\n{result.stderr}"
    if case.stdout_empty:
        assert result.stdout == ""
    assert outcome.after == outcome.before, "a refused input changed files"


def test_interrupted_run_leaves_no_result(outcomes):
    outcome = outcomes["user-model-interrupted"]
    assert outcome.result.stderr.splitlines()[-1] == "humanlike: error: interrupted"
    out = outcome.folder / "out"
    assert not [p for p in out.rglob("*") if p.is_file() and "partial" not in p.parts]  # no result, no orphan


def test_accepted_inputs_still_count(outcomes):
    """The reported-but-accepted cases did reach the table: the partial model is in it, the stray file is not."""
    partial = outcomes["report-partial-coverage"].result.stdout
    assert re.search(r"^\s*mynet\s", partial, re.M)
    stray = outcomes["report-stray-file"].result.stdout
    assert re.search(r"^\s*mynet\s", stray, re.M) and "notes" not in stray


# ----------------------------------------------------------------------------------------------- same model twice
@pytest.fixture(scope="module")
def two_dirs(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("twice")
    _files({f"{name}/raw-data/edge/edge_mynet_session-1.csv": _valid() for name in "ab"})(d)
    return d


@pytest.mark.parametrize("dirs", [["a", "b"], ["a", "a"], ["a", "./a"]], ids=["identical-copies", "one-dir-twice",
                                                                                 "one-dir-two-spellings"])
def test_one_source_given_twice_counts_once(two_dirs, warm_cache, tmp_path, dirs):
    xdg = tmp_path / "xdg"
    shutil.copytree(warm_cache, xdg, copy_function=os.link)
    args = [a for name in dirs for a in ("--extra-dir", str(two_dirs / name) if "./" not in name
                                         else str(two_dirs) + "/./a")]  # fmt: skip
    result = humanlike("benchmark", "--datasets", "edge", "--format", "csv", *args, xdg=xdg)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    models = [line.split(",")[0] for line in result.stdout.splitlines()[1:]]
    assert models.count("mynet") == 1
    # never merged: the single mynet row equals resnet50's (the same trials), so nothing was counted twice
    rows = {line.split(",")[0]: line.split(",")[1:] for line in result.stdout.splitlines()[1:]}
    assert rows["mynet"] == rows["resnet50"]


# ----------------------------------------------------------------------------------------------- reruns of the zoo
@pytest.fixture(scope="module")
def paper_runs(tmp_path_factory, warm_cache) -> Path:
    """What `make paper` writes, in small: two of the paper's models (random weights) evaluated on edge (the
    ShuffleNet: the zoo's cheapest network, to keep the test quick)."""
    out = tmp_path_factory.mktemp("paper") / "runs"
    result = humanlike("evaluate", "--models", "resnet50", "shufflenet_v2_x0_5", "--random-weights", "--datasets", "edge",
                       "--batch-size", "32", "--out", str(out), xdg=warm_cache)  # fmt: skip
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    return out


def test_reruns_of_published_models_get_their_own_name_and_are_accepted(paper_runs, warm_cache, tmp_path):
    # resnet50 is a published (and third-party) name: its rerun is resnet50-rerun; the ShuffleNet is nobody's yet
    written = sorted(p.name for p in (paper_runs / "raw-data" / "edge").iterdir())
    assert written == ["edge_resnet50-rerun_session-1.csv", "edge_shufflenet_v2_x0_5_session-1.csv"]
    xdg = tmp_path / "xdg"
    shutil.copytree(warm_cache, xdg, copy_function=os.link)
    plain = humanlike("benchmark", "--datasets", "edge", "--format", "csv", xdg=xdg)
    both = humanlike("benchmark", "--datasets", "edge", "--format", "csv", "--extra-dir", str(paper_runs), xdg=xdg)
    assert both.returncode == 0 and both.stderr == "", both.stderr
    rows = {line.split(",")[0]: line for line in both.stdout.splitlines()[1:]}
    assert {"resnet50-rerun", "shufflenet_v2_x0_5", "resnet50"} <= set(rows)
    # the published resnet50 is untouched by its rerun: its row is the one of a run without the extra dir
    assert rows["resnet50"] in plain.stdout.splitlines()
    # the book step of `make paper` (extra_dirs=["runs/paper"]) accepts the folder and names the models
    from humanlike import params
    from humanlike.results import third_party as zoo

    checked = params.chapter(extra_dirs=[str(paper_runs)], models=["resnet50-rerun", "shufflenet_v2_x0_5", "resnet50"])
    assert checked.models == ["resnet50-rerun", "shufflenet_v2_x0_5", "resnet50"]
    status = zoo.paper_zoo_status(own=["resnet50-rerun", "shufflenet_v2_x0_5"]).set_index("model")
    assert bool(status.at["resnet50", "own"]) and bool(status.at["shufflenet_v2_x0_5", "own"])
    assert status.at["resnet50", "status"].startswith("published data")
    assert "your runs" in status.at["resnet50", "status"]
    assert not bool(status.at["MoCo", "own"])


def test_a_rerun_refuses_a_taken_name_before_any_model_work(paper_runs, warm_cache, tmp_path):
    out = tmp_path / "out"
    result = humanlike("evaluate", "--model", "resnet50", "--name", "resnet50", "--random-weights", "--datasets",
                       "edge", "--out", str(out), xdg=warm_cache)  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    check_one_line(result.stderr, "--name", "'resnet50'", "resnet50-rerun")
    assert not out.exists()


def test_a_changed_finished_result_is_refused_with_how_to_redo_it(paper_runs, warm_cache, tmp_path):
    runs = tmp_path / "runs"
    shutil.copytree(paper_runs, runs)
    target = runs / "raw-data" / "edge" / "edge_shufflenet_v2_x0_5_session-1.csv"
    target.write_text(target.read_text().replace(",cat,", ",dog,", 1))  # one decision edited by hand
    before = snapshot(runs)
    result = humanlike("evaluate", "--model", "shufflenet_v2_x0_5", "--random-weights", "--datasets", "edge", "--out", str(runs),
                       xdg=warm_cache)  # fmt: skip
    assert result.returncode == 1
    line = check_one_line(result.stderr, str(target), "sha256", only=False)  # after the progress summary
    assert "--force" in line
    assert snapshot(runs) == before
    other = humanlike("evaluate", "--model", "shufflenet_v2_x0_5", "--datasets", "edge", "--out", str(runs),
                      xdg=warm_cache)  # the trained model under the name of a finished random-weights run  # fmt: skip
    assert other.returncode == 1
    check_one_line(other.stderr, "edge_shufflenet_v2_x0_5_session-1.csv", "different run", "random_weights", only=False)
    assert snapshot(runs) == before
    # and another model under the paper model's name is refused before anything is looked at
    moco = humanlike("evaluate", "--model", "mnasnet0_5", "--name", "shufflenet_v2_x0_5", "--random-weights", "--datasets", "edge",
                     "--out", str(runs), xdg=warm_cache)  # fmt: skip
    assert moco.returncode == 2 and moco.stdout == ""
    check_one_line(moco.stderr, "--name", "'shufflenet_v2_x0_5'", "'mnasnet0_5'")
    assert snapshot(runs) == before


# ----------------------------------------------------------------------------------------------- the trials cache
def test_validation_runs_on_reads_served_from_the_cache(warm_cache, tmp_path):
    """A valid file is cached; later the same bytes in an invalid context, or another file under the same name,
    are refused all the same (the cache stands for content checks only, never for names or the dataset)."""
    xdg = tmp_path / "xdg"
    shutil.copytree(warm_cache, xdg, copy_function=os.link)
    runs = tmp_path / "runs" / "raw-data"
    mine = runs / "edge" / "edge_mynet_session-1.csv"
    _files({"runs/raw-data/edge/edge_mynet_session-1.csv": _valid()})(tmp_path)
    first = humanlike("benchmark", "--datasets", "edge", "--extra-dir", str(tmp_path / "runs"), xdg=xdg)
    assert first.returncode == 0, first.stderr
    entries = sorted((xdg / "humanlike" / "trials").iterdir())

    def refused(*named: str) -> None:
        before = snapshot(tmp_path / "runs", xdg / "humanlike" / "trials")
        result = humanlike("benchmark", "--datasets", "edge", "--extra-dir", str(tmp_path / "runs"), xdg=xdg)
        assert result.returncode == 1 and result.stdout == ""
        check_one_line(result.stderr, *named)
        assert snapshot(tmp_path / "runs", xdg / "humanlike" / "trials") == before

    # 1. the cached bytes under a published model's name
    mine.rename(runs / "edge" / "edge_resnet50_session-1.csv")
    refused(str(runs / "edge" / "edge_resnet50_session-1.csv"), "published")
    # 2. ... under the human observers' name
    (runs / "edge" / "edge_resnet50_session-1.csv").rename(runs / "edge" / "edge_humans_session-1.csv")
    refused("edge_humans_session-1.csv", "humans")
    # 3. the cached bytes moved to another dataset (a cache key of their own, but the images are edge's)
    (runs / "edge" / "edge_humans_session-1.csv").unlink()
    _files({"runs/raw-data/sketch/sketch_mynet_session-1.csv": _valid()})(tmp_path)
    result = humanlike("benchmark", "--datasets", "sketch", "--extra-dir", str(tmp_path / "runs"), xdg=xdg)
    assert result.returncode == 1
    check_one_line(result.stderr, "sketch_mynet_session-1.csv", "sketch")
    # 4. the file under its cached name swapped for one with a wrong category (new content, new key)
    (runs / "sketch" / "sketch_mynet_session-1.csv").unlink()
    _files({"runs/raw-data/edge/edge_mynet_session-1.csv": _edit("edge", 1, "category", "bear")})(tmp_path)
    refused(str(mine), "bear")
    # 5. and the valid file again: served from the cache, accepted
    mine.write_text(_valid())
    again = humanlike("benchmark", "--datasets", "edge", "--extra-dir", str(tmp_path / "runs"), xdg=xdg)
    assert again.returncode == 0 and again.stdout == first.stdout
    assert sorted((xdg / "humanlike" / "trials").iterdir()) == entries  # no new entry for any refused file


# ----------------------------------------------------------------------------------------------- archives
def _tar(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for info, content in members:
            if content is not None:
                info.size = len(content)
            tar.addfile(info, io.BytesIO(content) if content is not None else None)
    return buffer.getvalue()


def _member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


_OK = (_member("edge/cat/cat1.png"), b"png")
ARCHIVES = [
    ("archive-path-traversal", _tar([_OK, (_member("edge/../../evil.txt"), b"x")]), "edge/../../evil.txt"),
    ("archive-absolute-path", _tar([_OK, (_member("/tmp/evil.txt"), b"x")]), "/tmp/evil.txt"),
    ("archive-symlink", _tar([_OK, (_member("edge/cat/link.png", tarfile.SYMTYPE, "/etc/passwd"), None)]),
     "edge/cat/link.png"),
    ("archive-hardlink", _tar([_OK, (_member("edge/cat/hard.png", tarfile.LNKTYPE, "edge/cat/cat1.png"), None)]),
     "edge/cat/hard.png"),
    ("archive-device", _tar([_OK, (_member("edge/cat/dev", tarfile.CHRTYPE), None)]), "edge/cat/dev"),
    ("archive-other-folder", _tar([_OK, (_member("silhouette/cat/cat1.png"), b"x")]), "silhouette/cat/cat1.png"),
    ("archive-no-dataset-folder", _tar([(_member("cat/cat1.png"), b"png")]), "cat/cat1.png"),
    ("archive-not-a-tar", b"<html>rate limit exceeded</html>", "tar"),
    ("archive-truncated", _tar([_OK])[:40], "tar"),
    ("archive-empty", b"", "tar"),
]  # fmt: skip


@pytest.mark.parametrize("cid, content, named", ARCHIVES, ids=[a[0] for a in ARCHIVES])
def test_archives_are_refused_and_nothing_extracted(tmp_path, cid, content, named):
    from humanlike.errors import StimuliError
    from humanlike.inference.stimuli import extract_archive

    archive = tmp_path / "edge.tar.gz"
    archive.write_bytes(content)
    dest = tmp_path / "stimuli"
    dest.mkdir()
    before = snapshot(tmp_path)
    with pytest.raises(StimuliError) as error:
        extract_archive(archive, "edge", dest)
    message = str(error.value)
    assert "\n" not in message and message.startswith(f"{archive}: ") and named in message
    assert snapshot(tmp_path) == before  # no dataset folder, no temporary folder, nothing outside


# ----------------------------------------------------------------------------------------------- chapter parameters
PARAMETERS = [
    # (id, keyword arguments of params.chapter, the parameter named)
    ("param-bootstrap-zero", {"bootstrap": 0}, "bootstrap"),
    ("param-bootstrap-negative", {"bootstrap": -1}, "bootstrap"),
    ("param-bootstrap-text", {"bootstrap": "x"}, "bootstrap"),
    ("param-bootstrap-float", {"bootstrap": 2.5}, "bootstrap"),
    ("param-bootstrap-huge", {"bootstrap": 10**9}, "bootstrap"),
    ("param-seed-float", {"seed": 1.5}, "seed"),
    ("param-seed-text", {"seed": "abc"}, "seed"),
    ("param-seed-negative", {"seed": -1}, "seed"),
    ("param-models-unknown", {"models": ["resnet5"]}, "models"),
    ("param-models-glob-nothing", {"models": ["zzz*"]}, "models"),
    ("param-models-html", {"models": ["<img src=x onerror=alert(1)>"]}, "models"),
    ("param-models-empty-list", {"models": []}, "models"),
    ("param-models-not-a-list", {"models": 3}, "models"),
    ("param-datasets-misspelt", {"datasets": ["edge", "contrats"]}, "datasets"),
    ("param-datasets-empty", {"datasets": []}, "datasets"),
    ("param-extra-dirs-missing", {"extra_dirs": ["/nonexistent/runs"]}, "extra_dirs"),
    ("param-extra-dirs-file", {"extra_dirs": [str(ROOT / "README.md")]}, "extra_dirs"),
    ("param-extra-dirs-not-results", {"extra_dirs": [str(ROOT / "book")]}, "extra_dirs"),
    ("param-bootstrap-bool", {"bootstrap": True}, "bootstrap"),
    ("param-models-humans", {"models": ["humans"]}, "models"),
    ("param-models-human-glob", {"models": ["subject-*"]}, "models"),
    ("param-models-other-case", {"models": ["ResNet50"]}, "models"),
    ("param-models-fullwidth", {"models": ["ｒｅｓｎｅｔ50"]}, "models"),
    ("param-models-escape-sequence", {"models": ["resnet50\x1b[2J"]}, "models"),
    ("param-extra-dirs-tilde-missing", {"extra_dirs": ["~/no-such-humanlike-folder-q7"]}, "extra_dirs"),
    ("param-datasets-other-case", {"datasets": ["Edge"]}, "datasets"),
]


@pytest.mark.parametrize("cid, kwargs, name", PARAMETERS, ids=[p[0] for p in PARAMETERS])
def test_chapter_parameters_are_refused_by_name(cid, kwargs, name):
    from humanlike import params

    with pytest.raises(params.ParameterError) as error:
        params.chapter(**kwargs)
    message = str(error.value)
    assert message.startswith(f"parameter {name}: ") and "\n" not in message
    assert error.value.parameter == name


# ----------------------------------------------------------------------------------------------- escaping
class _Text(html.parser.HTMLParser):
    """The text of an HTML fragment, and the tags in it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


HOSTILE_TEXT = [
    "<img src=x onerror=alert(1)>",
    "Tom & Jerry's \"best\" <b>model</b>",
    "a < b && c > d",
    "&lt;already escaped&gt; &amp;",
    "*not emphasis* _nor this_ `nor code` [no](link) {role}`x` $x$ | cell |",
    "<script>alert('x')</script>",
]


@pytest.mark.parametrize("value", HOSTILE_TEXT)
def test_chapter_text_renders_as_text(value):
    """What a chapter writes with humanlike.text, rendered by markdown-it (the parser MyST uses) with raw HTML
    allowed (as MyST allows it): the reader sees exactly the value, and no element comes from it."""
    from markdown_it import MarkdownIt

    from humanlike.text import html_text, md

    rendered = MarkdownIt("commonmark", {"html": True}).render(md("Model **{name}** wins.", name=value))
    parsed = _Text()
    parsed.feed(rendered)
    assert "".join(parsed.text).strip() == f"Model {value} wins."
    assert parsed.tags == ["p", "strong"]
    attribute = _Text()
    attribute.feed(f'<span title="{html_text(value)}">{html_text(value)}</span>')
    assert attribute.tags == ["span"] and "".join(attribute.text) == value


# ----------------------------------------------------------------------------------------------- round two (issue 17)
def test_one_cause_one_warning(outcomes):
    """An unusable user cache (XDG_CACHE_HOME is a file) is one cause: one warning, not one per cache entry."""
    stderr = outcomes["report-cache-home-is-a-file"].result.stderr
    assert len(stderr.splitlines()) == 1, stderr


def test_a_forged_line_stays_inside_its_warning(outcomes):
    """A stray file named with a newline and a humanlike error line: reported on one line, the newline escaped."""
    lines = outcomes["report-stray-file-forging-a-line"].result.stderr.splitlines()
    assert [line for line in lines if "forged" in line] == [line for line in lines if "stray" in line]
    assert not [line for line in lines if line.startswith("humanlike: error")]


@pytest.mark.parametrize("name, value, hint", [
    ("bootstap", "10", "did you mean 'bootstrap'?"),
    ("extra_dir", '["runs"]', "did you mean 'extra_dirs'?"),
    ("no_such_parameter", "1", "known: "),
])  # fmt: skip
def test_build_book_refuses_an_unknown_parameter_first(name, value, hint, tmp_path):
    """tools/build_book.py -p NAME VALUE with a name no chapter takes: one line, exit 1, before any work (papermill
    would run the chapter with the default)."""
    before = snapshot(ROOT / "book", ROOT / "_build" / "notebooks")
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "build_book.py"), "--only", "00", "-p", name, value],
                            capture_output=True, text=True, env=_env(tmp_path / "xdg"), timeout=300)  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()], result.stderr
    assert result.stderr.startswith(f"build_book: parameter {name}: unknown parameter of chapter 00")
    assert hint in result.stderr
    assert result.stdout == ""
    assert snapshot(ROOT / "book", ROOT / "_build" / "notebooks") == before


@pytest.mark.parametrize("text, named", [
    ("models: [resnet50", "not valid YAML at line 1"),
    ("- resnet50\n- alexnet", "expected a mapping"),
    ("just text", "expected a mapping"),
    ("{1: 2}", "expected a mapping"),
])  # fmt: skip
def test_build_book_yaml_parameters_one_line(text, named):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import build_book
    finally:
        sys.path.remove(str(ROOT / "tools"))
    with pytest.raises(build_book.BuildError) as error:
        build_book.parse_parameters([], [text])
    assert named in str(error.value) and "\n" not in str(error.value) and str(error.value).startswith("-y: ")


def test_parameter_names_suggest_the_close_one():
    from humanlike import params

    with pytest.raises(params.ParameterError) as error:
        params.parameter_names(["bootstap"], ["bootstrap", "seed"], "chapter 02")
    assert str(error.value) == ("parameter bootstap: unknown parameter of chapter 02; did you mean 'bootstrap'? "
                                "(known: bootstrap, seed)")  # fmt: skip
    params.parameter_names(["seed"], ["bootstrap", "seed"], "chapter 02")  # a known name passes


def test_tilde_is_expanded_where_it_is_checked(tmp_path, monkeypatch):
    """`~/runs` is checked and used as the same folder: the checked list holds the expanded path."""
    from humanlike import params

    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "runs" / "raw-data").mkdir(parents=True)
    assert params.directories("extra_dirs", ["~/runs"]) == [str(tmp_path / "runs")]


def test_a_closed_stdout_ends_quietly(warm_cache, tmp_path):
    """`humanlike benchmark >&-`: no AttributeError, nothing on stderr."""
    xdg = tmp_path / "xdg"
    shutil.copytree(warm_cache, xdg, copy_function=os.link)
    result = subprocess.run([sys.executable, "-m", "humanlike.cli", "benchmark", "--datasets", "edge"],
                            stdout=None, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=_env(xdg), timeout=300,
                            preexec_fn=lambda: os.close(1))  # fmt: skip
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_shape_bias_of_cue_conflict_named_twice_is_shape_bias_of_cue_conflict(warm_cache, tmp_path):
    xdg = tmp_path / "xdg"
    shutil.copytree(warm_cache, xdg, copy_function=os.link)
    once = humanlike("shape-bias", "--format", "csv", xdg=xdg)
    twice = humanlike("shape-bias", "--format", "csv", "--datasets", "cue-conflict", "cue-conflict", xdg=xdg)
    assert once.returncode == twice.returncode == 0 and twice.stderr == ""
    assert twice.stdout == once.stdout


SHARED_NAME_MODELS = '''
import torch
from torch import nn


class _Zero(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return torch.zeros(x.shape[0], 1000) * self.scale


def first():
    return _Zero()


def second():
    return _Zero()
'''


def test_one_writer_per_result_while_the_lock_is_held(warm_cache, tmp_path):
    """While another evaluation holds the result lock of a name in a folder (here: this test), a run of that name
    into that folder is refused with one line and writes nothing."""
    from humanlike.inference.outputs import result_lock

    (tmp_path / "shared_models.py").write_text(SHARED_NAME_MODELS)
    out = tmp_path / "O"
    with result_lock(out, "shared"):
        result = humanlike("evaluate", "--model", "python:shared_models:first", "--name", "shared", "--datasets",
                           "edge", "--out", str(out), xdg=warm_cache, env={"PYTHONPATH": str(tmp_path)})  # fmt: skip
    assert result.returncode == 1, result.stderr
    check_one_line(result.stderr, str(out), "'shared'", "another evaluation", only=False)
    assert not out.exists()


def test_two_runs_of_one_name_never_both_write(warm_cache, tmp_path):
    """Two models started together with --name shared --out O: one writes, the other is refused (or finds the
    result of a different run); never two "new" for one file."""
    (tmp_path / "shared_models.py").write_text(SHARED_NAME_MODELS)
    out = tmp_path / "O"
    env = _env(warm_cache, {"PYTHONPATH": str(tmp_path)})
    commands = {factory: (["evaluate", "--model", f"python:shared_models:{factory}", "--name", "shared",
                           "--datasets", "edge", "--out", str(out)], env) for factory in ("first", "second")}  # fmt: skip
    runs = list(cli_server().run(commands, tmp_path, parallel=2).values())  # two processes started together
    assert sorted(run.returncode for run in runs) == [0, 1], runs
    new = [run for run in runs if re.search(r"^shared\s+1/1\s+1\s*$", run.stdout, re.M)]
    assert len(new) == 1, runs
    refused = next(run.stderr for run in runs if run.returncode == 1)
    check_one_line(refused, "shared", only=False)
    written = sorted(p.name for p in (out / "raw-data" / "edge").iterdir())
    assert written == ["edge_shared_session-1.csv"]


def test_a_16_bit_copy_of_the_stimuli_gives_the_decisions_of_the_8_bit_originals(warm_cache, tmp_path):
    """Rule 8: images of more than 8 bits per channel are scaled, not clipped. The edge stimuli are black and white
    (clipping would not show), so the 8-bit originals here are grey: each edge image blurred, with every grey level
    between. Their 16-bit greyscale copies (v * 257) must give a random-weight model the very same input: the same
    160 decisions and probabilities (Pillow's own conversion clips: every grey above 1/257 would become white)."""
    import numpy as np
    from PIL import Image, ImageFilter

    originals, copies = tmp_path / "originals", tmp_path / "copies"
    for target in (originals, copies):
        _mirror_copy(target, stimuli=True)
    for path in (originals / "datasets" / "edge").rglob("*.png"):
        grey = Image.open(path).convert("L").filter(ImageFilter.GaussianBlur(3))
        grey.save(path)
        deep = np.asarray(grey).astype(np.uint16) * 257
        Image.fromarray(deep).save(copies / path.relative_to(originals))
    sample = next((copies / "datasets" / "edge").rglob("*.png"))
    assert Image.open(sample).mode == "I;16" and len(np.unique(np.asarray(Image.open(sample)))) > 2
    decisions, probabilities = [], []
    for source in (originals, copies):
        out = tmp_path / f"out-{len(decisions)}"
        result = humanlike("evaluate", "--model", "squeezenet1_1", "--random-weights", "--datasets", "edge",
                           "--mirror", str(source), "--out", str(out), xdg=warm_cache)  # fmt: skip
        assert result.returncode == 0, result.stderr
        (written,) = (out / "raw-data" / "edge").iterdir()
        decisions.append([line.split(",")[4] for line in written.read_text().splitlines()[1:]])
        # the 16 probabilities of every image: a random model's decisions may not move when its input does
        probabilities.append((out / "probabilities" / "edge" / written.name).read_text())
    assert len(decisions[0]) == 160 and decisions[1] == decisions[0]
    assert probabilities[1] == probabilities[0]  # the very same pixels reached the model


def test_a_failed_download_shows_humanlikes_line_only(tmp_path):
    """Rule 10: pooch's "Downloading data from ..." must not precede humanlike's one line (a closed local port
    stands for the unreachable server)."""
    script = ("from humanlike.data.trials import DataStore\n"
              f"DataStore(cache_dir={str(tmp_path)!r}, base_url='http://127.0.0.1:9').fetch("
              "'raw-data/edge/edge_resnet50_session-1.csv')\n")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT,
                            env=_env(tmp_path / "xdg"), timeout=120)  # fmt: skip
    assert result.returncode == 1
    *before, last = result.stderr.strip().splitlines()
    assert "Downloading" not in result.stderr
    assert last.startswith("humanlike.errors.DataFileError: raw-data/edge/edge_resnet50_session-1.csv: download")
    assert all(line.startswith(("Traceback", "  ")) for line in before)  # the interpreter's report, nothing else


def test_user_code_errors_are_the_users_in_the_library_too():
    """What chapter 5 calls (humanlike.inference): a python: model's SystemExit becomes one HumanlikeError line, the
    user's code sees no humanlike command line, and nothing of ours (a zoo model's error) is relabelled."""
    from humanlike.errors import HumanlikeError
    from humanlike.inference.loading import Images
    from humanlike.inference.run import user_code

    argv = list(sys.argv)
    with pytest.raises(HumanlikeError) as error:
        with user_code("python:m:f", "factory"):
            assert sys.argv == ["python:m:f"]
            print("usage: m [-h] --size SIZE", file=sys.stderr)
            raise SystemExit(2)
    assert str(error.value) == ("python:m:f: your model factory raised SystemExit: 2 after printing "
                                "'usage: m [-h] --size SIZE'")  # fmt: skip
    assert sys.argv == argv
    with pytest.raises(SystemExit):  # a zoo model: not user code, nothing changed
        with user_code("resnet18", "factory"):
            raise SystemExit(2)

    def transform(image):
        raise SystemExit(5)

    image = next((MIRROR / "datasets" / "edge").rglob("*.png"))
    assert Images([image], transform, split=False)[0] == (0, None, ("transform", "SystemExit: 5"))
    assert Images([ROOT / "README.md"], transform, split=False)[0][2][0] == "read"
