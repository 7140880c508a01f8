"""Image decoding for :mod:`humanlike.inference`: batches of uint8 (or transformed) tensors, in trial order.

Decoding errors come back as values, so the main process can name the file. Two decoders: a torch DataLoader with
worker processes (GPUs; memory pinned) and :class:`ThreadLoader`, a pool of threads (the CPU; see the docstring of
:mod:`humanlike.inference` for why threads there).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import torch


#: Pillow's modes of one channel of more than 8 bits (16-bit PNGs and TIFFs open as ``I;16``, or as ``I``).
_DEEP_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")


def eight_bit(image):
    """``image`` with 8 bits per channel: a 16-bit greyscale image is scaled (v -> round(v * 255 / 65535)), not
    clipped as Pillow's ``convert`` does (grey would become white), so a 16-bit copy of a stimulus (v * 257) gives
    back its 8-bit original exactly. Pillow reads 16-bit RGB(A) files as 8-bit already. Floating-point images and
    values beyond 16 bits are refused (ValueError, reported as the image being unreadable)."""
    import numpy as np
    from PIL import Image

    if image.mode == "F":
        raise ValueError("floating-point pixels; convert the image to 8 or 16 bits per channel")
    if image.mode not in _DEEP_MODES:
        return image
    values = np.asarray(image).astype(np.int64)
    if values.size and (values.min() < 0 or values.max() > 65535):
        raise ValueError(f"pixel values beyond 16 bits ({image.mode}); convert the image to 8 or 16 bits per channel")
    return Image.fromarray(((values * 255 + 32767) // 65535).astype(np.uint8), mode="L")


class Images(torch.utils.data.Dataset):
    """Decodes one image per item in a worker. Errors come back as values, so the main process can name the file:
    ``("read", message)`` when the file cannot be decoded, ``("transform", message)`` when the model's transform
    raised (a ``python:`` model's own code)."""

    def __init__(self, paths: Sequence[Path], transform: Callable, split: bool):
        self.paths, self.transform, self.split = list(paths), transform, split

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int):
        from PIL import Image

        try:
            with Image.open(self.paths[index]) as image:
                image.load()
                image = eight_bit(image)
        except Exception as error:  # noqa: BLE001 - reported with the file name by the main process
            return index, None, ("read", f"{type(error).__name__}: {error}")
        try:
            tensor = self.transform.to_uint8(image) if self.split else self.transform(image)
        except (Exception, SystemExit) as error:  # noqa: BLE001 - a user's transform may even call sys.exit
            return index, None, ("transform", f"{type(error).__name__}: {error}".rstrip(": "))
        return index, tensor, None


def collate(items):
    errors = [(index, message) for index, _, message in items if message is not None]
    if errors:
        return None, None, errors
    indices = torch.tensor([index for index, _, _ in items])
    tensors = [tensor for _, tensor, _ in items]
    if all(t.ndim == 3 and t.dtype == torch.uint8 for t in tensors):
        # ImageTransform.to_uint8 returns HWC memory viewed as CHW: stack as NHWC, i.e. channels_last, no copy later
        return indices, torch.stack([t.permute(1, 2, 0) for t in tensors]).permute(0, 3, 1, 2), []
    return indices, torch.stack(tensors), []


def process_loader(dataset: Images, batch_size: int, workers: int, pin: bool) -> torch.utils.data.DataLoader:
    return torch.utils.data.DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=False,
        num_workers=workers,
        pin_memory=pin,
        collate_fn=collate,
        prefetch_factor=4 if workers > 0 else None,
        persistent_workers=False,
    )


class ThreadLoader:
    """Batches decoded by a pool of threads, ``depth`` batches ahead, in order (the CPU decoder).

    Pillow decodes and resizes with the GIL released, so the threads run beside torch's compute. Unlike worker
    processes there is no fork of a process whose heap holds the model's activations (copy-on-write faults on the
    next forward passes), no shared-memory transfer and no start-up. Closing the iterator cancels pending work.
    """

    def __init__(self, dataset: Images, batch_size: int, threads: int, depth: int | None = None):
        self.dataset, self.batch_size = dataset, batch_size
        self.threads, self.depth = max(1, threads), depth or max(2, 2 * threads)

    def _batch(self, start: int):
        stop = min(len(self.dataset), start + self.batch_size)
        return collate([self.dataset[i] for i in range(start, stop)])

    def __iter__(self):
        from concurrent.futures import ThreadPoolExecutor

        starts = list(range(0, len(self.dataset), self.batch_size))
        pool = ThreadPoolExecutor(self.threads, thread_name_prefix="humanlike-decode")
        try:
            pending = [pool.submit(self._batch, start) for start in starts[: self.depth]]
            following = iter(starts[self.depth :])
            while pending:
                batch = pending.pop(0).result()
                start = next(following, None)
                if start is not None:
                    pending.append(pool.submit(self._batch, start))
                yield batch
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def loader(paths, transform, split: bool, batch_size: int, workers: int, device: torch.device, decoder: str):
    """Batches ``(indices, images, errors)`` of the images at ``paths``.

    decoder ``processes``: a torch DataLoader with ``workers`` worker processes (memory pinned on CUDA);
    ``threads``: :class:`ThreadLoader` with ``workers`` threads; ``workers=0`` decodes in the main thread.
    """
    dataset = Images(paths, transform, split)
    if workers == 0 or decoder == "processes":
        return process_loader(dataset, batch_size, workers, pin=device.type == "cuda")
    return ThreadLoader(dataset, batch_size, workers)
