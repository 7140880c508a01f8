"""Image decoding for :mod:`humanlike.inference`: batches of uint8 (or transformed) tensors, in trial order.

Decoding errors come back as values, so the main process can name the file. Two decoders: a torch DataLoader with
worker processes (GPUs; memory pinned) and :class:`ThreadLoader`, a pool of threads (the CPU; see the docstring of
:mod:`humanlike.inference` for why threads there).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import torch


class Images(torch.utils.data.Dataset):
    """Decodes one image per item in a worker. Errors come back as values, so the main process can name the file."""

    def __init__(self, paths: Sequence[Path], transform: Callable, split: bool):
        self.paths, self.transform, self.split = list(paths), transform, split

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int):
        from PIL import Image

        try:
            with Image.open(self.paths[index]) as image:
                image.load()
                tensor = self.transform.to_uint8(image) if self.split else self.transform(image)
            return index, tensor, None
        except Exception as error:  # noqa: BLE001 - reported with the file name by the main process
            return index, None, f"{type(error).__name__}: {error}"


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
