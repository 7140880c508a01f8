"""Evaluate many models into one output folder: the paper's zoo, a list of specs, one after the other or on Dask.

:func:`evaluate_models` checks everything that can be checked before any model work (every spec, the datasets,
``out``, the stimuli of every dataset, downloaded here once), then runs one task per model,
:func:`evaluate_model`, either in this process or on a Dask cluster (:mod:`humanlike.distributed`). A task never
raises for a model's problem: it returns an :class:`Outcome` saying which datasets are done and why the others
failed, so one failing model does not stop the others. Finished model x dataset results are skipped (resumable);
the files are the same whichever way the tasks ran. :func:`summary` is the closing table.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from .errors import HumanlikeError, UnknownNameError

ZOOS = ("paper", "all")


def paper_zoo() -> tuple[str, ...]:
    """The 32 models of Geirhos et al. (2020): 24 supervised torchvision models, 5 PyContrast models, 3 SimCLRs."""
    from .models import PAPER_ZOO

    return tuple(PAPER_ZOO)


def zoo_specs(zoo: str) -> list[str]:
    """The specs of a zoo: ``paper`` (the paper's 32 models) or ``all`` (every zoo name the tool knows)."""
    from .models import zoo_names

    if zoo == "paper":
        return list(paper_zoo())
    if zoo == "all":
        return list(dict.fromkeys([*paper_zoo(), *zoo_names()]))
    raise UnknownNameError(f"--zoo: unknown zoo {zoo!r}; use one of {', '.join(ZOOS)}")


@dataclass(frozen=True)
class Options:
    """Everything :func:`humanlike.inference.evaluate_report` takes besides the model, as plain values (a Dask task
    carries them to another machine)."""

    datasets: tuple[str, ...]
    out: str
    device: str = "auto"
    batch_size: int = 64
    workers: int | None = None
    precision: str = "auto"
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
    from .inference import _failure, evaluate_report

    outcome = Outcome(spec, name, list(options.datasets))
    kwargs = asdict(options)
    kwargs["datasets"] = list(options.datasets)
    try:
        report = evaluate_report(spec, name=name, keep_going=True, **kwargs)
    except Exception as error:  # a model-wide problem (a refused argument, out not writable): every dataset fails
        outcome.failed = {dataset: _failure(error) for dataset in options.datasets}
        outcome.usage_error = isinstance(error, UnknownNameError)
    else:
        outcome.done, outcome.computed, outcome.failed = report.done, report.computed, report.failed
    finally:
        _free_memory()  # the next model gets the memory (and the GPU) back
    return outcome


def _names(specs: Sequence[str], names: Sequence[str] | None) -> list[str]:
    from .models import default_name

    if names is not None and len(names) != len(specs):
        raise UnknownNameError(f"--name: {len(names)} name(s) for {len(specs)} model(s)")
    from .names import check_user_model_name

    chosen = list(names) if names is not None else [default_name(spec) for spec in specs]
    seen: dict[str, str] = {}
    for spec, name in zip(specs, chosen):
        check_user_model_name(name, "--name" if names is not None else f"model {spec}")  # safe text, not humans/subject-NN, not a published/third-party name
        if name in seen:
            raise UnknownNameError(
                f"--models: {seen[name]!r} and {spec!r} would both be written as {name!r}; evaluate them separately "
                "with --model SPEC --name NAME"
            )
        seen[name] = spec
    return chosen


def evaluate_models(
    specs: Sequence[str],
    options: Options,
    names: Sequence[str] | None = None,
    dask: str | None = None,
) -> list[Outcome]:
    """Evaluate each model of ``specs`` on ``options.datasets`` into ``options.out``; one :class:`Outcome` each.

    specs:   model specs (see :func:`humanlike.models.load_model`); duplicates are evaluated once.
    names:   the models' names in the results (default: from each spec).
    dask:    None (one after the other, here), ``local:N`` (a Dask LocalCluster of N worker processes) or the
             address of a Dask scheduler (``tcp://host:8786``): one task per model (:mod:`humanlike.distributed`).

    Before any model work, raises UnknownNameError for an unknown spec, dataset or a name given twice, a bad
    ``--dask`` or a file in the way of ``out``; HumanlikeError when ``out`` cannot be written; StimuliError when a
    dataset's images are not available (downloads happen here, once, not in every task).
    """
    from .data import DATASETS, MIRROR_ENV
    from .inference import check_out_dir, resolve_device, resolve_precision
    from .models import check_spec
    from .stimuli import load_stimuli

    if not specs:
        raise UnknownNameError("--models: no model given")
    try:
        specs = list(dict.fromkeys(check_spec(spec) for spec in specs))
    except UnknownNameError as error:  # the option it came from, as for every other refused argument
        raise UnknownNameError(f"--model{'s' if len(specs) > 1 else ''}: {error}") from None
    names = _names(specs, names)
    if dask is not None:
        from .distributed import parse_address, require_dask

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
        from .distributed import run_on_dask

        return run_on_dask(list(zip(specs, names)), options, dask)
    outcomes = []
    for index, (spec, name) in enumerate(zip(specs, names), start=1):
        if options.progress and len(specs) > 1:
            print(f"[{index}/{len(specs)}] {name}", file=sys.stderr)
        outcomes.append(evaluate_model(spec, name, options))
    return outcomes


def summary(outcomes: Sequence[Outcome]) -> str:
    """The closing table: model, datasets done (of those asked), computed in this run, failed: why."""
    rows = [("model", "done", "new", "failed")]
    rows += [
        (o.name, f"{len(o.done)}/{len(o.datasets)}", str(len(o.computed)), o.why() if o.failed else "")
        for o in outcomes
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join([*(cell.ljust(w) for cell, w in zip(row[:3], widths)), row[3]]).rstrip() for row in rows]
    return "\n".join(lines) + "\n"


def out_path(path: str | os.PathLike) -> str:
    """``path`` as an absolute path: tasks in other processes or on other machines must use the same folder."""
    return str(Path(path).expanduser().resolve())
