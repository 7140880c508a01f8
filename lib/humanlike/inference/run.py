"""Run an ImageNet classifier on the stimuli and write per-trial CSVs like model-vs-human's published model files.

For each dataset, :func:`evaluate` writes below ``out``:

* ``raw-data/<dataset>/<dataset>_<name>_session-1.csv``: ``subj,session,trial,rt,object_response,category,
  condition,imagename`` (subj = the model name, session 1, rt NaN; condition NaN for cue-conflict, edge and
  silhouette; image names and categories as in the published model CSVs). ``humanlike.data.load_trials(
  extra_dirs=[out])`` reads these.
* ``probabilities/<dataset>/<dataset>_<name>_session-1.csv``: trial, imagename and the 16 category probabilities
  (mean softmax probability of each category's ImageNet classes; the decision is their argmax).
* ``provenance/<dataset>/<dataset>_<name>_session-1.json``: spec, weight sources and checksums, preprocessing,
  package versions, device, precision, the fp32 math settings (``tf32``: false, ``fp32_math``), for bf16/fp16 runs
  the agreement of a fixed sample's decisions with fp32 (``agreement``), timing, stimulus source and listing
  checksum.

Files are written as :mod:`humanlike.inference.outputs` describes: atomically, with normal permissions, the three files of a
dataset all or none. While a dataset runs, finished chunks are kept in
``partial/<dataset>_<name>_session-1.partial.json``; an interrupted run resumes from there. A dataset whose CSV and
provenance exist for the same spec and images, and whose files still have the sha256 recorded in the provenance, is
not recomputed unless ``force=True``. Nothing is written for a dataset where the model gives NaN or infinite
logits. Errors raised by the code of a ``python:`` model are reported as the user's (``your model factory
raised ...``). :func:`evaluate_report` goes on past a failing dataset (``keep_going``), for runs of many models.

Pipeline: decoding workers open the PNGs and resize/crop them to uint8 tensors (Pillow, off the main thread); the
main thread scales and normalises each batch on the device, runs the model under ``torch.inference_mode()`` in
channels_last memory format, and maps the logits to 16-class decisions in float64 (:mod:`humanlike.inference.decisions`).

Precision (:mod:`humanlike.inference.precision`): fp32 on every device unless ``precision`` asks for bf16/fp16
autocast, with TF32 off for matrix products and convolutions during the run (also in bf16/fp16 runs, for the
operations autocast leaves in fp32); a bf16/fp16 run also evaluates a fixed seeded sample of each dataset in fp32
and reports how many decisions agree.

* CUDA GPU: a torch DataLoader with ``workers`` worker processes (default min(8, cores - 1)), memory pinned for
  non-blocking copies, cuDNN picks kernels for channels_last.
* MPS (Apple silicon): decoding in up to 8 threads.
* CPU: the same steps, with the decoding in ``workers`` threads (default 1) and torch's intra-op threads left at the
  number of cores. Threads, not processes: Pillow releases the GIL while decoding, and
  a worker process forked from a process whose heap holds the model's activations makes the next forward passes
  pay copy-on-write faults (efficientnet-lite0 on 2 cores: 0.52-0.60 of the model-only rate with processes vs
  0.85-0.87 with one thread). More threads only take cores from the model. glibc's allocator is told to keep freed
  memory (:func:`tune_cpu_allocator`), which made CPU inference 2-4x faster here. channels_last is used on the CPU
  too (oneDNN runs depthwise convolutions about twice as fast with it). Measurements: ``bench/inference_speed.py``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import decisions
from ..errors import DataFileError, HumanlikeError, UnknownNameError, error_line
from .loading import loader
from .models import ImageTransform, Model, check_spec, default_name, file_sha256, load_model, state_dict_sha256
from ..data.names import check_user_model_name
from ..files import text_sha256
from .outputs import (  # noqa: F401 - output_paths, read_probabilities and RAW_COLUMNS are public here too
    RAW_COLUMNS,
    atomic_write,
    check_out_dir,
    finished,
    output_paths,
    probabilities_csv,
    raw_csv,
    read_json,
    read_probabilities,
    result_lock,
    write_together,
)
from .precision import (  # noqa: F401 - resolve_device, resolve_precision and PRECISIONS are public here too
    AGREEMENT_SAMPLE,
    AGREEMENT_THRESHOLD,
    DEFAULT_PRECISION,
    PRECISIONS,
    agreement_line,
    agreement_sample,
    autocast,
    fp32_math,
    measured_agreement,
    resolve_device,
    resolve_precision,
    share_text,
    strict_fp32,
    tf32_allowed,
)
from .stimuli import StimulusSet, load_stimuli
from ..text import note, warn

DECODERS = ("auto", "threads", "processes")


# --------------------------------------------------------------------------------------------- small helpers
def default_workers(device: torch.device) -> int:
    """Decoding workers: 1 thread on the CPU (the model needs the cores), up to 8 for a GPU (processes on CUDA,
    threads on MPS)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if device.type == "cpu":
        return 1
    return max(1, min(8, cores - 1))


def _utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _versions() -> dict[str, str]:
    import PIL
    import torchvision

    from .. import __version__

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
    if device.type == "mps":
        return f"{device} (Apple GPU, {platform.machine()})"
    return str(device)


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

    def _forward(self, batch: torch.Tensor) -> torch.Tensor:
        if self.channels_last and batch.ndim == 4:
            batch = batch.contiguous(memory_format=torch.channels_last)
        with autocast(self.device, self.precision):
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
        with user_code(self.model.spec, "forward pass"):
            logits = self.logits(batch)
        # NaN/inf would become a NaN probability row and an arbitrary argmax decision: stop instead
        finite = torch.isfinite(logits).all(dim=1)
        if not bool(finite.all()):
            raise _NonFinite(int((~finite).nonzero()[0, 0]))
        probs, names = decisions.decide(logits)
        return probs.cpu().numpy(), names


class _NonFinite(Exception):
    """NaN or infinite logits for the image at ``position`` of the batch (named by the caller)."""

    def __init__(self, position: int):
        super().__init__(position)
        self.position = position


def is_user_code(spec: str) -> bool:
    """True for models whose code the user wrote (``python:`` specs): their errors are reported as theirs."""
    return isinstance(spec, str) and spec.startswith("python:")


@contextlib.contextmanager
def user_code(spec: str, what: str):
    """Errors raised inside a user's model code become one line naming the spec: ``your model factory raised ...``.

    Only for ``python:`` specs; our own errors and interrupts pass unchanged. The original exception stays
    attached (``__cause__``) for ``HUMANLIKE_DEBUG=1``.
    """
    if not is_user_code(spec):
        yield
        return
    argv, stderr, captured = sys.argv, sys.stderr, io.StringIO()
    # The user's code sees no humanlike command line (an argparse in it would read ours and exit), and what it
    # prints on stderr is held back: on success it follows, on failure its last line joins our one line.
    sys.argv, sys.stderr = [spec], captured
    ok = False
    try:
        yield
        ok = True
    except HumanlikeError:
        raise
    except (Exception, SystemExit) as error:  # SystemExit: sys.exit() or argparse's exit in the user's code
        said = [line for line in captured.getvalue().splitlines() if line.strip()]
        printed = f" after printing {said[-1].strip()!r}" if said else ""
        raise HumanlikeError(f"{spec}: your model {what} raised {error_line(error)}{printed}") from error
    finally:
        sys.argv, sys.stderr = argv, stderr
        if ok and captured.getvalue():
            stderr.write(captured.getvalue())


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


def _load_partial(job: _Job, fingerprint: dict) -> tuple[list[str], list[list[float]]]:
    partial = read_json(job.paths["partial"])
    if not partial or partial.get("fingerprint") != fingerprint:
        return [], []
    names = [s.imagename for s in job.stimuli]
    rows = partial.get("rows", [])
    if [r[0] for r in rows] != names[: len(rows)]:
        return [], []
    return [r[1] for r in rows], [r[2] for r in rows]


def _save_partial(job: _Job, fingerprint: dict, answers: list[str], probabilities: list[list[float]]) -> None:
    rows = [[s.imagename, a, p] for s, a, p in zip(job.stimuli, answers, probabilities)]
    atomic_write(job.paths["partial"], json.dumps({"fingerprint": fingerprint, "rows": rows}))


def _decided(runner: _Runner, paths: Sequence[Path], name: str, dataset: str, batch_size: int, workers: int,
             decoder: str) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(probabilities16, decisions) of each batch of the images at ``paths``, in order. Use it in
    ``contextlib.closing``: closing stops the decoding workers, also after an error."""
    iterator = iter(loader(paths, runner.model.transform, runner.split, batch_size, workers, runner.device, decoder))
    try:
        for indices, batch, errors in iterator:
            if errors:
                index, (stage, message) = errors[0]
                if stage == "transform" and is_user_code(runner.model.spec):
                    raise HumanlikeError(
                        f"{runner.model.spec}: your model transform raised {message} (image {paths[index]})"
                    )
                what = "read" if stage == "read" else "transform"
                raise DataFileError(f"{paths[index]}: cannot {what} the image ({message})")
            try:
                yield runner(batch)
            except _NonFinite as bad:
                image = paths[int(indices[bad.position])]
                low = runner.precision != "fp32"
                hint = "broken weights?" + (" with --precision fp16/bf16 try fp32" if low else "")
                raise HumanlikeError(
                    f"{name}: the model gave NaN or infinite logits, first for image {image}; nothing "
                    f"written for {dataset} ({hint})"
                ) from None
    finally:
        if hasattr(iterator, "_shutdown_workers"):
            iterator._shutdown_workers()  # stop decoding workers now, also on errors
        elif hasattr(iterator, "close"):
            iterator.close()  # thread decoder: cancel what is queued


def _agreement(job: _Job, runner: _Runner, name: str, answers: Sequence[str], batch_size: int, size: int) -> dict:
    """A low-precision run's decisions on the fixed sample of the dataset's images, compared with fp32 ones."""
    positions = agreement_sample(len(job.stimuli), size)
    sampled = [job.stimuli.stimuli[i] for i in positions]
    clock = time.perf_counter()
    low_precision, runner.precision = runner.precision, "fp32"
    try:  # decoded in the main thread: a few hundred images do not pay for starting workers
        batches = _decided(runner, [s.path for s in sampled], name, job.dataset, batch_size, 0, "threads")
        with contextlib.closing(batches):
            fp32 = [decision for _probs, names in batches for decision in names.tolist()]
    finally:
        runner.precision = low_precision
    record = measured_agreement(low_precision, [s.imagename for s in sampled], [answers[i] for i in positions], fp32)
    return {**record, "seconds": round(time.perf_counter() - clock, 3)}


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
    sample_size: int = AGREEMENT_SAMPLE,
) -> dict:
    from tqdm.auto import tqdm

    fingerprint = {**job.identity, "weights_sha256": weights.get()["state_dict_sha256"]}
    answers, probabilities = _load_partial(job, fingerprint)
    resumed = len(answers)
    total = len(job.stimuli)
    todo = [s.path for s in job.stimuli.stimuli[resumed:]]
    started, clock = _utcnow(), time.perf_counter()
    bar = tqdm(
        total=total, initial=resumed, desc=f"{name} {job.dataset}", unit="img", disable=not progress, leave=False
    )
    unsaved = 0
    agreement = None
    try:
        with torch.inference_mode(), strict_fp32():
            math_settings = fp32_math()  # as they are during the run
            batches = _decided(runner, todo, name, job.dataset, batch_size, workers, decoder) if todo else iter(())
            with contextlib.closing(batches):
                for probs, names in batches:
                    answers.extend(names.tolist())
                    probabilities.extend(probs.tolist())
                    bar.update(len(names))
                    unsaved += len(names)
                    if unsaved >= chunk_size and len(answers) < total:
                        _save_partial(job, fingerprint, answers, probabilities)
                        unsaved = 0
                        if on_chunk is not None:
                            on_chunk(job.dataset, len(answers), total)
            seconds = time.perf_counter() - clock
            if runner.precision != "fp32" and len(answers) == total:
                agreement = _agreement(job, runner, name, answers, batch_size, sample_size)
    finally:
        bar.close()
    if len(answers) != total:  # pragma: no cover - defensive
        raise HumanlikeError(f"{job.dataset}: got {len(answers)} results for {total} images")

    probs = np.asarray(probabilities, dtype=np.float64).reshape(total, len(decisions.CATEGORIES))
    raw = raw_csv(name, job.stimuli, answers)
    probabilities_text = probabilities_csv(job.stimuli, probs)
    computed = total - resumed
    source_file = job.stimuli.root / ".source.json"
    provenance = {
        **job.identity,
        "dataset": job.dataset,
        "weights": weights.get(),
        "preprocessing": repr(runner.model.transform),
        "device": _device_description(runner.device),
        "tf32": tf32_allowed(math_settings),
        "fp32_math": math_settings,
        "agreement": agreement,
        "batch_size": batch_size,
        "workers": workers,
        "decoder": decoder if workers else "main thread",
        "torch_threads": torch.get_num_threads(),
        "versions": _versions(),
        "stimuli": {
            "root": str(job.stimuli.root),
            "source": job.stimuli.source,
            "archive": read_json(source_file) if source_file.is_file() else None,
        },
        "outputs": {
            "csv": job.paths["csv"].name,
            "csv_sha256": text_sha256(raw),
            "probabilities": job.paths["probabilities"].name,
            "probabilities_sha256": text_sha256(probabilities_text),
        },
        "started": started,
        "finished": _utcnow(),
        "resumed_from": resumed,
        "images_computed": computed,
        "seconds": round(seconds, 3),
        "images_per_second": round(computed / seconds, 2) if computed and seconds > 0 else None,
        "accuracy": float(np.mean([a == s.category for a, s in zip(answers, job.stimuli)])),
    }
    # all three or none: a CSV never survives without the provenance that vouches for it
    write_together(
        {
            job.paths["probabilities"]: probabilities_text,
            job.paths["csv"]: raw,
            job.paths["provenance"]: json.dumps(provenance, indent=1) + "\n",
        }
    )
    with contextlib.suppress(FileNotFoundError):
        job.paths["partial"].unlink()
    with contextlib.suppress(OSError):
        job.paths["partial"].parent.rmdir()  # only if empty
    return {"images": computed, "seconds": seconds, "agreement": agreement}


# --------------------------------------------------------------------------------------------- public entry points
@dataclass
class Report:
    """What :func:`evaluate_report` did for one model: per dataset finished before, computed now, or failed."""

    name: str
    spec: str
    datasets: list[str]
    paths: list[Path]  # the CSV of each dataset, in the order of ``datasets``
    skipped: list[str]  # finished before (checked against their provenance)
    computed: list[str]
    failed: dict[str, str]  # dataset -> one-line reason
    agreement: dict[str, dict] = field(default_factory=dict)  # bf16/fp16 runs: computed dataset -> fp32 agreement

    @property
    def done(self) -> list[str]:
        return [d for d in self.datasets if d in self.skipped or d in self.computed]


def _say_agreement(name: str, precision: str, agreement: dict[str, dict]) -> None:
    """One line for the model's low-precision run over the datasets it computed; a warning below the threshold."""
    equal = sum(record["equal"] for record in agreement.values())
    sampled = sum(record["sampled"] for record in agreement.values())
    where = next(iter(agreement)) if len(agreement) == 1 else f"{len(agreement)} datasets"
    note(f"{name} ({where}): {agreement_line(precision, equal, sampled)}")
    low = {dataset: r for dataset, r in agreement.items() if r["share"] < AGREEMENT_THRESHOLD}
    if low:
        shares = ", ".join(f"{dataset} {share_text(r['equal'], r['sampled'])}" for dataset, r in low.items())
        warn(
            f"{name}: {precision} decisions equal fp32 on fewer than {AGREEMENT_THRESHOLD:.0%} of the sampled images "
            f"({shares}); these results may not be comparable with the published fp32 data (--precision fp32)"
        )


def _failure(error: BaseException) -> str:
    if os.environ.get("HUMANLIKE_DEBUG") == "1":
        traceback.print_exception(error, file=sys.stderr)
    return error_line(error)


def evaluate(model: str | Model, *args: Any, **options: Any) -> list[Path]:
    """Evaluate ``model`` on ``datasets`` (default: all 17) and return the written (or already finished) CSV paths.

    The parameters, positional or by name, are those of :func:`evaluate_report`; the first problem raises.
    """
    return evaluate_report(model, *args, **options).paths


def evaluate_report(
    model: str | Model,
    name: str | None = None,
    datasets: Sequence[str] | None = None,
    out: Path = Path("runs"),
    device: str = "auto",
    batch_size: int = 64,
    workers: int | None = None,
    precision: str = DEFAULT_PRECISION,
    random_weights: bool = False,
    mirror: Path | None = None,
    force: bool = False,
    *,
    limit: int | None = None,
    chunk_size: int | None = None,
    on_chunk: Callable[[str, int, int], None] | None = None,
    progress: bool = True,
    decoder: str = "auto",
    keep_going: bool = False,
    agreement_sample: int = AGREEMENT_SAMPLE,
) -> Report:
    """Evaluate ``model`` on ``datasets`` (default: all 17); a :class:`Report` of what was done.

    model:          a spec for :func:`humanlike.inference.models.load_model` (or a loaded :class:`~humanlike.inference.models.Model`).
    name:           the model's name in the results (default: from the spec, e.g. ``torchvision:vit_b_16`` -> vit_b_16).
    out:            output directory (layout: module docstring); checked to be writable before any model work.
    device:         ``auto`` (a CUDA GPU, else Apple silicon's MPS, else the CPU), ``cpu``, ``cuda``,
                    ``cuda:<n>``, ``mps``.
    workers:        decoding workers (default: :func:`default_workers`; 0 decodes in the main thread): DataLoader
                    worker processes on CUDA GPUs, threads elsewhere (see ``decoder``).
    precision:      ``fp32`` (default; TF32 off, as the published responses were computed), ``bf16`` or ``fp16``
                    (autocast; faster on GPUs, some decisions change: see ``agreement_sample``), ``auto`` (the
                    fastest low precision of the device: bf16, else fp16 on CUDA; fp32 on MPS and the CPU).
    random_weights: no weights (tests, speed benchmarks). mirror: stimuli mirror (default ``$HUMANLIKE_MIRROR``).
    force:          recompute datasets that are finished.
    limit:          only the first ``limit`` images of each dataset (tests; a different result identity).
    chunk_size:     images per checkpoint of the partial results (default: max(256, batch_size)).
    on_chunk:       called as ``on_chunk(dataset, done, total)`` after each saved checkpoint.
    progress:       tqdm bars and the summary line (stderr).
    decoder:        ``auto`` (CUDA: ``processes``, else ``threads``), ``threads`` or ``processes``.
    agreement_sample: bf16/fp16 runs evaluate this many images of each dataset again in fp32 (a fixed seeded
                    sample, :func:`humanlike.inference.precision.agreement_sample`), print the share of equal
                    decisions (``bf16: 251 of 256 sampled decisions equal fp32 (98.0%)``), store it in the
                    provenance (``agreement``) and in ``Report.agreement``, and warn below 99%
                    (:data:`~humanlike.inference.precision.AGREEMENT_THRESHOLD`).
    keep_going:     a dataset that fails (its stimuli, its finished files, NaN logits, ...) is recorded in
                    ``Report.failed`` and the others go on; a model that cannot be loaded fails every dataset
                    left to compute. Otherwise the first problem raises.

    Raises UnknownNameError (unknown model spec, dataset, device, precision; bad name; a file in the way of
    ``out``), StimuliError (images not available, with instructions, or not the dataset's), DataFileError (an
    unreadable image, a finished file that no longer matches its recorded sha256), HumanlikeError (other problems:
    ``out`` not writable, NaN logits, errors raised by a ``python:`` model's own code).
    """
    from ..registry import DATASETS

    if batch_size < 1:
        raise UnknownNameError(f"batch_size must be positive, got {batch_size}")
    if workers is not None and workers < 0:
        raise UnknownNameError(f"workers must be >= 0, got {workers}")
    if decoder not in DECODERS:
        raise UnknownNameError(f"unknown decoder {decoder!r}; use one of {', '.join(DECODERS)}")
    if limit is not None and limit < 1:
        raise UnknownNameError(f"limit must be positive, got {limit}")
    if agreement_sample < 1:
        raise UnknownNameError(f"agreement_sample must be positive, got {agreement_sample}")
    datasets = list(DATASETS if datasets is None else datasets)
    unknown = [d for d in datasets if d not in DATASETS]
    if unknown:
        raise UnknownNameError(f"unknown dataset(s) {', '.join(map(repr, unknown))}; known: {', '.join(DATASETS)}")
    datasets = list(dict.fromkeys(datasets))
    spec = model.spec if isinstance(model, Model) else check_spec(model)
    if isinstance(model, Model):
        random_weights = model.random_weights
    where = "--name" if name is not None else f"model {spec}"
    name = name if name is not None else (model.name if isinstance(model, Model) else default_name(spec))
    check_user_model_name(name, where, spec=spec)  # the one naming rule (humanlike.data.names), before any work
    torch_device = resolve_device(device)
    resolved_precision = resolve_precision(precision, torch_device)
    workers = default_workers(torch_device) if workers is None else workers
    if decoder == "auto":  # processes only where decoding must keep a CUDA GPU fed (module docstring)
        decoder = "processes" if torch_device.type == "cuda" else "threads"
    chunk_size = chunk_size or max(256, batch_size)
    out = check_out_dir(out)
    report = Report(name, spec, datasets, [output_paths(out, d, name)["csv"] for d in datasets], [], [], {})
    with result_lock(out, name):  # one writer per result: a second evaluation of this name into out is refused

        # 1. all stimuli first: missing images fail before any model is loaded
        sets, problems = {}, []
        for dataset in datasets:
            try:
                sets[dataset] = load_stimuli(dataset, mirror=mirror, progress=progress).subset(limit)
            except HumanlikeError as error:
                problems.append((dataset, error))
        if problems and keep_going:
            report.failed.update({dataset: error_line(error) for dataset, error in problems})
        elif problems:
            if len(problems) == 1:
                raise problems[0][1]
            error_type = type(problems[0][1])
            found = [d for d in datasets if d in sets]
            raise error_type(
                f"stimuli missing for {len(problems)} dataset(s): {', '.join(d for d, _ in problems)}"
                f"{'; available: ' + ', '.join(found) if found else ''}. First problem: {problems[0][1]}"
            )

        # 2. what is finished already (and still intact)
        todo = []
        for dataset in (d for d in datasets if d in sets):
            stimuli = sets[dataset]
            identity = {
                "model": name,
                "spec": spec,
                "random_weights": bool(random_weights),
                "precision": resolved_precision,  # a finished fp32 result is never taken for a bf16 one, nor back
                "n_images": len(stimuli),
                "stimuli_listing_sha256": stimuli.listing_sha256(),
            }
            job = _Job(dataset, stimuli, output_paths(out, dataset, name), identity)
            try:
                done = finished(job.paths, identity, force)
            except HumanlikeError as error:
                if not keep_going:
                    raise
                report.failed[dataset] = error_line(error)
                continue
            if done:
                report.skipped.append(dataset)
            else:
                todo.append(job)

        # 3. the model, only if something is left to compute
        totals = {"images": 0, "seconds": 0.0}
        if todo:
            try:
                if isinstance(model, Model):
                    loaded = model
                else:
                    with user_code(spec, "factory"):
                        loaded = load_model(spec, random_weights=random_weights, progress=progress)
                runner = _Runner(loaded, torch_device, resolved_precision)
            except Exception as error:
                if not keep_going or isinstance(error, UnknownNameError):  # a bad spec is a usage error: raise it
                    raise
                report.failed.update({job.dataset: _failure(error) for job in todo})
                todo = []
            else:
                weights = _Weights(loaded)
                if torch_device.type == "cpu":
                    tune_cpu_allocator()
        for job in todo:
            try:
                result = _run_job(
                    job, runner, name, weights, batch_size, workers, decoder, chunk_size, on_chunk, progress,
                    agreement_sample,
                )
            except Exception as error:
                if not keep_going:
                    raise
                report.failed[job.dataset] = _failure(error)
                continue
            report.computed.append(job.dataset)
            if result["agreement"] is not None:
                report.agreement[job.dataset] = result["agreement"]
            totals["images"] += result["images"]
            totals["seconds"] += result["seconds"]
            if progress:
                rate = result["images"] / result["seconds"] if result["seconds"] > 0 else float("nan")
                print(
                    f"{name} {job.dataset}: {result['images']} images in {result['seconds']:.1f} s "
                    f"({rate:.1f} images/s)",
                    file=sys.stderr,
                )
        if report.agreement:  # always said: it is about the results, not the progress
            _say_agreement(name, resolved_precision, report.agreement)
        if progress:
            rate = totals["images"] / totals["seconds"] if totals["seconds"] > 0 else 0.0
            failed = f", {len(report.failed)} failed" if report.failed else ""
            print(
                f"{name}: {len(report.computed)} dataset(s) evaluated, {len(report.skipped)} already finished{failed}; "
                f"{totals['images']} images in {totals['seconds']:.1f} s ({rate:.1f} images/s, {torch_device}, "
                f"{resolved_precision})",
                file=sys.stderr,
            )
        return report
