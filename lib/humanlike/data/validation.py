"""Checks on the trial files a user adds (``extra_dirs``), run on every load, cache hit or not.

* Names (:func:`scan_extra_dir`, :func:`merge_extra_dirs`): a model name read from a file name follows
  :func:`humanlike.data.names.check_model_name` and may not be a published or third-party model's name; one model name
  comes from one source (the same directory given twice, or an identical copy, counts once).
* Content (:func:`check_content`): every trial's image belongs to the dataset, its ``condition`` is one of the
  dataset's conditions and the one the image was shown in, and its ``category`` is the image's category
  (cue-conflict: the shape category). The reference is the human observers' trials of the dataset: every image
  was shown to them in exactly one condition and with one category, so the image id decides both.
* What directories hold (:func:`scan_extra_dir`, :func:`report_mirror_strays`): stray files, an extra dir without
  trial files and unknown files in the mirror are reported on stderr, one line each.

A file that covers only part of a dataset's images is accepted and announced (``covers 640 of 1280 images``).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import DataFileError
from ..registry import CATEGORIES, DATASETS, NO_CONDITION, NONPARAMETRIC_DATASETS, TrialFile, registry_entries
from ..text import note, warn
from .names import check_model_name, taken_by

_MODEL_SUFFIX = "_session-1.csv"
#: The longest field a trials CSV may hold (the published files' longest is an image name of about 80).
MAX_FIELD = 1000
#: How the published files of the datasets without conditions write "no condition".
NO_CONDITION_SPELLINGS = (NO_CONDITION, "NaN", "nan", "")
#: Trial numbers above this are not exact as floating-point numbers (and no file has that many trials).
MAX_TRIAL = 2**53
_CATEGORIES = pa.array(CATEGORIES, pa.large_string())


def model_name_from_file(path: Path, dataset: str) -> str:
    """The model name in ``<dataset>_<model>_session-1.csv``, checked (one-line DataFileError naming the file)."""
    prefix = dataset + "_"
    name = path.name
    if not (name.startswith(prefix) and name.endswith(_MODEL_SUFFIX)) or len(name) < len(prefix) + len(_MODEL_SUFFIX):
        raise DataFileError(f"{path}: file name must be {prefix}<model>{_MODEL_SUFFIX}")
    model = name[len(prefix) : -len(_MODEL_SUFFIX)]
    check_model_name(model, str(path), DataFileError)
    owner = taken_by(model)
    if owner:
        raise DataFileError(
            f"{path}: model name {model!r} is taken by {owner}; rename the file "
            f"(e.g. {prefix}{model}-rerun{_MODEL_SUFFIX})"
        )
    return model


# --------------------------------------------------------------------------------------------- a CSV's fields
def check_header(source: Path, label: str) -> None:
    """Refuse a trials CSV whose header names a column twice, in any case (``trial`` and ``Trial``, ``session`` and
    ``Session``): pandas would rename one and read the other, so the file would not say what it seems to say. Also
    refuses a header field longer than :data:`MAX_FIELD`. Reads the first line only."""
    try:
        with open(source, newline="", encoding="utf-8", errors="replace") as f:
            first = f.readline(64 * MAX_FIELD)
    except OSError as error:
        raise DataFileError(f"{label}: cannot be read ({error.strerror or error})") from None
    header = next(csv.reader([first]), [])
    seen: dict[str, str] = {}
    for name in header:
        if len(name) > MAX_FIELD:
            raise DataFileError(f"{label}: line 1: a column name of {len(name)} characters (at most {MAX_FIELD})")
        key = name.strip().casefold()
        if key in seen:
            raise DataFileError(f"{label}: column {name!r} appears twice in the header (as {seen[key]!r} too)")
        seen[key] = name


def check_fields(raw, dataset: str, label: str) -> None:
    """Refuse what a parsed trials table (``raw``, a pandas DataFrame of the CSV, header on line 1) may not hold:
    a field longer than :data:`MAX_FIELD`, a trial that is not a positive integer, an image name that is not a bare
    file name, and, for the datasets without conditions, a condition other than ``0``/``NaN``. One line naming the
    file, the line and the value (cut)."""
    import numpy as np
    import pandas as pd

    def line(mask) -> int:
        return int(np.flatnonzero(np.asarray(mask, dtype=bool))[0]) + 2

    for column in raw.columns:
        if not pd.api.types.is_numeric_dtype(raw[column]):
            long = raw[column].astype(str).str.len() > MAX_FIELD
            if long.any():
                n = len(str(raw[column][long].iloc[0]))
                raise DataFileError(f"{label}: line {line(long)}: {column} of {n} characters (at most {MAX_FIELD})")
    trial = raw["trial"]
    if pd.api.types.is_integer_dtype(trial):
        bad = trial < 1
    else:
        values = pd.to_numeric(trial, errors="coerce").astype(float)
        bad = ~(np.isfinite(values) & (values >= 1) & (values <= MAX_TRIAL) & (values == np.floor(values)))
    if bad.any():
        value = str(trial[bad].iloc[0])[:40]
        raise DataFileError(f"{label}: line {line(bad)}: trial {value!r} is not a positive integer")
    name = raw["imagename"].astype(str)
    bad = name.str.contains(r"[/\\\x00-\x1f\x7f]", regex=True) | name.isin([".", ".."])
    if bad.any():
        raise DataFileError(f"{label}: line {line(bad)}: image name {name[bad].iloc[0]!r} is not a bare file name")
    if dataset in NONPARAMETRIC_DATASETS:
        condition = raw["condition"].fillna(NO_CONDITION).astype(str)
        bad = ~condition.isin(NO_CONDITION_SPELLINGS)
        if bad.any():
            raise DataFileError(
                f"{label}: line {line(bad)}: condition {condition[bad].iloc[0]!r}, but {dataset} has no conditions "
                f"(write {NO_CONDITION} or NaN)"
            )


def scan_extra_dir(extra_dir: str | os.PathLike) -> list[TrialFile]:
    """The trial files of one extra dir (``DIR/raw-data/<dataset>/<dataset>_<model>_session-1.csv``).

    Unknown dataset folders and misnamed CSVs are errors; other files under ``raw-data`` and a directory without
    any trial file are reported on stderr (one line each).
    """
    extra_dir = Path(extra_dir)
    root = extra_dir / "raw-data"
    if not root.is_dir():
        raise DataFileError(f"{extra_dir}: not a model-results directory (expected {root}/<dataset>/*.csv)")
    files = []
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        if not entry.is_dir():
            warn(f"{entry}: stray file in an extra dir, ignored (trial files go in {root}/<dataset>/)")
            continue
        if entry.name not in DATASETS:
            raise DataFileError(f"{entry}: unknown dataset {entry.name!r}")
        for path in sorted(entry.iterdir(), key=lambda p: p.name):
            if not (path.suffix == ".csv" and path.is_file()):
                warn(f"{path}: stray file in an extra dir, ignored (not a trials CSV)")
                continue
            model = model_name_from_file(path, entry.name)
            files.append(TrialFile(entry.name, model, False, str(path), local=True))
    if not files:
        warn(f"{extra_dir}: extra dir holds no trial file (expected {root}/<dataset>/<dataset>_<model>{_MODEL_SUFFIX})")
    return files


def merge_extra_dirs(per_dir: Sequence[tuple[Path, list[TrialFile]]], sha256) -> list[TrialFile]:
    """The files of several extra dirs, one source per model name.

    A directory given twice counts once. A model name found in two directories must be the same source (the
    same datasets, files of identical content; the later copy is dropped), else a DataFileError names both files.
    ``sha256(path)`` hashes a file.
    """
    owners: dict[str, list[TrialFile]] = {}
    seen_dirs: set[Path] = set()
    out: list[TrialFile] = []
    for directory, files in per_dir:
        resolved = Path(directory).resolve()
        if resolved in seen_dirs:
            continue
        seen_dirs.add(resolved)
        by_model: dict[str, list[TrialFile]] = {}
        for f in files:
            by_model.setdefault(f.subject, []).append(f)
        for model, mine in by_model.items():
            if model not in owners:
                owners[model] = mine
                out.extend(mine)
                continue
            theirs = {f.dataset: f for f in owners[model]}
            ours = {f.dataset: f for f in mine}
            common = [d for d in ours if d in theirs]
            a, b = (theirs[common[0]], ours[common[0]]) if common else (owners[model][0], mine[0])
            if set(ours) != set(theirs):
                raise DataFileError(
                    f"{b.path}: model {model!r} also comes from {a.path} (another extra dir, other datasets); "
                    "one model name, one source: rename one of them"
                )
            for d in common:
                if sha256(Path(ours[d].path)) != sha256(Path(theirs[d].path)):
                    raise DataFileError(
                        f"{ours[d].path}: model {model!r} also comes from {theirs[d].path} with other trials; "
                        "one model name, one source: rename one of them"
                    )
    return out


def report_mirror_strays(mirror: Path, datasets: Sequence[str]) -> None:
    """One line on stderr for each file in ``mirror/raw-data/<dataset>/`` that is not a published file."""
    known = set(registry_entries())
    for dataset in datasets:
        folder = Path(mirror) / "raw-data" / dataset
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            if f"raw-data/{dataset}/{name}" not in known:
                warn(
                    f"{folder / name}: not a published file, ignored (the mirror holds upstream files only; "
                    "put your own results in an extra dir: --extra-dir / extra_dirs)"
                )


@dataclass(frozen=True)
class DatasetReference:
    """What the human observers of a dataset saw: each image id once, with its category and condition.

    ``categories`` and ``conditions`` are codes: positions in :data:`humanlike.data.CATEGORIES` and in
    ``condition_set`` (comparing small integers, not strings, keeps the check cheap for millions of trials).
    """

    dataset: str
    image_ids: pa.Array
    categories: pa.Array
    conditions: pa.Array
    condition_set: pa.Array

    @property
    def n_images(self) -> int:
        return len(self.image_ids)


def dataset_reference(dataset: str, human_tables: Sequence[pa.Table]) -> DatasetReference:
    """The :class:`DatasetReference` of ``dataset`` from its human observers' trial tables (cache entries)."""
    table = pa.concat_tables(human_tables).combine_chunks()
    ids = pc.unique(table["image_id"])
    first = pc.index_in(ids, value_set=table["image_id"])  # first trial of each image
    condition_set = pc.unique(table["condition"])
    return DatasetReference(
        dataset,
        ids,
        pc.index_in(pc.take(table["category"], first), value_set=_CATEGORIES),
        pc.index_in(pc.take(table["condition"], first), value_set=condition_set),
        condition_set,
    )


def _first(mask: pa.ChunkedArray | pa.Array) -> int:
    return int(np.flatnonzero(np.asarray(mask, dtype=bool))[0])


def check_content(
    tables: Sequence[pa.Table], labels: Sequence[str], reference: DatasetReference, announce: bool = True
) -> None:
    """Check user trial tables of one dataset against its reference; one-line DataFileError naming the file.

    Also announces on stderr each file that covers only part of the dataset's images (when ``announce``).
    """
    if not tables:
        return
    dataset = reference.dataset
    table = pa.concat_tables(tables)
    offsets = np.cumsum([t.num_rows for t in tables])

    def label_of(row: int) -> str:
        return labels[int(np.searchsorted(offsets, row, side="right"))]

    position = pc.index_in(table["image_id"], value_set=reference.image_ids)
    if position.null_count:
        row = _first(pc.is_null(position))
        foreign = table["image_id"].filter(pc.is_null(position))
        raise DataFileError(
            f"{label_of(row)}: {len(pc.unique(foreign))} image id(s) not in dataset {dataset!r}, "
            f"e.g. {table['image_id'][row].as_py()!r}"
        )
    condition = pc.index_in(table["condition"], value_set=reference.condition_set)
    if condition.null_count:
        row = _first(pc.is_null(condition))
        allowed = ", ".join(sorted(reference.condition_set.to_pylist()))
        raise DataFileError(
            f"{label_of(row)}: trial {table['trial'][row].as_py()}: condition {table['condition'][row].as_py()!r} "
            f"is not one of {dataset}'s conditions ({allowed})"
        )
    category = pc.index_in(table["category"], value_set=_CATEGORIES)  # never null: checked when cached
    expected = pc.take(reference.categories, position)
    wrong = pc.not_equal(category, expected)
    if pc.any(wrong).as_py():
        row = _first(wrong)
        kind = "shape category" if dataset == "cue-conflict" else "category"
        raise DataFileError(
            f"{label_of(row)}: trial {table['trial'][row].as_py()}: category {table['category'][row].as_py()!r}, "
            f"but the {kind} of image {table['image_id'][row].as_py()!r} is "
            f"{CATEGORIES[expected[row].as_py()]!r}"
        )
    shown = pc.take(reference.conditions, position)
    wrong = pc.not_equal(condition, shown)
    if pc.any(wrong).as_py():
        row = _first(wrong)
        raise DataFileError(
            f"{label_of(row)}: trial {table['trial'][row].as_py()}: image {table['image_id'][row].as_py()!r} "
            f"is shown in condition {reference.condition_set[shown[row].as_py()].as_py()!r}, "
            f"not {table['condition'][row].as_py()!r}"
        )
    if announce:
        for t, label in zip(tables, labels):
            # One trial per image (duplicates are refused, and an image has one condition): rows = images covered.
            if t.num_rows < reference.n_images:
                note(f"{label}: covers {t.num_rows} of {reference.n_images} images of {dataset} (a partial model)")
