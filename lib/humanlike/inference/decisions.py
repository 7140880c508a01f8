"""The 16-class decision of an ImageNet classifier (model-vs-human's mapping).

A model's 1,000 ImageNet logits become one of the 16 categories in three steps:

1. softmax over all 1,000 classes,
2. per category, the arithmetic **mean** of the probabilities of its ImageNet classes
   (dog has 109 classes, airplane one: a sum would favour the big categories),
3. argmax over the 16 means (categories in sorted order; ties go to the first).

The index table ships with the package (``resources/16-class-imagenet-indices.csv``, 207 rows, the lists of
model-vs-human's ``human_categories.py``). All of this is one (1000, 16) averaging matrix, so a batch of logits
is mapped with a single softmax and a matrix product.

Everything is computed in float64 so that decisions do not depend on the precision the model ran in.
"""

from __future__ import annotations

import csv
import sys
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from ..registry import CATEGORIES as data_categories

if TYPE_CHECKING:  # pragma: no cover
    import torch

NUM_IMAGENET_CLASSES = 1000
TABLE_RESOURCE = "resources/16-class-imagenet-indices.csv"


def _read_table() -> list[dict[str, str]]:
    with resources.files("humanlike").joinpath(TABLE_RESOURCE).open(newline="") as f:
        return list(csv.DictReader(f))


#: One dict per row of the index table: ``category, imagenet_index, wnid, imagenet_name`` (207 rows).
INDEX_TABLE: tuple[MappingProxyType, ...] = tuple(MappingProxyType(row) for row in _read_table())

#: The 16 categories (defined once, in :mod:`humanlike.data`): the column order of every probability array here.
CATEGORIES: tuple[str, ...] = data_categories

#: category -> the ImageNet class indices that belong to it (ascending).
CATEGORY_INDICES: MappingProxyType = MappingProxyType(
    {
        category: tuple(sorted(int(row["imagenet_index"]) for row in INDEX_TABLE if row["category"] == category))
        for category in CATEGORIES
    }
)


def _check_table() -> None:
    indices = [int(row["imagenet_index"]) for row in INDEX_TABLE]
    if len(set(indices)) != len(indices) or not all(0 <= i < NUM_IMAGENET_CLASSES for i in indices):
        raise RuntimeError(f"{TABLE_RESOURCE}: ImageNet indices must be unique and in 0..999")  # pragma: no cover
    if sorted({row["category"] for row in INDEX_TABLE}) != list(CATEGORIES):
        raise RuntimeError(f"{TABLE_RESOURCE}: its categories are not the 16 of humanlike.data")  # pragma: no cover


_check_table()


@cache
def averaging_matrix() -> np.ndarray:
    """The (1000, 16) float64 matrix M with ``probabilities @ M`` = per-category mean probability.

    Column j has ``1 / n_j`` in the rows of category j's ``n_j`` ImageNet classes and 0 elsewhere. Read-only.
    """
    matrix = np.zeros((NUM_IMAGENET_CLASSES, len(CATEGORIES)), dtype=np.float64)
    for j, category in enumerate(CATEGORIES):
        rows = list(CATEGORY_INDICES[category])
        matrix[rows, j] = 1.0 / len(rows)
    matrix.setflags(write=False)
    return matrix


def _as_2d(shape: tuple[int, ...]) -> bool:
    if len(shape) == 1 and shape[0] == NUM_IMAGENET_CLASSES:
        return False
    if len(shape) == 2 and shape[1] == NUM_IMAGENET_CLASSES:
        return True
    raise ValueError(f"expected ImageNet logits of shape (N, 1000) or (1000,), got {tuple(shape)}")


def _probabilities_numpy(logits: np.ndarray) -> np.ndarray:
    x = np.asarray(logits, dtype=np.float64)
    x = x - x.max(axis=-1, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(axis=-1, keepdims=True)
    return x @ averaging_matrix()


def _probabilities_torch(logits: "torch.Tensor") -> "torch.Tensor":
    import torch

    x = logits.detach().to(torch.float64)
    probs = torch.softmax(x, dim=-1)
    matrix = _torch_matrix(str(x.device))
    return probs @ matrix


@cache
def _torch_matrix(device: str) -> "torch.Tensor":
    import torch

    return torch.from_numpy(averaging_matrix().copy()).to(device)


def _is_torch(x) -> bool:
    torch = sys.modules.get("torch")  # no torch import just to test a numpy array
    return torch is not None and isinstance(x, torch.Tensor)


def probabilities16(logits):
    """Per-category mean softmax probability, shape (N, 16) (or (16,) for one (1000,) logit vector).

    ``logits``: a torch tensor (any float dtype, any device; the result is a float64 tensor on that device)
    or anything numpy can read (the result is a float64 ndarray). Columns follow :data:`CATEGORIES`.
    The 16 values do not sum to one: they are means, not sums.
    """
    if _is_torch(logits):
        batched = _as_2d(tuple(logits.shape))
        out = _probabilities_torch(logits if batched else logits[None])
    else:
        logits = np.asarray(logits)
        batched = _as_2d(logits.shape)
        out = _probabilities_numpy(logits if batched else logits[None])
    return out if batched else out[0]


def decisions_from_probabilities(probabilities16_) -> np.ndarray:
    """The category names (ndarray of str) of the largest of the 16 mean probabilities, row by row."""
    if _is_torch(probabilities16_):
        index = probabilities16_.argmax(dim=-1).cpu().numpy()
    else:
        index = np.asarray(probabilities16_).argmax(axis=-1)
    return np.asarray(CATEGORIES)[index]


def decide(logits):
    """``(probabilities16, decisions)`` for a batch of ImageNet logits.

    ``probabilities16``: (N, 16) float64, same kind (torch/numpy) and device as the input, columns in
    :data:`CATEGORIES` order; ``decisions``: (N,) numpy array of category names. A single (1000,) vector gives
    shapes (16,) and (), i.e. one name.
    """
    probs = probabilities16(logits)
    return probs, decisions_from_probabilities(probs)


def category_of_imagenet_class(index: int) -> str | None:
    """The category an ImageNet class index belongs to, or None for the 793 classes outside the 16."""
    for category, indices in CATEGORY_INDICES.items():
        if index in indices:
            return category
    return None
