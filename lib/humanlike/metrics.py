"""Behavioural metrics on the trial table of :func:`humanlike.data.load_trials`.

Every metric is a small function over numpy arrays or over the trial table (one row per trial with at least the
columns it names: ``subject, dataset, condition, category, response, image_id, correct``, plus ``is_human`` where
humans and models are told apart). DataFrame results are long ("tidy"): one row per decision maker (and dataset,
condition, pair, ...), ready for charts and CSV files.

Conventions used throughout:

* A trial is correct when ``response == category``; an ``na`` response (no answer in time) is an error.
* Two decision makers are compared on the images both of them saw: trials are matched on ``image_id`` within the
  same ``dataset`` and ``condition``. Images only one of them saw take no part in that pair.
* Pairwise quantities are computed for all pairs at once from a (decision makers x trial keys) correctness matrix
  and a seen-mask, with matrix products per condition (see :class:`CorrectnessMatrix`).
* Human observers are told apart from models by the ``is_human`` column, or, where a function only sees names,
  by the name pattern ``subject-NN`` of the data layer.

References:
  Geirhos, Meding & Wichmann (2020), "Beyond accuracy: quantifying trial-by-trial behaviour of CNNs and humans by
  measuring error consistency", NeurIPS (observed / expected / error consistency).
  Geirhos et al. (2019), "ImageNet-trained CNNs are biased towards texture; increasing shape bias improves accuracy
  and robustness", ICLR (shape bias on cue-conflict stimuli).
  Geirhos et al. (2020), "On the surprising similarities between supervised and self-supervised models" (confusion
  matrices, response entropy).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from .data.trials import texture_category
from .registry import CATEGORIES, NO_ANSWER, is_human_observer

#: Chance accuracy of the 16-class task.
CHANCE: float = 1.0 / len(CATEGORIES)

#: Rows of a confusion matrix: the 16 categories (same order as CATEGORIES), then the no-answer response.
RESPONSES: tuple[str, ...] = CATEGORIES + (NO_ANSWER,)

CONSISTENCY_COLUMNS = ["observed_consistency", "expected_consistency", "error_consistency"]


# ============================================================================================ helpers
def _as_list(by: str | Iterable[str]) -> list[str]:
    return [by] if isinstance(by, str) else list(by)


def nanmean(values: np.ndarray, axis: int | tuple[int, ...]) -> np.ndarray:
    """Mean over ``axis`` ignoring NaN; NaN (without numpy's RuntimeWarning) where every value is NaN."""
    finite = np.isfinite(values)
    total = np.where(finite, values, 0.0).sum(axis=axis)
    count = finite.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Elementwise ratio, NaN where the denominator is 0 (no trials) instead of a warning."""
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1.0), np.nan)


def is_human_name(names: Iterable[str], humans: Collection[str] | None = None) -> np.ndarray:
    """Boolean array: which names are human observers (``humans`` if given, else
    :func:`humanlike.registry.is_human_observer`: ``subject-NN``)."""
    names = list(names)
    if humans is not None:
        humans = set(humans)
        return np.array([n in humans for n in names], dtype=bool)
    return np.array([is_human_observer(n) for n in names], dtype=bool)


# ============================================================================================ accuracy
def accuracy(trials: pd.DataFrame, by: str | Sequence[str] = ("subject", "dataset", "condition")) -> pd.DataFrame:
    """16-class top-1 accuracy per group (default: decision maker x dataset x condition).

    accuracy = n_correct / n_trials, where a trial is correct iff response == category (``na`` is an error).
    Chance is :data:`CHANCE` = 1/16. Columns: ``*by, accuracy, n_correct, n_trials``.
    """
    by = _as_list(by)
    grouped = trials.groupby(by, observed=True, sort=True)["correct"]
    out = grouped.agg(n_correct="sum", n_trials="size").reset_index()
    out["n_correct"] = out["n_correct"].astype(int)
    out.insert(len(by), "accuracy", out["n_correct"] / out["n_trials"])
    return out


# ============================================================================================ shape bias
def _cue_conflict(trials: pd.DataFrame, dataset: str | None) -> pd.DataFrame:
    if dataset is None or "dataset" not in trials.columns:
        return trials
    selected = trials[trials["dataset"] == dataset]
    if selected.empty:
        raise ValueError(f"no {dataset!r} trials to compute a shape bias from")
    return selected


def shape_texture_decisions(trials: pd.DataFrame) -> pd.DataFrame:
    """Per trial: ``texture`` category and whether the answer was the shape / the texture category.

    The shape category is ``category`` (what the image shows by its outline); the texture category is the last
    ``-`` token of ``image_id`` without digits and ``.png`` (``airplane1-bicycle2.png`` -> bicycle). Trials whose
    shape equals their texture category carry no information about the bias and get ``informative = False``.
    """
    texture = texture_category(trials["image_id"].astype(str)).to_numpy()
    shape = trials["category"].astype(str).to_numpy()
    response = trials["response"].astype(str).to_numpy()
    informative = shape != texture
    return pd.DataFrame(
        {
            "texture": texture,
            "informative": informative,
            "is_shape": informative & (response == shape),
            "is_texture": informative & (response == texture),
        },
        index=trials.index,
    )


def _shape_bias_counts(trials: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    decisions = shape_texture_decisions(trials)
    informative = decisions["informative"].to_numpy()
    # Groups made only of shape == texture trials have no shape bias at all, so they get no row.
    frame = trials.loc[informative, by].copy()
    frame["n_shape"] = decisions["is_shape"].to_numpy()[informative]
    frame["n_texture"] = decisions["is_texture"].to_numpy()[informative]
    frame["n_trials"] = 1
    out = frame.groupby(by, observed=True, sort=True)[["n_shape", "n_texture", "n_trials"]].sum().reset_index()
    out = out.astype({"n_shape": int, "n_texture": int, "n_trials": int})
    out.insert(len(by), "shape_bias", divide(out["n_shape"], out["n_shape"] + out["n_texture"]))
    return out


def shape_bias(
    trials: pd.DataFrame, by: str | Sequence[str] = ("subject",), dataset: str | None = "cue-conflict"
) -> pd.DataFrame:
    """Shape bias on cue-conflict stimuli (Geirhos et al. 2019, ICLR), per group (default: decision maker).

    Trials whose shape category equals their texture category are dropped. Of the rest, n_shape trials were
    answered with the shape category and n_texture with the texture category (all other answers, ``na``
    included, count for neither):  shape_bias = n_shape / (n_shape + n_texture)  (NaN if both are 0).

    ``dataset``: only rows of this dataset are used (``None``: all rows, for a table that holds cue-conflict-like
    trials only). Columns: ``*by, shape_bias, n_shape, n_texture, n_trials`` (n_trials: trials kept).
    """
    return _shape_bias_counts(_cue_conflict(trials, dataset), _as_list(by))


def shape_bias_per_category(
    trials: pd.DataFrame, by: str | Sequence[str] = ("subject",), dataset: str | None = "cue-conflict"
) -> pd.DataFrame:
    """:func:`shape_bias` per shape category (the presented ``category``), as in the per-category plots of
    Geirhos et al. (2019). Columns: ``*by, category, shape_bias, n_shape, n_texture, n_trials``."""
    return _shape_bias_counts(_cue_conflict(trials, dataset), _as_list(by) + ["category"])


# ============================================================================================ consistency
def expected_consistency(p1: np.ndarray | float, p2: np.ndarray | float) -> np.ndarray:
    """Consistency expected from two independent observers with accuracies p1 and p2 (Geirhos et al. 2020,
    NeurIPS, eq. 1):  c_exp = p1 p2 + (1 - p1)(1 - p2)."""
    p1 = np.asarray(p1, dtype=float)
    p2 = np.asarray(p2, dtype=float)
    return (p1 * p2 + (1.0 - p1) * (1.0 - p2))[()]


def error_consistency(c_obs: np.ndarray | float, c_exp: np.ndarray | float) -> np.ndarray:
    """Error consistency, Cohen's kappa for trial-by-trial agreement (Geirhos et al. 2020, NeurIPS, eq. 2):

        kappa = (c_obs - c_exp) / (1 - c_exp)

    kappa = 1 when c_obs = 1 (identical correctness on every trial), as in the paper's reference code.
    c_exp = 1 means p1 = p2 = 1 or p1 = p2 = 0, and then c_obs = 1 as well, so c_exp = 1 with c_obs < 1 cannot
    come from real matched trials; should such inputs be given anyway, kappa is NaN (undefined), never +-inf.
    NaN inputs (no matched trials) give NaN.
    """
    c_obs = np.asarray(c_obs, dtype=float)
    c_exp = np.asarray(c_exp, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        kappa = (c_obs - c_exp) / (1.0 - c_exp)
    kappa = np.where(c_exp == 1.0, np.nan, kappa)
    return np.where(c_obs == 1.0, 1.0, kappa)[()]


class Consistency(NamedTuple):
    """Pairwise consistency arrays, each of shape (len(rows), len(cols))."""

    n_trials: np.ndarray  # images both saw
    observed_consistency: np.ndarray
    expected_consistency: np.ndarray
    error_consistency: np.ndarray
    accuracy_a: np.ndarray  # accuracy of the row decision maker on the matched images
    accuracy_b: np.ndarray  # accuracy of the column decision maker on the matched images


def pairwise_consistency(
    correct: np.ndarray,
    seen: np.ndarray,
    rows: np.ndarray | slice | None = None,
    cols: np.ndarray | slice | None = None,
    weights: np.ndarray | None = None,
) -> Consistency:
    """Observed, expected and error consistency for all pairs (row decision maker, column decision maker) at once.

    ``correct`` and ``seen`` are (decision makers x images) arrays of one condition: seen = 1 where the decision
    maker saw the image, correct = 1 where it saw it and answered correctly. With X = correct * seen,
    Y = seen - X (errors), M = seen, and optional per-image weights w (bootstrap counts), for rows a and cols b:

        n     = M_a diag(w) M_b^T                      (images both saw)
        c_obs = (X_a diag(w) X_b^T + Y_a diag(w) Y_b^T) / n
        p_a   = X_a diag(w) M_b^T / n,   p_b = M_a diag(w) X_b^T / n   (accuracies on the matched images)
        c_exp = p_a p_b + (1 - p_a)(1 - p_b),    kappa = error_consistency(c_obs, c_exp)

    Pairs with n = 0 get NaN everywhere. Cost: five matrix products, no loop over pairs.
    """
    seen = np.asarray(seen, dtype=float)
    hits = np.asarray(correct, dtype=float) * seen
    rows = slice(None) if rows is None else rows
    cols = slice(None) if cols is None else cols
    xa, ma = hits[rows], seen[rows]
    xb, mb = hits[cols], seen[cols]
    ya, yb = ma - xa, mb - xb
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        xa, ya, ma = xa * w, ya * w, ma * w
    n = ma @ mb.T
    c_obs = divide(xa @ xb.T + ya @ yb.T, n)
    p_a = divide(xa @ mb.T, n)
    p_b = divide(ma @ xb.T, n)
    c_exp = expected_consistency(p_a, p_b)
    return Consistency(n, c_obs, c_exp, error_consistency(c_obs, c_exp), p_a, p_b)


@dataclass(frozen=True)
class CorrectnessMatrix:
    """The trial table as a (decision makers x trial keys) matrix, the basis of every pairwise metric.

    A trial key is (dataset, condition, image_id). Columns are sorted by these three, so the columns of one
    (dataset, condition) form one contiguous block (``blocks``).
    """

    subjects: np.ndarray  # (S,) decision-maker names, sorted
    is_human: np.ndarray  # (S,) bool
    datasets: np.ndarray  # (K,) dataset of each column
    conditions: np.ndarray  # (K,) condition of each column
    image_ids: np.ndarray  # (K,) image id of each column
    correct: np.ndarray  # (S, K) float: 1 = seen and correct, 0 = wrong or not seen
    seen: np.ndarray  # (S, K) float: 1 = seen
    blocks: tuple[tuple[str, str, slice], ...]  # (dataset, condition, columns)

    def index(self, names: Iterable[str] | None) -> np.ndarray:
        """Row numbers of ``names`` (all rows for None); KeyError for names not in the matrix."""
        if names is None:
            return np.arange(len(self.subjects))
        position = {name: i for i, name in enumerate(self.subjects)}
        missing = [n for n in names if n not in position]
        if missing:
            raise KeyError(f"not in the trial table: {', '.join(map(str, missing))}")
        return np.array([position[n] for n in names], dtype=int)

    def dataset_blocks(self) -> dict[str, list[tuple[str, slice]]]:
        """(condition, columns) blocks of each dataset."""
        out: dict[str, list[tuple[str, slice]]] = {}
        for dataset, condition, columns in self.blocks:
            out.setdefault(dataset, []).append((condition, columns))
        return out


def _key_matrix(trials: pd.DataFrame, values: dict[str, np.ndarray]) -> tuple[dict, dict[str, np.ndarray]]:
    """Scatter per-trial ``values`` into (subject x trial key) matrices; also returns the axes."""
    subject_codes, subjects = pd.factorize(trials["subject"], sort=True)
    dataset_codes, datasets = pd.factorize(trials["dataset"], sort=True)
    condition_codes, conditions = pd.factorize(trials["condition"].astype(str), sort=True)
    image_codes, images = pd.factorize(trials["image_id"], sort=True)
    if (subject_codes < 0).any() or (dataset_codes < 0).any() or (image_codes < 0).any():
        raise ValueError("the trial table has missing subject, dataset or image_id values")
    # One integer per (dataset, condition, image); sorting it sorts the columns lexicographically.
    key = (dataset_codes.astype(np.int64) * len(conditions) + condition_codes) * len(images) + image_codes
    unique_keys, column = np.unique(key, return_inverse=True)
    n_subjects, n_keys = len(subjects), len(unique_keys)
    flat = subject_codes.astype(np.int64) * n_keys + column
    counts = np.bincount(flat, minlength=n_subjects * n_keys)
    if counts.max(initial=0) > 1:
        cell = int(np.argmax(counts > 1))
        k = unique_keys[cell % n_keys]
        dataset, rest = divmod(k, len(conditions) * len(images))
        condition, image = divmod(rest, len(images))
        raise ValueError(
            f"{subjects[cell // n_keys]} has {counts[cell]} trials for image {images[image]} in "
            f"{datasets[dataset]}/{conditions[condition]}; pairwise metrics need one trial per image and condition"
        )
    matrices = {"seen": counts.reshape(n_subjects, n_keys).astype(float)}
    for name, value in values.items():
        matrices[name] = np.bincount(flat, weights=value, minlength=n_subjects * n_keys).reshape(n_subjects, n_keys)

    if "is_human" in trials.columns:
        is_human = np.zeros(n_subjects, dtype=bool)
        is_human[subject_codes] = trials["is_human"].to_numpy(dtype=bool)
    else:
        is_human = is_human_name(subjects)
    dataset_of_key, rest = np.divmod(unique_keys, len(conditions) * len(images))
    condition_of_key, image_of_key = np.divmod(rest, len(images))
    starts = np.flatnonzero(np.diff(unique_keys // len(images), prepend=-1))
    ends = np.append(starts[1:], n_keys)
    blocks = tuple(
        (str(datasets[dataset_of_key[s]]), str(conditions[condition_of_key[s]]), slice(int(s), int(e)))
        for s, e in zip(starts, ends)
    )
    axes = {
        "subjects": np.asarray(subjects, dtype=object),
        "is_human": is_human,
        "datasets": np.asarray(datasets, dtype=object)[dataset_of_key],
        "conditions": np.asarray(conditions, dtype=object)[condition_of_key],
        "image_ids": np.asarray(images, dtype=object)[image_of_key],
        "blocks": blocks,
    }
    return axes, matrices


def correctness_matrix(trials: pd.DataFrame) -> CorrectnessMatrix:
    """Build the :class:`CorrectnessMatrix` of a trial table (columns subject, dataset, condition, image_id,
    correct; is_human optional). Raises ValueError if a decision maker has two trials of one image in one
    condition, since matching by image would then be ambiguous."""
    axes, matrices = _key_matrix(trials, {"correct": trials["correct"].to_numpy(dtype=float)})
    return CorrectnessMatrix(correct=matrices["correct"], seen=matrices["seen"], **axes)


def _pairs_frame(
    keys: dict[str, np.ndarray], names_a: np.ndarray, names_b: np.ndarray, arrays: dict[str, np.ndarray]
) -> pd.DataFrame:
    """Long frame from (G, A, B) arrays: one row per group g and pair (a, b)."""
    n_groups, n_a, n_b = next(iter(arrays.values())).shape
    frame = {name: np.repeat(values, n_a * n_b) for name, values in keys.items()}
    frame["subject_a"] = np.tile(np.repeat(names_a, n_b), n_groups)
    frame["subject_b"] = np.tile(np.tile(names_b, n_a), n_groups)
    frame.update({name: values.reshape(-1) for name, values in arrays.items()})
    return pd.DataFrame(frame)


def consistency(
    trials: pd.DataFrame,
    subjects_a: Sequence[str] | None = None,
    subjects_b: Sequence[str] | None = None,
    per: Literal["condition", "dataset"] = "condition",
) -> pd.DataFrame:
    """Observed, expected and error consistency (Geirhos et al. 2020, NeurIPS) of every pair of decision makers.

    Pairs are (a in subjects_a) x (b in subjects_b), default every decision maker on both sides; a pair of a
    decision maker with itself is left out, and so are pairs without a single image both saw. Both orders of a
    pair appear when both names are on both sides. Trials are matched on image_id within dataset and condition;
    see :func:`pairwise_consistency` for the formulas.

    per="condition": one row per dataset x condition x pair, columns ``dataset, condition, subject_a, subject_b,
    n_trials, observed_consistency, expected_consistency, error_consistency``.
    per="dataset": the three consistencies averaged over the conditions of the dataset (unweighted, as in the
    benchmark; kappa is the mean of the per-condition kappas), ``n_trials`` summed, plus ``n_conditions``.
    """
    matrix = correctness_matrix(trials)
    rows, cols = matrix.index(subjects_a), matrix.index(subjects_b)
    if not matrix.blocks:
        keys = ["dataset", "condition"] if per == "condition" else ["dataset"]
        counts = ["n_trials"] if per == "condition" else ["n_trials", "n_conditions"]
        return pd.DataFrame(columns=[*keys, "subject_a", "subject_b", *counts, *CONSISTENCY_COLUMNS])
    results = [
        pairwise_consistency(matrix.correct[:, columns], matrix.seen[:, columns], rows, cols)
        for _, _, columns in matrix.blocks
    ]
    arrays = {"n_trials": np.stack([r.n_trials for r in results]).astype(int)}
    arrays.update({name: np.stack([getattr(r, name) for r in results]) for name in CONSISTENCY_COLUMNS})
    keys = {"dataset": np.array([b[0] for b in matrix.blocks]), "condition": np.array([b[1] for b in matrix.blocks])}
    frame = _pairs_frame(keys, matrix.subjects[rows], matrix.subjects[cols], arrays)
    frame = frame[(frame["subject_a"] != frame["subject_b"]) & (frame["n_trials"] > 0)].reset_index(drop=True)
    if per == "condition":
        return frame
    if per != "dataset":
        raise ValueError(f"per must be 'condition' or 'dataset', not {per!r}")
    grouped = frame.groupby(["dataset", "subject_a", "subject_b"], sort=False)
    out = grouped[CONSISTENCY_COLUMNS].mean()
    out.insert(0, "n_trials", grouped["n_trials"].sum())
    out.insert(1, "n_conditions", grouped.size())
    return out.reset_index()


# ============================================================================================ confusions
def confusion_counts(trials: pd.DataFrame, by: str | Sequence[str] = ("subject",)) -> tuple[pd.DataFrame, np.ndarray]:
    """Counts of (response, presented category) per group: the group keys (one row per group, columns ``by``)
    and an array of shape (groups, 17, 16), rows ordered as :data:`RESPONSES`, columns as CATEGORIES."""
    by = _as_list(by)
    groups = trials.groupby(by, observed=True, sort=True)
    group = groups.ngroup().to_numpy()
    keys = groups.size().reset_index()[by]
    # get_indexer: -1 for a name outside the list (pd.Categorical warns of that, and pandas 4 will raise)
    response = pd.Index(RESPONSES).get_indexer(trials["response"].astype(str)).astype(np.int64)
    category = pd.Index(CATEGORIES).get_indexer(trials["category"].astype(str)).astype(np.int64)
    if (response < 0).any() or (category < 0).any():
        raise ValueError("responses must be one of the 16 categories or 'na', categories one of the 16")
    n_r, n_c = len(RESPONSES), len(CATEGORIES)
    flat = (group * n_r + response) * n_c + category
    counts = np.bincount(flat, minlength=len(keys) * n_r * n_c).reshape(len(keys), n_r, n_c)
    return keys, counts


def confusion_matrix(trials: pd.DataFrame, by: str | Sequence[str] = ("subject",)) -> pd.DataFrame:
    """Confusion matrix per group: for each presented category, the distribution of responses (``na``
    included as a 17th response), i.e. columns normalised to sum to 1:

        proportion[response, category] = n[response, category] / sum_r n[r, category]

    Long format, the full 17 x 16 grid per group (zeros included; NaN for a category never presented):
    columns ``*by, category, response, n, proportion``.
    """
    by = _as_list(by)
    keys, counts = confusion_counts(trials, by)
    proportion = divide(counts, counts.sum(axis=1, keepdims=True))
    n_groups, n_r, n_c = counts.shape
    frame = {name: np.repeat(keys[name].to_numpy(), n_r * n_c) for name in by}
    frame["category"] = np.tile(np.tile(np.array(CATEGORIES, dtype=object), n_r), n_groups)
    frame["response"] = np.tile(np.repeat(np.array(RESPONSES, dtype=object), n_c), n_groups)
    frame["n"] = counts.reshape(-1)
    frame["proportion"] = proportion.reshape(-1)
    return pd.DataFrame(frame)


def response_entropy(
    trials: pd.DataFrame, by: str | Sequence[str] = ("subject",), include_na: bool = False
) -> pd.DataFrame:
    """Shannon entropy of the response distribution, in bits (Geirhos et al. 2020, "surprising similarities"):

        H = - sum_r q_r log2 q_r,   q_r = n_r / sum_r' n_r'   (0 log 0 = 0)

    over the 16 categories; ``na`` answers are left out unless ``include_na`` (then a 17th outcome). H ranges
    from 0 (always the same answer) to log2(16) = 4 bits (all answers equally often). A balanced dataset
    answered perfectly gives 4 bits; a decision maker that prefers a few categories gets less.
    Columns: ``*by, entropy, n_responses``.
    """
    by = _as_list(by)
    keys, counts = confusion_counts(trials, by)
    responses = counts.sum(axis=2)  # (groups, 17)
    if not include_na:
        responses = responses[:, : len(CATEGORIES)]
    total = responses.sum(axis=1, keepdims=True)
    q = divide(responses, total)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(q > 0, q * np.log2(np.where(q > 0, q, 1.0)), 0.0)
    out = keys.copy()
    out["entropy"] = np.where(total[:, 0] > 0, -terms.sum(axis=1) + 0.0, np.nan)
    out["n_responses"] = total[:, 0]
    return out


def _off_diagonal(matrices: np.ndarray) -> np.ndarray:
    """(..., >=16, 16) confusion matrices -> (..., 240) off-diagonal entries of the 16 x 16 category block."""
    n = len(CATEGORIES)
    # A category never presented has a NaN column; it shows no confusion, so it counts as zeros.
    block = np.nan_to_num(np.asarray(matrices, dtype=float)[..., :n, :n], nan=0.0)
    return block[..., ~np.eye(n, dtype=bool)]


def confusion_similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Similarity of two column-normalised confusion matrices: the Pearson correlation of their 240
    off-diagonal entries (response r != presented category c, both among the 16 categories).

    Correct answers (the diagonal) are left out so that the number measures whether the two decision makers
    make the same *kinds* of errors, not merely how many; the ``na`` row is left out as it is no confusion.
    Inputs: arrays (..., 16 or 17, 16) with rows in :data:`RESPONSES` order, as proportions (see
    :func:`confusion_matrix`); leading dimensions broadcast. Columns of categories never presented (NaN) count as
    zeros. NaN when either matrix has constant off-diagonal entries (e.g. no errors at all).
    """
    x, y = _off_diagonal(a), _off_diagonal(b)
    x = x - x.mean(axis=-1, keepdims=True)
    y = y - y.mean(axis=-1, keepdims=True)
    return divide((x * y).sum(axis=-1), np.sqrt((x * x).sum(axis=-1) * (y * y).sum(axis=-1)))[()]


def confusion_similarity_pairs(trials: pd.DataFrame, by: str | Sequence[str] = ("dataset",)) -> pd.DataFrame:
    """:func:`confusion_similarity` for every ordered pair of distinct decision makers, per group ``by``
    (default per dataset, all its conditions pooled). All pairs of a group at once: the off-diagonal entries
    are standardised per decision maker and multiplied as a matrix, Z Z^T / 240 = the correlation matrix.
    Columns: ``*by, subject_a, subject_b, confusion_similarity``.
    """
    by = _as_list(by)
    keys, counts = confusion_counts(trials, by + ["subject"])
    proportions = divide(counts, counts.sum(axis=1, keepdims=True))
    z = _off_diagonal(proportions)
    z = z - z.mean(axis=1, keepdims=True)
    norms = np.sqrt((z * z).sum(axis=1, keepdims=True))
    z = divide(z, norms)
    frames = []
    for _, rows in keys.groupby(by, sort=True).indices.items():
        names = keys["subject"].to_numpy()[rows]
        similarity = z[rows] @ z[rows].T
        frame = _pairs_frame({}, names, names, {"confusion_similarity": similarity[None]})
        for name in by:
            frame.insert(by.index(name), name, keys[name].iloc[rows[0]])
        frames.append(frame[frame["subject_a"] != frame["subject_b"]])
    if not frames:
        return pd.DataFrame(columns=by + ["subject_a", "subject_b", "confusion_similarity"])
    return pd.concat(frames, ignore_index=True)


# ============================================================================================ ceilings
def human_ceiling(
    frame: pd.DataFrame,
    value: str,
    by: str | Sequence[str] = (),
    humans: Collection[str] | None = None,
) -> pd.DataFrame:
    """Human-to-human reference ("ceiling") of a metric: mean, min and max over humans.

    For a pairwise frame (columns subject_a, subject_b, e.g. from :func:`consistency` or
    :func:`confusion_similarity_pairs`) the statistics run over distinct unordered pairs of human observers (each
    pair once, whichever order(s) the frame holds it in); for a per-decision-maker frame (column subject, e.g.
    :func:`accuracy`, :func:`shape_bias`) over human observers. Humans are ``humans`` if given, else names
    ``subject-NN``. Columns: ``*by, metric, mean, min, max, n`` (n = pairs or observers).
    """
    by = _as_list(by)
    if {"subject_a", "subject_b"} <= set(frame.columns):
        a, b = frame["subject_a"].astype(str), frame["subject_b"].astype(str)
        selected = frame[is_human_name(a, humans) & is_human_name(b, humans) & (a != b)].copy()
        low = np.minimum(selected["subject_a"].astype(str), selected["subject_b"].astype(str))
        high = np.maximum(selected["subject_a"].astype(str), selected["subject_b"].astype(str))
        selected["_pair"] = low + "\t" + high
        selected = selected.drop_duplicates(by + ["_pair"])
    else:
        selected = frame[is_human_name(frame["subject"].astype(str), humans)]
    values = selected[by + [value]].dropna(subset=[value])
    if by:
        stats = values.groupby(by, sort=True)[value].agg(["mean", "min", "max", "size"]).reset_index()
    else:
        v = values[value]
        stats = pd.DataFrame({"mean": [v.mean()], "min": [v.min()], "max": [v.max()], "size": [len(v)]})
    stats = stats.rename(columns={"size": "n"})
    stats.insert(len(by), "metric", value)
    return stats
