"""GPU check (issue 18, item 4): the paper's ResNet-50 in fp32 and bf16 on a CUDA GPU: speed, and how many bf16
decisions equal the fp32 ones.

    python bench/gpu_check.py [--device cuda] [--model resnet50] [--weights FILE | --random-weights]
                              [--precisions fp32 bf16] [--batch-size 256] [--datasets cue-conflict edge silhouette]
                              [--images N] [--repeats 2] [--cpu-reference] [--csv FILE]

For each precision (fp32 always first: it is the reference) it prints, per dataset and over all of them:

* pipeline images/s: ``humanlike.inference.run.evaluate`` (decoding workers -> normalisation on the device -> model
  -> 16-class decisions -> CSV, probabilities and provenance files), the main pass as its provenance times it
  (model loading and a bf16 run's fp32 agreement sample excluded), best of ``--repeats``;
* model-only images/s: the forward passes alone on batches already decoded, normalised and on the device
  (channels_last, TF32 off, autocast for bf16/fp16, as the pipeline runs them), best of ``--repeats``;
* agreement: the share of all images whose 16-class decision equals that of the fp32 run on the same device
  (goal: >= 99%, humanlike.inference.precision.AGREEMENT_THRESHOLD), and the line the bf16 run itself printed
  from its fixed sample (``bf16: 251 of 256 sampled decisions equal fp32 (98.0%)``).

``--cpu-reference`` also runs fp32 on the CPU and compares the device's fp32 decisions with it (TF32 is off, so
they should differ only where two categories are within float rounding). ``--device cpu`` is a dry run of the whole
script on the CPU; ``--random-weights`` a dry run without the weights (random logits: the agreement figures then
say nothing about the paper's model). Without a CUDA GPU, ``--device cuda`` (the default) stops at once with a
message. The weights come from torch's hub cache (downloaded once; a machine without internet needs the file
``resnet50-0676ba61.pth`` in ``$TORCH_HOME/hub/checkpoints`` or ``--weights FILE``). Images: from
$HUMANLIKE_MIRROR, else ../shared/data.
"""

from __future__ import annotations

import argparse
import json
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

from humanlike.inference.models import load_model  # noqa: E402
from humanlike.inference.precision import AGREEMENT_THRESHOLD, autocast, share_text, strict_fp32  # noqa: E402
from humanlike.inference.run import evaluate, resolve_device, tune_cpu_allocator  # noqa: E402
from humanlike.inference.stimuli import load_stimuli  # noqa: E402

DATASETS = ("cue-conflict", "edge", "silhouette")
PRECISIONS = ("fp32", "bf16", "fp16")


def _files(out: Path, kind: str, dataset: str, name: str, suffix: str) -> Path:
    return out / kind / dataset / f"{dataset}_{name}_session-1.{suffix}"


def decisions(out: Path, dataset: str, name: str) -> pd.Series:
    """The 16-class decisions that evaluate() wrote, indexed by image name."""
    raw = pd.read_csv(_files(out, "raw-data", dataset, name, "csv"))
    return raw.set_index("imagename")["object_response"]


def run_pipeline(model, dataset: str, out: Path, device: str, precision: str, batch_size: int, limit) -> dict:
    """The provenance of evaluate() on one dataset, all outputs written (the model is already loaded)."""
    evaluate(model, datasets=[dataset], out=out, device=device, precision=precision, batch_size=batch_size,
             limit=limit, force=True, progress=False)  # fmt: skip
    return json.loads(_files(out, "provenance", dataset, model.name, "json").read_text())


def model_only(model, dataset: str, device: torch.device, precision: str, batch_size: int, limit) -> tuple[float, int]:
    """(seconds, images) for the forward passes alone on pre-decoded, normalised, channels_last batches."""
    from PIL import Image

    stimuli = load_stimuli(dataset).subset(limit)
    transform = model.transform
    uint8 = torch.stack([transform.to_uint8(Image.open(s.path)) for s in stimuli.stimuli]).to(device)
    images = transform.normalize(uint8).contiguous(memory_format=torch.channels_last)
    module = model.module.to(device).to(memory_format=torch.channels_last)
    with torch.inference_mode(), strict_fp32(), autocast(device, precision):
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
    parser.add_argument("--model", default="resnet50", help="a model spec (default: the paper's ResNet-50)")
    weights = parser.add_mutually_exclusive_group()
    weights.add_argument("--weights", type=Path, help="the model's checkpoint file (default: torch's hub cache)")
    weights.add_argument("--random-weights", action="store_true", help="no weights: a dry run of the script")
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16"], choices=PRECISIONS)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--images", type=int, help="only the first N images of each dataset (quick tries)")
    parser.add_argument("--repeats", type=int, default=2, help="timings are the best of this many runs")
    parser.add_argument("--cpu-reference", action="store_true", help="also compare the device's fp32 with the CPU's")
    parser.add_argument("--csv", type=Path, help="also write the figures to this CSV file")
    args = parser.parse_args(argv)

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print(f"gpu_check: no CUDA GPU is available (torch {torch.__version__} sees none); run it on a machine with "
              "one, or pass --device cpu for a dry run of the script", file=sys.stderr)  # fmt: skip
        return 1
    device = resolve_device(args.device)
    if device.type == "cpu" or args.cpu_reference:
        tune_cpu_allocator()
    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else "none"
    precisions = ["fp32", *dict.fromkeys(p for p in args.precisions if p != "fp32")]
    if device.type == "cuda" and "bf16" in precisions and not torch.cuda.is_bf16_supported():
        print("bf16: not supported on this GPU, skipped")
        precisions.remove("bf16")
    model = load_model(args.model, random_weights=args.random_weights, weights=args.weights, progress=False)
    print(f"torch {torch.__version__}, device {device} ({gpu}), {os.cpu_count()} cores, {model.spec}"
          f"{' (random weights)' if args.random_weights else ''}, batch size {args.batch_size}, datasets "
          f"{', '.join(args.datasets)}, best of {args.repeats}")  # fmt: skip
    rows, sampled_lines = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        reference: dict[str, pd.Series] = {}
        for precision in precisions:
            out = tmp / f"{device.type}-{precision}"
            for dataset in args.datasets:
                runs = [run_pipeline(model, dataset, out, str(device), precision, args.batch_size, args.images)
                        for _ in range(args.repeats)]  # fmt: skip
                forward = [model_only(model, dataset, device, precision, args.batch_size, args.images)
                           for _ in range(args.repeats)]  # fmt: skip
                model.module.to("cpu")
                got = decisions(out, dataset, model.name)
                if precision == "fp32":
                    reference[dataset] = got
                same = got.reindex(reference[dataset].index) == reference[dataset]
                n = forward[0][1]
                rows.append({"precision": precision, "dataset": dataset, "images": n,
                             "pipeline_images_per_s": n / min(r["seconds"] for r in runs),
                             "model_only_images_per_s": n / min(seconds for seconds, _ in forward),
                             "equal_to_fp32": int(same.sum())})  # fmt: skip
                if runs[-1]["agreement"]:
                    sampled_lines.append(f"{dataset}: {runs[-1]['agreement']['line']}")
        if args.cpu_reference and device.type != "cpu":
            start = time.perf_counter()
            cpu = {}
            for dataset in args.datasets:
                run_pipeline(model, dataset, tmp / "cpu-fp32", "cpu", "fp32", 64, args.images)
                cpu[dataset] = decisions(tmp / "cpu-fp32", dataset, model.name)
            equal = sum(int((reference[d].reindex(cpu[d].index) == cpu[d]).sum()) for d in args.datasets)
            total = sum(len(cpu[d]) for d in args.datasets)
            print(f"{device.type} fp32 vs CPU fp32: {equal} of {total} decisions equal ({share_text(equal, total)}); "
                  f"CPU reference {time.perf_counter() - start:.1f} s")  # fmt: skip
    table = pd.DataFrame(rows)
    totals = []
    for precision, group in table.groupby("precision", sort=False):
        n = group["images"].sum()
        # over all datasets: total images / total seconds
        pipeline_s = (group["images"] / group["pipeline_images_per_s"]).sum()
        model_s = (group["images"] / group["model_only_images_per_s"]).sum()
        totals.append({"precision": precision, "dataset": "all", "images": n, "pipeline_images_per_s": n / pipeline_s,
                       "model_only_images_per_s": n / model_s, "equal_to_fp32": group["equal_to_fp32"].sum()})
    table = pd.concat([table, pd.DataFrame(totals)], ignore_index=True)
    table["ratio"] = table["pipeline_images_per_s"] / table["model_only_images_per_s"]
    table["agreement"] = table["equal_to_fp32"] / table["images"]
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    for row in totals:
        print(f"{row['precision']}: {row['pipeline_images_per_s']:.1f} images/s (pipeline), "
              f"{row['model_only_images_per_s']:.1f} images/s (model only)")  # fmt: skip
    for row in totals[1:]:
        equal, n = int(row["equal_to_fp32"]), int(row["images"])
        verdict = "meets" if equal / n >= AGREEMENT_THRESHOLD else "MISSES"
        print(f"{row['precision']}: {equal} of {n} decisions equal fp32 ({share_text(equal, n)}; {verdict} the "
              f"{AGREEMENT_THRESHOLD:.0%} goal)")  # fmt: skip
    for line in sampled_lines:
        print(f"the run's own sample, {line}")
    if args.csv:
        table.to_csv(args.csv, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
