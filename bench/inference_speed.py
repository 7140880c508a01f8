"""Images/s of the full evaluation pipeline versus the model alone.

    python bench/inference_speed.py [--images 512] [--models resnet50 efficientnet-lite0] [--batch-size 64]
                                    [--device cpu] [--repeats 3] [--sweep]

* model only: the module's forward passes on pre-decoded, pre-normalised batches already in memory (channels_last,
  allocator settings as in the pipeline);
* pipeline:   ``humanlike.inference.run.evaluate`` on the same images: PNG decoding and resizing in the decoder
  (threads on the CPU) -> normalisation -> model -> 16-class decisions -> CSV, probability sidecar and provenance
  files, all inside the timing (model loading excluded: the loaded model is passed in).

Images: the first ``--images`` cue-conflict images of the mirror ($HUMANLIKE_MIRROR, else ../shared/data).
resnet50 runs with random weights (same speed as trained), efficientnet-lite0 with its real weights. The two
measurements alternate and each figure is the best of ``--repeats`` (the machine is shared; the best run is the
least disturbed one). ``--sweep`` also tries other decoders, worker and thread counts (CPU tuning).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "lib"))
os.environ.setdefault("HUMANLIKE_MIRROR", str(REPO.parent / "shared" / "data"))

from humanlike.inference.run import default_workers, evaluate, resolve_device, tune_cpu_allocator  # noqa: E402
from humanlike.inference.models import ImageTransform, load_model  # noqa: E402
from humanlike.inference.stimuli import load_stimuli  # noqa: E402

RANDOM = {"resnet50": True, "efficientnet-lite0": False}


def model_only(module, images: torch.Tensor, batch_size: int, device: torch.device) -> float:
    """Seconds for the forward passes over ``images`` (already decoded, normalised, channels_last, on device)."""
    with torch.inference_mode():
        module(images[:batch_size])  # warm-up
        start = time.perf_counter()
        for i in range(0, len(images), batch_size):
            module(images[i : i + batch_size])
        if device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - start


def pipeline(model, n: int, batch_size: int, device: str, workers: int | None, decoder: str) -> float:
    """Seconds for evaluate() on the first n cue-conflict images, all outputs written (model already loaded)."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        evaluate(
            model, datasets=["cue-conflict"], out=Path(out), device=device, batch_size=batch_size,
            workers=workers, decoder=decoder, limit=n, force=True, progress=False,
        )  # fmt: skip
        return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=1280)
    parser.add_argument("--models", nargs="+", default=list(RANDOM))
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sweep", action="store_true", help="also try other decoders and worker/thread counts")
    args = parser.parse_args(argv)

    device = resolve_device(args.device)
    stimuli = load_stimuli("cue-conflict").subset(args.images)
    n = len(stimuli)
    threads = torch.get_num_threads()
    print(f"torch {torch.__version__}, {os.cpu_count()} cores, {threads} torch threads, device {device}, "
          f"{n} cue-conflict images, batch size {args.batch_size}, best of {args.repeats}")  # fmt: skip
    # (decoder, workers, torch threads); None = the defaults of humanlike.inference.run.evaluate
    configs = [("auto", None, threads)]
    if args.sweep:
        configs += [("threads", 0, threads), ("threads", 2, threads), ("processes", 1, threads),
                    ("processes", 2, threads), ("threads", 1, 1)]  # fmt: skip
    from PIL import Image

    prepared = {}
    for spec in args.models:
        model = load_model(spec, random_weights=RANDOM.get(spec, False), progress=False)
        transform = model.transform
        assert isinstance(transform, ImageTransform)
        decoded = []
        for s in stimuli:
            with Image.open(s.path) as image:
                decoded.append(transform.to_uint8(image))
        images = transform.normalize(torch.stack(decoded)).to(device).contiguous(memory_format=torch.channels_last)
        module = model.module.to(device).eval().to(memory_format=torch.channels_last)
        prepared[spec] = model, module, images
    if device.type == "cpu":  # evaluate() switches the allocator setting on for good: measure without it first
        for spec, (_, module, images) in prepared.items():
            untuned = n / model_only(module, images, args.batch_size, device)
            print(f"{spec}: model only with glibc's default malloc settings: {untuned:.1f} images/s", flush=True)
        print(f"allocator tuned (humanlike.inference.run.tune_cpu_allocator): {tune_cpu_allocator()}")
    for spec, (model, module, images) in prepared.items():
        for decoder, workers, torch_threads in configs:
            torch.set_num_threads(torch_threads)
            alone = full = float("inf")
            for _ in range(args.repeats):
                alone = min(alone, model_only(module, images, args.batch_size, device))
                full = min(full, pipeline(model, n, args.batch_size, args.device, workers, decoder))
            alone, full = n / alone, n / full
            shown_decoder = decoder if decoder != "auto" else ("threads" if device.type == "cpu" else "processes")
            shown_workers = default_workers(device) if workers is None else workers
            print(
                f"{spec:19s} decoder={shown_decoder:9s} workers={shown_workers} torch_threads={torch_threads}: "
                f"model only {alone:6.1f} images/s, pipeline {full:6.1f} images/s, ratio {full / alone:.3f}",
                flush=True,
            )
        torch.set_num_threads(threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
