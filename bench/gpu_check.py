"""GPU check (issue 7, item 6): EfficientNet-Lite0 on the three public stimulus sets on a CUDA GPU.

    python bench/gpu_check.py [--device cuda] [--precisions fp32 bf16] [--batch-size 256]
                              [--datasets cue-conflict edge silhouette] [--images N] [--repeats 2] [--csv FILE]

For each precision it prints, per dataset and over all three:

* pipeline images/s: ``humanlike.inference.run.evaluate`` (decoding workers -> normalisation on the device -> model ->
  16-class decisions -> CSV, probabilities and provenance files), model loading excluded, best of ``--repeats``;
* model-only images/s: the forward passes alone on batches already decoded, normalised and on the device
  (channels_last, autocast for bf16/fp16, as the pipeline runs them), best of ``--repeats``;
* ratio = pipeline / model-only (1.0: the decoding keeps the GPU fed);
* agreement: the share of images whose 16-class decision equals that of a CPU fp32 run (goal: >= 99%).

The CPU fp32 reference runs first (minutes on a few cores for the 1,600 images). ``--device cpu`` is a dry run of
the whole script on the CPU (agreement then compares the CPU with itself). Without a CUDA GPU, ``--device cuda``
(the default) stops at once with a message. Images: from $HUMANLIKE_MIRROR, else ../shared/data.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "lib"))
if (REPO.parent / "shared" / "data").is_dir():
    os.environ.setdefault("HUMANLIKE_MIRROR", str(REPO.parent / "shared" / "data"))

from humanlike.inference.run import evaluate, resolve_device, resolve_precision, tune_cpu_allocator  # noqa: E402
from humanlike.inference.models import load_model  # noqa: E402
from humanlike.inference.stimuli import load_stimuli  # noqa: E402

MODEL = "efficientnet-lite0"
DATASETS = ("cue-conflict", "edge", "silhouette")
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def decisions(out: Path, dataset: str, name: str) -> pd.Series:
    """The 16-class decisions that evaluate() wrote, indexed by image name."""
    raw = pd.read_csv(out / "raw-data" / dataset / f"{dataset}_{name}_session-1.csv")
    return raw.set_index("imagename")["object_response"]


def run_pipeline(model, dataset: str, out: Path, device: str, precision: str, batch_size: int, limit) -> float:
    """Seconds for evaluate() on one dataset, all outputs written (the model is already loaded)."""
    start = time.perf_counter()
    evaluate(model, datasets=[dataset], out=out, device=device, precision=precision, batch_size=batch_size,
             limit=limit, force=True, progress=False)  # fmt: skip
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - start


def model_only(model, dataset: str, device: torch.device, precision: str, batch_size: int, limit) -> tuple[float, int]:
    """(seconds, images) for the forward passes alone on pre-decoded, normalised, channels_last batches."""
    from PIL import Image

    stimuli = load_stimuli(dataset).subset(limit)
    transform = model.transform
    uint8 = torch.stack([transform.to_uint8(Image.open(s.path)) for s in stimuli.stimuli]).to(device)
    images = transform.normalize(uint8).contiguous(memory_format=torch.channels_last)
    module = model.module.to(device).to(memory_format=torch.channels_last)
    autocast = (
        torch.autocast(device.type, dtype=DTYPES[precision]) if precision != "fp32" else contextlib.nullcontext()
    )
    with torch.inference_mode(), autocast:
        module(images[:batch_size])  # warm-up (cuDNN picks its kernels)
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for i in range(0, len(images), batch_size):
            module(images[i : i + batch_size])
        if device.type == "cuda":
            torch.cuda.synchronize()
    return time.perf_counter() - start, len(images)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:<n>, or cpu for a dry run")
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16"], choices=list(DTYPES))
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--images", type=int, help="only the first N images of each dataset (quick tries)")
    parser.add_argument("--repeats", type=int, default=2, help="timings are the best of this many runs")
    parser.add_argument("--csv", type=Path, help="also write the figures to this CSV file")
    args = parser.parse_args(argv)

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print(f"gpu_check: no CUDA GPU is available (torch {torch.__version__} sees none); run it on a machine with "
              "one, or pass --device cpu for a dry run of the script", file=sys.stderr)  # fmt: skip
        return 1
    device = resolve_device(args.device)
    if device.type == "cpu":
        tune_cpu_allocator()
    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else "none"
    print(f"torch {torch.__version__}, device {device} ({gpu}), {os.cpu_count()} cores, {MODEL}, "
          f"batch size {args.batch_size}, datasets {', '.join(args.datasets)}, best of {args.repeats}")  # fmt: skip
    model = load_model(MODEL)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # the reference: CPU, fp32
        reference = {}
        start = time.perf_counter()
        for dataset in args.datasets:
            run_pipeline(model, dataset, tmp / "cpu-fp32", "cpu", "fp32", 64, args.images)
            reference[dataset] = decisions(tmp / "cpu-fp32", dataset, model.name)
        n_ref = sum(len(r) for r in reference.values())
        print(f"CPU fp32 reference: {n_ref} images in {time.perf_counter() - start:.1f} s")
        for precision in args.precisions:
            if resolve_precision(precision, device) != precision:  # pragma: no cover - "auto" is not offered
                continue
            if device.type == "cuda" and precision == "bf16" and not torch.cuda.is_bf16_supported():
                print(f"{precision}: not supported on this GPU, skipped")
                continue
            for dataset in args.datasets:
                out = tmp / f"{device.type}-{precision}"
                pipeline_s = min(
                    run_pipeline(model, dataset, out, str(device), precision, args.batch_size, args.images)
                    for _ in range(args.repeats)
                )
                forward = [model_only(model, dataset, device, precision, args.batch_size, args.images)
                           for _ in range(args.repeats)]  # fmt: skip
                n = forward[0][1]
                model_s = min(seconds for seconds, _ in forward)
                got = decisions(out, dataset, model.name)
                same = got.reindex(reference[dataset].index) == reference[dataset]
                rows.append({"precision": precision, "dataset": dataset, "images": n,
                             "pipeline_images_per_s": n / pipeline_s, "model_only_images_per_s": n / model_s,
                             "equal_decisions": int(same.sum())})  # fmt: skip
                model.module.to("cpu")
    table = pd.DataFrame(rows)
    if table.empty:
        print("nothing was measured")
        return 1
    totals = []
    for precision, group in table.groupby("precision", sort=False):
        n = group["images"].sum()
        # over all datasets: total images / total seconds
        pipeline_s = (group["images"] / group["pipeline_images_per_s"]).sum()
        model_s = (group["images"] / group["model_only_images_per_s"]).sum()
        totals.append({"precision": precision, "dataset": "all", "images": n, "pipeline_images_per_s": n / pipeline_s,
                       "model_only_images_per_s": n / model_s, "equal_decisions": group["equal_decisions"].sum()})
    table = pd.concat([table, pd.DataFrame(totals)], ignore_index=True)
    table["ratio"] = table["pipeline_images_per_s"] / table["model_only_images_per_s"]
    table["agreement"] = table["equal_decisions"] / table["images"]
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    for row in totals:
        share = row["equal_decisions"] / row["images"]
        verdict = "meets" if share >= 0.99 else "MISSES"
        print(f"{row['precision']}: {share:.2%} of decisions equal to CPU fp32 ({verdict} the 99% goal)")
    if args.csv:
        table.to_csv(args.csv, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
