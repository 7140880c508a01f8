"""Command line: ``humanlike benchmark``, ``humanlike shape-bias`` and ``humanlike evaluate``.

Errors are one line, ``humanlike: error: <file or parameter>: <what is wrong>``, never a traceback (argparse's
own errors included); ``HUMANLIKE_DEBUG=1`` prints the traceback too. Exit codes: 0 success, 1 bad input data or a
failed operation (the message names the file; for ``evaluate``: any model or dataset that failed), 2 usage (an
unknown model/dataset, a bad option value), 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import HumanlikeError, UnknownNameError, error_line
from .text import error as print_error

if TYPE_CHECKING:  # pandas is imported only when a table is computed: a memo hit never needs it (humanlike.data.memo)
    import pandas as pd

FORMATS = ("table", "csv", "json")

# evaluate's --device and --precision: (choices, default, help). The figures 256 and 99% are AGREEMENT_SAMPLE and
# AGREEMENT_THRESHOLD of humanlike.inference.precision (which imports torch, so the parser cannot read them there;
# tests/test_precision.py checks that they agree).
DEVICE_AND_PRECISION = {
    "--device": (
        ("auto", "cpu", "cuda", "mps"),
        "auto",
        "where the model runs. auto (default): a CUDA GPU if torch sees one, else Apple silicon's GPU (mps), else the "
        "CPU; cpu, cuda, mps: that device (an error if it is missing). GPUs are many times faster; the decisions do "
        "not depend on the device beyond float rounding (see --precision)",
    ),
    "--precision": (
        ("fp32", "bf16", "fp16", "auto"),
        "fp32",
        "fp32 (default): full precision with TF32 off, as the published responses were computed; bf16, fp16: 16-bit "
        "autocast, faster on GPUs but some decisions change, so a fixed sample of 256 images per dataset is also run "
        "in fp32 and the share of equal decisions is printed, stored in the provenance and warned about below 99%%; "
        "auto: the fastest low precision the device supports (bf16, else fp16 on CUDA; fp32 on mps and the CPU)",
    ),
}


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line like every other error (no usage block)."""

    def error(self, message: str):
        print_error(message)  # escaped: the message quotes the user's argument
        self.exit(2)


def _count(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text!r}")
        return value

    return parse


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mirror",
        type=Path,
        help="local mirror of the upstream data (default: $HUMANLIKE_MIRROR, else download once into the cache)",
    )
    parser.add_argument(
        "--models", nargs="+", metavar="NAME", help="models to include (names or glob patterns; default: all)"
    )
    parser.add_argument(
        "--extra-dir",
        dest="extra_dirs",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="directory with more model CSVs (DIR/raw-data/<dataset>/...), e.g. from `humanlike evaluate`; repeatable",
    )
    parser.add_argument(
        "--datasets", nargs="+", metavar="DATASET", help="datasets to use (default: all 17)"
    )
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (csv: full precision)")
    parser.add_argument(
        "--recompute",
        action="store_true",
        help="compute the output again instead of writing back the memo of an identical earlier run "
        "(published data only; the memo is refreshed)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="humanlike",
        description="Compare ImageNet models with human observers on the model-vs-human data (Geirhos et al.).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    benchmark = commands.add_parser(
        "benchmark",
        help="the model-vs-human benchmark: OOD accuracy, accuracy difference, observed and error consistency",
    )
    _add_data_options(benchmark)

    shape_bias = commands.add_parser("shape-bias", help="shape bias on the cue-conflict images")
    _add_data_options(shape_bias)

    zoo = commands.add_parser("models", help="the model zoo: training, architecture, weight sources, cache state")
    zoo.add_argument("--zoo", choices=("paper", "all"), default="all", help="paper: the paper's 32 models")
    zoo.add_argument("--format", choices=FORMATS, default="table", help="output format (json: address lists)")

    evaluate = commands.add_parser(
        "evaluate", help="run an ImageNet classifier on the stimuli and write per-trial CSVs like the published ones"
    )
    which = evaluate.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--model",
        metavar="SPEC",
        help="a zoo name (resnet50, simclr-resnet50x1, efficientnet-lite0 ...), torchvision:<name>, timm:<name> "
        "or python:<path/to/file.py or dotted.module>:<callable> (your own factory)",
    )
    which.add_argument("--models", nargs="+", metavar="SPEC", help="several models, each with its default name")
    which.add_argument("--zoo", choices=("paper", "all"), help="paper: the paper's 32 models; all: every zoo name")
    evaluate.add_argument("--name", help="name of the model in the results (--model only; default: from the spec)")
    evaluate.add_argument("--datasets", nargs="+", metavar="DATASET", help="datasets to evaluate (default: all 17)")
    evaluate.add_argument("--out", type=Path, default=Path("runs"), help="output directory (default: runs)")
    for option, (choices, default, explained) in DEVICE_AND_PRECISION.items():
        evaluate.add_argument(option, choices=choices, default=default, help=explained)
    evaluate.add_argument("--batch-size", type=_count(1), default=64)
    evaluate.add_argument("--workers", type=_count(0), help="image-decoding workers: threads on the CPU and MPS, DataLoader processes on CUDA (default: automatic)")
    evaluate.add_argument(
        "--random-weights", action="store_true", help="do not load weights (for tests and speed benchmarks)"
    )
    evaluate.add_argument("--mirror", type=Path, help="local mirror with the stimuli (default: $HUMANLIKE_MIRROR)")
    evaluate.add_argument("--force", action="store_true", help="recompute datasets that are already finished")
    evaluate.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="one task per model on a Dask scheduler (tcp://host:8786) or on local:N worker processes "
        "(pip install 'humanlike[dask]')",
    )
    return parser


def _render(frame: pd.DataFrame, fmt: str) -> str:
    if fmt == "csv":
        return frame.to_csv(index=False, float_format="%.17g")
    if fmt == "json":
        return frame.to_json(orient="records", indent=2, double_precision=15) + "\n"
    return frame.to_string(index=False, float_format=lambda x: f"{x:.3f}") + "\n"


def _print_table(args: argparse.Namespace, datasets: Sequence[str] | None, table: str) -> None:
    """Write ``humanlike.benchmark.<table>(trials)`` in ``args.format``. On the published data alone (no
    --extra-dir), from the memo of an identical earlier run when there is one (:mod:`humanlike.data.memo`), else computed
    and remembered; a user's files are read and checked on every run."""
    key = None
    if not args.extra_dirs:
        from .data import memo

        key = memo.key(args.command, args.models, datasets, args.format, args.mirror)
        text = memo.lookup(key) if key is not None and not args.recompute else None
        if text is not None:
            sys.stdout.write(text)
            return
    from . import benchmark  # pandas and numpy: only when the table is computed

    text = _render(getattr(benchmark, table)(_load(args, datasets)), args.format)
    sys.stdout.write(text)
    if key is not None:  # only a successful run gets here: an unknown name is never remembered
        # the key again: this run may have written the trials cache entries that the key includes
        key = memo.key(args.command, args.models, datasets, args.format, args.mirror)
        if key is not None:
            memo.store(key, text)


def _load(args: argparse.Namespace, datasets: Sequence[str] | None) -> pd.DataFrame:
    from .data.trials import load_trials

    try:
        return load_trials(datasets=datasets, models=args.models, extra_dirs=args.extra_dirs, mirror=args.mirror)
    except UnknownNameError as error:  # name the option the unknown name came from
        option = next((o for kind, o in _OPTION_OF.items() if str(error).startswith(kind)), None)
        if option is None:
            raise
        raise UnknownNameError(f"{option}: {error}") from None


_OPTION_OF = {"unknown dataset": "--datasets", "unknown model": "--models"}


def _run(args: argparse.Namespace) -> int:
    if args.command == "benchmark":
        _print_table(args, args.datasets, "benchmark_table")
    elif args.command == "shape-bias":
        if args.datasets and list(dict.fromkeys(args.datasets)) != ["cue-conflict"]:  # named twice is still one
            raise UnknownNameError("--datasets: shape-bias is defined on the cue-conflict dataset only")
        _print_table(args, ["cue-conflict"], "shape_bias_table")
    elif args.command == "models":
        from .inference.zoo import models_table, render_models

        sys.stdout.write(render_models(models_table(args.zoo), args.format))
    elif args.command == "evaluate":
        return _evaluate(args)
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    """One model, several, or a zoo; sequentially or on Dask. The summary table on stdout; 1 if anything failed."""
    from .inference.runs import Options, evaluate_models, summary, zoo_specs
    from .registry import DATASETS

    if args.name is not None and args.model is None:
        raise UnknownNameError("--name: names one model; use it with --model (--models and --zoo use default names)")
    specs = [args.model] if args.model is not None else args.models or zoo_specs(args.zoo)
    options = Options(
        datasets=tuple(dict.fromkeys(args.datasets or DATASETS)),
        out=str(args.out),
        device=args.device,
        batch_size=args.batch_size,
        workers=args.workers,
        precision=args.precision,
        random_weights=args.random_weights,
        mirror=str(args.mirror) if args.mirror is not None else None,
        force=args.force,
    )
    outcomes = evaluate_models(specs, options, names=[args.name] if args.name is not None else None, dask=args.dask)
    sys.stdout.write(summary(outcomes))
    failed = [o for o in outcomes if not o.ok]
    for outcome in failed:
        print_error(f"{outcome.name}: {outcome.why()}")
    if failed and all(outcome.usage_error for outcome in failed):
        return 2  # e.g. a python: spec whose module cannot be imported
    return 1 if failed else 0


def _report(message: str, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    print_error(message)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; the exit code (module docstring). Nothing escapes as a traceback."""
    debug = os.environ.get("HUMANLIKE_DEBUG") == "1"
    if sys.stdout is None:  # started with stdout closed (`humanlike benchmark >&-`): the output goes nowhere, quietly
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # --help (0), or a usage error already printed on one line (2)
        return stop.code if isinstance(stop.code, int) else 2
    try:
        return _run(args)
    except UnknownNameError as error:
        _report(str(error), debug)
        return 2
    except HumanlikeError as error:
        _report(str(error), debug)
        return 1
    except KeyboardInterrupt:
        _report("interrupted", debug)
        return 130
    except BrokenPipeError:  # the reader of stdout went away (| head): stop quietly
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as error:  # a bug or the machine (torch, memory, disk): still one line
        hint = "" if debug else " (HUMANLIKE_DEBUG=1 shows the traceback)"
        _report(f"{args.command}: {error_line(error)}{hint}", debug)
        return 1


if __name__ == "__main__":
    sys.exit(main())
