"""Many models on Dask: a real LocalCluster writes the files of a sequential run; GPU tasks hold one GPU each."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator

import pytest
import torch

import humanlike.inference.runs as hdist
from humanlike.inference import runs
from humanlike.cli import main
from humanlike.errors import UnknownNameError

MODELS = ["torchvision:mobilenet_v3_small", "squeezenet1_1"]  # small, random weights: seconds each on a CPU


@contextlib.contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """torch computes on ``threads`` threads meanwhile, as a distributed run's worker does (float sums depend on
    how the cores split the work): for a sequential reference in this process."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)

USER_MODELS = """
def broken(random_weights=False):
    raise ValueError("checkpoint has 999 classes")
"""


def _files(out):
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.csv"))}


@pytest.mark.slow  # seconds (a cluster, a subprocess, a model)
def test_local_cluster_writes_the_files_of_a_sequential_run(tmp_path, monkeypatch, capsys, mirror):
    (tmp_path / "dask_user_models.py").write_text(USER_MODELS)
    monkeypatch.syspath_prepend(str(tmp_path))  # worker processes start with this process's sys.path
    # the sequential reference, with the torch threads each of the 2 local workers gets (float sums in the
    # probabilities depend on how the cores split the work)
    cores = len(os.sched_getaffinity(0))
    with torch_threads(max(1, cores // 2)):
        sequential_out = str(tmp_path / "sequential")
        options = runs.Options(datasets=("edge",), out=sequential_out, random_weights=True, progress=False)
        outcomes = runs.evaluate_models(MODELS, options)
    assert [o.ok for o in outcomes] == [True, True]

    def not_here(*args, **kwargs):
        raise AssertionError("a Dask run must evaluate in the worker processes, not in this one")

    out = tmp_path / "dask"
    with monkeypatch.context() as patched:  # workers import their own humanlike.inference.runs
        patched.setattr(hdist, "evaluate_model", not_here)
        code = main(["evaluate", "--models", *MODELS, "python:dask_user_models:broken", "--datasets", "edge",
                     "--random-weights", "--out", str(out), "--dask", "local:2"])  # fmt: skip
    stdout, err = capsys.readouterr()
    # the broken model fails on its own, the other two finish
    assert code == 1
    rows = [line.split()[:3] for line in stdout.splitlines()]
    assert rows == [["model", "done", "new"], ["mobilenet_v3_small", "1/1", "1"], ["squeezenet1_1-rerun", "1/1", "1"],
                    ["broken", "0/1", "0"]]  # fmt: skip
    assert stdout.splitlines()[3].endswith(
        "python:dask_user_models:broken: your model factory raised ValueError: checkpoint has 999 classes"
    )
    assert "Traceback" not in err
    # byte for byte: trials and probabilities
    sequential, distributed = _files(tmp_path / "sequential"), _files(out)
    assert sorted(distributed) == sorted(sequential) == [
        "probabilities/edge/edge_mobilenet_v3_small_session-1.csv",
        "probabilities/edge/edge_squeezenet1_1-rerun_session-1.csv",
        "raw-data/edge/edge_mobilenet_v3_small_session-1.csv",
        "raw-data/edge/edge_squeezenet1_1-rerun_session-1.csv",
    ]
    assert distributed == sequential
    for name in ("mobilenet_v3_small", "squeezenet1_1-rerun"):
        info = json.loads((out / "provenance" / "edge" / f"edge_{name}_session-1.json").read_text())
        assert info["n_images"] == 160 and info["random_weights"] is True
        assert info["torch_threads"] == max(1, cores // 2)  # the worker's share of the cores

    # resumable: a sequential run over the same folder finds both finished and writes nothing
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    again = runs.evaluate_models(MODELS, runs.Options(datasets=("edge",), out=str(out), random_weights=True,
                                                      progress=False))  # fmt: skip
    assert [(o.done, o.computed) for o in again] == [(["edge"], []), (["edge"], [])]
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == stamps


def test_each_task_holds_one_gpu_where_workers_declare_them(tmp_path, monkeypatch, mirror):
    """Two workers with two threads each but one GPU each: never two models at once on one worker."""
    import distributed

    spans, lock = [], threading.Lock()

    def evaluate_model(spec, name, options):
        start = time.perf_counter()
        time.sleep(0.3)
        with lock:
            spans.append((distributed.get_worker().address, start, time.perf_counter()))
        return runs.Outcome(spec, name, list(options.datasets), done=list(options.datasets))

    monkeypatch.setattr(hdist, "evaluate_model", evaluate_model)  # in-process workers (threads) use this one
    specs = ["resnet18", "squeezenet1_1", "alexnet", "vgg11_bn"]
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=2, processes=False, dashboard_address=None, resources={"GPU": 1}
    ) as cluster:
        options = runs.Options(datasets=("edge",), out=str(tmp_path), progress=False)
        outcomes = runs.evaluate_models(specs, options, dask=cluster.scheduler_address)
    assert [o.name for o in outcomes] == ["resnet18", "squeezenet1_1-rerun", "alexnet-rerun", "vgg11_bn"] and all(o.ok for o in outcomes)
    assert len(spans) == 4
    for worker in {address for address, _, _ in spans}:
        mine = sorted((start, end) for address, start, end in spans if address == worker)
        assert all(later[0] >= earlier[1] for earlier, later in zip(mine, mine[1:])), "two models shared a GPU"


@pytest.mark.parametrize(
    "address, parsed",
    [("local:3", ("local", 3)), ("tcp://10.0.0.5:8786", ("scheduler", "tcp://10.0.0.5:8786"))],
)
def test_dask_addresses(address, parsed):
    assert hdist.parse_address(address) == parsed


@pytest.mark.parametrize("address", ["local:", "local:-1", "10.0.0.5:8786", "http://x:8786", ""])
def test_bad_dask_addresses_are_usage_errors(address):
    with pytest.raises(UnknownNameError, match="--dask"):
        hdist.parse_address(address)


def test_missing_dask_is_one_line_before_any_work(monkeypatch, capsys, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed: importing it raises ImportError
    monkeypatch.setattr(runs, "evaluate_model", lambda *a: pytest.fail("a model was evaluated"))
    out = tmp_path / "out"
    code = main(["evaluate", "--models", *MODELS, "--datasets", "edge", "--out", str(out), "--dask", "local:2"])
    _, err = capsys.readouterr()
    assert code == 1
    assert err == (
        "humanlike: error: --dask: needs the optional packages dask and distributed: pip install 'humanlike[dask]'\n"
    )
    assert not out.exists()
