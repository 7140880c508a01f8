"""Where a model runs and in which precision: fidelity first.

* Device: ``auto`` takes a CUDA GPU, else Apple silicon's GPU (MPS), else the CPU (:func:`resolve_device`).
* Precision: ``fp32`` by default on every device, with TF32 (and oneDNN's reduced-precision fp32 modes) off for
  matrix products and convolutions during a run (:func:`strict_fp32`): the published model-vs-human responses were
  computed in fp32, and error consistency compares decisions image by image, so a rounding that flips one decision
  in twenty changes the results. ``bf16`` and ``fp16`` run the model under ``torch.autocast``; ``auto`` is the
  fastest low precision the device supports (bf16 on CUDA GPUs that have it, else fp16; fp32 on MPS and the CPU,
  where 16-bit autocast is not faster or not dependable).
* A low-precision run is measured: a fixed, seeded sample of each dataset's images (:data:`AGREEMENT_SAMPLE`
  images, :func:`agreement_sample`) is run again in fp32, and the share of equal decisions is printed as one line
  (:func:`agreement_line`, e.g. ``bf16: 251 of 256 sampled decisions equal fp32 (98.0%)``) and stored in the
  provenance; below :data:`AGREEMENT_THRESHOLD` the run warns that its results may not be comparable with the
  published fp32 data.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any

import numpy as np
import torch

from ..errors import HumanlikeError, UnknownNameError

DEVICES = ("auto", "cpu", "cuda", "mps")  # the choices of --device (any torch device string works in Python)
PRECISIONS = ("fp32", "bf16", "fp16", "auto")
DEFAULT_PRECISION = "fp32"
DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}

AGREEMENT_SAMPLE = 256  # images per dataset run again in fp32 when the run is bf16/fp16
AGREEMENT_SEED = 0  # the sample is the same for every run of a dataset
AGREEMENT_THRESHOLD = 0.99  # below this share of equal decisions a low-precision run warns


# --------------------------------------------------------------------------------------------- device
def mps_available() -> bool:
    """True if torch sees Apple silicon's GPU (the Metal Performance Shaders backend)."""
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def resolve_device(device: str = "auto") -> torch.device:
    """``auto``: a CUDA GPU if torch sees one, else MPS (Apple silicon), else the CPU. Otherwise any torch device
    string (``cpu``, ``cuda``, ``cuda:1``, ``mps``); a GPU asked for by name must be there."""
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps" if mps_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise UnknownNameError(f"unknown device {device!r}; use auto, cpu, cuda, cuda:<n> or mps") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise HumanlikeError(f"device {device!r} asked for, but torch sees no CUDA GPU here")
    if resolved.type == "mps" and not mps_available():
        raise HumanlikeError(f"device {device!r} asked for, but torch sees no Apple GPU (MPS) here")
    return resolved


# --------------------------------------------------------------------------------------------- precision
def resolve_precision(precision: str, device: torch.device) -> str:
    """``fp32``, ``bf16`` or ``fp16`` as given; ``auto``: bf16 on CUDA GPUs that support it, else fp16, and fp32
    on MPS and the CPU."""
    if precision not in PRECISIONS:
        raise UnknownNameError(f"unknown precision {precision!r}; use one of {', '.join(PRECISIONS)}")
    if precision != "auto":
        return precision
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    return "fp32"


def autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    """The context a forward pass runs in: nothing for fp32, ``torch.autocast`` to 16-bit floats otherwise."""
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=DTYPES[precision])


def _fp32_switches() -> list[tuple[str, Callable[[], Any], Callable[[Any], None], Any]]:
    """(name, read, write, strict value) of each torch setting that lets fp32 math run in lower precision."""
    backends = torch.backends
    if hasattr(getattr(backends.cudnn, "conv", None), "fp32_precision"):  # torch >= 2.9: one setting per backend/op
        targets = {
            "cuda.matmul": backends.cuda.matmul,
            "cudnn.conv": backends.cudnn.conv,
            "cudnn.rnn": backends.cudnn.rnn,
            "mkldnn.matmul": backends.mkldnn.matmul,
            "mkldnn.conv": backends.mkldnn.conv,
            "mkldnn.rnn": backends.mkldnn.rnn,
        }
        return [
            (name, partial(getattr, target, "fp32_precision"), partial(setattr, target, "fp32_precision"), "ieee")
            for name, target in targets.items()
        ]
    # older torch (the two APIs must not be mixed: newer torch refuses to read allow_tf32 after the other was set)
    return [  # pragma: no cover - torch < 2.9
        ("cuda.matmul.allow_tf32", partial(getattr, backends.cuda.matmul, "allow_tf32"),
         partial(setattr, backends.cuda.matmul, "allow_tf32"), False),
        ("cudnn.allow_tf32", partial(getattr, backends.cudnn, "allow_tf32"),
         partial(setattr, backends.cudnn, "allow_tf32"), False),
        ("float32_matmul_precision", torch.get_float32_matmul_precision, torch.set_float32_matmul_precision,
         "highest"),
    ]  # fmt: skip


def fp32_math() -> dict[str, Any]:
    """torch's settings for fp32 matrix products and convolutions, as they are now (recorded in provenance)."""
    return {name: read() for name, read, _write, _strict in _fp32_switches()}


def tf32_allowed(settings: dict[str, Any]) -> bool:
    """True if any of :func:`fp32_math`'s ``settings`` lets fp32 math run in TF32 (or another reduced mode)."""
    strict = {name: value for name, _read, _write, value in _fp32_switches()}
    return any(settings.get(name) != value for name, value in strict.items())


@contextlib.contextmanager
def strict_fp32() -> Iterator[None]:
    """fp32 means fp32 on every device: TF32 off for matrix products and convolutions (CUDA), oneDNN's bf16/TF32
    modes off (CPU), float32 matmul precision "highest"; the previous settings come back afterwards. Applies to the
    fp32 parts of a bf16/fp16 run too."""
    switches = _fp32_switches()
    saved = [(write, read()) for _name, read, write, _strict in switches]
    try:
        for _name, _read, write, strict in switches:
            write(strict)
        yield
    finally:
        for write, value in saved:
            write(value)


# --------------------------------------------------------------------------------------------- agreement
def agreement_sample(n_images: int, size: int = AGREEMENT_SAMPLE) -> np.ndarray:
    """Positions (sorted) of the images a low-precision run evaluates again in fp32: ``min(size, n_images)`` of
    ``n_images``, drawn without replacement with the fixed seed :data:`AGREEMENT_SEED` (the same for every run).

    >>> agreement_sample(5, size=10).tolist()
    [0, 1, 2, 3, 4]
    >>> bool((agreement_sample(1000, size=8) == agreement_sample(1000, size=8)).all())
    True
    """
    if n_images < 0 or size < 1:
        raise ValueError(f"need n_images >= 0 and size >= 1, got {n_images} and {size}")
    rng = np.random.default_rng(AGREEMENT_SEED)
    return np.sort(rng.choice(n_images, size=min(size, n_images), replace=False))


def share_text(equal: int, sampled: int) -> str:
    """``equal / sampled`` as a percentage with one decimal, rounded down (99.96% is not shown as 100.0%).

    >>> share_text(251, 256), share_text(2499, 2500), share_text(3, 3)
    ('98.0%', '99.9%', '100.0%')
    """
    return f"{math.floor(1000 * equal / sampled) / 10:.1f}%"


def agreement_line(precision: str, equal: int, sampled: int) -> str:
    """``bf16: 251 of 256 sampled decisions equal fp32 (98.0%)``."""
    return f"{precision}: {equal} of {sampled} sampled decisions equal fp32 ({share_text(equal, sampled)})"


def measured_agreement(precision: str, names: Sequence[str], low: Sequence[str], fp32: Sequence[str]) -> dict:
    """The provenance record of a low-precision run: the decisions ``low`` (of the run) and ``fp32`` (the same
    sampled images, ``names``, in fp32) compared one by one."""
    if not len(names) == len(low) == len(fp32) or not names:
        raise ValueError("names, low and fp32 must be non-empty and of the same length")
    differing = [name for name, a, b in zip(names, low, fp32) if a != b]
    equal = len(names) - len(differing)
    return {
        "precision": precision,
        "reference": "fp32",
        "sampled": len(names),
        "equal": equal,
        "share": equal / len(names),
        "seed": AGREEMENT_SEED,
        "threshold": AGREEMENT_THRESHOLD,
        "differing": differing,
        "line": agreement_line(precision, equal, len(names)),
    }
