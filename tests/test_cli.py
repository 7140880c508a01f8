"""The command-line contract: columns, formats, extra dirs and exit codes."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from humanlike.cli import main

COLUMNS = "model,ood_accuracy,accuracy_difference,observed_consistency,error_consistency,mean_rank,n_datasets"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_benchmark_csv_on_two_datasets(capsys, mirror):
    code, out, _ = _run(capsys, "benchmark", "--mirror", str(mirror), "--datasets", "edge", "silhouette",
                        "--models", "resnet50", "bagnet33", "--format", "csv")
    assert code == 0
    assert out.splitlines()[0] == COLUMNS
    table = pd.read_csv(io.StringIO(out)).set_index("model")
    assert list(table.index) == ["resnet50", "bagnet33", "humans"]
    assert (table["n_datasets"] == 2).all()
    # full precision in csv: more than 3 decimals survive
    assert len(str(table.loc["resnet50", "error_consistency"]).split(".")[1]) > 3
    assert pd.isna(table.loc["humans", "mean_rank"])


def test_benchmark_counts_the_datasets_a_model_has(capsys, mirror, tmp_path):
    folder = tmp_path / "raw-data" / "edge"
    folder.mkdir(parents=True)
    shutil.copy(mirror / "raw-data/edge/edge_bagnet33_session-1.csv", folder / "edge_partial_session-1.csv")
    code, out, _ = _run(capsys, "benchmark", "--datasets", "edge", "silhouette", "--extra-dir", str(tmp_path),
                        "--models", "partial", "bagnet33", "--format", "json")
    assert code == 0
    rows = {row["model"]: row for row in json.loads(out)}
    assert rows["partial"]["n_datasets"] == 1 and rows["bagnet33"]["n_datasets"] == 2
    # the copy answers like bagnet33 on edge, so its edge-only accuracy is bagnet33's edge accuracy
    code, out, _ = _run(capsys, "benchmark", "--datasets", "edge", "--models", "bagnet33", "--format", "json")
    assert rows["partial"]["ood_accuracy"] == pytest.approx(json.loads(out)[0]["ood_accuracy"])


def test_shape_bias_rows(capsys, mirror):
    code, out, _ = _run(capsys, "shape-bias", "--models", "resnet50", "--format", "csv")
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == ["model", "shape_bias", "n_shape", "n_texture"]
    assert table["model"].tolist()[:2] == ["resnet50", "humans"]
    subjects = table[table["model"].str.startswith("subject-")]
    assert len(subjects) == 10
    humans = table.set_index("model").loc["humans"]
    assert humans["n_shape"] == subjects["n_shape"].sum()
    assert humans["shape_bias"] == pytest.approx(humans["n_shape"] / (humans["n_shape"] + humans["n_texture"]))


@pytest.mark.parametrize(
    "argv, message",
    [
        (["benchmark", "--models", "resnet5"], "unknown model 'resnet5'"),
        (["benchmark", "--datasets", "fog"], "unknown dataset 'fog'"),
        (["shape-bias", "--models", "nope*"], "unknown model 'nope*'"),
        # the spec is refused before anything else, even when most stimuli are missing (all 17 datasets asked)
        (["evaluate", "--model", "resnet5", "--out", "never-written"], "unknown model 'resnet5'"),
        (["evaluate", "--model", "torchvision:resnet5", "--out", "never-written"], "'resnet5'"),
    ],
)
def test_unknown_names_exit_2_with_one_line(capsys, argv, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_malformed_extra_file_exits_1_naming_it(capsys, mirror, tmp_path):
    folder = tmp_path / "raw-data" / "edge"
    folder.mkdir(parents=True)
    bad = folder / "edge_broken_session-1.csv"
    bad.write_text((mirror / "raw-data/edge/edge_resnet50_session-1.csv").read_text().replace("imagename", "image"))
    code, _, err = _run(capsys, "benchmark", "--datasets", "edge", "--extra-dir", str(tmp_path))
    assert code == 1
    assert str(bad) in err and "missing column(s) imagename" in err


def test_console_script_runs(mirror):
    result = subprocess.run(
        [sys.executable, "-m", "humanlike.cli", "benchmark", "--datasets", "sketch", "--models", "resnet50"],
        capture_output=True, text=True, check=True,
    )
    lines = result.stdout.splitlines()
    assert lines[0].split() == COLUMNS.split(",")
    assert lines[1].split()[0] == "resnet50" and lines[2].split()[0] == "humans"


# --------------------------------------------------------------------------------------------- the error contract
def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("humanlike: error: "), err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    "argv, message",
    [
        ([], "the following arguments are required: command"),
        (["benchmark", "--format", "xml"], "argument --format: invalid choice: 'xml'"),
        (["benchmark", "--bogus"], "unrecognized arguments: --bogus"),
        (["evaluate", "--datasets", "edge"], "one of the arguments --model --models --zoo is required"),
        (["evaluate", "--model", "resnet18", "--zoo", "paper"], "argument --zoo: not allowed with argument --model"),
        (["evaluate", "--zoo", "mine"], "argument --zoo: invalid choice: 'mine'"),
        (["evaluate", "--model", "resnet18", "--batch-size", "0"], "argument --batch-size: expected an integer >= 1"),
        (["evaluate", "--model", "resnet18", "--workers", "two"], "argument --workers: expected an integer >= 0"),
        (["evaluate", "--model", "resnet18", "--device", "tpu"], "argument --device: invalid choice: 'tpu'"),
        (["evaluate", "--models", "resnet18", "squeezenet1_1", "--name", "x"], "--name: names one model"),
        (["evaluate", "--models", "resnet18", "resnet5"], "unknown model 'resnet5'"),
        (["evaluate", "--model", "resnet18", "--name", "<b>x</b>"], "--name: bad model name '<b>x</b>': use letters, digits"),
        (["evaluate", "--models", "resnet18", "torchvision:resnet18"], "would both be written as 'resnet18'"),
        (["evaluate", "--model", "resnet18", "--datasets", "edge", "fog"], "unknown dataset(s) 'fog'"),
        (["evaluate", "--model", "resnet18", "--dask", "nowhere"], "--dask 'nowhere': expected the address"),
        (["evaluate", "--model", "resnet18", "--dask", "local:0"], "local:N needs at least one worker"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(capsys, argv, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == ""
    assert message in _one_error_line(err)
    assert list(tmp_path.iterdir()) == []  # nothing written, not even runs/


def test_out_in_the_way_is_a_usage_error(capsys, tmp_path):
    blocker = tmp_path / "runs"
    blocker.write_text("not a folder")
    code, _, err = _run(capsys, "evaluate", "--model", "resnet18", "--datasets", "edge", "--out", str(blocker / "x"))
    assert code == 2
    assert _one_error_line(err) == f"humanlike: error: {blocker / 'x'}: --out cannot be created: {blocker} is a file"


def test_unexpected_errors_are_one_line_and_the_traceback_is_opt_in(capsys, monkeypatch):
    from humanlike import benchmark

    def crash(*args, **kwargs):
        raise RuntimeError("CUDA error: an illegal memory access\nCompile with TORCH_USE_CUDA_DSA")

    monkeypatch.setattr(benchmark, "benchmark_table", crash)
    # --recompute: the memo of an earlier run (humanlike.data.memo) would answer without computing anything
    argv = ["benchmark", "--datasets", "edge", "--models", "resnet50", "--recompute"]
    code, out, err = _run(capsys, *argv)
    assert code == 1 and out == ""
    assert _one_error_line(err) == (
        "humanlike: error: benchmark: RuntimeError: CUDA error: an illegal memory access Compile with "
        "TORCH_USE_CUDA_DSA (HUMANLIKE_DEBUG=1 shows the traceback)"
    )
    monkeypatch.setenv("HUMANLIKE_DEBUG", "1")
    code, _, err = _run(capsys, *argv)
    assert code == 1 and "Traceback (most recent call last)" in err and "in crash" in err
    assert err.strip().splitlines()[-1].startswith("humanlike: error: benchmark: RuntimeError: CUDA error")


def test_os_errors_name_the_file_and_interrupts_exit_130(capsys, monkeypatch, tmp_path):
    from humanlike import benchmark

    def no_permission(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "cache.parquet"))

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(benchmark, "benchmark_table", no_permission)
    code, _, err = _run(capsys, "benchmark", "--datasets", "edge", "--recompute")
    line = _one_error_line(err)
    assert code == 1
    assert line.startswith(f"humanlike: error: benchmark: {tmp_path / 'cache.parquet'}: Permission denied")
    monkeypatch.setattr(benchmark, "benchmark_table", interrupted)
    code, _, err = _run(capsys, "benchmark", "--datasets", "edge", "--recompute")
    assert code == 130 and _one_error_line(err) == "humanlike: error: interrupted"


USER_MODELS = """
from torch import nn


def broken(random_weights=False):
    raise ValueError("checkpoint has 999 classes")


class NaNNet(nn.Module):
    def forward(self, x):
        return x.new_full((len(x), 1000), float("nan"))


def nan_net(random_weights=False):
    return NaNNet()
"""


@pytest.mark.slow  # seconds (a cluster, a subprocess, a model)
def test_failing_models_do_not_stop_the_others(capsys, tmp_path, monkeypatch, mirror):
    (tmp_path / "cli_user_models.py").write_text(USER_MODELS)
    monkeypatch.syspath_prepend(str(tmp_path))
    out = tmp_path / "out"
    argv = ["evaluate", "--models", "python:cli_user_models:broken", "squeezenet1_1", "python:cli_user_models:nan_net",
            "--datasets", "edge", "silhouette", "--random-weights", "--out", str(out)]
    code, stdout, err = _run(capsys, *argv)
    assert code == 1
    table = stdout.splitlines()
    assert table[0].split() == ["model", "done", "new", "failed"]
    assert table[1].split()[:4] == ["broken", "0/2", "0", "python:cli_user_models:broken:"]
    assert table[1].endswith("your model factory raised ValueError: checkpoint has 999 classes")
    assert table[2].split() == ["squeezenet1_1-rerun", "2/2", "2"]
    first_edge = mirror / "datasets" / "edge" / "airplane" / "airplane1.png"
    assert table[3].split()[:3] == ["nan_net", "0/2", "0"] and "edge: nan_net: the model gave NaN" in table[3]
    assert f"first for image {first_edge};" in table[3] and "silhouette: nan_net:" in table[3]
    errors = [line for line in err.splitlines() if line.startswith("humanlike: error: ")]
    assert [line.split()[2] for line in errors] == ["broken:", "nan_net:"] and "Traceback" not in err
    written = sorted(p.relative_to(out / "raw-data").as_posix() for p in (out / "raw-data").rglob("*.csv"))
    assert written == ["edge/edge_squeezenet1_1-rerun_session-1.csv", "silhouette/silhouette_squeezenet1_1-rerun_session-1.csv"]

    # resumable: the finished pairs are skipped (files untouched), the failing models are tried again
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    code, stdout, _ = _run(capsys, *argv)
    assert code == 1 and stdout.splitlines()[2].split() == ["squeezenet1_1-rerun", "2/2", "0"]
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == stamps


def test_zoo_paper_dispatches_the_papers_32_models(capsys, tmp_path, monkeypatch, mirror):
    from humanlike.inference import models, runs

    seen = []

    def record(spec, name, options):
        # stands in for the evaluation (32 real models need their weights): the dispatch is what is tested here
        seen.append((spec, name, options.datasets, options.out))
        failed = {"edge": "simulated failure"} if name == "MoCo" else {}
        return runs.Outcome(spec, name, list(options.datasets), done=[] if failed else ["edge"], failed=failed)

    monkeypatch.setattr(runs, "evaluate_model", record)
    code, stdout, err = _run(capsys, "evaluate", "--zoo", "paper", "--datasets", "edge", "--out", str(tmp_path))
    # a rerun of a model the data already name (published or third-party) is <name>-rerun (README)
    taken = {"alexnet", "squeezenet1_1", "densenet121", "resnet50", "resnet101", "resnet152", "simclr-resnet50x1"}
    names = [f"{n}-rerun" if n in taken else n for n in (*models.TORCHVISION_ZOO, "InsDis", "MoCo", "MoCoV2", "PIRL",
             "InfoMin", "simclr-resnet50x1", "simclr-resnet50x2", "simclr-resnet50x4")]
    assert sorted(name for _, name, _, _ in seen) == sorted(names) and len(seen) == 32
    assert {(d, o) for _, _, d, o in seen} == {(("edge",), str(tmp_path))}
    assert code == 1 and len(stdout.splitlines()) == 33
    assert [line for line in stdout.splitlines() if "simulated" in line][0].split()[:3] == ["MoCo", "0/1", "0"]
    assert [line for line in err.splitlines() if "error" in line] == ["humanlike: error: MoCo: simulated failure"]
    assert "[1/32] alexnet-rerun" in err  # progress, one line per model


def test_a_python_spec_that_cannot_be_imported_is_a_usage_error(capsys, tmp_path):
    code, stdout, err = _run(capsys, "evaluate", "--model", "python:no_such_module_h8:f", "--datasets", "edge",
                             "--random-weights", "--out", str(tmp_path / "out"))  # fmt: skip
    assert code == 2 and stdout.splitlines()[1].split()[:3] == ["f", "0/1", "0"]
    assert _one_error_line(err) == (
        "humanlike: error: f: bad spec 'python:no_such_module_h8:f': cannot import 'no_such_module_h8' "
        "(No module named 'no_such_module_h8')"
    )
    assert not (tmp_path / "out" / "raw-data").exists()
