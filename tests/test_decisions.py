"""The 16-class decision: softmax over 1,000, mean per category, argmax over the 16 (sorted) categories."""

from __future__ import annotations

import csv
from collections import Counter
from importlib import resources

import numpy as np
import pytest
import torch

from humanlike.inference import decisions
from humanlike.inference.decisions import CATEGORIES, CATEGORY_INDICES, decide, probabilities16

COUNTS = {
    "dog": 109, "bird": 49, "truck": 8, "bottle": 7, "cat": 6, "boat": 5, "bear": 4, "chair": 4, "car": 3,
    "clock": 3, "bicycle": 2, "elephant": 2, "keyboard": 2, "airplane": 1, "knife": 1, "oven": 1,
}  # fmt: skip


def test_index_table_has_207_rows_and_the_documented_counts():
    with resources.files("humanlike").joinpath("resources/16-class-imagenet-indices.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 207 == len(decisions.INDEX_TABLE)
    assert list(rows[0]) == ["category", "imagenet_index", "wnid", "imagenet_name"]
    assert Counter(r["category"] for r in rows) == COUNTS
    assert {c: len(i) for c, i in CATEGORY_INDICES.items()} == COUNTS
    indices = [int(r["imagenet_index"]) for r in rows]
    assert len(set(indices)) == 207 and min(indices) >= 0 and max(indices) <= 999


def test_categories_are_sorted_and_agree_with_the_data_layer():
    from humanlike.data import CATEGORIES as DATA_CATEGORIES

    assert list(CATEGORIES) == sorted(COUNTS) == list(DATA_CATEGORIES)


def test_table_agrees_with_the_imagenet_class_list(mirror):
    wnids = [line.split()[0] for line in (mirror / "imagenet" / "categories.txt").read_text().splitlines() if line]
    assert len(wnids) == 1000
    for row in decisions.INDEX_TABLE:
        assert wnids[int(row["imagenet_index"])] == row["wnid"]


def test_known_classes():
    assert CATEGORY_INDICES["airplane"] == (404,)  # airliner
    assert CATEGORY_INDICES["bear"] == (294, 295, 296, 297)
    assert decisions.category_of_imagenet_class(404) == "airplane"
    assert decisions.category_of_imagenet_class(0) is None  # tench


def test_averaging_matrix():
    matrix = decisions.averaging_matrix()
    assert matrix.shape == (1000, 16)
    np.testing.assert_allclose(matrix.sum(axis=0), 1.0)
    assert (matrix > 0).sum() == 207
    with pytest.raises(ValueError):
        matrix[0, 0] = 1.0  # read-only


def test_mean_not_sum_and_not_top1():
    """One big dog logit against many medium bird logits: top-1 class and the SUM favour dog, the MEAN bird."""
    dog, birds = CATEGORY_INDICES["dog"], CATEGORY_INDICES["bird"]
    logits = np.zeros(1000)
    logits[dog[0]] = np.log(400.0)
    logits[list(birds)] = np.log(10.0)
    z = 400 + 108 * 1 + 49 * 10 + (1000 - 109 - 49) * 1  # softmax denominator, worked out by hand
    probs, decision = decide(logits[None])
    col = {c: i for i, c in enumerate(CATEGORIES)}
    assert probs[0, col["dog"]] == pytest.approx((400 + 108) / 109 / z)  # 4.66 / z
    assert probs[0, col["bird"]] == pytest.approx(10 / z)
    assert probs[0, col["airplane"]] == pytest.approx(1 / z)
    assert list(decision) == ["bird"]
    # the two rules this mapping is not:
    assert int(np.argmax(logits)) in dog
    assert (400 + 108) > 49 * 10  # summed probabilities would say dog


def test_single_class_category_can_win():
    logits = np.zeros((2, 1000))
    logits[0, CATEGORY_INDICES["knife"][0]] = 3.0  # e^3 = 20 > mean of dog's 109 ones
    logits[1, CATEGORY_INDICES["truck"]] = 5.0
    assert list(decide(logits)[1]) == ["knife", "truck"]


def test_numpy_and_torch_inputs_agree():
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=4.0, size=(64, 1000))
    p_np, d_np = decide(logits)
    p_t64, d_t64 = decide(torch.from_numpy(logits))
    p_t32, d_t32 = decide(torch.from_numpy(logits).float())
    assert isinstance(p_np, np.ndarray) and p_np.dtype == np.float64 and p_np.shape == (64, 16)
    assert isinstance(p_t32, torch.Tensor) and p_t32.dtype == torch.float64
    np.testing.assert_allclose(p_t64.numpy(), p_np, rtol=1e-12)
    np.testing.assert_allclose(p_t32.numpy(), p_np, rtol=1e-5)
    assert list(d_np) == list(d_t64) == list(d_t32)
    # decisions are the argmax of the probabilities, and a list of lists works too
    assert list(d_np) == [CATEGORIES[i] for i in p_np.argmax(axis=1)]
    assert list(decide(logits.tolist())[1]) == list(d_np)


def test_reduced_precision_logits_are_upcast():
    logits = torch.randn(8, 1000, generator=torch.Generator().manual_seed(1)) * 3
    p16, d16 = decide(logits.bfloat16())
    assert p16.dtype == torch.float64
    np.testing.assert_allclose(p16.numpy(), probabilities16(logits.bfloat16().double().numpy()), rtol=1e-12)


def test_single_vector_and_bad_shapes():
    logits = np.zeros(1000)
    logits[CATEGORY_INDICES["oven"][0]] = 5
    probs, decision = decide(logits)
    assert probs.shape == (16,) and decision == "oven"
    for bad in (np.zeros(999), np.zeros((2, 16)), np.zeros((2, 3, 1000))):
        with pytest.raises(ValueError, match="1000"):
            decide(bad)
