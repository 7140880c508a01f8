"""Evaluate many models into one output folder: the paper's zoo, a list of specs, one after the other or on Dask.

:func:`evaluate_models` checks everything that can be checked before any model work (every spec, the datasets,
``out``, the stimuli of every dataset, downloaded here once), then runs one task per model,
:func:`evaluate_model`, either in this process or on a Dask cluster (:func:`run_on_dask`). A task never
raises for a model's problem: it returns an :class:`Outcome` saying which datasets are done and why the others
failed, so one failing model does not stop the others. Finished model x dataset results are skipped (resumable);
the files are the same whichever way the tasks ran. :func:`summary` is the closing table.

On Dask (``humanlike evaluate ... --dask ADDRESS``): ``--dask local:N`` starts a :class:`distributed.LocalCluster`
of N worker processes on this machine (one thread each, torch's threads shared out among them; with GPUs, worker
i uses GPU i modulo their number). Any other address (``tcp://host:8786``) is an existing scheduler, e.g. of a
dask-jobqueue ``SLURMCluster`` (README). Workers that declare a ``GPU`` resource (``dask worker ... --resources
GPU=1``) get one task at a time each: every task asks for ``GPU=1`` when any worker has that resource. Each task
is :func:`evaluate_model`, writing the same files as a sequential run (byte for byte; only the provenance's timings
and device differ); a task lost with its worker (killed for memory, crashed) is reported as that model's failure.
Workers need humanlike installed and the same ``--out`` (and mirror or stimulus cache) paths: a shared file system
on a cluster. Needs the optional packages ``dask`` and ``distributed``: ``pip install 'humanlike[dask]'``.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import re
import sys
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ..data.names import check_user_model_name
from ..errors import HumanlikeError, UnknownNameError
from ..files import MIRROR_ENV
from ..registry import DATASETS, PAPER_ZOO, zoo_names
from ..text import terminal_text
from .models import check_spec, default_name
from .precision import DEFAULT_PRECISION
from .run import _failure, check_out_dir, error_line, evaluate_report, resolve_device, resolve_precision
from .stimuli import load_stimuli

ZOOS = ("paper", "all")


def paper_zoo() -> tuple[str, ...]:
    """The 32 models of Geirhos et al. (2020): 24 supervised torchvision models, 5 PyContrast models, 3 SimCLRs."""
    return tuple(PAPER_ZOO)


def zoo_specs(zoo: str) -> list[str]:
    """The specs of a zoo: ``paper`` (the paper's 32 models) or ``all`` (every zoo name the tool knows)."""
    if zoo == "paper":
        return list(paper_zoo())
    if zoo == "all":
        return list(dict.fromkeys([*paper_zoo(), *zoo_names()]))
    raise UnknownNameError(f"--zoo: unknown zoo {zoo!r}; use one of {', '.join(ZOOS)}")


@dataclass(frozen=True)
class Options:
    """Everything :func:`humanlike.inference.run.evaluate_report` takes besides the model, as plain values (a Dask task
    carries them to another machine)."""

    datasets: tuple[str, ...]
    out: str
    device: str = "auto"
    batch_size: int = 64
    workers: int | None = None
    precision: str = DEFAULT_PRECISION  # fp32: as the published responses were computed
    random_weights: bool = False
    mirror: str | None = None
    force: bool = False
    limit: int | None = None
    progress: bool = True
    decoder: str = "auto"


@dataclass
class Outcome:
    """What became of one model: datasets done (finished before or computed now) and failed (dataset -> why)."""

    spec: str
    name: str
    datasets: list[str]
    done: list[str] = field(default_factory=list)
    computed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    usage_error: bool = False  # failed because of how the model was asked for (an unknown name, a bad spec)

    @property
    def ok(self) -> bool:
        return not self.failed and len(self.done) == len(self.datasets)

    def why(self) -> str:
        """The failures on one line; one reason shared by every failed dataset is said once."""
        reasons = list(dict.fromkeys(self.failed.values()))
        if len(reasons) == 1 and len(self.failed) == len(self.datasets):
            return reasons[0]
        if len(reasons) == 1:
            return f"{', '.join(self.failed)}: {reasons[0]}"
        return "; ".join(f"{dataset}: {reason}" for dataset, reason in self.failed.items())


def _free_memory() -> None:
    gc.collect()
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except Exception:  # noqa: BLE001 - freeing memory must never fail a run
        pass


def evaluate_model(spec: str, name: str, options: Options) -> Outcome:
    """Evaluate one model on ``options.datasets`` (a task: it returns its failures instead of raising them).

    Only an interrupt (KeyboardInterrupt) escapes. Runs wherever it is called: in this process, or on a Dask worker.
    """
    outcome = Outcome(spec, name, list(options.datasets))
    kwargs = asdict(options)
    kwargs["datasets"] = list(options.datasets)
    try:
        report = evaluate_report(spec, name=name, keep_going=True, **kwargs)  # holds the result's lock
    except Exception as error:  # a model-wide problem (a refused argument, out not writable): every dataset fails
        outcome.failed = {dataset: _failure(error) for dataset in options.datasets}
        outcome.usage_error = isinstance(error, UnknownNameError)
    else:
        outcome.done, outcome.computed, outcome.failed = report.done, report.computed, report.failed
    finally:
        _free_memory()  # the next model gets the memory (and the GPU) back
    return outcome


def _names(specs: Sequence[str], names: Sequence[str] | None) -> list[str]:
    if names is not None and len(names) != len(specs):
        raise UnknownNameError(f"--name: {len(names)} name(s) for {len(specs)} model(s)")
    chosen = list(names) if names is not None else [default_name(spec) for spec in specs]
    seen: dict[str, str] = {}
    for spec, name in zip(specs, chosen):
        if name in seen:
            raise UnknownNameError(
                f"--models: {seen[name]!r} and {spec!r} would both be written as {name!r}; evaluate them separately "
                "with --model SPEC --name NAME"
            )
        # safe text, not humans/subject-NN, not a published/third-party name, a paper model's name for its spec only
        check_user_model_name(name, "--name" if names is not None else f"model {spec}", spec=spec)
        seen[name] = spec
    return chosen


def evaluate_models(
    specs: Sequence[str],
    options: Options,
    names: Sequence[str] | None = None,
    dask: str | None = None,
) -> list[Outcome]:
    """Evaluate each model of ``specs`` on ``options.datasets`` into ``options.out``; one :class:`Outcome` each.

    specs:   model specs (see :func:`humanlike.inference.models.load_model`); duplicates are evaluated once.
    names:   the models' names in the results (default: from each spec).
    dask:    None (one after the other, here), ``local:N`` (a Dask LocalCluster of N worker processes) or the
             address of a Dask scheduler (``tcp://host:8786``): one task per model (:func:`run_on_dask`).

    Before any model work, raises UnknownNameError for an unknown spec, dataset or a name given twice, a bad
    ``--dask`` or a file in the way of ``out``; HumanlikeError when ``out`` cannot be written; StimuliError when a
    dataset's images are not available (downloads happen here, once, not in every task).
    """
    if not specs:
        raise UnknownNameError("--models: no model given")
    try:
        specs = list(dict.fromkeys(check_spec(spec) for spec in specs))
    except UnknownNameError as error:  # the option it came from, as for every other refused argument
        raise UnknownNameError(f"--model{'s' if len(specs) > 1 else ''}: {error}") from None
    names = _names(specs, names)
    if dask is not None:
        parse_address(dask)
        require_dask()
    else:  # on Dask the device is the workers' business
        resolve_precision(options.precision, resolve_device(options.device))
    if options.batch_size < 1:
        raise UnknownNameError(f"--batch-size: must be positive, got {options.batch_size}")
    if options.workers is not None and options.workers < 0:
        raise UnknownNameError(f"--workers: must be >= 0, got {options.workers}")
    unknown = [d for d in options.datasets if d not in DATASETS]
    if unknown or not options.datasets:
        raise UnknownNameError(
            f"--datasets: unknown dataset(s) {', '.join(map(repr, unknown))}; known: {', '.join(DATASETS)}"
            if unknown else "--datasets: no dataset given"
        )
    check_out_dir(options.out)
    mirror = options.mirror or os.environ.get(MIRROR_ENV) or None
    problems = []
    for dataset in options.datasets:
        try:
            load_stimuli(dataset, mirror=mirror, progress=options.progress)
        except HumanlikeError as error:
            problems.append((dataset, error))
    if len(problems) == 1:
        raise problems[0][1]
    if problems:
        raise type(problems[0][1])(
            f"stimuli missing for {len(problems)} dataset(s): {', '.join(d for d, _ in problems)} "
            f"(choose datasets with --datasets). First problem: {problems[0][1]}"
        )
    # absolute: tasks may run in other processes or on other machines, with another working directory
    options = replace(options, mirror=out_path(mirror) if mirror else None)

    if dask is not None:
        return run_on_dask(list(zip(specs, names)), options, dask)
    outcomes = []
    for index, (spec, name) in enumerate(zip(specs, names), start=1):
        if options.progress and len(specs) > 1:
            print(f"[{index}/{len(specs)}] {terminal_text(name)}", file=sys.stderr)
        outcomes.append(evaluate_model(spec, name, options))
    return outcomes


def summary(outcomes: Sequence[Outcome]) -> str:
    """The closing table: model, datasets done (of those asked), computed in this run, failed: why."""
    rows = [("model", "done", "new", "failed")]
    rows += [
        (terminal_text(o.name), f"{len(o.done)}/{len(o.datasets)}", str(len(o.computed)),
         terminal_text(o.why()) if o.failed else "")
        for o in outcomes
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join([*(cell.ljust(w) for cell, w in zip(row[:3], widths)), row[3]]).rstrip() for row in rows]
    return "\n".join(lines) + "\n"


def out_path(path: str | os.PathLike) -> str:
    """``path`` as an absolute path: tasks in other processes or on other machines must use the same folder."""
    return str(Path(path).expanduser().resolve())


# --------------------------------------------------------------------------------------------- on Dask
#: How long to wait for the first worker of a remote scheduler (a batch queue may take a while to start one).
WAIT_FOR_WORKERS_S = 3600.0
_ADDRESS = re.compile(r"(tcp|tls|ucx|ws|wss|inproc)://\S+")


def parse_address(text: str) -> tuple[str, int | str]:
    """``("local", N)`` for ``local:N``, ``("scheduler", address)`` for a scheduler address; else UnknownNameError."""
    local = re.fullmatch(r"local:(\d+)", text.strip())
    if local:
        workers = int(local[1])
        if workers < 1:
            raise UnknownNameError(f"--dask {text!r}: local:N needs at least one worker")
        return "local", workers
    if _ADDRESS.fullmatch(text.strip()):
        return "scheduler", text.strip()
    raise UnknownNameError(
        f"--dask {text!r}: expected the address of a Dask scheduler (tcp://host:8786) or local:N (N worker "
        "processes on this machine)"
    )


def require_dask():
    """``(dask, distributed)``; a one-line error saying how to install them when they are missing."""
    try:
        import dask
        import distributed
    except ImportError:
        raise HumanlikeError(
            "--dask: needs the optional packages dask and distributed: pip install 'humanlike[dask]'"
        ) from None
    return dask, distributed


@contextlib.contextmanager
def connect(address: str) -> Iterator[tuple[object, int | None]]:
    """``(client, N)`` for ``local:N`` (a LocalCluster, closed on exit) or ``(client, None)`` for a scheduler."""
    kind, value = parse_address(address)
    dask, distributed = require_dask()
    if kind == "local":
        # Nanny workers are daemon processes by default, and daemons may not start the DataLoader's worker
        # processes that GPU runs decode with; the setting is read when the workers start.
        with dask.config.set({"distributed.worker.daemon": False}):
            cluster = distributed.LocalCluster(
                n_workers=value,
                threads_per_worker=1,  # one model at a time per worker
                processes=True,
                dashboard_address=None,
                memory_limit=0,  # no nanny restarts: a large model's memory is what it is
                silence_logs=logging.ERROR,
            )
            try:
                with distributed.Client(cluster) as client:
                    yield client, value
            finally:
                cluster.close()
        return
    try:
        client = distributed.Client(value, timeout="30s")
    except (OSError, TimeoutError) as error:
        raise HumanlikeError(f"--dask {value}: cannot reach the Dask scheduler ({error})") from None
    with client:
        try:
            client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS_S)
        except TimeoutError:
            raise HumanlikeError(
                f"--dask {value}: no worker joined the scheduler within {WAIT_FOR_WORKERS_S:.0f} s"
            ) from None
        yield client, None


def _task(spec: str, name: str, options: Options, local_workers: int | None) -> Outcome:
    """One model on a worker: the worker's share of the machine, then :func:`evaluate_model`."""
    import multiprocessing

    import torch

    if local_workers:  # N workers on one machine: share the cores, spread over the GPUs
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        torch.set_num_threads(max(1, cores // local_workers))
        if options.device == "auto" and torch.cuda.is_available():
            from distributed import get_worker

            worker = get_worker().name
            if isinstance(worker, int):
                options = replace(options, device=f"cuda:{worker % torch.cuda.device_count()}")
    if multiprocessing.current_process().daemon and options.decoder != "threads":
        # a daemon worker (remote clusters' default) cannot start decoding processes: decode in threads
        options = replace(options, decoder="threads")
    return evaluate_model(spec, name, options)


def run_on_dask(models: Sequence[tuple[str, str]], options: Options, address: str) -> list[Outcome]:
    """Evaluate ``(spec, name)`` pairs as one Dask task each; the outcomes in the order of ``models``."""
    from tqdm.auto import tqdm

    options = replace(options, out=out_path(options.out), progress=False)  # workers: absolute paths, no bars
    _, distributed = require_dask()
    outcomes: dict[str, Outcome] = {}
    with connect(address) as (client, local_workers):
        workers = client.scheduler_info(n_workers=-1)["workers"].values()
        gpu = any((w.get("resources") or {}).get("GPU", 0) >= 1 for w in workers)
        run = uuid.uuid4().hex[:8]
        futures = {
            client.submit(
                _task, spec, name, options, local_workers,
                key=f"humanlike-evaluate-{name}-{run}", pure=False, resources={"GPU": 1} if gpu else None,
            ): (spec, name)
            for spec, name in models
        }  # fmt: skip
        bar = tqdm(total=len(futures), desc="models", unit="model")
        try:
            for future in distributed.as_completed(futures):
                spec, name = futures[future]
                try:
                    outcome = future.result()
                except Exception as error:  # the task was lost (worker died, cancelled): this model failed
                    reason = f"Dask task failed: {error_line(error)}"
                    failed = dict.fromkeys(options.datasets, reason)
                    outcome = Outcome(spec, name, list(options.datasets), failed=failed)
                outcomes[name] = outcome
                bar.update(1)
                state = "ok" if outcome.ok else f"failed: {outcome.why()}"
                done = f"{len(outcome.done)}/{len(outcome.datasets)}"
                bar.write(terminal_text(f"{name}: {done} datasets done, {state}"), file=sys.stderr)
        finally:
            bar.close()
    return [outcomes[name] for _, name in models]
