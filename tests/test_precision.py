"""Fidelity first: fp32 with TF32 off by default on every device; bf16/fp16 only when asked, with their agreement
with fp32 measured on a fixed sample; device choice CUDA -> MPS -> CPU (issue 18; issue 15, Apple silicon)."""

from __future__ import annotations

import csv
import inspect
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from humanlike import cli
from humanlike.errors import HumanlikeError
from humanlike.inference import precision, run
from humanlike.inference.models import Model, paper_transform
from humanlike.inference.runs import Options

AIRPLANE, BEAR = 404, 294  # ImageNet classes of the 16-class table (resources/16-class-imagenet-indices.csv)


class Probe(nn.Module):
    """Records, at every forward pass, whether autocast is on and torch's fp32 math settings; answers ``airplane``
    in fp32 and, with ``flip``, ``bear`` under autocast (so every low-precision decision differs from fp32)."""

    def __init__(self, flip: bool = False):
        super().__init__()
        self.flip = flip
        self.scale = nn.Parameter(torch.ones(()))  # a weight, so the model has a state dict
        self.seen: list[dict] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        autocast = {kind: torch.is_autocast_enabled(kind) for kind in ("cpu", "cuda")}
        self.seen.append({"autocast": autocast, "dtype": x.dtype, "math": precision.fp32_math()})
        logits = torch.zeros(x.shape[0], 1000, dtype=torch.float32) * self.scale
        logits[:, BEAR if self.flip and any(autocast.values()) else AIRPLANE] = 30.0
        return logits


def _probe_model(flip: bool = False, name: str = "probe") -> Model:
    return Model(module=Probe(flip).eval(), transform=paper_transform(), spec=f"python:probes:{name}", name=name)


def _available(monkeypatch, backend, value: bool) -> None:
    """Stub ``backend.is_available()`` (torch.cuda, torch.backends.mps) to say ``value``. The stand-in keeps
    ``__wrapped__``: torch._dynamo, imported on first use, reads it from the real one."""
    check = backend.is_available
    stub = lambda *args, **kwargs: value  # noqa: E731
    stub.__wrapped__ = getattr(check, "__wrapped__", check)
    monkeypatch.setattr(backend, "is_available", stub)


def _provenance(out: Path, dataset: str, name: str) -> dict:
    return json.loads((out / "provenance" / dataset / f"{dataset}_{name}_session-1.json").read_text())


def _decisions(out: Path, dataset: str, name: str) -> dict[str, str]:
    with open(out / "raw-data" / dataset / f"{dataset}_{name}_session-1.csv", newline="") as f:
        return {row["imagename"]: row["object_response"] for row in csv.DictReader(f)}


@pytest.fixture
def gpu_here(monkeypatch):
    """Pretend torch sees a GPU (``cuda`` or ``mps``); the runner still puts the model on the CPU, so what the run
    chose for that GPU (device, precision, autocast, TF32) can be watched in the model's forward pass."""
    asked = []

    def pretend(kind: str):
        _available(monkeypatch, torch.cuda, kind == "cuda")
        monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
        _available(monkeypatch, torch.backends.mps, kind == "mps")

        class OnTheCpu(run._Runner):
            def __init__(self, model, device, precision):
                asked.append((device, precision))
                super().__init__(model, torch.device("cpu"), precision)

        monkeypatch.setattr(run, "_Runner", OnTheCpu)
        return asked

    return pretend


@pytest.fixture
def tf32_allowed_before():
    """TF32 allowed in torch's settings before the run (as a user's notebook may have it); restored afterwards."""
    matmul = torch.backends.cuda.matmul
    saved = matmul.fp32_precision
    matmul.fp32_precision = "tf32"
    yield
    matmul.fp32_precision = saved


# --------------------------------------------------------------------------------------------- fp32 by default
@pytest.mark.parametrize("gpu", ["cuda", "mps"])
def test_default_run_on_a_gpu_is_fp32_without_autocast_and_tf32_off(gpu, gpu_here, tf32_allowed_before, tmp_path):
    asked = gpu_here(gpu)
    model = _probe_model()
    report = run.evaluate_report(model, datasets=["edge"], out=tmp_path, limit=6, batch_size=4, workers=0,
                                 progress=False)  # fmt: skip
    assert report.computed == ["edge"] and report.agreement == {}
    assert asked == [(torch.device(gpu), "fp32")]  # auto picked the GPU, and fp32 for it
    seen = model.module.seen
    assert len(seen) == 2  # two batches, nothing run again (no agreement sample in fp32)
    for forward in seen:
        assert forward["autocast"] == {"cpu": False, "cuda": False} and forward["dtype"] == torch.float32
        assert set(forward["math"].values()) == {"ieee"}  # TF32 (and oneDNN's bf16/TF32 modes) off
        assert forward["math"]["cuda.matmul"] == "ieee" and forward["math"]["cudnn.conv"] == "ieee"
    assert torch.backends.cuda.matmul.fp32_precision == "tf32"  # the user's setting is back after the run
    info = _provenance(tmp_path, "edge", "probe")
    assert info["precision"] == "fp32" and info["tf32"] is False and info["agreement"] is None
    assert set(info["fp32_math"].values()) == {"ieee"}


def test_fp32_is_the_default_of_every_entry_point():
    assert inspect.signature(run.evaluate_report).parameters["precision"].default == "fp32"
    assert Options(datasets=("edge",), out="runs").precision == "fp32"
    args = cli.build_parser().parse_args(["evaluate", "--model", "resnet50"])
    assert (args.precision, args.device) == ("fp32", "auto")


def test_strict_fp32_switches_every_setting_off_and_back():
    switches = precision._fp32_switches()
    before = precision.fp32_math()
    with precision.strict_fp32():
        inside = precision.fp32_math()
        assert not precision.tf32_allowed(inside)
        assert inside == {name: strict for name, _read, _write, strict in switches}
    assert precision.fp32_math() == before
    assert precision.tf32_allowed({**inside, "cudnn.conv": "tf32"})


def test_help_says_the_defaults_and_the_agreement_figures(capsys):
    assert cli.main(["evaluate", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "fp32 (default): full precision with TF32 off" in text
    assert f"a fixed sample of {precision.AGREEMENT_SAMPLE} images per dataset" in text
    assert f"below {precision.AGREEMENT_THRESHOLD:.0%}" in text
    assert "auto (default): a CUDA GPU if torch sees one, else Apple silicon's GPU (mps), else the CPU" in text


# --------------------------------------------------------------------------------------------- low precision, measured
def test_measured_agreement_by_hand():
    record = precision.measured_agreement("bf16", ["a", "b", "c", "d"], ["cat", "dog", "car", "cat"],
                                          ["cat", "cat", "car", "cat"])  # fmt: skip
    assert (record["sampled"], record["equal"], record["share"], record["differing"]) == (4, 3, 0.75, ["b"])
    assert record["line"] == "bf16: 3 of 4 sampled decisions equal fp32 (75.0%)"
    assert precision.agreement_line("bf16", 251, 256) == "bf16: 251 of 256 sampled decisions equal fp32 (98.0%)"


def test_agreement_sample_is_fixed_and_spread():
    positions = precision.agreement_sample(1280)
    assert len(positions) == precision.AGREEMENT_SAMPLE == 256
    assert len(set(positions.tolist())) == 256 and (np.diff(positions) > 0).all()
    assert 0 <= positions[0] and positions[-1] < 1280
    assert positions[0] < 64 and positions[-1] > 1280 - 64  # drawn over the whole dataset, not its start
    assert (precision.agreement_sample(1280) == positions).all()
    assert precision.agreement_sample(160).tolist() == list(range(160))  # smaller datasets: every image


@pytest.mark.parametrize("flip, equal", [(True, 0), (False, 10)])
def test_low_precision_run_prints_and_stores_its_agreement(flip, equal, tmp_path, capsys):
    """Probe(flip=True) answers bear under autocast and airplane in fp32: 0 of 10 sampled decisions agree and the
    run warns; Probe(flip=False) answers airplane either way: 10 of 10, no warning."""
    model = _probe_model(flip)
    report = run.evaluate_report(model, datasets=["edge"], out=tmp_path, limit=24, batch_size=8, workers=0,
                                 precision="bf16", agreement_sample=10, progress=False)  # fmt: skip
    line = f"bf16: {equal} of 10 sampled decisions equal fp32 ({equal * 10:.1f}%)"
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"humanlike: note: probe (edge): {line}"
    if flip:
        assert len(err) == 2 and err[1].startswith("humanlike: warning: probe: bf16 decisions equal fp32 on fewer "
                                                   "than 99% of the sampled images (edge 0.0%)")  # fmt: skip
        assert "not be comparable with the published fp32 data" in err[1]
    else:
        assert len(err) == 1
    info = _provenance(tmp_path, "edge", "probe")
    assert info["precision"] == "bf16" and info["tf32"] is False
    agreement = info["agreement"]
    assert agreement["line"] == line and report.agreement["edge"]["line"] == line
    assert (agreement["sampled"], agreement["equal"], agreement["seed"]) == (10, equal, precision.AGREEMENT_SEED)
    names = list(_decisions(tmp_path, "edge", "probe"))
    sampled = [names[i] for i in precision.agreement_sample(24, 10)]
    assert agreement["differing"] == (sampled if flip else [])
    assert set(_decisions(tmp_path, "edge", "probe").values()) == {"bear" if flip else "airplane"}
    # the main pass ran under autocast, the sample in fp32 (10 images in 2 batches), TF32 off throughout
    passes = [forward["autocast"]["cpu"] for forward in model.module.seen]
    assert passes == [True] * 3 + [False] * 2
    assert all(set(forward["math"].values()) == {"ieee"} for forward in model.module.seen)


class TinyNet(nn.Module):
    """A small random-weight CNN (seeded): real numerics, where bf16 rounding may change some decisions."""

    def __init__(self):
        super().__init__()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(18)
            self.features = nn.Sequential(nn.Conv2d(3, 16, 5, stride=4), nn.ReLU(), nn.Conv2d(16, 32, 3, stride=2))
            self.fc = nn.Linear(32, 1000)

    def forward(self, x):
        return self.fc(self.features(x).mean(dim=(2, 3)))


def test_bf16_agreement_equals_the_comparison_with_an_fp32_run(tmp_path, capsys):
    """The recorded agreement is what comparing the bf16 CSV with an fp32 run's CSV on the sampled images gives."""
    model = Model(module=TinyNet().eval(), transform=paper_transform(), spec="python:tiny:net", name="tiny")
    options = {"datasets": ["edge"], "limit": 40, "batch_size": 16, "workers": 0, "progress": False}
    run.evaluate_report(model, out=tmp_path / "fp32", **options)
    assert capsys.readouterr().err == ""  # fp32: nothing to say
    run.evaluate_report(model, out=tmp_path / "bf16", precision="bf16", agreement_sample=20, **options)
    fp32, bf16 = _decisions(tmp_path / "fp32", "edge", "tiny"), _decisions(tmp_path / "bf16", "edge", "tiny")
    sampled = [list(bf16)[i] for i in precision.agreement_sample(40, 20)]
    differing = [name for name in sampled if bf16[name] != fp32[name]]
    agreement = _provenance(tmp_path / "bf16", "edge", "tiny")["agreement"]
    assert agreement["differing"] == differing and agreement["equal"] == 20 - len(differing)
    assert f"bf16: {20 - len(differing)} of 20 sampled decisions equal fp32" in capsys.readouterr().err


def test_a_finished_fp32_result_is_not_taken_for_a_bf16_one(tmp_path):
    options = {"datasets": ["edge"], "out": tmp_path, "limit": 4, "workers": 0, "progress": False}
    run.evaluate_report(_probe_model(), **options)
    with pytest.raises(HumanlikeError, match=r"different run \(precision: 'fp32' != 'bf16'\)"):
        run.evaluate_report(_probe_model(), precision="bf16", **options)
    assert run.evaluate_report(_probe_model(), **options).skipped == ["edge"]


# --------------------------------------------------------------------------------------------- devices
@pytest.mark.parametrize(
    "cuda, mps, expected", [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu"), (True, False, "cuda")]
)
def test_auto_device_takes_cuda_then_mps_then_the_cpu(cuda, mps, expected, monkeypatch):
    _available(monkeypatch, torch.cuda, cuda)
    _available(monkeypatch, torch.backends.mps, mps)
    assert precision.resolve_device("auto") == torch.device(expected)


def test_mps_is_accepted_and_runs_fp32(monkeypatch):
    _available(monkeypatch, torch.backends.mps, True)
    mps = precision.resolve_device("mps")
    assert mps == torch.device("mps")
    assert precision.resolve_precision("auto", mps) == "fp32" and precision.resolve_precision("fp32", mps) == "fp32"
    assert run.default_workers(mps) >= 1
    assert cli.build_parser().parse_args(["evaluate", "--model", "resnet50", "--device", "mps"]).device == "mps"


def test_mps_asked_for_where_there_is_none(monkeypatch, tmp_path, capsys):
    _available(monkeypatch, torch.backends.mps, False)
    with pytest.raises(HumanlikeError, match="no Apple GPU"):
        precision.resolve_device("mps")
    code = cli.main(["evaluate", "--model", "resnet18", "--random-weights", "--datasets", "edge", "--device", "mps",
                     "--out", str(tmp_path / "out")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1 and err == "humanlike: error: device 'mps' asked for, but torch sees no Apple GPU (MPS) here\n"
    assert not (tmp_path / "out").exists()


def test_auto_precision_is_the_devices_fastest_low_precision(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert precision.resolve_precision("auto", torch.device("cuda")) == "fp16"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert precision.resolve_precision("auto", torch.device("cuda")) == "bf16"
    assert precision.resolve_precision("auto", torch.device("cpu")) == "fp32"
