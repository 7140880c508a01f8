"""Evaluate many models on a Dask cluster: one task per model (``humanlike evaluate ... --dask ADDRESS``).

``--dask local:N`` starts a :class:`distributed.LocalCluster` of N worker processes on this machine (one thread
each, torch's threads shared out among them; with GPUs, worker i uses GPU i modulo their number). Any other
address (``tcp://host:8786``) is an existing scheduler, e.g. of a dask-jobqueue ``SLURMCluster`` (README). Workers
that declare a ``GPU`` resource (``dask worker ... --resources GPU=1``) get one task at a time each: every task asks
for ``GPU=1`` when any worker has that resource.

Each task is :func:`humanlike.runs.evaluate_model`: it writes into the same ``--out`` layout as a sequential run
(same files, byte for byte; only the provenance's timings and device differ) and returns an Outcome instead of
raising, so one failing model does not stop the others. A task lost with its worker (killed for memory, crashed)
is reported as that model's failure. Workers need humanlike installed and the same ``--out`` (and mirror or
stimulus cache) paths: a shared file system on a cluster.

Needs the optional packages ``dask`` and ``distributed``: ``pip install 'humanlike[dask]'``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import replace

from .errors import HumanlikeError, UnknownNameError
from .runs import Options, Outcome, evaluate_model, out_path

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
    """One model on a worker: the worker's share of the machine, then :func:`humanlike.runs.evaluate_model`."""
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
                    from .inference import error_line

                    reason = f"Dask task failed: {error_line(error)}"
                    failed = dict.fromkeys(options.datasets, reason)
                    outcome = Outcome(spec, name, list(options.datasets), failed=failed)
                outcomes[name] = outcome
                bar.update(1)
                state = "ok" if outcome.ok else f"failed: {outcome.why()}"
                done = f"{len(outcome.done)}/{len(outcome.datasets)}"
                bar.write(f"{name}: {done} datasets done, {state}", file=sys.stderr)
        finally:
            bar.close()
    return [outcomes[name] for _, name in models]
