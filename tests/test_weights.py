"""Checkpoints of the paper's self-supervised models: upstream addresses, cache, downloads (pooch over HTTP, gdown),
the upstream file formats, and one-line errors for every malformed checkpoint.

The checkpoints are synthetic (random weights) but in the upstream formats of issue 7; every loaded model is
compared with a reference network assembled here independently, on real edge stimuli from the mirror.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import http.server
import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from humanlike.inference import models, weights
from humanlike.cli import main
from humanlike.errors import DataFileError
from humanlike.inference.models import load_model

# The addresses as issue 7 gives them (model-vs-human modelvshuman/models/pytorch/..., PyContrast hubconf.py),
# typed in here on their own so that a change in the code cannot go unnoticed.
DROPBOX = {
    "InsDis": "https://www.dropbox.com/sh/87d24jqsl6ra7t2/AACcsSIt1_Njv7GsmsuzZ6Sta/InsDis.pth?dl=1",
    "MoCo": "https://www.dropbox.com/sh/87d24jqsl6ra7t2/AAB53yJAYuCrOFluygBsVKOOa/MoCo.pth?dl=1",
    "MoCoV2": "https://www.dropbox.com/sh/87d24jqsl6ra7t2/AABaYuKiiZFYowa31yKeGGOQa/MoCov2.pth?dl=1",
    "PIRL": "https://www.dropbox.com/sh/87d24jqsl6ra7t2/AADN4jKnvTI0U5oT6hTmQZz8a/PIRL.pth?dl=1",
    "InfoMin": "https://www.dropbox.com/sh/87d24jqsl6ra7t2/AAAzMTynP3Qc8mIE4XWkgILUa/InfoMin_800.pth?dl=1",
}
CLASSIFIERS = {
    name: f"https://github.com/bethgelab/model-vs-human/releases/download/v0.2/{stem}_classifier.pth"
    for name, stem in (("InsDis", "InsDis"), ("MoCo", "MoCo"), ("MoCoV2", "MoCov2"), ("PIRL", "PIRL"),
                       ("InfoMin", "InfoMin"))
}  # fmt: skip
DRIVE_IDS = {
    "simclr-resnet50x1": "1a6IO4xhWy8cdyAuWv0BxSONz7lMcKbZE",
    "simclr-resnet50x2": "1zI-5gdNDxK5gRiNUgbgx0RXqyDwxwWEQ",
    "simclr-resnet50x4": "1Pipca9LMYWK_o3bjWDo88ZMdeT07EFNN",
}
CACHE_NAMES = {
    "InsDis": ["InsDis.pth", "InsDis_classifier.pth"],
    "MoCo": ["MoCo.pth", "MoCo_classifier.pth"],
    "MoCoV2": ["MoCov2.pth", "MoCov2_classifier.pth"],
    "PIRL": ["PIRL.pth", "PIRL_classifier.pth"],
    "InfoMin": ["InfoMin_800.pth", "InfoMin_classifier.pth"],
    "simclr-resnet50x1": ["simclr-resnet50-x1.pth"],
    "simclr-resnet50x2": ["simclr-resnet50-x2.pth"],
    "simclr-resnet50x4": ["simclr-resnet50-x4.pth"],
}
STIMULI = ["airplane/airplane1.png", "bear/bear3.png", "cat/cat2.png"]
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)  # ImageNet, as torchvision documents them


# --------------------------------------------------------------------------------------------- helpers
def _images(mirror: Path, normalise: bool) -> tuple[list[Image.Image], torch.Tensor]:
    """Real edge stimuli (224 x 224) and their tensor, preprocessed by hand: [0, 1], ImageNet mean/std if asked."""
    pil = [Image.open(mirror / "datasets" / "edge" / name).convert("RGB") for name in STIMULI]
    x = torch.stack([torch.from_numpy(np.asarray(im, dtype=np.float32) / 255.0).permute(2, 0, 1) for im in pil])
    if normalise:
        x = (x - torch.tensor(MEAN)[:, None, None]) / torch.tensor(STD)[:, None, None]
    return pil, x


def _logits(loaded: models.Model, images: list[Image.Image]) -> torch.Tensor:
    with torch.inference_mode():
        return loaded.module(torch.stack([loaded.transform(im) for im in images]))


def _resnet50_trunk(seed: int) -> dict[str, torch.Tensor]:
    """Random weights for a torchvision ResNet-50 without fc (with BatchNorm step counters, as torch saves them)."""
    state = {k: v for k, v in _random_wide_state(1, seed).items() if not k.startswith("fc.")}
    for key in [k for k in state if k.endswith("running_var")]:
        state[key.replace("running_var", "num_batches_tracked")] = torch.tensor(1000)
    return state


def _reference_resnet50(trunk: dict, fc_weight: torch.Tensor, fc_bias: torch.Tensor) -> torch.nn.Module:
    """torchvision's ResNet-50 with these weights (built on the meta device: no time spent on initialisation)."""
    from torchvision.models import resnet50

    with torch.device("meta"):
        net = resnet50(weights=None)
    net.load_state_dict({**trunk, "fc.weight": fc_weight, "fc.bias": fc_bias}, assign=True)
    return net.eval()


def _wide_shapes(w: int) -> dict[str, tuple[int, ...]]:
    """State-dict shapes of SimCLR's ResNet-50 (w x), written out from the paper's description: stem 64w channels,
    stages of 3, 4, 6, 3 bottlenecks with 64w, 128w, 256w, 512w inner channels (4x that out), fc 2048w -> 1000."""
    shapes = {"conv1.weight": (64 * w, 3, 7, 7)}

    def bn(prefix, c):
        shapes.update({f"{prefix}.{p}": (c,) for p in ("weight", "bias", "running_mean", "running_var")})

    bn("bn1", 64 * w)
    inplanes = 64 * w
    for stage, (planes, blocks) in enumerate(((64 * w, 3), (128 * w, 4), (256 * w, 6), (512 * w, 3)), start=1):
        for b in range(blocks):
            p = f"layer{stage}.{b}"
            shapes[f"{p}.conv1.weight"] = (planes, inplanes, 1, 1)
            bn(f"{p}.bn1", planes)
            shapes[f"{p}.conv2.weight"] = (planes, planes, 3, 3)
            bn(f"{p}.bn2", planes)
            shapes[f"{p}.conv3.weight"] = (4 * planes, planes, 1, 1)
            bn(f"{p}.bn3", 4 * planes)
            if b == 0:
                shapes[f"{p}.downsample.0.weight"] = (4 * planes, inplanes, 1, 1)
                bn(f"{p}.downsample.1", 4 * planes)
            inplanes = 4 * planes
    shapes.update({"fc.weight": (1000, 2048 * w), "fc.bias": (1000,)})
    return shapes


def _random_wide_state(w: int, seed: int) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    state = {}
    for key, shape in _wide_shapes(w).items():
        if key.endswith("running_var"):
            state[key] = torch.rand(shape, generator=g) + 0.5
        elif key.endswith(("running_mean", ".bias")):
            state[key] = torch.randn(shape, generator=g) * 0.1
        elif "bn" in key or "downsample.1" in key:  # BatchNorm scale
            state[key] = torch.rand(shape, generator=g) * 0.5 + 0.25
        else:  # He initialisation keeps the activations of a deep random network in range
            fan_in = int(np.prod(shape[1:]))
            state[key] = torch.randn(shape, generator=g) * (2.0 / fan_in) ** 0.5
    return state


def _functional_wide_resnet(state: dict, x: torch.Tensor) -> torch.Tensor:
    """SimCLR's ResNet-50 forward pass written with torch.nn.functional only (stride in the 3 x 3 convolution)."""

    def bn(t, p):
        return F.batch_norm(t, state[f"{p}.running_mean"], state[f"{p}.running_var"], state[f"{p}.weight"],
                            state[f"{p}.bias"], training=False, eps=1e-5)  # fmt: skip

    x = F.relu(bn(F.conv2d(x, state["conv1.weight"], stride=2, padding=3), "bn1"))
    x = F.max_pool2d(x, 3, stride=2, padding=1)
    for stage, blocks in enumerate((3, 4, 6, 3), start=1):
        for b in range(blocks):
            p, stride = f"layer{stage}.{b}", 2 if (b == 0 and stage > 1) else 1
            out = F.relu(bn(F.conv2d(x, state[f"{p}.conv1.weight"]), f"{p}.bn1"))
            out = F.relu(bn(F.conv2d(out, state[f"{p}.conv2.weight"], stride=stride, padding=1), f"{p}.bn2"))
            out = bn(F.conv2d(out, state[f"{p}.conv3.weight"]), f"{p}.bn3")
            if b == 0:
                x = bn(F.conv2d(x, state[f"{p}.downsample.0.weight"], stride=stride), f"{p}.downsample.1")
            x = F.relu(out + x)
    return F.linear(x.mean(dim=(2, 3)), state["fc.weight"], state["fc.bias"])


class _Handler(http.server.SimpleHTTPRequestHandler):
    requested: list[str] = []

    def do_GET(self):
        type(self).requested.append(self.path)
        super().do_GET()

    def log_message(self, *args):
        pass


def _assert_close_logits(got: torch.Tensor, expected: torch.Tensor) -> None:
    assert got.shape == expected.shape and expected.shape[1] == 1000
    assert torch.isfinite(expected).all() and expected.std() > 0  # a meaningful comparison
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4 * float(expected.abs().max()))


# --------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    """Synthetic upstream files, laid out as a server would hold them; returns (folder, reference tensors)."""
    root = tmp_path_factory.mktemp("upstream")
    g = torch.Generator().manual_seed(1)
    opt = argparse.Namespace(method="MoCov2", arch="resnet50", head="mlp", feat_dim=128)
    refs = {}
    for name, seed in (("MoCoV2", 1), ("InfoMin", 2)):
        trunk = _resnet50_trunk(seed)
        model = {f"module.encoder.{k}": v for k, v in trunk.items()}
        model["module.head.0.weight"] = torch.randn(2048, 2048, generator=g) * 0.01  # projection head: dropped
        model["module.head.2.weight"] = torch.randn(128, 2048, generator=g) * 0.01
        if name == "InfoMin":  # InfoMin's jigsaw head: dropped as well
            model["module.head_jig.fc1.weight"] = torch.randn(2048, 2048, generator=g) * 0.01
            model["module.head_jig.fc2.bias"] = torch.randn(128, generator=g)
        weight, bias = torch.randn(1000, 2048, generator=g) * 0.02, torch.randn(1000, generator=g) * 0.1
        # MoCoV2's classifier was saved from DataParallel ("module." keys), InfoMin's without
        prefix = "module." if name == "MoCoV2" else ""
        backbone_file, classifier_file = CACHE_NAMES[name]
        torch.save({"opt": opt, "model": model, "epoch": 800}, root / backbone_file)
        torch.save({"opt": opt, "classifier": {f"{prefix}weight": weight, f"{prefix}bias": bias}, "epoch": 100},
                   root / classifier_file)  # fmt: skip
        refs[name] = (trunk, weight, bias)
    # SimCLR x1 converted checkpoint: torchvision key names, served at drive/<id> for the gdown test
    trunk = _resnet50_trunk(3)
    weight, bias = torch.randn(1000, 2048, generator=g) * 0.02, torch.randn(1000, generator=g) * 0.1
    (root / "drive").mkdir()
    torch.save({"state_dict": {**trunk, "fc.weight": weight, "fc.bias": bias}},
               root / "drive" / DRIVE_IDS["simclr-resnet50x1"])  # fmt: skip
    refs["simclr-resnet50x1"] = (trunk, weight, bias)
    return root, refs


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty user cache (XDG_CACHE_HOME); returns the weights folder inside it."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "humanlike" / "weights"


@pytest.fixture
def server(upstream, monkeypatch):
    """The upstream files on a local HTTP server; SOURCES and DRIVE_URL point there (same file names, and the
    Dropbox-style "?dl=1" kept on the backbone addresses)."""
    root, _ = upstream
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    local = {}
    for name, files in weights.SOURCES.items():
        local[name] = {
            role: dataclasses.replace(f, url=f"{base}/{f.file}" + ("?dl=1" if f.host == "dropbox" else ""))
            for role, f in files.items()
        }
    monkeypatch.setattr(weights, "SOURCES", local)
    monkeypatch.setattr(weights, "DRIVE_URL", base + "/drive/{id}")
    _Handler.requested = []
    yield base
    httpd.shutdown()
    httpd.server_close()


# --------------------------------------------------------------------------------------------- sources and cache
def test_sources_are_the_upstream_addresses_and_file_names():
    for name in DROPBOX:
        files = weights.SOURCES[name]
        assert (files["backbone"].url, files["classifier"].url) == (DROPBOX[name], CLASSIFIERS[name])
        assert [files["backbone"].file, files["classifier"].file] == CACHE_NAMES[name]
    for name, drive_id in DRIVE_IDS.items():
        (only,) = weights.SOURCES[name].values()
        assert only.drive_id == drive_id and only.file == CACHE_NAMES[name][0] and only.host == "google-drive"
    assert set(weights.SOURCES) == set(CACHE_NAMES)


def test_weights_dir_honours_xdg_cache_home(cache):
    assert weights.weights_dir() == cache
    assert weights.SOURCES["PIRL"]["backbone"].path() == cache / "PIRL.pth"


def test_models_cli_lists_the_papers_32_models_with_their_addresses(capsys, cache):
    assert main(["models", "--zoo", "paper", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 32 and len({r["name"] for r in rows}) == 32
    by_name = {r["name"]: r for r in rows}
    assert set(by_name) == set(models.TORCHVISION_ZOO) | set(DROPBOX) | set(DRIVE_IDS)
    for name in DROPBOX:
        assert by_name[name]["weights_urls"] == [DROPBOX[name], CLASSIFIERS[name]]
        assert by_name[name]["cached"] is False and by_name[name]["training"] == "self-supervised"
    for name, drive_id in DRIVE_IDS.items():
        assert by_name[name]["weights_urls"] == [f"https://drive.google.com/uc?id={drive_id}"]
    assert by_name["alexnet"]["weights_urls"] == ["https://download.pytorch.org/models/alexnet-owt-7be5be79.pth"]
    assert all(set(r) == {"name", "training", "architecture", "weights_source", "weights_urls", "cached", "sha256"}
               for r in rows)  # fmt: skip


def test_models_cli_shows_cached_files_and_their_sha256(capsys, cache, upstream):
    root, _ = upstream
    cache.mkdir(parents=True)
    # any bytes under the expected name count as cached; the listing shows their sha256
    shutil.copy(root / "MoCov2.pth", cache / "PIRL.pth")
    backbone_sha = hashlib.sha256((root / "MoCov2.pth").read_bytes()).hexdigest()
    row = _models_json(capsys)["PIRL"]
    assert row["cached"] is False and row["sha256"] == [backbone_sha, ""]  # the classifier is still missing
    shutil.copy(root / "InfoMin_classifier.pth", cache / "PIRL_classifier.pth")
    classifier_sha = hashlib.sha256((root / "InfoMin_classifier.pth").read_bytes()).hexdigest()
    row = _models_json(capsys)["PIRL"]
    assert row["cached"] is True and row["sha256"] == [backbone_sha, classifier_sha]
    assert main(["models", "--format", "csv"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("PIRL,"))
    assert line.endswith(f"{DROPBOX['PIRL']};{CLASSIFIERS['PIRL']},True,{backbone_sha};{classifier_sha}")


def _models_json(capsys) -> dict:
    assert main(["models", "--zoo", "paper", "--format", "json"]) == 0
    return {row["name"]: row for row in json.loads(capsys.readouterr().out)}


# --------------------------------------------------------------------------------------------- loaders
@pytest.mark.slow  # seconds (a cluster, a subprocess, a model)
def test_pycontrast_download_over_http_then_offline_from_the_cache(upstream, server, cache, mirror, monkeypatch):
    root, refs = upstream
    loaded = load_model("MoCoV2")
    # downloaded with pooch from the (local) addresses, "?dl=1" included, into the cache under the upstream names
    assert sorted(_Handler.requested) == ["/MoCov2.pth?dl=1", "/MoCov2_classifier.pth"]
    assert loaded.files == [cache / "MoCov2.pth", cache / "MoCov2_classifier.pth"]
    assert loaded.sources == {"backbone": f"{server}/MoCov2.pth?dl=1", "classifier": f"{server}/MoCov2_classifier.pth"}
    for path in loaded.files:  # the cached bytes are the served bytes (their sha256 goes into the provenance)
        assert weights.file_sha256(path) == hashlib.sha256((root / path.name).read_bytes()).hexdigest()
    images, x = _images(mirror, normalise=True)
    expected = _reference_resnet50(*refs["MoCoV2"])(x).detach()
    _assert_close_logits(_logits(loaded, images), expected)
    # second time: from the cache, no request
    _Handler.requested = []
    again = load_model("MoCoV2")
    assert _Handler.requested == []
    assert models.state_dict_sha256(again.module) == models.state_dict_sha256(loaded.module)


def test_pycontrast_from_files_placed_in_the_cache_by_hand(upstream, cache, mirror, monkeypatch):
    """InfoMin: backbone with a jigsaw head, classifier without "module."; no download may be tried."""
    root, refs = upstream
    cache.mkdir(parents=True)
    for file in CACHE_NAMES["InfoMin"]:
        shutil.copy(root / file, cache / file)
    monkeypatch.setattr(weights, "_download", lambda *a, **k: pytest.fail("a download was attempted"))
    loaded = load_model("infomin")  # zoo names are case-insensitive
    assert loaded.name == "InfoMin" and loaded.files == [cache / "InfoMin_800.pth", cache / "InfoMin_classifier.pth"]
    assert loaded.sources == {"backbone": DROPBOX["InfoMin"], "classifier": CLASSIFIERS["InfoMin"]}
    images, x = _images(mirror, normalise=True)
    _assert_close_logits(_logits(loaded, images), _reference_resnet50(*refs["InfoMin"])(x).detach())


def test_simclr_download_with_gdown_from_the_local_server(upstream, server, cache, mirror, monkeypatch):
    root, refs = upstream
    import gdown

    calls = []
    real = gdown.download
    monkeypatch.setattr(gdown, "download", lambda **kw: calls.append(kw) or real(**kw))
    loaded = load_model("simclr-resnet50x1")
    assert len(calls) == 1 and calls[0]["url"] == f"{server}/drive/{DRIVE_IDS['simclr-resnet50x1']}"
    assert loaded.files == [cache / "simclr-resnet50-x1.pth"]
    assert sorted(p.name for p in cache.iterdir()) == ["simclr-resnet50-x1.pth"]  # no temporary file left
    images, x = _images(mirror, normalise=False)  # SimCLR: [0, 1], no mean/std
    _assert_close_logits(_logits(loaded, images), _reference_resnet50(*refs["simclr-resnet50x1"])(x).detach())


@pytest.mark.slow  # seconds (a cluster, a subprocess, a model)
def test_simclr_x2_widened_checkpoint_from_the_cache(cache, mirror, monkeypatch):
    state = _random_wide_state(2, seed=7)
    cache.mkdir(parents=True)
    torch.save({"state_dict": state}, cache / "simclr-resnet50-x2.pth")
    monkeypatch.setattr(weights, "_download", lambda *a, **k: pytest.fail("a download was attempted"))
    loaded = load_model("simclr-resnet50x2")
    images, x = _images(mirror, normalise=False)
    images, x = images[:2], x[:2]  # a 2x wide ResNet-50 is 4 times as slow as the plain one
    with torch.inference_mode():
        expected = _functional_wide_resnet(state, x)
    _assert_close_logits(_logits(loaded, images), expected)


def test_a_failed_download_says_which_file_to_put_where(upstream, server, cache, monkeypatch):
    missing = dataclasses.replace(weights.SOURCES["PIRL"]["backbone"], url=f"{server}/nowhere/PIRL.pth?dl=1")
    monkeypatch.setitem(weights.SOURCES, "PIRL", {**weights.SOURCES["PIRL"], "backbone": missing})
    with pytest.raises(DataFileError) as info:
        load_model("PIRL")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{cache / 'PIRL.pth'}: download from {server}/nowhere/PIRL.pth?dl=1 failed")
    assert "put it there" in message
    assert not (cache / "PIRL.pth").exists() and [p.name for p in cache.iterdir()] == []  # nothing half-written
    monkeypatch.setattr(weights, "DRIVE_URL", server + "/nowhere/{id}")
    with pytest.raises(DataFileError, match=r"simclr-resnet50-x4\.pth: download from .*/nowhere/1Pipca9.* failed"):
        load_model("simclr-resnet50x4")
    assert list(cache.iterdir()) == []


# --------------------------------------------------------------------------------------------- malformed checkpoints
def _simclr_x1_state(upstream) -> dict[str, torch.Tensor]:
    root, _ = upstream
    return dict(torch.load(root / "drive" / DRIVE_IDS["simclr-resnet50x1"], weights_only=True)["state_dict"])


def _with(state: dict, **changes) -> dict:
    """``state`` with some entries replaced (a value of None removes the entry)."""
    kept = {k: v for k, v in state.items() if k not in changes}
    return {**kept, **{k: v for k, v in changes.items() if v is not None}}


MALFORMED = {  # file -> (how to write it, the problem the message must name)
    "empty.pth": (lambda p, s: p.write_bytes(b""), "empty file"),
    "text.pth": (lambda p, s: p.write_text("this is not a checkpoint\n"),  # 24 characters shown: all but \\n
                 "not a PyTorch checkpoint (it starts with 'this is not a checkpoint';"),
    "truncated.pth": (lambda p, s: (torch.save({"state_dict": s}, p), p.write_bytes(p.read_bytes()[:5000])),
                      "not a readable PyTorch checkpoint"),
    "list.pth": (lambda p, s: torch.save([s["fc.bias"]], p), "expected a dict with a 'state_dict' entry, found a list"),
    "tensor.pth": (lambda p, s: torch.save(s["fc.weight"], p), "found a bare tensor of shape (1000, 2048)"),
    "pickled-object.pth": (lambda p, s: torch.save({"state_dict": s, "path": Path("/x")}, p),
                           "not a readable PyTorch checkpoint (WeightsUnpickler error: Unsupported global"),
    "no-entry.pth": (lambda p, s: torch.save({"model": s}, p), "expected a dict with a 'state_dict' entry, found the "
                     "entries 'model'"),
    "entry-tensor.pth": (lambda p, s: torch.save({"state_dict": s["fc.bias"]}, p),
                         "the 'state_dict' entry should be a state dict, found a bare tensor of shape (1000,)"),
    "empty-state.pth": (lambda p, s: torch.save({"state_dict": {}}, p), "the state dict is empty"),
    "int-key.pth": (lambda p, s: torch.save({"state_dict": {**s, 7: s["fc.bias"]}}, p), "key 7 is not a string"),
    "non-tensor.pth": (lambda p, s: torch.save({"state_dict": _with(s, **{"fc.bias": "zeros"})}, p),
                       "fc.bias is a str, not a tensor"),
    "nested-dict.pth": (lambda p, s: torch.save({"state_dict": _with(s, **{"bn1.weight": {"a": s["fc.bias"]}})}, p),
                        "bn1.weight is a dict, not a tensor"),
    "nan.pth": (lambda p, s: torch.save({"state_dict": _with(s, **{"conv1.weight": s["conv1.weight"] * float("nan")})},
                                        p), "conv1.weight holds NaN or infinite values"),
    "inf.pth": (lambda p, s: torch.save({"state_dict": _with(s, **{"fc.bias": s["fc.bias"] + float("inf")})}, p),
                "fc.bias holds NaN or infinite values"),
    "wrong-shape.pth": (lambda p, s: torch.save({"state_dict": _with(s, **{"fc.weight": torch.zeros(10, 2048)})}, p),
                        "fc.weight has shape (10, 2048), the architecture expects (1000, 2048)"),
    "missing-key.pth": (lambda p, s: torch.save({"state_dict": _with(s, **{"layer4.2.bn3.weight": None})}, p),
                        "checkpoint does not fit the architecture (missing keys layer4.2.bn3.weight)"),
    "unexpected-key.pth": (lambda p, s: torch.save({"state_dict": _with(s, **{"head.0.weight": s["fc.bias"]})}, p),
                           "checkpoint does not fit the architecture (unexpected keys head.0.weight)"),
}


@pytest.mark.parametrize("file", list(MALFORMED))
def test_every_malformed_checkpoint_is_one_line_naming_the_file(file, upstream, tmp_path):
    write, problem = MALFORMED[file]
    path = tmp_path / file
    write(path, _simclr_x1_state(upstream))
    with pytest.raises(DataFileError) as info:
        load_model("simclr-resnet50x1", weights=path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    assert problem in message


def test_malformed_pycontrast_files_are_one_line_naming_the_file(upstream, tmp_path):
    root, refs = upstream
    trunk, weight, bias = refs["MoCoV2"]
    good = {"backbone": root / "MoCov2.pth", "classifier": root / "MoCov2_classifier.pth"}
    cases = {  # file -> (content, role, problem)
        "heads-only.pth": ({"model": {"module.head.0.weight": weight}}, "backbone", "no 'encoder' weights"),
        "no-model.pth": ({"state_dict": {"module.encoder.conv1.weight": trunk["conv1.weight"]}}, "backbone",
                         "expected a dict with a 'model' entry"),
        "short-trunk.pth": ({"model": {f"module.encoder.{k}": v for k, v in trunk.items() if "layer4" not in k}},
                            "backbone", "missing keys layer4.0.bn1.bias"),
        "fc-in-trunk.pth": ({"model": {**{f"module.encoder.{k}": v for k, v in trunk.items()},
                                       "module.encoder.fc.weight": weight}}, "backbone", "unexpected keys fc.weight"),
        "no-classifier.pth": ({"state": {"weight": weight}}, "classifier", "expected a dict with a 'classifier' entry"),
        "classifier-128.pth": ({"classifier": {"weight": weight[:, :128], "bias": bias}}, "classifier",
                               "weight has shape (1000, 128), the architecture expects (1000, 2048)"),
        "classifier-nan.pth": ({"classifier": {"module.weight": weight, "module.bias": bias * float("nan")}},
                               "classifier", "module.bias holds NaN"),
    }  # fmt: skip
    for file, (content, role, problem) in cases.items():
        torch.save(content, tmp_path / file)
        with pytest.raises(DataFileError) as info:
            load_model("MoCoV2", weights={**good, role: tmp_path / file})
        message = str(info.value)
        assert "\n" not in message and message.startswith(f"{tmp_path / file}: ") and problem in message, message


def test_a_malformed_cached_checkpoint_stops_evaluate_with_one_line(cache, tmp_path, capsys):
    cache.mkdir(parents=True)
    (cache / "simclr-resnet50-x1.pth").write_bytes(b"<html>Google Drive - quota exceeded</html>")
    code = main(["evaluate", "--model", "simclr-resnet50x1", "--datasets", "edge", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    # evaluate's summary may come first; the error is its last line
    line = err.strip().splitlines()[-1]
    assert line.startswith("humanlike: error: ")
    assert f"{cache / 'simclr-resnet50-x1.pth'}: not a PyTorch checkpoint (it starts with '<html>Google" in line
