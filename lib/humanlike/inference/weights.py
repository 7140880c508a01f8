"""Checkpoint files of the paper's self-supervised models: where they come from, where they are cached, how they are
read and checked.

Sources (model-vs-human ``modelvshuman/models/pytorch/...`` and PyContrast ``hubconf.py``; no upstream checksums
are published, so the sha256 of every file used is recorded instead - see :func:`file_sha256`):

* PyContrast backbones (InsDis, MoCo, MoCoV2, PIRL, InfoMin): Dropbox, ``{"model": {"module.encoder.<resnet50
  key>": ..., "module.head...": ...}}``; the ``encoder`` weights are a torchvision ResNet-50 without ``fc``.
* Their linear classifiers: model-vs-human release v0.2, ``{"classifier": <nn.Linear(2048, 1000) state dict>}``
  (keys with or without ``module.``).
* SimCLR ResNet-50 x1/x2/x4: Google Drive (fetched with ``gdown``), ``{"state_dict": <ResNet-50 with every width
  multiplied by w, torchvision key names>}``.

Files are cached in ``platformdirs.user_cache_dir("humanlike")/weights`` (``$XDG_CACHE_HOME`` is honoured) under
the names of :data:`SOURCES`; a file already there is used without any download.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import torch
from torch import nn

from ..errors import DataFileError
from ..files import atomic_write, cache_dir, file_sha256, text_sha256
from ..registry import PYCONTRAST_ZOO, SIMCLR_ZOO

__all__ = ["file_sha256"]  # one hash for every file: re-exported here for callers that know it from here

_DROPBOX = "https://www.dropbox.com/sh/87d24jqsl6ra7t2"
_RELEASE_V02 = "https://github.com/bethgelab/model-vs-human/releases/download/v0.2"
#: Google Drive download address of a file id (gdown turns it into the actual download, confirmation page included).
DRIVE_URL = "https://drive.google.com/uc?id={id}"

#: Zoo name -> the file stem that model-vs-human uses for the PyContrast model (note MoCoV2 -> MoCov2).
PYCONTRAST_FILES: Mapping[str, str] = MappingProxyType(
    {name: "MoCov2" if name == "MoCoV2" else name for name in PYCONTRAST_ZOO}
)
_PYCONTRAST_BACKBONES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {  # zoo name -> (cache file name, Dropbox address; "?dl=1" is part of it)
        "InsDis": ("InsDis.pth", f"{_DROPBOX}/AACcsSIt1_Njv7GsmsuzZ6Sta/InsDis.pth?dl=1"),
        "MoCo": ("MoCo.pth", f"{_DROPBOX}/AAB53yJAYuCrOFluygBsVKOOa/MoCo.pth?dl=1"),
        "MoCoV2": ("MoCov2.pth", f"{_DROPBOX}/AABaYuKiiZFYowa31yKeGGOQa/MoCov2.pth?dl=1"),
        "PIRL": ("PIRL.pth", f"{_DROPBOX}/AADN4jKnvTI0U5oT6hTmQZz8a/PIRL.pth?dl=1"),
        "InfoMin": ("InfoMin_800.pth", f"{_DROPBOX}/AAAzMTynP3Qc8mIE4XWkgILUa/InfoMin_800.pth?dl=1"),
    }
)

#: Zoo name -> width multiplier of SimCLR's ResNet-50.
SIMCLR_WIDTHS: Mapping[str, int] = MappingProxyType({name: int(name[-1]) for name in SIMCLR_ZOO})
_SIMCLR_DRIVE_IDS: Mapping[int, str] = MappingProxyType(
    {
        1: "1a6IO4xhWy8cdyAuWv0BxSONz7lMcKbZE",
        2: "1zI-5gdNDxK5gRiNUgbgx0RXqyDwxwWEQ",
        4: "1Pipca9LMYWK_o3bjWDo88ZMdeT07EFNN",
    }
)


@dataclass(frozen=True)
class WeightFile:
    """One upstream checkpoint: its cache file name, its download address and the host that serves it."""

    file: str
    url: str
    host: str  # "dropbox", "github" or "google-drive"
    drive_id: str | None = None

    def path(self) -> Path:
        return weights_dir() / self.file


def _pycontrast(name: str) -> dict[str, WeightFile]:
    backbone_file, backbone_url = _PYCONTRAST_BACKBONES[name]
    classifier = f"{PYCONTRAST_FILES[name]}_classifier.pth"
    return {
        "backbone": WeightFile(backbone_file, backbone_url, "dropbox"),
        "classifier": WeightFile(classifier, f"{_RELEASE_V02}/{classifier}", "github"),
    }


def _simclr(width: int) -> dict[str, WeightFile]:
    drive_id = _SIMCLR_DRIVE_IDS[width]
    return {
        "weights": WeightFile(f"simclr-resnet50-x{width}.pth", DRIVE_URL.format(id=drive_id), "google-drive", drive_id)
    }


#: Zoo name -> role ("backbone", "classifier" or "weights") -> the upstream file.
SOURCES: Mapping[str, Mapping[str, WeightFile]] = MappingProxyType(
    {
        **{name: MappingProxyType(_pycontrast(name)) for name in PYCONTRAST_FILES},
        **{name: MappingProxyType(_simclr(width)) for name, width in SIMCLR_WIDTHS.items()},
    }
)


def weights_dir() -> Path:
    """Where downloaded checkpoints are cached: ``<user cache>/humanlike/weights``."""
    return cache_dir("weights")


# --------------------------------------------------------------------------------------------- downloads
def _download_http(url: str, target: Path, progress: bool) -> None:
    import pooch

    pooch.get_logger().setLevel("WARNING")  # its "Downloading data from ..." line: stderr holds ours only
    # pooch writes into a temporary file beside the target and renames it when complete
    pooch.retrieve(url, known_hash=None, fname=target.name, path=target.parent, progressbar=progress)


def _download_drive(url: str, target: Path, progress: bool) -> None:
    import gdown

    def download(tmp: str) -> None:
        if gdown.download(url=url, output=tmp, quiet=not progress) is None:
            raise OSError("gdown returned no file")

    # gdown handles Google Drive's confirmation page for large files; we still rename only a complete file
    atomic_write(target, download)


def fetch(source: WeightFile, progress: bool = True) -> Path:
    """The local checkpoint of ``source``: the cached file if present, else downloaded once into the cache."""
    target = source.path()
    if target.is_file():
        return target
    if source.drive_id is not None:  # DRIVE_URL read now, so that a test can point it at a local server
        _download(DRIVE_URL.format(id=source.drive_id), target, progress, drive=True)
    else:
        _download(source.url, target, progress)
    return target


def _download(url: str, target: Path, progress: bool, drive: bool = False) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        (_download_drive if drive else _download_http)(url, target, progress)
    except Exception as error:  # HTTP errors, connection errors, OSError, gdown's errors: all mean "no file"
        reason = " ".join(str(error).split()) or type(error).__name__
        raise DataFileError(
            f"{target}: download from {url} failed ({reason[:200]}); download the file yourself and put it there"
        ) from None
    if not target.is_file():
        raise DataFileError(f"{target}: download from {url} left no file; download it yourself and put it there")


def resolve(source: str | Path, progress: bool = True) -> Path:
    """A user-given checkpoint: a local path (or ``file://`` URL) as it is; an http(s) URL downloaded once into
    ``weights_dir()/url/<hash of the URL>/`` (so that it never shadows an upstream file of the same name)."""
    text = str(source)
    if text.startswith("file://"):
        text = text[len("file://") :]
    elif re.match(r"^[a-z][a-z0-9+.-]*://", text):
        folder = text_sha256(text)[:16]
        target = weights_dir() / "url" / folder / (Path(text.split("?")[0]).name or "checkpoint.pth")
        if not target.is_file():
            _download(text, target, progress)
        return target
    path = Path(text).expanduser()
    if not path.is_file():
        raise DataFileError(f"{path}: checkpoint file not found")
    return path


# --------------------------------------------------------------------------------------------- reading and checks
def load_checkpoint(path: str | Path) -> object:
    """``torch.load`` with ``weights_only=True`` (argparse.Namespace allowed: PyContrast stores its options).

    An empty or unreadable file is a DataFileError naming it.
    """
    path = Path(path)
    try:
        if path.stat().st_size == 0:
            raise DataFileError(f"{path}: empty file, not a PyTorch checkpoint")
    except OSError as error:
        raise DataFileError(f"{path}: cannot read the checkpoint ({error.strerror or error})") from None
    with open(path, "rb") as f:
        head = f.read(64)
    # torch.save writes a zip archive (PK..), older versions a pickle (protocol byte 0x80); anything else - often an
    # HTML page saved by a failed download - would only get a confusing unpickling error
    if not (head.startswith(b"PK\x03\x04") or head[:1] == b"\x80"):
        shown = head[:24].decode("ascii", "replace").encode("unicode_escape").decode()
        raise DataFileError(f"{path}: not a PyTorch checkpoint (it starts with '{shown}'; a failed download?)")
    try:
        with torch.serialization.safe_globals([argparse.Namespace]):
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()] or [type(error).__name__]
        # torch's weights_only message: the useful line names the refused object
        reason = next((line for line in lines if "Unsupported global" in line), lines[0])
        raise DataFileError(f"{path}: not a readable PyTorch checkpoint ({reason[:200]})") from None


def _kind(obj: object) -> str:
    if isinstance(obj, torch.Tensor):
        return f"a bare tensor of shape {tuple(obj.shape)}"
    return f"a {type(obj).__name__}"


def state_dict(ckpt: object, path: str | Path, key: str | None, fallback: bool = False) -> dict[str, torch.Tensor]:
    """The state dict stored under ``ckpt[key]`` (``key=None``: ``ckpt`` itself; ``fallback``: ``ckpt`` itself when
    it has no ``key``), checked: a dict of string keys to finite tensors. Anything else is a one-line DataFileError."""
    if not isinstance(ckpt, Mapping):
        wanted = (
            "a state dict" if not key else f"a state dict or a dict with a {key!r} entry" if fallback
            else f"a dict with a {key!r} entry"
        )  # fmt: skip
        raise DataFileError(f"{path}: expected {wanted}, found {_kind(ckpt)}")
    state = ckpt
    if key is not None and (key in ckpt or not fallback):
        if key not in ckpt:
            found = ", ".join(repr(k) for k in list(ckpt)[:5]) or "nothing"
            raise DataFileError(f"{path}: expected a dict with a {key!r} entry, found the entries {found}")
        state = ckpt[key]
        if not isinstance(state, Mapping):
            raise DataFileError(f"{path}: the {key!r} entry should be a state dict, found {_kind(state)}")
    if not state:
        raise DataFileError(f"{path}: the state dict is empty")
    for name, value in state.items():
        if not isinstance(name, str):
            raise DataFileError(f"{path}: state-dict key {name!r} is not a string")
        if not isinstance(value, torch.Tensor):
            raise DataFileError(f"{path}: {name} is {_kind(value)}, not a tensor")
        # the sum is finite for finite weights (short of float overflow, which the exact check below rules out)
        if value.is_floating_point() and not bool(torch.isfinite(value.sum())) and not bool(value.isfinite().all()):
            raise DataFileError(f"{path}: {name} holds NaN or infinite values")
    return dict(state)


def strip_module(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Remove (Distributed)DataParallel's ``module.`` components from state-dict keys."""
    return {re.sub(r"(^|\.)module\.", r"\1", key): value for key, value in state.items()}


def _listed(keys: list[str]) -> str:
    return ", ".join(keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")


def load_strict(module: nn.Module, state: Mapping[str, torch.Tensor], label: str, skip: tuple[str, ...] = ()) -> None:
    """Load ``state`` into ``module``: every key must match in name and shape (keys starting with ``skip`` are left
    as they are and must not be in ``state``); a mismatch is a one-line DataFileError naming ``label``."""
    own = {k: v for k, v in module.state_dict().items() if not (skip and k.startswith(skip))}
    # BatchNorm's step counter does not matter in eval mode; converted checkpoints may lack it
    missing = sorted(k for k in set(own) - set(state) if not k.endswith("num_batches_tracked"))
    unexpected = sorted(set(state) - set(own))
    if missing or unexpected:
        parts = ([f"missing keys {_listed(missing)}"] if missing else []) + (
            [f"unexpected keys {_listed(unexpected)}"] if unexpected else []
        )
        raise DataFileError(f"{label}: checkpoint does not fit the architecture ({'; '.join(parts)})")
    for key, value in state.items():
        if tuple(value.shape) != tuple(own[key].shape):
            raise DataFileError(
                f"{label}: {key} has shape {tuple(value.shape)}, the architecture expects {tuple(own[key].shape)}"
            )
    module.load_state_dict(state, strict=False)


def uninitialised(build) -> nn.Module:
    """``build()`` with its parameters allocated but not initialised (for a checkpoint to fill every one of them:
    random initialisation of a 375M-parameter SimCLR x4 takes longer than reading its weights). BatchNorm's step
    counters, which checkpoints may lack, are set to zero."""
    with torch.device("meta"):
        module = build()
    module = module.to_empty(device="cpu")
    for name, buffer in module.named_buffers():
        if name.endswith("num_batches_tracked"):
            buffer.zero_()
    return module


def pycontrast_backbone_state(path: str | Path) -> dict[str, torch.Tensor]:
    """A PyContrast checkpoint's ResNet-50 trunk: the keys of ``ckpt["model"]`` that contain ``encoder``, without
    the ``module.`` and ``encoder.`` prefixes (the projection heads ``head``/``head_jig`` are dropped)."""
    state = state_dict(load_checkpoint(path), path, "model")
    encoder = {re.sub(r"^(module\.)?(encoder\.)?", "", k): v for k, v in state.items() if "encoder" in k}
    if not encoder:
        raise DataFileError(f"{path}: no 'encoder' weights in the checkpoint's 'model' entry")
    return strip_module(encoder)


def classifier_state(path: str | Path) -> dict[str, torch.Tensor]:
    """model-vs-human's linear classifier: ``ckpt["classifier"]`` with any ``module.`` prefix removed."""
    return strip_module(state_dict(load_checkpoint(path), path, "classifier"))


def simclr_state(path: str | Path) -> dict[str, torch.Tensor]:
    """A converted SimCLR checkpoint's widened ResNet-50: ``ckpt["state_dict"]`` (``module.`` removed)."""
    return strip_module(state_dict(load_checkpoint(path), path, "state_dict"))
