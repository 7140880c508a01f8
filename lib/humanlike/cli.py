"""Command line: ``humanlike benchmark``, ``humanlike shape-bias`` and ``humanlike evaluate``.

Exit codes: 0 success, 1 bad input data (the message names the file), 2 unknown model/dataset or bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .errors import HumanlikeError, UnknownNameError

FORMATS = ("table", "csv", "json")


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    evaluate.add_argument(
        "--model",
        required=True,
        metavar="SPEC",
        help="a zoo name (resnet50, simclr-resnet50x1, efficientnet-lite0 ...), torchvision:<name>, timm:<name> "
        "or python:<module>:<callable>",
    )
    evaluate.add_argument("--name", help="name of the model in the results (default: from the spec)")
    evaluate.add_argument("--datasets", nargs="+", metavar="DATASET", help="datasets to evaluate (default: all 17)")
    evaluate.add_argument("--out", type=Path, default=Path("runs"), help="output directory (default: runs)")
    evaluate.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    evaluate.add_argument("--batch-size", type=int, default=64)
    evaluate.add_argument("--workers", type=int, help="image-decoding workers: threads on the CPU, DataLoader processes on a GPU (default: automatic)")
    evaluate.add_argument("--precision", choices=("auto", "fp32", "bf16", "fp16"), default="auto")
    evaluate.add_argument(
        "--random-weights", action="store_true", help="do not load weights (for tests and speed benchmarks)"
    )
    evaluate.add_argument("--mirror", type=Path, help="local mirror with the stimuli (default: $HUMANLIKE_MIRROR)")
    evaluate.add_argument("--force", action="store_true", help="recompute datasets that are already finished")
    return parser


def _print_frame(frame: pd.DataFrame, fmt: str) -> None:
    if fmt == "csv":
        sys.stdout.write(frame.to_csv(index=False, float_format="%.17g"))
    elif fmt == "json":
        sys.stdout.write(frame.to_json(orient="records", indent=2, double_precision=15) + "\n")
    else:
        sys.stdout.write(frame.to_string(index=False, float_format=lambda x: f"{x:.3f}") + "\n")


def _load(args: argparse.Namespace, datasets: Sequence[str] | None) -> pd.DataFrame:
    from .data import load_trials

    return load_trials(datasets=datasets, models=args.models, extra_dirs=args.extra_dirs, mirror=args.mirror)


def _run(args: argparse.Namespace) -> int:
    if args.command == "benchmark":
        from .benchmark import benchmark_table

        _print_frame(benchmark_table(_load(args, args.datasets)), args.format)
    elif args.command == "shape-bias":
        from .benchmark import shape_bias_table

        if args.datasets and args.datasets != ["cue-conflict"]:
            raise UnknownNameError("shape-bias is defined on the cue-conflict dataset only")
        _print_frame(shape_bias_table(_load(args, ["cue-conflict"])), args.format)
    elif args.command == "models":
        from .zoo import models_table, render_models

        sys.stdout.write(render_models(models_table(args.zoo), args.format))
    elif args.command == "evaluate":
        from .inference import evaluate

        if args.batch_size < 1:
            raise UnknownNameError(f"--batch-size must be positive, got {args.batch_size}")
        written = evaluate(
            model=args.model,
            name=args.name,
            datasets=args.datasets,
            out=args.out,
            device=args.device,
            batch_size=args.batch_size,
            workers=args.workers,
            precision=args.precision,
            random_weights=args.random_weights,
            mirror=args.mirror,
            force=args.force,
        )
        for path in written:
            print(path)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except UnknownNameError as error:
        print(f"humanlike: error: {error}", file=sys.stderr)
        return 2
    except HumanlikeError as error:
        print(f"humanlike: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("humanlike: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
