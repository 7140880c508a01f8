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
    # two models: each is ranked first or second on every metric, and the ranks average to 1.5
    assert table.loc[["resnet50", "bagnet33"], "mean_rank"].mean() == pytest.approx(1.5)
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
