"""Stimuli (mirror, download, safe extraction) and evaluate(): CSV format, decisions, resume, errors."""

from __future__ import annotations

import csv
import functools
import http.server
import io
import json
import os
import stat
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from humanlike.inference import run as inference, stimuli
from humanlike.errors import DataFileError, HumanlikeError, StimuliError, UnknownNameError
from humanlike.inference.run import evaluate
from humanlike.inference.models import load_model

N = 32  # images per test run


# --------------------------------------------------------------------------------------------- helpers
def _read_raw_text(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _independent_decisions(logits: np.ndarray) -> np.ndarray:
    """The 16-class rule written out again from the packaged index table, without humanlike.inference.decisions."""
    from importlib import resources

    with resources.files("humanlike").joinpath("resources/16-class-imagenet-indices.csv").open() as f:
        rows = list(csv.DictReader(f))
    categories = sorted({r["category"] for r in rows})
    logits = logits.astype(np.float64)
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    means = np.stack(
        [probs[:, [int(r["imagenet_index"]) for r in rows if r["category"] == c]].mean(axis=1) for c in categories],
        axis=1,
    )
    return means, np.array(categories)[means.argmax(axis=1)]


@pytest.fixture(scope="module")
def run(tmp_path_factory, mirror):
    """A random-weight resnet18 on the first 32 cue-conflict images of the mirror."""
    out = tmp_path_factory.mktemp("run")
    chunks = []
    paths = evaluate(
        "resnet18", datasets=["cue-conflict"], out=out, device="cpu", batch_size=8, workers=1,
        random_weights=True, limit=N, chunk_size=16, on_chunk=lambda *a: chunks.append(a), progress=False,
    )  # fmt: skip
    return out, paths, chunks


@pytest.fixture
def shadow_mirror(tmp_path, mirror):
    """A mirror that shares raw-data with the real one and has its own (symlinked) cue-conflict images."""
    root = tmp_path / "mirror"
    root.mkdir()
    (root / "raw-data").symlink_to(mirror / "raw-data")
    for source in sorted((mirror / "datasets" / "cue-conflict").rglob("*.png")):
        target = root / "datasets" / "cue-conflict" / source.parent.name / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(source)
    return root


# --------------------------------------------------------------------------------------------- stimuli
def test_mirror_stimuli_match_the_published_model_files(mirror):
    for dataset, n in (("cue-conflict", 1280), ("edge", 160), ("silhouette", 160)):
        images = stimuli.load_stimuli(dataset, mirror=mirror)
        assert len(images) == n and images.source == "mirror"
        published = pd.read_csv(mirror / "raw-data" / dataset / f"{dataset}_resnet50_session-1.csv")
        # same images in the same trial order, same categories, condition NaN
        assert [s.imagename for s in images] == published["imagename"].tolist()
        assert [s.category for s in images] == published["category"].tolist()
        assert {s.condition for s in images} == {"NaN"}


def test_unknown_dataset(mirror):
    with pytest.raises(UnknownNameError, match="unknown dataset 'colours'"):
        stimuli.load_stimuli("colours", mirror=mirror)


def test_missing_stimuli_say_where_to_get_them(tmp_path, monkeypatch, mirror):
    monkeypatch.setattr(stimuli, "cache_dir", lambda: tmp_path / "cache")
    with pytest.raises(StimuliError) as info:
        stimuli.load_stimuli("colour", mirror=mirror, url="http://127.0.0.1:9/colour.tar.gz", progress=False)
    message = str(info.value)
    assert "http://127.0.0.1:9/colour.tar.gz" in message and "HUMANLIKE_MIRROR" in message
    assert str(tmp_path / "cache" / "colour") in message and "download failed" in message
    with pytest.raises(StimuliError, match=r"releases/download/v0\.1/colour\.tar\.gz"):
        stimuli.load_stimuli("colour", mirror=mirror, download=False)


def _png_bytes(colour=(120, 30, 200), size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _tar_gz(path: Path, members: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def http_root(tmp_path):
    root = tmp_path / "served"
    root.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_archive_download_extract_and_cache(http_root, tmp_path, mirror):
    """A parametric dataset as upstream ships it: colour/dnn/session-1/<model-side image name>."""
    root, url = http_root
    published = pd.read_csv(mirror / "raw-data" / "colour" / "colour_resnet50_session-1.csv", dtype=str)
    png = _png_bytes()
    members = {f"colour/dnn/session-1/{name}": png for name in published["imagename"]}
    _tar_gz(root / "colour.tar.gz", members)
    cache = tmp_path / "cache"
    # the mirror has colour's trials (for the check) but not its images
    images = stimuli.load_stimuli("colour", mirror=mirror, cache=cache, url=f"{url}/colour.tar.gz", progress=False)
    assert images.source == "download" and images.root == cache / "colour"
    assert [s.imagename for s in images] == published["imagename"].tolist()
    assert [s.category for s in images] == published["category"].tolist()
    assert [s.condition for s in images] == published["condition"].tolist()
    source = json.loads((cache / "colour" / ".source.json").read_text())
    assert source["url"].endswith("colour.tar.gz") and len(source["archive_sha256"]) == 64
    assert not list((cache / "archives").glob("*.tar.gz"))  # the archive is not kept
    assert [p.name for p in cache.iterdir() if p.name.startswith(".")] == []  # no temporary folders left
    # second time from the cache, without a server
    again = stimuli.load_stimuli("colour", mirror=mirror, cache=cache, url="http://127.0.0.1:9/x")
    assert again.source == "cache" and len(again) == 1280


def test_evaluate_on_a_downloaded_parametric_dataset(http_root, tmp_path, mirror, monkeypatch):
    from humanlike.data import load_trials

    root, url = http_root
    published = pd.read_csv(mirror / "raw-data" / "uniform-noise" / "uniform-noise_resnet50_session-1.csv", dtype=str)
    members = {f"uniform-noise/dnn/session-1/{n}": _png_bytes() for n in published["imagename"]}
    _tar_gz(root / "uniform-noise.tar.gz", members)
    monkeypatch.setattr(stimuli, "cache_dir", lambda: tmp_path / "cache")
    monkeypatch.setattr(stimuli, "ARCHIVE_URL", url + "/{dataset}.tar.gz")
    (path,) = evaluate(
        "efficientnet-lite0", datasets=["uniform-noise"], out=tmp_path / "out", mirror=mirror, random_weights=True,
        limit=8, batch_size=4, progress=False,
    )  # fmt: skip
    rows = _read_raw_text(path)
    expected = published.head(8)
    assert [r["imagename"] for r in rows] == expected["imagename"].tolist()
    assert [r["condition"] for r in rows] == expected["condition"].tolist()  # "0.03", "0.90", ... as published
    assert [r["category"] for r in rows] == expected["category"].tolist()
    trials = load_trials(
        datasets=["uniform-noise"], models=["efficientnet-lite0"], extra_dirs=[tmp_path / "out"], humans=False
    )
    assert len(trials) == 8 and trials["condition"].tolist() == expected["condition"].tolist()


@pytest.mark.parametrize(
    "evil",
    [
        {"members": {"edge/airplane/a.png": b"x", "edge/../../escaped.png": b"x"}},
        {"members": {"edge/airplane/a.png": b"x", "/tmp/absolute.png": b"x"}},
        {"members": {"edge/airplane/a.png": b"x", "other/b.png": b"x"}},
        {"members": {"edge/airplane/a.png": b"x"}, "links": {"edge/airplane/link.png": "/etc/passwd"}},
    ],
    ids=["dotdot", "absolute", "outside-dataset", "symlink"],
)
def test_archive_members_that_escape_are_refused(http_root, tmp_path, evil):
    root, url = http_root
    _tar_gz(root / "edge.tar.gz", evil["members"], evil.get("links"))
    cache = tmp_path / "deep" / "cache"
    with pytest.raises(StimuliError, match="refusing to extract"):
        stimuli.download_dataset("edge", cache=cache, url=f"{url}/edge.tar.gz", progress=False)
    assert not (cache / "edge").exists()
    assert not (tmp_path / "escaped.png").exists() and not (tmp_path / "deep" / "escaped.png").exists()
    assert [p.name for p in cache.iterdir() if p.name.startswith(".")] == []


def test_incomplete_stimulus_folder_is_refused(tmp_path, mirror):
    root = tmp_path / "mirror"
    (root / "datasets" / "edge" / "airplane").mkdir(parents=True)
    (root / "raw-data").symlink_to(mirror / "raw-data")
    (root / "datasets" / "edge" / "airplane" / "airplane1.png").write_bytes(_png_bytes())
    with pytest.raises(StimuliError, match="159 of the 160 images of 'edge'"):
        stimuli.load_stimuli("edge", mirror=root)


# --------------------------------------------------------------------------------------------- evaluate
def test_csv_format_and_trial_image_pairing(run, mirror):
    out, paths, _ = run
    path = out / "raw-data" / "cue-conflict" / "cue-conflict_resnet18_session-1.csv"
    assert paths == [path]
    assert path.read_text().splitlines()[0] == "subj,session,trial,rt,object_response,category,condition,imagename"
    rows = _read_raw_text(path)
    published = _read_raw_text(mirror / "raw-data" / "cue-conflict" / "cue-conflict_resnet50_session-1.csv")[:N]
    assert len(rows) == N
    assert [r["trial"] for r in rows] == [str(i) for i in range(1, N + 1)]
    assert {(r["subj"], r["session"], r["rt"], r["condition"]) for r in rows} == {("resnet18", "1", "NaN", "NaN")}
    # image names and categories exactly as in the published model file, trial by trial
    assert [(r["imagename"], r["category"]) for r in rows] == [(p["imagename"], p["category"]) for p in published]
    from humanlike.data import CATEGORIES

    assert {r["object_response"] for r in rows} <= set(CATEGORIES)


def test_decisions_are_the_argmax_of_the_mean_probabilities(run, mirror):
    out, _, _ = run
    rows = _read_raw_text(out / "raw-data" / "cue-conflict" / "cue-conflict_resnet18_session-1.csv")
    module, transform = load_model("resnet18", random_weights=True)
    images = [mirror / "datasets" / "cue-conflict" / r["category"] / r["imagename"] for r in rows]
    with torch.inference_mode():
        batch = torch.stack([transform(Image.open(p)) for p in images])
        logits = module(batch).double().numpy()
    means, expected = _independent_decisions(logits)
    assert [r["object_response"] for r in rows] == expected.tolist()
    sidecar = pd.read_csv(out / "probabilities" / "cue-conflict" / "cue-conflict_resnet18_session-1.csv")
    assert sidecar["imagename"].tolist() == [r["imagename"] for r in rows]
    np.testing.assert_allclose(sidecar.iloc[:, 2:].to_numpy(), means, rtol=1e-4, atol=1e-9)
    assert (sidecar.columns[2:][sidecar.iloc[:, 2:].to_numpy().argmax(axis=1)] == expected).all()


def test_output_loads_through_the_data_layer(run):
    from humanlike.data import load_trials

    out, _, _ = run
    trials = load_trials(datasets=["cue-conflict"], models=["resnet18"], extra_dirs=[out], humans=False)
    assert len(trials) == N and set(trials["subject"]) == {"resnet18"} and set(trials["condition"]) == {"0"}
    assert trials["image_id"].tolist() == trials["imagename"].tolist()


def test_provenance_and_chunks(run):
    out, _, chunks = run
    info = json.loads((out / "provenance" / "cue-conflict" / "cue-conflict_resnet18_session-1.json").read_text())
    assert info["spec"] == "resnet18" and info["random_weights"] is True and info["n_images"] == N
    assert info["precision"] == "fp32" and info["device"].startswith("cpu")
    assert len(info["weights"]["state_dict_sha256"]) == 64 and info["versions"]["torch"] == torch.__version__
    assert info["stimuli"]["source"] == "mirror" and info["resumed_from"] == 0 and info["images_computed"] == N
    assert chunks == [("cue-conflict", 16, N)]  # checkpoints after 16 images; none after the last
    assert not (out / "partial" / "cue-conflict_resnet18_session-1.partial.json").exists()
    leftovers = [p for p in out.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
    assert leftovers == []


def test_worker_processes_give_the_same_results(run, tmp_path):
    out, _, _ = run
    (path,) = evaluate(
        "resnet18", datasets=["cue-conflict"], out=tmp_path, random_weights=True, limit=16, batch_size=8,
        workers=2, decoder="processes", progress=False,
    )  # fmt: skip
    reference = _read_raw_text(out / "raw-data" / "cue-conflict" / "cue-conflict_resnet18_session-1.csv")[:16]
    assert _read_raw_text(path) == reference
    info = json.loads((tmp_path / "provenance" / "cue-conflict" / "cue-conflict_resnet18_session-1.json").read_text())
    assert info["decoder"] == "processes" and info["workers"] == 2


def test_finished_dataset_is_not_recomputed(run, monkeypatch):
    out, paths, _ = run
    before = paths[0].stat().st_mtime_ns

    def no_model(*args, **kwargs):
        raise AssertionError("the model must not be loaded for a finished dataset")

    monkeypatch.setattr(inference, "load_model", no_model)
    again = evaluate("resnet18", datasets=["cue-conflict"], out=out, random_weights=True, limit=N, progress=False)
    assert again == paths
    assert paths[0].stat().st_mtime_ns == before
    with pytest.raises(HumanlikeError, match="different run"):
        evaluate("resnet18", datasets=["cue-conflict"], out=out, random_weights=True, limit=8, progress=False)


def test_force_recomputes(tmp_path):
    kwargs = dict(
        datasets=["edge"], out=tmp_path, random_weights=True, limit=8, batch_size=4, workers=0, progress=False
    )
    (path,) = evaluate("efficientnet-lite0", **kwargs)
    first, provenance = path.read_text(), tmp_path / "provenance" / "edge" / "edge_efficientnet-lite0_session-1.json"
    stamp = provenance.stat().st_ino, provenance.stat().st_mtime_ns
    evaluate("efficientnet-lite0", force=True, **kwargs)
    assert path.read_text() == first  # same results, ...
    assert (provenance.stat().st_ino, provenance.stat().st_mtime_ns) != stamp  # ... written again


class _Interrupt(Exception):
    pass


def test_interrupted_run_resumes(tmp_path, run):
    out = tmp_path / "out"

    def stop_after_first_chunk(dataset, done, total):
        raise _Interrupt(done)

    kwargs = dict(
        datasets=["cue-conflict"], out=out, random_weights=True, limit=24, batch_size=8, chunk_size=8, progress=False
    )
    with pytest.raises(_Interrupt):
        evaluate("resnet18", on_chunk=stop_after_first_chunk, **kwargs)
    partial = out / "partial" / "cue-conflict_resnet18_session-1.partial.json"
    assert len(json.loads(partial.read_text())["rows"]) == 8
    csv_path = out / "raw-data" / "cue-conflict" / "cue-conflict_resnet18_session-1.csv"
    assert not csv_path.exists()

    seen = []
    evaluate("resnet18", on_chunk=lambda *a: seen.append(a), **kwargs)
    info = json.loads((out / "provenance" / "cue-conflict" / "cue-conflict_resnet18_session-1.json").read_text())
    assert info["resumed_from"] == 8 and info["images_computed"] == 16
    assert seen == [("cue-conflict", 16, 24)]
    assert not partial.exists()
    # same answers as the uninterrupted run on these images
    full = _read_raw_text(run[0] / "raw-data" / "cue-conflict" / "cue-conflict_resnet18_session-1.csv")[:24]
    assert [r["object_response"] for r in _read_raw_text(csv_path)] == [r["object_response"] for r in full]


@pytest.mark.parametrize("decoder, workers", [("threads", 1), ("processes", 1), ("threads", 0)])
def test_corrupt_png_is_a_data_file_error_naming_the_file(shadow_mirror, tmp_path, decoder, workers):
    victim = shadow_mirror / "datasets" / "cue-conflict" / "airplane" / "airplane1-chair2.png"
    good = victim.resolve().read_bytes()
    victim.unlink()
    victim.write_bytes(good[: len(good) // 3])  # truncated PNG
    start = time.perf_counter()
    with pytest.raises(DataFileError) as info:
        evaluate(
            "resnet18", datasets=["cue-conflict"], out=tmp_path / "out", mirror=shadow_mirror, random_weights=True,
            limit=16, batch_size=4, workers=workers, decoder=decoder, progress=False,
        )  # fmt: skip
    message = str(info.value)
    assert message.startswith(f"{victim}: cannot read the image")
    assert "Traceback" not in message and "worker" not in message
    assert time.perf_counter() - start < 30
    assert not (tmp_path / "out" / "raw-data" / "cue-conflict" / "cue-conflict_resnet18_session-1.csv").exists()


def test_missing_stimuli_fail_before_the_model_is_loaded(tmp_path, monkeypatch, mirror):
    monkeypatch.setattr(stimuli, "cache_dir", lambda: tmp_path / "cache")
    monkeypatch.setattr(stimuli, "ARCHIVE_URL", "http://127.0.0.1:9/{dataset}.tar.gz")
    monkeypatch.setattr(inference, "load_model", lambda *a, **k: pytest.fail("model loaded"))
    with pytest.raises(StimuliError) as info:
        evaluate("resnet18", datasets=["edge", "colour", "rotation"], out=tmp_path, mirror=mirror, progress=False)
    message = str(info.value)
    assert "colour, rotation" in message and "available: edge" in message and "HUMANLIKE_MIRROR" in message


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"model": "resnet51"}, "unknown model 'resnet51'"),
        ({"model": "resnet18", "datasets": ["colours"]}, "unknown dataset"),
        ({"model": "resnet18", "precision": "fp8"}, "unknown precision"),
        ({"model": "resnet18", "device": "tpu9"}, "unknown device"),
        ({"model": "resnet18", "name": "my/model"}, "bad model name"),
        ({"model": "resnet18", "batch_size": 0}, "batch_size"),
    ],
)
def test_bad_arguments_are_unknown_name_errors(kwargs, match, tmp_path):
    kwargs = {"datasets": ["edge"], "out": tmp_path, "random_weights": True, "limit": 2, "progress": False, **kwargs}
    with pytest.raises(UnknownNameError, match=match):
        evaluate(**kwargs)


def test_default_names_and_model_objects(tmp_path):
    model = load_model("torchvision:mobilenet_v3_small", random_weights=True)
    (path,) = evaluate(model, datasets=["silhouette"], out=tmp_path, limit=4, batch_size=4, workers=0, progress=False)
    assert path == tmp_path / "raw-data" / "silhouette" / "silhouette_mobilenet_v3_small_session-1.csv"
    (named,) = evaluate(model, name="my-net", datasets=["silhouette"], out=tmp_path, limit=4, workers=0, progress=False)
    assert named.name == "silhouette_my-net_session-1.csv"


def test_device_and_precision_resolution():
    assert inference.resolve_device("cpu") == torch.device("cpu")
    assert inference.resolve_precision("auto", torch.device("cpu")) == "fp32"
    assert inference.resolve_precision("bf16", torch.device("cpu")) == "bf16"
    assert inference.default_workers(torch.device("cpu")) == 1
    if not torch.cuda.is_available():
        with pytest.raises(HumanlikeError, match="no CUDA"):
            inference.resolve_device("cuda")


def test_reduced_precision_runs_through_autocast(tmp_path, run):
    """precision="bf16" on the CPU: the autocast path of an opt-in low-precision run; decisions stay mostly the same."""
    (path,) = evaluate(
        "resnet18", datasets=["cue-conflict"], out=tmp_path, random_weights=True, limit=16, batch_size=8,
        precision="bf16", progress=False,
    )  # fmt: skip
    info = json.loads((tmp_path / "provenance" / "cue-conflict" / "cue-conflict_resnet18_session-1.json").read_text())
    assert info["precision"] == "bf16"
    fp32 = _read_raw_text(run[0] / "raw-data" / "cue-conflict" / "cue-conflict_resnet18_session-1.csv")[:16]
    bf16 = _read_raw_text(path)
    assert [r["imagename"] for r in bf16] == [r["imagename"] for r in fp32]
    agree = np.mean([a["object_response"] == b["object_response"] for a, b in zip(bf16, fp32)])
    assert agree >= 0.75


# --------------------------------------------------------------------------------------------- refusing garbage
USER_MODELS = '''
import torch
from torch import nn


class Constant(nn.Module):
    """1000 logits per image: row i of the batch gets ``values[i]`` (cycled); NaN/inf where asked."""

    def __init__(self, bad_at=None, value=float("nan")):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))
        self.bad_at, self.value, self.seen = bad_at, value, 0

    def forward(self, x):
        logits = torch.arange(1000, dtype=torch.float32).repeat(len(x), 1) * self.scale / 1000
        for i in range(len(x)):
            if self.bad_at is not None and self.seen + i == self.bad_at:
                logits[i, 3] = self.value
        self.seen += len(x)
        return logits


def nan_at_5(random_weights=False):
    return Constant(bad_at=5)


def inf_at_0(random_weights=False):
    return Constant(bad_at=0, value=float("inf"))


def broken_factory(random_weights=False):
    raise ValueError("no weights for you")


class Fails(nn.Module):
    def forward(self, x):
        raise KeyError("layer7")


def broken_forward(random_weights=False):
    return Fails()
'''


@pytest.fixture
def user_models(tmp_path, monkeypatch):
    """A module of small user models (python: specs), importable as ``user_models_h8``."""
    folder = tmp_path / "usercode"
    folder.mkdir()
    (folder / "user_models_h8.py").write_text(USER_MODELS)
    monkeypatch.syspath_prepend(str(folder))
    return "python:user_models_h8"


def _outputs(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*") if p.is_file())


@pytest.mark.parametrize("factory, first", [("nan_at_5", 5), ("inf_at_0", 0)])
def test_non_finite_logits_stop_the_run_naming_model_and_image(user_models, tmp_path, factory, first, mirror):
    out = tmp_path / "out"
    with pytest.raises(HumanlikeError) as info:
        evaluate(f"{user_models}:{factory}", datasets=["edge"], out=out, limit=8, batch_size=4, progress=False)
    message = str(info.value)
    # the first bad row is image `first` of edge's trial order
    image = stimuli.load_stimuli("edge", mirror=mirror).stimuli[first].path
    assert message.startswith(f"{factory}: ") and "NaN or infinite logits" in message and f"image {image};" in message
    assert len(message.splitlines()) == 1
    assert [p for p in _outputs(out) if "partial" not in p.parts] == []  # no CSV, sidecar or provenance


def test_errors_in_user_model_code_are_named_as_theirs(user_models, tmp_path):
    kwargs = dict(datasets=["edge"], out=tmp_path / "out", limit=4, progress=False)
    with pytest.raises(HumanlikeError) as info:
        evaluate(f"{user_models}:broken_factory", **kwargs)
    assert str(info.value) == (
        f"{user_models}:broken_factory: your model factory raised ValueError: no weights for you"
    )
    with pytest.raises(HumanlikeError) as info:
        evaluate(f"{user_models}:broken_forward", **kwargs)
    assert str(info.value) == f"{user_models}:broken_forward: your model forward pass raised KeyError: 'layer7'"
    assert isinstance(info.value.__cause__, KeyError)  # the original, for HUMANLIKE_DEBUG=1
    assert _outputs(tmp_path / "out") == []


def test_out_is_checked_before_any_model_work(tmp_path, monkeypatch):
    monkeypatch.setattr(inference, "load_stimuli", lambda *a, **k: pytest.fail("stimuli looked up"))
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    kwargs = dict(datasets=["edge"], random_weights=True, progress=False)
    with pytest.raises(UnknownNameError, match=f"^{blocker}: --out is a file, not a directory"):
        evaluate("resnet18", out=blocker, **kwargs)
    with pytest.raises(UnknownNameError, match=f"{blocker / 'runs'}: --out cannot be created: {blocker} is a file"):
        evaluate("resnet18", out=blocker / "runs", **kwargs)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    # root may write anywhere, so an unwritable folder is simulated where the probe file is created
    from humanlike.inference import outputs

    monkeypatch.setattr(outputs, "tempfile", SimpleNamespace(TemporaryFile=refuse, mkstemp=tempfile.mkstemp))
    with pytest.raises(HumanlikeError, match="--out cannot be created: .* is not writable .Permission denied."):
        evaluate("resnet18", out=tmp_path / "new" / "runs", **kwargs)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]  # nothing created


def test_changed_finished_output_is_not_reported_finished(tmp_path):
    kwargs = dict(datasets=["edge"], out=tmp_path, random_weights=True, limit=4, batch_size=4, progress=False)
    (path,) = evaluate("squeezenet1_1", **kwargs)
    text = path.read_text()
    path.write_text(text + "\n")  # one byte more than what the provenance vouches for
    with pytest.raises(DataFileError) as info:
        evaluate("squeezenet1_1", **kwargs)
    assert str(info.value).startswith(f"{path}: does not match the sha256 recorded in ")
    assert "--force" in str(info.value)
    evaluate("squeezenet1_1", force=True, **kwargs)
    assert path.read_text() == text  # recomputed: the same results again
    sidecar = tmp_path / "probabilities" / "edge" / "edge_squeezenet1_1-rerun_session-1.csv"
    sidecar.unlink()
    with pytest.raises(DataFileError, match=f"{sidecar}: missing, though .* records it as finished; rerun with"):
        evaluate("squeezenet1_1", **kwargs)


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_output_files_get_the_permissions_of_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        evaluate("squeezenet1_1", datasets=["edge"], out=tmp_path, random_weights=True, limit=4, progress=False)
    finally:
        os.umask(old)
    files = _outputs(tmp_path)
    assert len(files) == 3  # csv, probabilities, provenance
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {mode}


def test_a_failed_write_leaves_no_output_behind(tmp_path, monkeypatch):
    from humanlike.inference import outputs

    calls = []
    real_replace = os.replace

    def fail_second(src, dst):
        calls.append(dst)
        if len(calls) == 2:  # the sidecar is in place, the CSV is not: disk full
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(outputs.os, "replace", fail_second)
    with pytest.raises(OSError, match="No space left"):
        evaluate("squeezenet1_1", datasets=["edge"], out=tmp_path, random_weights=True, limit=4, progress=False)
    assert Path(calls[0]).name == "edge_squeezenet1_1-rerun_session-1.csv" and "probabilities" in Path(calls[0]).parts
    assert _outputs(tmp_path) == []  # neither the sidecar nor any temporary file survives


@pytest.fixture
def edge_mirror(tmp_path, mirror):
    """A mirror sharing raw-data with the real one, with its own (symlinked) edge images."""
    root = tmp_path / "edge-mirror"
    root.mkdir()
    (root / "raw-data").symlink_to(mirror / "raw-data")
    for source in sorted((mirror / "datasets" / "edge").rglob("*.png")):
        target = root / "datasets" / "edge" / source.parent.name / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(source)
    return root


def test_image_in_the_wrong_category_folder_is_refused(edge_mirror):
    moved = edge_mirror / "datasets" / "edge" / "bear" / "airplane3.png"
    (edge_mirror / "datasets" / "edge" / "airplane" / "airplane3.png").rename(moved)
    with pytest.raises(StimuliError) as info:
        stimuli.load_stimuli("edge", mirror=edge_mirror)
    assert str(info.value).startswith(f"{moved}: its folder says 'bear', but image 'airplane3.png' of 'edge' is a ")
    assert "'airplane'" in str(info.value)


def test_image_the_dataset_does_not_have_is_refused(edge_mirror):
    stray = edge_mirror / "datasets" / "edge" / "cat" / "cat11.png"  # edge has cat1 ... cat10
    stray.write_bytes(_png_bytes())
    with pytest.raises(StimuliError, match=f"^{stray}: not an image of dataset 'edge'"):
        stimuli.load_stimuli("edge", mirror=edge_mirror)


def test_keep_going_reports_each_dataset(tmp_path, monkeypatch, mirror):
    monkeypatch.setattr(stimuli, "cache_dir", lambda: tmp_path / "cache")
    monkeypatch.setattr(stimuli, "ARCHIVE_URL", "http://127.0.0.1:9/{dataset}.tar.gz")
    report = inference.evaluate_report(
        "squeezenet1_1", datasets=["edge", "colour", "silhouette"], out=tmp_path / "out", random_weights=True,
        limit=4, progress=False, keep_going=True, mirror=mirror,
    )  # fmt: skip
    # colour's images are not in the mirror and cannot be downloaded here; the other two are computed
    assert report.computed == ["edge", "silhouette"] and report.done == ["edge", "silhouette"]
    assert list(report.failed) == ["colour"] and "no stimuli for dataset 'colour'" in report.failed["colour"]
    again = inference.evaluate_report(
        "squeezenet1_1", datasets=["edge", "silhouette"], out=tmp_path / "out", random_weights=True, limit=4,
        progress=False, keep_going=True,
    )  # fmt: skip
    assert again.skipped == ["edge", "silhouette"] and again.computed == [] and again.failed == {}


def test_a_mirror_that_is_not_a_directory_is_refused_not_bypassed(tmp_path, monkeypatch):
    monkeypatch.setattr(stimuli, "cache_dir", lambda: tmp_path / "cache")
    monkeypatch.setattr(stimuli, "download_dataset", lambda *a, **k: pytest.fail("downloaded instead"))
    with pytest.raises(StimuliError, match=f"^{tmp_path / 'mirorr'}: the data mirror is not a directory"):
        stimuli.load_stimuli("edge", mirror=tmp_path / "mirorr")
