"""Run an ImageNet classifier on the stimuli and write per-trial CSVs like model-vs-human's published model files.

For each dataset, :func:`evaluate` writes below ``out``:

* ``raw-data/<dataset>/<dataset>_<name>_session-1.csv``: ``subj,session,trial,rt,object_response,category,
  condition,imagename`` (subj = the model name, session 1, rt NaN; condition NaN for cue-conflict, edge and
  silhouette; image names and categories as in the published model CSVs). ``humanlike.data.load_trials(
  extra_dirs=[out])`` reads these.
* ``probabilities/<dataset>/<dataset>_<name>_session-1.csv``: trial, imagename and the 16 category probabilities
  (mean softmax probability of each category's ImageNet classes; the decision is their argmax).
* ``provenance/<dataset>/<dataset>_<name>_session-1.json``: spec, weight sources and checksums, preprocessing,
  package versions, device, precision, timing, stimulus source and listing checksum.

Every file is written to a temporary file and renamed into place. While a dataset runs, finished chunks are kept in
``partial/<dataset>_<name>_session-1.partial.json``; an interrupted run resumes from there. A dataset whose CSV and
provenance exist for the same spec and images is not recomputed unless ``force=True``.

Pipeline: decoding workers open the PNGs and resize/crop them to uint8 tensors (Pillow, off the main thread); the
main thread scales and normalises each batch on the device, runs the model under ``torch.inference_mode()`` in
channels_last memory format, and maps the logits to 16-class decisions in float64 (:mod:`humanlike.decisions`).

* GPU: a torch DataLoader with ``workers`` worker processes (default min(8, cores - 1)), memory pinned for
  non-blocking copies, autocast bf16 (fp16 where bf16 is unsupported) unless ``precision="fp32"`` (then TF32 is off
  too), cuDNN picks kernels for channels_last.
* CPU: the same steps, with the decoding in ``workers`` threads (default 1) and torch's intra-op threads left at the
  number of cores; fp32 unless asked otherwise. Threads, not processes: Pillow releases the GIL while decoding, and
  a worker process forked from a process whose heap holds the model's activations makes the next forward passes
  pay copy-on-write faults (efficientnet-lite0 on 2 cores: 0.52-0.60 of the model-only rate with processes vs
  0.85-0.87 with one thread). More threads only take cores from the model. glibc's allocator is told to keep freed
  memory (:func:`tune_cpu_allocator`), which made CPU inference 2-4x faster here. channels_last is used on the CPU
  too (oneDNN runs depthwise convolutions about twice as fast with it). Measurements: ``bench/inference_speed.py``.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

from . import decisions
from .errors import DataFileError, HumanlikeError, UnknownNameError
from .models import ImageTransform, Model, check_spec, default_name, file_sha256, load_model, state_dict_sha256
from .stimuli import StimulusSet, load_stimuli

RAW_COLUMNS = ["subj", "session", "trial", "rt", "object_response", "category", "condition", "imagename"]
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
DECODERS = ("auto", "threads", "processes")
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-")


# --------------------------------------------------------------------------------------------- small helpers
def resolve_device(device: str = "auto") -> torch.device:
    """``auto``: CUDA if available, else CPU. Otherwise any torch device string (``cpu``, ``cuda:1``, ``mps``)."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise UnknownNameError(f"unknown device {device!r}; use auto, cpu, cuda, cuda:<n> or mps") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise HumanlikeError(f"device {device!r} asked for, but torch sees no CUDA GPU here")
    return resolved


def resolve_precision(precision: str, device: torch.device) -> str:
    """``auto``: bf16 on CUDA GPUs that support it (else fp16), fp32 elsewhere."""
    if precision not in PRECISIONS:
        raise UnknownNameError(f"unknown precision {precision!r}; use one of {', '.join(PRECISIONS)}")
    if precision != "auto":
        return precision
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    return "fp32"


def default_workers(device: torch.device) -> int:
    """Decoding workers: 1 thread on the CPU (the model needs the cores), up to 8 processes for a GPU."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if device.type == "cpu":
        return 1
    return max(1, min(8, cores - 1))


def output_paths(out: Path, dataset: str, name: str) -> dict[str, Path]:
    stem = f"{dataset}_{name}_session-1"
    out = Path(out)
    return {
        "csv": out / "raw-data" / dataset / f"{stem}.csv",
        "probabilities": out / "probabilities" / dataset / f"{stem}.csv",
        "provenance": out / "provenance" / dataset / f"{stem}.json",
        "partial": out / "partial" / f"{stem}.partial.json",
    }


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _versions() -> dict[str, str]:
    import PIL
    import torchvision

    from . import __version__

    return {
        "humanlike": __version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "numpy": np.__version__,
        "pillow": PIL.__version__,
        "platform": platform.platform(),
    }


def _device_description(device: torch.device) -> str:
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"
    return str(device)


# --------------------------------------------------------------------------------------------- data loading
class _Images(torch.utils.data.Dataset):
    """Decodes one image per item in a worker. Errors come back as values, so the main process can name the file."""

    def __init__(self, paths: Sequence[Path], transform: Callable, split: bool):
        self.paths, self.transform, self.split = list(paths), transform, split

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int):
        from PIL import Image

        try:
            with Image.open(self.paths[index]) as image:
                image.load()
                tensor = self.transform.to_uint8(image) if self.split else self.transform(image)
            return index, tensor, None
        except Exception as error:  # noqa: BLE001 - reported with the file name by the main process
            return index, None, f"{type(error).__name__}: {error}"


def _collate(items):
    errors = [(index, message) for index, _, message in items if message is not None]
    if errors:
        return None, None, errors
    indices = torch.tensor([index for index, _, _ in items])
    tensors = [tensor for _, tensor, _ in items]
    if all(t.ndim == 3 and t.dtype == torch.uint8 for t in tensors):
        # ImageTransform.to_uint8 returns HWC memory viewed as CHW: stack as NHWC, i.e. channels_last, no copy later
        return indices, torch.stack([t.permute(1, 2, 0) for t in tensors]).permute(0, 3, 1, 2), []
    return indices, torch.stack(tensors), []


def _process_loader(dataset: _Images, batch_size: int, workers: int, pin: bool) -> torch.utils.data.DataLoader:
    return torch.utils.data.DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=False,
        num_workers=workers,
        pin_memory=pin,
        collate_fn=_collate,
        prefetch_factor=4 if workers > 0 else None,
        persistent_workers=False,
    )


class _ThreadLoader:
    """Batches decoded by a pool of threads, ``depth`` batches ahead, in order (the CPU decoder).

    Pillow decodes and resizes with the GIL released, so the threads run beside torch's compute. Unlike worker
    processes there is no fork of a process whose heap holds the model's activations (copy-on-write faults on the
    next forward passes), no shared-memory transfer and no start-up. Closing the iterator cancels pending work.
    """

    def __init__(self, dataset: _Images, batch_size: int, threads: int, depth: int | None = None):
        self.dataset, self.batch_size = dataset, batch_size
        self.threads, self.depth = max(1, threads), depth or max(2, 2 * threads)

    def _batch(self, start: int):
        stop = min(len(self.dataset), start + self.batch_size)
        return _collate([self.dataset[i] for i in range(start, stop)])

    def __iter__(self):
        from concurrent.futures import ThreadPoolExecutor

        starts = list(range(0, len(self.dataset), self.batch_size))
        pool = ThreadPoolExecutor(self.threads, thread_name_prefix="humanlike-decode")
        try:
            pending = [pool.submit(self._batch, start) for start in starts[: self.depth]]
            following = iter(starts[self.depth :])
            while pending:
                batch = pending.pop(0).result()
                start = next(following, None)
                if start is not None:
                    pending.append(pool.submit(self._batch, start))
                yield batch
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _loader(paths, transform, split: bool, batch_size: int, workers: int, device: torch.device, decoder: str):
    """Batches ``(indices, images, errors)`` of the images at ``paths``.

    decoder ``processes``: a torch DataLoader with ``workers`` worker processes (memory pinned on CUDA);
    ``threads``: :class:`_ThreadLoader` with ``workers`` threads; ``workers=0`` decodes in the main thread.
    """
    dataset = _Images(paths, transform, split)
    if workers == 0 or decoder == "processes":
        return _process_loader(dataset, batch_size, workers, pin=device.type == "cuda")
    return _ThreadLoader(dataset, batch_size, workers)


_ALLOCATOR_TUNED = False


def tune_cpu_allocator() -> bool:
    """Let glibc's malloc keep freed memory in the process (process-wide, from now on); True if done.

    CPU inference allocates and frees its activations on every batch. By default glibc hands blocks over 128 KiB
    back to the kernel (mmap/munmap), and faulting those pages in again dominated the compute time on the 2-core
    machine this was measured on: efficientnet-lite0 30-38 -> 127-150 images/s, resnet50 21-23 -> 43-45 images/s.
    The cost is that the process keeps its peak heap until it exits. Called by :func:`evaluate` for CPU runs;
    switch it off with ``HUMANLIKE_MALLOC_TUNING=0``. A no-op where the C library is not glibc.
    """
    global _ALLOCATOR_TUNED
    if _ALLOCATOR_TUNED:
        return True
    if os.environ.get("HUMANLIKE_MALLOC_TUNING", "1") == "0":
        return False
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # pragma: no cover
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # <malloc.h>
    ok = libc.mallopt(m_mmap_threshold, 1 << 30) == 1
    _ALLOCATOR_TUNED = libc.mallopt(m_trim_threshold, 1 << 31) == 1 and ok
    return _ALLOCATOR_TUNED


# --------------------------------------------------------------------------------------------- model runner
@dataclass
class _Runner:
    """A model on its device, with the precision settings; maps batches of images to (probabilities16, decisions)."""

    model: Model
    device: torch.device
    precision: str
    _checked: bool = False

    def __post_init__(self):
        # channels_last on every device: CUDA convolutions want it, and on CPU oneDNN runs depthwise convolutions
        # about twice as fast with it (efficientnet-lite0, mobilenet_v2). Models that cannot take it (a .view() on
        # a strided activation) fall back to contiguous tensors on the first batch.
        self.channels_last = True
        self.module = self.model.module.to(self.device).eval()
        self.module.to(memory_format=torch.channels_last)
        self.split = isinstance(self.model.transform, ImageTransform)

    def autocast(self):
        if self.precision == "fp32":
            return contextlib.nullcontext()
        dtype = torch.bfloat16 if self.precision == "bf16" else torch.float16
        return torch.autocast(device_type=self.device.type, dtype=dtype)

    def _forward(self, batch: torch.Tensor) -> torch.Tensor:
        if self.channels_last and batch.ndim == 4:
            batch = batch.contiguous(memory_format=torch.channels_last)
        with self.autocast():
            return self.module(batch)

    def logits(self, batch: torch.Tensor) -> torch.Tensor:
        batch = batch.to(self.device, non_blocking=True)
        batch = self.model.transform.normalize(batch) if self.split else batch.float()
        if self._checked:
            return self._forward(batch)
        try:
            logits = self._forward(batch)
        except RuntimeError:
            if not self.channels_last:
                raise
            self.channels_last = False
            self.module.to(memory_format=torch.contiguous_format)
            logits = self._forward(batch)
        if not isinstance(logits, torch.Tensor) or logits.ndim != 2 or logits.shape[1] != 1000:
            shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
            raise HumanlikeError(
                f"{self.model.spec}: the model must return (N, 1000) ImageNet logits, it returned {shape}"
            )
        self._checked = True
        return logits

    def __call__(self, batch: torch.Tensor):
        probs, names = decisions.decide(self.logits(batch))
        return probs.cpu().numpy(), names


@contextlib.contextmanager
def _strict_fp32(device: torch.device, precision: str):
    """fp32 means fp32 on CUDA too: TF32 convolutions/matmuls off for the run."""
    if device.type != "cuda" or precision != "fp32":
        yield
        return
    saved = (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32)
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


# --------------------------------------------------------------------------------------------- writing
def _raw_csv(name: str, stimuli: StimulusSet, answers: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RAW_COLUMNS)
    for trial, (stimulus, answer) in enumerate(zip(stimuli, answers, strict=True), start=1):
        writer.writerow([name, 1, trial, "NaN", answer, stimulus.category, stimulus.condition, stimulus.imagename])
    return buffer.getvalue()


def _probabilities_csv(stimuli: StimulusSet, probabilities: np.ndarray) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["trial", "imagename", *decisions.CATEGORIES])
    for trial, (stimulus, row) in enumerate(zip(stimuli, probabilities, strict=True), start=1):
        writer.writerow([trial, stimulus.imagename, *(repr(float(p)) for p in row)])
    return buffer.getvalue()


def read_probabilities(path: str | Path):
    """A probabilities sidecar as a DataFrame (trial, imagename, the 16 categories)."""
    import pandas as pd

    return pd.read_csv(path, dtype={"imagename": str})


# --------------------------------------------------------------------------------------------- one dataset
@dataclass
class _Job:
    dataset: str
    stimuli: StimulusSet
    paths: dict[str, Path]
    identity: dict  # what a finished or partial result must match


class _Weights:
    """Weight checksums, computed once per evaluate() call and only if something runs."""

    def __init__(self, model: Model):
        self.model, self._value = model, None

    def get(self) -> dict:
        if self._value is None:
            self._value = {
                "state_dict_sha256": state_dict_sha256(self.model.module),
                "files": [{"path": str(p), "sha256": file_sha256(p)} for p in self.model.files if Path(p).is_file()],
                "sources": dict(self.model.sources),
            }
        return self._value


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _status(job: _Job, force: bool) -> str:
    """``done`` (skip), ``run``; raises when a finished result from something else would be overwritten."""
    csv_path, provenance = job.paths["csv"], _read_json(job.paths["provenance"])
    if force or not csv_path.exists():
        return "run"
    if provenance is None:
        if job.paths["partial"].exists():
            return "run"  # interrupted between writing the CSV and its provenance
        raise HumanlikeError(
            f"{csv_path}: exists without its provenance file {job.paths['provenance']}; "
            "move it away or pass force=True (--force) to overwrite it"
        )
    recorded = {key: provenance.get(key) for key in job.identity}
    if recorded != job.identity:
        differences = ", ".join(
            f"{k}: {recorded[k]!r} != {job.identity[k]!r}" for k in job.identity if recorded[k] != job.identity[k]
        )
        raise HumanlikeError(
            f"{csv_path}: already holds results of a different run ({differences}); "
            "choose another name/out or pass force=True (--force) to overwrite"
        )
    return "done"


def _load_partial(job: _Job, fingerprint: dict) -> tuple[list[str], list[list[float]]]:
    partial = _read_json(job.paths["partial"])
    if not partial or partial.get("fingerprint") != fingerprint:
        return [], []
    names = [s.imagename for s in job.stimuli]
    rows = partial.get("rows", [])
    if [r[0] for r in rows] != names[: len(rows)]:
        return [], []
    return [r[1] for r in rows], [r[2] for r in rows]


def _save_partial(job: _Job, fingerprint: dict, answers: list[str], probabilities: list[list[float]]) -> None:
    rows = [[s.imagename, a, p] for s, a, p in zip(job.stimuli, answers, probabilities)]
    _atomic_write(job.paths["partial"], json.dumps({"fingerprint": fingerprint, "rows": rows}))


def _run_job(
    job: _Job,
    runner: _Runner,
    name: str,
    weights: _Weights,
    batch_size: int,
    workers: int,
    decoder: str,
    chunk_size: int,
    on_chunk: Callable[[str, int, int], None] | None,
    progress: bool,
) -> dict:
    from tqdm.auto import tqdm

    fingerprint = {**job.identity, "weights_sha256": weights.get()["state_dict_sha256"], "precision": runner.precision}
    answers, probabilities = _load_partial(job, fingerprint)
    resumed = len(answers)
    total = len(job.stimuli)
    todo = [s.path for s in job.stimuli.stimuli[resumed:]]
    started, clock = _utcnow(), time.perf_counter()
    bar = tqdm(
        total=total, initial=resumed, desc=f"{name} {job.dataset}", unit="img", disable=not progress, leave=False
    )
    unsaved = 0
    iterator = None
    try:
        if todo:
            loader = _loader(todo, runner.model.transform, runner.split, batch_size, workers, runner.device, decoder)
            iterator = iter(loader)
            with torch.inference_mode(), _strict_fp32(runner.device, runner.precision):
                for indices, batch, errors in iterator:
                    if errors:
                        index, message = errors[0]
                        raise DataFileError(f"{todo[index]}: cannot read the image ({message})")
                    probs, names = runner(batch)
                    answers.extend(names.tolist())
                    probabilities.extend(probs.tolist())
                    bar.update(len(names))
                    unsaved += len(names)
                    if unsaved >= chunk_size and len(answers) < total:
                        _save_partial(job, fingerprint, answers, probabilities)
                        unsaved = 0
                        if on_chunk is not None:
                            on_chunk(job.dataset, len(answers), total)
    finally:
        if iterator is not None and hasattr(iterator, "_shutdown_workers"):
            iterator._shutdown_workers()  # stop decoding workers now, also on errors
        elif iterator is not None and hasattr(iterator, "close"):
            iterator.close()  # thread decoder: cancel what is queued
        bar.close()
    seconds = time.perf_counter() - clock
    if len(answers) != total:  # pragma: no cover - defensive
        raise HumanlikeError(f"{job.dataset}: got {len(answers)} results for {total} images")

    probs = np.asarray(probabilities, dtype=np.float64).reshape(total, len(decisions.CATEGORIES))
    raw = _raw_csv(name, job.stimuli, answers)
    _atomic_write(job.paths["probabilities"], _probabilities_csv(job.stimuli, probs))
    _atomic_write(job.paths["csv"], raw)
    computed = total - resumed
    source_file = job.stimuli.root / ".source.json"
    provenance = {
        **job.identity,
        "dataset": job.dataset,
        "weights": weights.get(),
        "preprocessing": repr(runner.model.transform),
        "device": _device_description(runner.device),
        "precision": runner.precision,
        "batch_size": batch_size,
        "workers": workers,
        "decoder": decoder if workers else "main thread",
        "torch_threads": torch.get_num_threads(),
        "versions": _versions(),
        "stimuli": {
            "root": str(job.stimuli.root),
            "source": job.stimuli.source,
            "archive": _read_json(source_file) if source_file.is_file() else None,
        },
        "outputs": {
            "csv": job.paths["csv"].name,
            "csv_sha256": hashlib.sha256(raw.encode()).hexdigest(),
            "probabilities": job.paths["probabilities"].name,
        },
        "started": started,
        "finished": _utcnow(),
        "resumed_from": resumed,
        "images_computed": computed,
        "seconds": round(seconds, 3),
        "images_per_second": round(computed / seconds, 2) if computed and seconds > 0 else None,
        "accuracy": float(np.mean([a == s.category for a, s in zip(answers, job.stimuli)])),
    }
    _atomic_write(job.paths["provenance"], json.dumps(provenance, indent=1) + "\n")
    with contextlib.suppress(FileNotFoundError):
        job.paths["partial"].unlink()
    with contextlib.suppress(OSError):
        job.paths["partial"].parent.rmdir()  # only if empty
    return {"images": computed, "seconds": seconds}


# --------------------------------------------------------------------------------------------- public entry point
def evaluate(
    model: str | Model,
    name: str | None = None,
    datasets: Sequence[str] | None = None,
    out: Path = Path("runs"),
    device: str = "auto",
    batch_size: int = 64,
    workers: int | None = None,
    precision: str = "auto",
    random_weights: bool = False,
    mirror: Path | None = None,
    force: bool = False,
    *,
    limit: int | None = None,
    chunk_size: int | None = None,
    on_chunk: Callable[[str, int, int], None] | None = None,
    progress: bool = True,
    decoder: str = "auto",
) -> list[Path]:
    """Evaluate ``model`` on ``datasets`` (default: all 17) and return the written (or already finished) CSV paths.

    model:          a spec for :func:`humanlike.models.load_model` (or a loaded :class:`~humanlike.models.Model`).
    name:           the model's name in the results (default: from the spec, e.g. ``torchvision:vit_b_16`` -> vit_b_16).
    out:            output directory (layout: module docstring).
    device:         ``auto`` (CUDA if available), ``cpu``, ``cuda``, ``cuda:<n>``, ``mps``.
    workers:        decoding workers (default: :func:`default_workers`; 0 decodes in the main thread): DataLoader
                    worker processes on GPUs, threads on the CPU (see ``decoder``).
    precision:      ``auto`` (bf16/fp16 autocast on CUDA, fp32 elsewhere), ``fp32``, ``bf16``, ``fp16``.
    random_weights: no weights (tests, speed benchmarks). mirror: stimuli mirror (default ``$HUMANLIKE_MIRROR``).
    force:          recompute datasets that are finished.
    limit:          only the first ``limit`` images of each dataset (tests; a different result identity).
    chunk_size:     images per checkpoint of the partial results (default: max(256, batch_size)).
    on_chunk:       called as ``on_chunk(dataset, done, total)`` after each saved checkpoint.
    progress:       tqdm bars and the summary line (stderr).
    decoder:        ``auto`` (CPU: ``threads``, else ``processes``), ``threads`` or ``processes``.

    Raises UnknownNameError (unknown model spec, dataset, device, precision; bad name), StimuliError (images not
    available, with instructions), DataFileError (an unreadable image, named), HumanlikeError (other problems).
    """
    from .data import DATASETS

    if batch_size < 1:
        raise UnknownNameError(f"batch_size must be positive, got {batch_size}")
    if workers is not None and workers < 0:
        raise UnknownNameError(f"workers must be >= 0, got {workers}")
    if decoder not in DECODERS:
        raise UnknownNameError(f"unknown decoder {decoder!r}; use one of {', '.join(DECODERS)}")
    if limit is not None and limit < 1:
        raise UnknownNameError(f"limit must be positive, got {limit}")
    datasets = list(DATASETS if datasets is None else datasets)
    unknown = [d for d in datasets if d not in DATASETS]
    if unknown:
        raise UnknownNameError(f"unknown dataset(s) {', '.join(map(repr, unknown))}; known: {', '.join(DATASETS)}")
    datasets = list(dict.fromkeys(datasets))
    spec = model.spec if isinstance(model, Model) else check_spec(model)
    if isinstance(model, Model):
        random_weights = model.random_weights
    name = name if name is not None else (model.name if isinstance(model, Model) else default_name(spec))
    if not name or not set(name) <= _NAME_CHARS:
        raise UnknownNameError(f"bad model name {name!r}: use letters, digits and . _ + - only")
    torch_device = resolve_device(device)
    resolved_precision = resolve_precision(precision, torch_device)
    workers = default_workers(torch_device) if workers is None else workers
    if decoder == "auto":
        decoder = "threads" if torch_device.type == "cpu" else "processes"
    chunk_size = chunk_size or max(256, batch_size)
    out = Path(out)

    # 1. all stimuli first: missing images fail before any model is loaded
    sets, problems = {}, []
    for dataset in datasets:
        try:
            sets[dataset] = load_stimuli(dataset, mirror=mirror, progress=progress).subset(limit)
        except HumanlikeError as error:
            problems.append((dataset, error))
    if problems:
        if len(problems) == 1:
            raise problems[0][1]
        error_type = type(problems[0][1])
        found = [d for d in datasets if d in sets]
        raise error_type(
            f"stimuli missing for {len(problems)} dataset(s): {', '.join(d for d, _ in problems)}"
            f"{'; available: ' + ', '.join(found) if found else ''}. First problem: {problems[0][1]}"
        )

    # 2. what is finished already
    jobs = []
    for dataset in datasets:
        stimuli = sets[dataset]
        identity = {
            "model": name,
            "spec": spec,
            "random_weights": bool(random_weights),
            "n_images": len(stimuli),
            "stimuli_listing_sha256": stimuli.listing_sha256(),
        }
        jobs.append(_Job(dataset, stimuli, output_paths(out, dataset, name), identity))
    todo = [job for job in jobs if _status(job, force) == "run"]

    # 3. the model, only if something is left to compute
    totals = {"images": 0, "seconds": 0.0}
    if todo:
        if isinstance(model, Model):
            loaded = model
        else:
            loaded = load_model(spec, random_weights=random_weights, progress=progress)
        runner = _Runner(loaded, torch_device, resolved_precision)
        weights = _Weights(loaded)
        if torch_device.type == "cpu":
            tune_cpu_allocator()
        for job in todo:
            result = _run_job(
                job, runner, name, weights, batch_size, workers, decoder, chunk_size, on_chunk, progress
            )
            totals["images"] += result["images"]
            totals["seconds"] += result["seconds"]
            if progress:
                rate = result["images"] / result["seconds"] if result["seconds"] > 0 else float("nan")
                print(
                    f"{name} {job.dataset}: {result['images']} images in {result['seconds']:.1f} s "
                    f"({rate:.1f} images/s)",
                    file=sys.stderr,
                )
    if progress:
        skipped = len(jobs) - len(todo)
        rate = totals["images"] / totals["seconds"] if totals["seconds"] > 0 else 0.0
        print(
            f"{name}: {len(todo)} dataset(s) evaluated, {skipped} already finished; {totals['images']} images in "
            f"{totals['seconds']:.1f} s ({rate:.1f} images/s, {torch_device}, {resolved_precision})",
            file=sys.stderr,
        )
    return [job.paths["csv"] for job in jobs]
