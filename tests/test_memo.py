"""The memo of `humanlike benchmark` / `shape-bias` output on the published data (humanlike.data.memo): a hit writes the
same bytes as a computed run, without pandas; any change to the files, the options or the entry means a
recomputation; names are still refused; a user's extra dir is never served from the memo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from humanlike import cli, data
from humanlike.data import memo, trials

EXPECTED = Path(__file__).parent / "data"
SMALL = ["--datasets", "edge", "--models", "resnet50"]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh user cache (XDG_CACHE_HOME) and no per-process memory of verified files; yields the memo folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    trials._verified.cache_clear()
    trials._VERIFIED.clear()
    yield memo.memo_dir()
    trials._verified.cache_clear()
    trials._VERIFIED.clear()


@pytest.fixture
def loads(monkeypatch) -> list:
    """Counts the loads of trials: a memo hit loads nothing."""
    calls: list = []
    real = data.load_trials

    def counting(*args, **kwargs):
        calls.append(kwargs.get("datasets"))
        return real(*args, **kwargs)

    monkeypatch.setattr(trials, "load_trials", counting)
    return calls


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    trials._verified.cache_clear()  # as in a new process: a file is trusted by its recorded stat, not by memory
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def edge_mirror(tmp_path, mirror) -> Path:
    """A mirror holding the published edge files only (copies: they can be touched and changed)."""
    target = tmp_path / "mirror"
    shutil.copytree(mirror / "raw-data" / "edge", target / "raw-data" / "edge")
    return target


# ------------------------------------------------------------------ hits
@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_hit_is_byte_identical_to_a_computed_run(cache, loads, capsys, fmt):
    code, computed, _ = _run(capsys, "benchmark", *SMALL, "--format", fmt)
    assert code == 0 and len(loads) == 1 and len(list(cache.glob("*.txt"))) == 1
    code, hit, err = _run(capsys, "benchmark", *SMALL, "--format", fmt)
    assert code == 0 and len(loads) == 1, "the second run is served from the memo"
    assert hit == computed and err == ""
    code, recomputed, _ = _run(capsys, "benchmark", *SMALL, "--format", fmt, "--recompute")
    assert code == 0 and len(loads) == 2, "--recompute computes again"
    assert recomputed == computed


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["benchmark", "--models", "resnet50", "--datasets", "edge", "cue-conflict", "colour"],
         "published_benchmark_models_datasets.csv"),
        (["shape-bias", "--models", "resnet50", "swag-vit-*"], "published_shape_bias_models.csv"),
    ],
)  # fmt: skip
def test_hit_gives_the_published_numbers(cache, loads, capsys, mirror, arguments, expected):
    # The expected files were printed before the trials cache and the memo existed (tests/test_trials_cache.py).
    for _ in ("computed", "memo"):
        assert _run(capsys, *arguments, "--mirror", str(mirror), "--format", "csv")[1] == (EXPECTED / expected).read_text()
    assert len(loads) == 1


@pytest.mark.slow  # seconds (a cluster, a subprocess, a model)
def test_hit_imports_no_pandas_and_matches_a_run_without_memo(tmp_path, mirror):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "HUMANLIKE_MIRROR": str(mirror)}
    command = [sys.executable, "-X", "importtime", "-m", "humanlike.cli", "benchmark"]
    runs = [subprocess.run(command + extra, capture_output=True, text=True, env=env, timeout=600)
            for extra in ([], [], ["--recompute"])]  # fmt: skip
    for run in runs:
        assert run.returncode == 0, run.stderr[-2000:]
    first, second, recomputed = runs

    def imported(run) -> set[str]:  # -X importtime: "import time: self | cumulative | name" on stderr
        names = [line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")]
        return {name.split(".")[0] for name in names}

    heavy = {"pandas", "numpy", "pyarrow", "torch"}
    assert heavy & imported(first) == {"pandas", "numpy", "pyarrow"}, "the first run computes (and the test sees it)"
    assert heavy & imported(second) == set()
    assert first.stdout == second.stdout == recomputed.stdout
    assert first.stdout.splitlines()[0].split()[0] == "model" and len(first.stdout.splitlines()) == 11  # 9 + humans


# ------------------------------------------------------------------ what invalidates
def test_a_touched_or_changed_mirror_file_is_not_served(cache, loads, capsys, edge_mirror):
    argv = ["benchmark", *SMALL, "--mirror", str(edge_mirror), "--format", "csv"]
    code, computed, _ = _run(capsys, *argv)
    assert code == 0 and _run(capsys, *argv)[1] == computed and len(loads) == 1
    # Same content, new mtime/ctime: the memo cannot vouch for it, so it is checked (hashed) and computed again.
    human = edge_mirror / "raw-data/edge/edge_subject-03_session_1.csv"
    os.utime(human, ns=(human.stat().st_atime_ns, human.stat().st_mtime_ns + 10**9))
    assert _run(capsys, *argv)[1] == computed and len(loads) == 2
    assert _run(capsys, *argv)[1] == computed and len(loads) == 2, "remembered again under the new stat"
    # Other content (one answer of a human observer changed): the normal path refuses the file.
    human.write_text(human.read_text().replace(",knife,", ",clock,", 1))
    code, out, err = _run(capsys, *argv)
    assert code == 1 and out == "" and str(human) in err and "checksum mismatch" in err
    assert len(loads) == 3


def test_a_missing_mirror_file_is_reported_not_served(cache, loads, capsys, edge_mirror):
    argv = ["benchmark", *SMALL, "--mirror", str(edge_mirror)]
    assert _run(capsys, *argv)[0] == 0
    (edge_mirror / "raw-data/edge/edge_subject-05_session_1.csv").unlink()
    code, out, err = _run(capsys, *argv)
    assert code == 1 and out == "" and "edge_subject-05_session_1.csv: missing from the mirror" in err


def test_a_stray_file_in_the_mirror_is_warned_about_on_every_run(cache, loads, capsys, edge_mirror):
    argv = ["benchmark", *SMALL, "--mirror", str(edge_mirror)]
    assert _run(capsys, *argv)[0] == 0
    stray = edge_mirror / "raw-data/edge/edge_mynet_session-1.csv"
    shutil.copy(edge_mirror / "raw-data/edge/edge_resnet50_session-1.csv", stray)
    for _ in range(2):
        code, _out, err = _run(capsys, *argv)
        assert code == 0 and f"{stray}: not a published file, ignored" in err
    assert len(loads) == 3


@pytest.mark.parametrize(
    "other",
    [
        ["benchmark", "--datasets", "edge", "--models", "bagnet33"],
        ["benchmark", "--datasets", "edge", "--models", "resnet5*"],  # the same selection, other words
        ["benchmark", "--datasets", "edge", "silhouette", "--models", "resnet50"],
        ["benchmark", *SMALL, "--format", "json"],
        ["shape-bias", "--models", "resnet50"],
    ],
)
def test_another_option_is_another_entry(cache, loads, capsys, other):
    _, first, _ = _run(capsys, "benchmark", *SMALL)
    code, second, _ = _run(capsys, *other)
    assert code == 0 and len(loads) == 2 and len(list(cache.glob("*.txt"))) == 2
    if other[-1] != "resnet5*":
        assert second != first


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),  # truncated
        lambda p: p.write_bytes(p.read_bytes().replace(b"resnet50", b"resnet51")),  # edited text
        lambda p: p.write_bytes(b""),  # empty
        lambda p: p.write_bytes(b"\xff\xfe" * 40),  # not text
    ],
    ids=["truncated", "edited", "empty", "binary"],
)
def test_a_damaged_entry_is_recomputed_and_rewritten(cache, loads, capsys, damage):
    _, computed, _ = _run(capsys, "benchmark", *SMALL)
    [entry] = cache.glob("*.txt")
    damage(entry)
    code, out, err = _run(capsys, "benchmark", *SMALL)
    assert code == 0 and out == computed and err == "" and len(loads) == 2
    assert _run(capsys, "benchmark", *SMALL)[1] == computed and len(loads) == 2, "rewritten, then served"


def test_an_unwritable_memo_is_not_an_error(cache, loads, capsys):
    cache.parent.mkdir(parents=True)
    cache.write_text("a file where the memo folder should be")
    for _ in range(2):
        code, out, err = _run(capsys, "benchmark", *SMALL)
        assert code == 0 and out.splitlines()[1].split()[0] == "resnet50" and err == ""
    assert len(loads) == 2


# ------------------------------------------------------------------ names, user files
@pytest.mark.parametrize(
    "argv, message",
    [
        (["benchmark", "--datasets", "edge", "--models", "resnet5"], "unknown model 'resnet5'"),
        (["benchmark", "--datasets", "edge", "fog", "--models", "resnet50"], "unknown dataset 'fog'"),
        (["shape-bias", "--datasets", "edge", "--models", "resnet50"], "cue-conflict dataset only"),
    ],
)
def test_unknown_names_exit_2_after_a_memo_exists(cache, capsys, argv, message):
    assert _run(capsys, "benchmark", *SMALL)[0] == 0
    assert _run(capsys, "shape-bias", "--models", "resnet50")[0] == 0
    for _ in range(2):
        code, out, err = _run(capsys, *argv)
        assert code == 2 and out == "" and message in err
    assert len(list(cache.glob("*.txt"))) == 2, "a failed run is never remembered"


def test_extra_dirs_are_read_and_checked_on_every_run(cache, loads, capsys, tmp_path, mirror):
    folder = tmp_path / "runs" / "raw-data" / "edge"
    folder.mkdir(parents=True)
    shutil.copy(mirror / "raw-data/edge/edge_resnet50_session-1.csv", folder / "edge_mynet_session-1.csv")
    (folder / "notes.txt").write_text("not a trials file")
    argv = ["benchmark", "--datasets", "edge", "--models", "mynet", "--extra-dir", str(tmp_path / "runs")]
    outputs = []
    for _ in range(2):
        code, out, err = _run(capsys, *argv)
        assert code == 0 and f"{folder / 'notes.txt'}: stray file in an extra dir" in err
        outputs.append(out)
    assert outputs[0] == outputs[1] and len(loads) == 2
    assert not cache.exists() or list(cache.glob("*.txt")) == []



def test_a_deleted_or_rebuilt_trials_cache_retires_the_memo(cache, loads, capsys, edge_mirror):
    """The memo is derived from the trials cache entries: deleting the cache (always safe) or rebuilding an entry
    retires it, so a wrong entry can never live on in the memo."""
    argv = ["benchmark", "--datasets", "edge", "--mirror", str(edge_mirror), "--format", "csv"]
    first = _run(capsys, *argv)
    assert _run(capsys, *argv) == first and len(loads) == 1  # served by the memo
    shutil.rmtree(cache.parent / "trials")
    assert _run(capsys, *argv) == first and len(loads) == 2  # computed again, entries rebuilt
    assert _run(capsys, *argv) == first and len(loads) == 2  # and remembered again
