"""Time the model-vs-human benchmark: loading the trials, and computing the table, on the 9 mirror models +
humans over the 17 datasets and on synthetic sets of more models (copies of the mirror models with a share of
their responses replaced at random, renamed), to check that the cost grows linearly with the number of models.

    .venv/bin/python bench/benchmark_speed.py [--models 9 25 50 100] [--repeat 5] [--cold-repeat 5] [--no-memory] [--cli 100]

The last part times the command itself end to end (`humanlike benchmark --format csv` in a fresh process: start,
imports, reading and validating every CSV, computing, printing), on the mirror's 9 models and on a synthetic set
written as model CSVs into a temporary `--extra-dir`, with the trials cache (humanlike.data.trials_cache) cold (an
empty cache: every CSV parsed, hashed and stored) and warm (every file read from the cache, `--recompute`: the
output memo not used), and, for the published data, from the output memo (humanlike.data.memo: a warm run that
writes back the remembered output without importing pandas; extra dirs never use it). Each run uses its own
XDG_CACHE_HOME in a temporary folder, so the user's cache is neither used nor touched. Printed per case: wall
seconds min / median over --repeat runs, and CPU seconds (user + sys of the child) min / median: on a shared
machine the wall time mostly measures the other processes, the CPU time much less so.

Goals (issue 10): 9 models warm <= 0.4 s, 100 synthetic models warm <= 3 s, cold no slower than before the cache
(3.0-3.5 s wall, 4.0-4.6 s CPU for the 9 models on this 2-core machine, measured at commit d53ec91 under load).

Reads the local mirror ($HUMANLIKE_MIRROR, else ../shared/data). Prints seconds (best of --repeat) and peak traced memory (tracemalloc, a separate untimed run, since tracing
slows allocation-heavy code down) per phase.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from humanlike import benchmark
from humanlike.data import CATEGORIES, MIRROR_ENV, MODELS, load_trials

# Like the tests: the local mirror ($HUMANLIKE_MIRROR, else ../shared/data next to the repository), never downloads.
MIRROR = Path(os.environ.get(MIRROR_ENV) or Path(__file__).resolve().parents[2] / "shared" / "data")


def best_time(function: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def peak_memory_mb(function: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def synthetic_trials(trials: pd.DataFrame, n_models: int, flip: float = 0.1, seed: int = 0) -> pd.DataFrame:
    """Humans + n_models synthetic models: model i is mirror model i mod 9 with a share ``flip`` of its responses
    replaced by a random category, renamed ``<model>-synth-<i>``. Same columns and dtypes as load_trials."""
    rng = np.random.default_rng(seed)
    humans = trials[trials["is_human"]]
    base = {name: frame for name, frame in trials[~trials["is_human"]].groupby("subject")}
    frames = [humans]
    categories = np.array(CATEGORIES, dtype=object)
    for i in range(n_models):
        source = base[MODELS[i % len(MODELS)]]
        copy = source.copy()
        copy["subject"] = f"{MODELS[i % len(MODELS)]}-synth-{i:03d}"
        response = copy["response"].to_numpy(dtype=object).copy()
        flipped = rng.random(len(copy)) < flip
        response[flipped] = categories[rng.integers(0, len(categories), flipped.sum())]
        copy["response"] = pd.array(response, dtype=trials["response"].dtype)
        copy["correct"] = (copy["response"] == copy["category"]).to_numpy()
        frames.append(copy)
    return pd.concat(frames, ignore_index=True)


def write_model_csvs(synthetic: pd.DataFrame, root: Path) -> None:
    """The synthetic models as upstream-format CSVs: root/raw-data/<dataset>/<dataset>_<model>_session-1.csv."""
    models = synthetic[~synthetic["is_human"]]
    for (dataset, model), frame in models.groupby(["dataset", "subject"], sort=False):
        folder = root / "raw-data" / dataset
        folder.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(
            {
                "subj": model, "session": 1, "trial": frame["trial"].to_numpy(), "rt": np.nan,
                "object_response": frame["response"].to_numpy(), "category": frame["category"].to_numpy(),
                "condition": frame["condition"].to_numpy(), "imagename": frame["imagename"].to_numpy(),
            }
        ).to_csv(folder / f"{dataset}_{model}_session-1.csv", index=False, na_rep="NaN")  # fmt: skip


def time_cli(cache: Path, *arguments: str) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + sys) and printed rows of one `humanlike benchmark` process whose user cache
    is ``cache`` (XDG_CACHE_HOME)."""
    command = [sys.executable, "-m", "humanlike.cli", "benchmark", "--mirror", str(MIRROR), "--format", "csv"]
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run([*command, *arguments], capture_output=True, text=True, check=True, env=env)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, len(result.stdout.splitlines()) - 1


def cli_figures(label: str, repeat: int, cold_repeat: int, *arguments: str, memo: bool = False) -> None:
    """Print cold, warm (trials cache only: ``--recompute``) and, with ``memo``, memo figures of `humanlike
    benchmark` (min / median of ``cold_repeat`` / ``repeat`` runs)."""
    for state in ("cold", "warm", "memo") if memo else ("cold", "warm"):
        runs = []
        repeats = cold_repeat if state == "cold" else repeat
        timed = [*arguments, "--recompute"] if state == "warm" else list(arguments)
        with tempfile.TemporaryDirectory() as shared:
            if state != "cold":
                time_cli(Path(shared), *arguments)  # fill the trials cache (and the memo) once
            for _ in range(repeats):
                if state == "cold":
                    with tempfile.TemporaryDirectory() as fresh:
                        runs.append(time_cli(Path(fresh), *timed))
                else:
                    runs.append(time_cli(Path(shared), *timed))
        wall, cpu = [r[0] for r in runs], [r[1] for r in runs]
        print(
            f"{label:>7} {state:>5} {runs[0][2]:5d} {min(wall):8.2f} {statistics.median(wall):8.2f}"
            f" {min(cpu):8.2f} {statistics.median(cpu):8.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, nargs="+", default=[9, 25, 50, 100], help="synthetic set sizes")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cold-repeat", type=int, default=5, help="runs with an empty cache per line")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    parser.add_argument("--cli", type=int, nargs="*", default=[100], help="synthetic set sizes for the CLI timing")
    args = parser.parse_args()

    load = lambda: load_trials(models=list(MODELS), mirror=MIRROR)  # noqa: E731
    seconds, trials = best_time(load, args.repeat)
    print(f"load_trials (9 mirror models + humans, 17 datasets, {len(trials):,} trials): {seconds:.2f} s", end="")
    print(f", peak {peak_memory_mb(load):.0f} MiB" if not args.no_memory else "")

    compute = lambda: benchmark.benchmark_table(trials)  # noqa: E731
    seconds, table = best_time(compute, args.repeat)
    print(f"benchmark_table (9 mirror models + humans): {seconds:.3f} s", end="")
    print(f", peak {peak_memory_mb(compute):.0f} MiB" if not args.no_memory else "")
    seconds, _ = best_time(lambda: benchmark.shape_bias_table(trials), args.repeat)
    print(f"shape_bias_table (9 mirror models + humans): {seconds:.3f} s")

    print("\nsynthetic models (mirror copies, 10% responses replaced) + humans, 17 datasets:")
    print(f"{'models':>7} {'trials':>11} {'build s':>8} {'table s':>8} {'ms/model':>9} {'peak MiB':>9}")
    for n_models in args.models:
        start = time.perf_counter()
        synthetic = synthetic_trials(trials, n_models)
        built = time.perf_counter() - start
        compute = lambda: benchmark.benchmark_table(synthetic)  # noqa: E731
        seconds, table = best_time(compute, args.repeat)
        assert len(table) == n_models + 1 and (table["n_datasets"] == 17).all()
        peak = f"{peak_memory_mb(compute):9.0f}" if not args.no_memory else f"{'-':>9}"
        per_model = 1000 * seconds / n_models
        print(f"{n_models:7d} {len(synthetic):11,d} {built:8.2f} {seconds:8.3f} {per_model:9.1f} {peak}")
        del synthetic
    print(f"\n`humanlike benchmark --format csv`, end to end in a fresh process ({args.cold_repeat} cold runs, each with")
    print(f"an empty cache; {args.repeat} warm runs after one filling run; warm: trials cache only (--recompute),")
    print("memo: the output memo of the published data):")
    print(f"{'models':>7} {'cache':>5} {'rows':>5} {'wall min':>8} {'wall med':>8} {'cpu min':>8} {'cpu med':>8}")
    cli_figures(str(len(MODELS)), args.repeat, args.cold_repeat, memo=True)
    for n_models in args.cli:
        with tempfile.TemporaryDirectory() as extra:
            write_model_csvs(synthetic_trials(trials, n_models), Path(extra))
            cli_figures(str(n_models), args.repeat, args.cold_repeat, "--extra-dir", extra, "--models", "*-synth-*")

    # ru_maxrss is in KiB on Linux: the whole process's high-water mark, loading and synthetic copies included.
    print(f"\nprocess peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
