"""The data layer: upstream files (mirror or download cache) -> one tidy trials table.

Every file the package reads is listed in ``resources/registry.csv`` with its upstream URL and sha256. Files come
from a local mirror laid out like the upstream repositories (``HUMANLIKE_MIRROR=<dir>`` or ``mirror=``), or are
downloaded once into the user cache directory and verified against their checksum (pooch).

Each file's normalised trials are cached in columnar form (:mod:`humanlike.data.trials_cache`), and every user
file is checked on every load, from the cache or not (:mod:`humanlike.data.validation`). What is known before any
file is read (datasets, categories, the registry of files, the models) lives in :mod:`humanlike.registry`.
"""

from __future__ import annotations

import atexit
import fnmatch
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import DataFileError, UnknownNameError
from ..files import MIRROR_ENV, cache_dir, cache_root, file_sha256
from ..registry import (
    CATEGORIES,
    DATASETS,
    IMAGE_ID_PATTERN,
    IMAGE_ID_PATTERN_NAMED,
    NO_ANSWER,
    NO_CONDITION,
    NONPARAMETRIC_DATASETS,
    RAW_COLUMNS,
    THIRD_PARTY_SOURCES,
    TRIAL_COLUMNS,
    TrialFile,
    published_files,
    registry_entries,
    third_party_files,
)
from ..text import warn
from .trials_cache import TrialsCache, VerifiedFiles, entry_schema
from .validation import (
    check_content,
    check_fields,
    check_header,
    dataset_reference,
    merge_extra_dirs,
    report_mirror_strays,
    scan_extra_dir,
)

def default_cache_dir() -> Path:
    """Where downloaded upstream files live: ``<user cache>/humanlike/data``."""
    return cache_dir("data")


# --------------------------------------------------------------------------------------------- where files come from
@dataclass(frozen=True)
class DataStore:
    """Where upstream files come from.

    mirror:    a local directory laid out like ``../shared/data``; files are read in place and checked.
    cache_dir: where downloads go (default: :func:`default_cache_dir`).
    base_url:  download from ``base_url + path`` instead of each file's upstream URL (an HTTP mirror).
    """

    mirror: Path | None = None
    cache_dir: Path | None = None
    base_url: str | None = None

    @classmethod
    def from_env(cls, mirror: str | os.PathLike | None = None, **kwargs) -> "DataStore":
        """A store using ``mirror`` if given, else ``$HUMANLIKE_MIRROR`` if set, else downloads."""
        mirror = mirror if mirror is not None else os.environ.get(MIRROR_ENV) or None
        return cls(mirror=Path(mirror) if mirror is not None else None, **kwargs)

    def fetch(self, path: str) -> Path:
        """The local path of the upstream file ``path`` (e.g. ``raw-data/colour/colour_resnet50_session-1.csv``).

        Raises DataFileError when the file is unknown, missing, fails its checksum or cannot be downloaded.
        """
        try:
            sha256, url = registry_entries()[path]
        except KeyError:
            raise DataFileError(f"{path}: not a known upstream file (see humanlike.registry.registry())") from None
        if self.mirror is not None:
            local = Path(self.mirror) / path
            if not local.is_file():
                if not Path(self.mirror).is_dir():
                    raise DataFileError(
                        f"{self.mirror}: the data mirror is not a directory (check {MIRROR_ENV} or --mirror)"
                    )
                raise DataFileError(f"{local}: missing from the mirror {self.mirror}")
            if _verified(local, sha256) is False:
                raise DataFileError(f"{local}: checksum mismatch (expected sha256 {sha256})")
            return local
        return self._download(path, url, sha256)

    def _download(self, path: str, url: str, sha256: str) -> Path:
        import pooch
        import requests

        if self.base_url is not None:
            url = self.base_url.rstrip("/") + "/" + path
        target = Path(self.cache_dir or default_cache_dir()) / path
        pooch.get_logger().setLevel("WARNING")  # its "Downloading data from ..." line: stderr holds ours only
        if target.is_file() and _verified_files().is_verified(target, sha256):
            return target  # downloaded and checked before, unchanged since (see _verified)
        try:
            # pooch writes to a temporary file and renames it only after the checksum matched.
            fetched = pooch.retrieve(
                url, known_hash=f"sha256:{sha256}", fname=target.name, path=target.parent, progressbar=False
            )
        except ValueError as error:  # pooch's checksum mismatch
            raise DataFileError(f"{path}: checksum mismatch for the download from {url} ({error})") from None
        except requests.HTTPError as error:
            raise DataFileError(f"{path}: download from {url} failed: {error}") from None
        except (requests.RequestException, OSError) as error:
            raise DataFileError(f"{path}: download from {url} was interrupted or failed: {error}") from None
        _verified_files().add(Path(fetched), sha256)
        return Path(fetched)


def _verified_files():
    """The record of verified files (:class:`humanlike.data.trials_cache.VerifiedFiles`), one per cache location."""
    path = cache_root() / "verified.json"
    record = _VERIFIED.get(path)
    if record is None:
        record = _VERIFIED[path] = VerifiedFiles(path)
        atexit.register(record.save)
    return record


_VERIFIED: dict[Path, object] = {}


@cache
def _verified(path: Path, sha256: str) -> bool:
    """Whether the file has the expected sha256. A file is hashed once: afterwards its size, mtime, ctime and inode
    vouch for it (the rule of :class:`humanlike.data.trials_cache.VerifiedFiles`), in this process and later ones."""
    record = _verified_files()
    if record.is_verified(path, sha256):
        return True
    if file_sha256(path) != sha256:
        return False
    record.add(path, sha256)
    return True


def fetch(path: str, mirror: str | os.PathLike | None = None) -> Path:
    """The local path of one upstream file, from ``mirror``/``$HUMANLIKE_MIRROR`` or the download cache."""
    return DataStore.from_env(mirror).fetch(path)


# --------------------------------------------------------------------------------------------- image ids
def image_ids(imagenames: pd.Series) -> pd.Series:
    """Vectorised :func:`humanlike.registry.image_id`."""
    return imagenames.astype(str).str.extract(IMAGE_ID_PATTERN, expand=False).rename("image_id")


def texture_category(image_ids_: pd.Series) -> pd.Series:
    """The texture category of cue-conflict images: last ``-`` token without digits and extension."""
    return image_ids_.str.removesuffix(".png").str.rsplit("-", n=1).str[-1].str.replace(r"\d", "", regex=True)


# --------------------------------------------------------------------------------------------- file discovery
def _extra_dir_files(
    extra_dirs: Iterable[str | os.PathLike], datasets: Sequence[str] | None = None
) -> list[TrialFile]:
    """The user's trial files of all ``extra_dirs``, names checked, one source per model name; with ``datasets``,
    those of these datasets, and a dir that has trial files but none of them is reported (one line)."""
    per_dir = [(Path(d), scan_extra_dir(Path(d))) for d in extra_dirs]
    if datasets is not None:
        for directory, files in per_dir:
            if files and not any(f.dataset in datasets for f in files):
                held = ", ".join(sorted({f.dataset for f in files}))
                warn(f"{directory}: contributes no trial file to dataset(s) {', '.join(datasets)} (it holds {held})")
    files = merge_extra_dirs(per_dir, file_sha256) if per_dir else []
    return files if datasets is None else [f for f in files if f.dataset in datasets]


def known_models(extra_dirs: Iterable[str | os.PathLike] = ()) -> list[str]:
    """Names of all model decision makers: the published ones and those in ``extra_dirs``."""
    files = published_files() + _extra_dir_files(extra_dirs)
    return sorted({f.subject for f in files if not f.is_human})


def _check_names(asked: Sequence[str], known: Sequence[str], kind: str) -> None:
    for name in asked:
        if not fnmatch.filter(known, name):
            raise UnknownNameError(f"unknown {kind} {name!r}; known: {', '.join(known)}")


def _select(files: list[TrialFile], models: Sequence[str] | None, humans: bool) -> list[TrialFile]:
    def wanted(f: TrialFile) -> bool:
        if f.is_human:
            return humans
        return models is None or any(fnmatch.fnmatchcase(f.subject, pattern) for pattern in models)

    return [f for f in files if wanted(f)]


# --------------------------------------------------------------------------------------------- reading
def _read_raw(source: Path, label: str) -> pd.DataFrame:
    check_header(source, label)  # before pandas, which renames a repeated column
    try:
        raw = pd.read_csv(
            source,
            dtype={"condition": str, "object_response": str, "category": str, "imagename": str, "subj": str},
            keep_default_na=False,
            na_values={"rt": ["NaN", "nan", ""], "trial": [""], "session": [""], "Session": [""]},
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as error:
        raise DataFileError(f"{label}: not a readable trials CSV ({str(error).strip()})") from None
    raw = raw.rename(columns={"Session": "session"})
    missing = [c for c in RAW_COLUMNS if c not in raw.columns]
    if missing:
        raise DataFileError(f"{label}: missing column(s) {', '.join(missing)}")
    if raw.empty:
        raise DataFileError(f"{label}: no trials")
    for column in ("trial", "object_response", "category", "imagename"):
        bad = raw[column].isna() | (raw[column].astype(str) == "")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 2  # header is line 1
            raise DataFileError(f"{label}: line {row} has no {column} (truncated or malformed file?)")
    if not pd.api.types.is_numeric_dtype(raw["trial"]):
        raise DataFileError(f"{label}: column trial is not numeric (truncated or malformed file?)")
    return raw


def _build_entry(source: Path, f: TrialFile):
    """Parse, check and normalise one CSV into a cache entry table (rows sorted by trial)."""
    label = str(source)
    raw = _read_raw(source, label)
    if f.local:  # a user's file (published files are fixed by their sha256)
        check_fields(raw, f.dataset, label)
    return _normalise(raw, f, label)


def _normalise(raw: pd.DataFrame, f: TrialFile, label: str):
    """Check and normalise a raw trials table into a cache entry: an Arrow table with the columns of
    :data:`humanlike.data.trials_cache.ENTRY_COLUMNS`, rows sorted by trial. (Arrow compute, not pandas' object
    strings, keeps a cold cache as fast as reading the CSVs was before there was a cache.)"""
    category = pa.array(raw["category"].astype(str), pa.large_string())
    response = pa.array(raw["object_response"].astype(str), pa.large_string())
    unknown = sorted(set(pc.unique(category).to_pylist()) - set(CATEGORIES))
    if unknown:
        raise DataFileError(f"{label}: unknown category name(s) {', '.join(map(repr, unknown[:5]))}")
    unknown = sorted(set(pc.unique(response).to_pylist()) - set(CATEGORIES) - {NO_ANSWER})
    if unknown:
        raise DataFileError(f"{label}: unknown response(s) {', '.join(map(repr, unknown[:5]))}")
    if raw["trial"].duplicated().any():
        trial = raw.loc[raw["trial"].duplicated(), "trial"].iloc[0]
        raise DataFileError(f"{label}: duplicated trial {trial}")
    if f.dataset in NONPARAMETRIC_DATASETS:
        condition = pa.array(np.full(len(raw), NO_CONDITION, dtype=object), pa.large_string())
    else:
        condition = pa.array(raw["condition"].fillna(NO_CONDITION).astype(str), pa.large_string())
    imagename = pa.array(raw["imagename"].astype(str), pa.large_string())
    ids = pc.struct_field(pc.extract_regex(imagename, IMAGE_ID_PATTERN_NAMED), [0])
    keys = pc.binary_join_element_wise(condition, ids, pa.scalar("\x00", pa.large_string()))
    if pc.count_distinct(keys).as_py() < len(keys):
        duplicated = pd.Series(keys.to_pylist()).duplicated().to_numpy()
        first = int(np.flatnonzero(duplicated)[0])
        raise DataFileError(
            f"{label}: duplicated trial for image {ids[first].as_py()} in condition {condition[first].as_py()}"
        )
    table = pa.table(
        {
            "session": pa.array(pd.to_numeric(raw["session"], errors="coerce").fillna(1).astype("int64").to_numpy()),
            "trial": pa.array(raw["trial"].astype("int64").to_numpy()),
            "condition": condition,
            "category": category,
            "response": response,
            "imagename": imagename,
            "image_id": ids,
            "correct": pc.equal(response, category),
        },
        schema=entry_schema(),
    )
    return table.sort_by("trial")


def _entry(f: TrialFile, store: DataStore, trials_cache, pending: list | None = None):
    """The normalised trials of one file as an Arrow table (:data:`humanlike.data.trials_cache.ENTRY_COLUMNS`), from
    the trials cache if there, else built from the CSV and stored. Returns (table, the source file's path).

    With ``pending`` (a user's files, whose checks against the dataset come after), a new entry is appended there
    as ``(sha256, dataset, table)`` instead, to be stored once the file has passed: a refused file leaves no entry."""
    if f.local:
        source = Path(f.path)
        try:
            sha256 = file_sha256(source)  # a user's file: small, and may change at any time
        except OSError as error:
            raise DataFileError(f"{source}: cannot be read ({error.strerror or error})") from None
    else:
        source = store.fetch(f.path)  # checked against the registry's sha256
        sha256 = registry_entries()[f.path][0]
    table = trials_cache.get(sha256, f.dataset)
    if table is None:
        table = _build_entry(source, f)
        if pending is None:
            trials_cache.put(sha256, f.dataset, table)
        else:
            pending.append((sha256, f.dataset, table))
    return table, str(source)


def _assemble(files: Sequence[TrialFile], tables: Sequence) -> pd.DataFrame:
    """One trial table (``TRIAL_COLUMNS``) from per-file entries, sorted by dataset, is_human, subject, trial."""
    if not files:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TRIAL_COLUMNS})
    # Entries are sorted by trial and (dataset, subject) pairs are unique, so ordering the files sorts the table.
    order = sorted(range(len(files)), key=lambda i: (files[i].dataset, files[i].is_human, files[i].subject))
    files = [files[i] for i in order]
    # Chunked, one chunk per file: concatenating into one buffer would copy every string once more.
    table = pa.concat_tables([tables[i] for i in order])
    owner = pa.array(np.repeat(np.arange(len(files)), [tables[i].num_rows for i in order]))

    def per_file(values: list, type_) -> pa.Array:
        return pc.take(pa.array(values, type_), owner)

    table = table.add_column(0, "dataset", per_file([f.dataset for f in files], pa.large_string()))
    table = table.add_column(1, "subject", per_file([f.subject for f in files], pa.large_string()))
    table = table.add_column(2, "is_human", per_file([f.is_human for f in files], pa.bool_()))
    return table.select(TRIAL_COLUMNS).to_pandas()


def _read_file(f: TrialFile, store: DataStore) -> pd.DataFrame:
    table, _source = _entry(f, store, TrialsCache())
    return _assemble([f], [table])


def load_trials(
    datasets: Sequence[str] | None = None,
    models: Sequence[str] | None = None,
    extra_dirs: Iterable[str | os.PathLike] = (),
    mirror: str | os.PathLike | None = None,
    humans: bool = True,
    store: DataStore | None = None,
) -> pd.DataFrame:
    """One tidy DataFrame of trials for all decision makers (see ``TRIAL_COLUMNS``).

    datasets:   dataset names (default: all 17).
    models:     model names or fnmatch patterns (default: every known model); ``[]`` loads no model.
    extra_dirs: directories of a user's own model CSVs, laid out as ``DIR/raw-data/<dataset>/<dataset>_<model>_session-1.csv``
                (e.g. the output of ``humanlike evaluate``). Every file is checked on every load
                (:mod:`humanlike.data.validation`): its name, and its images, categories and conditions against the
                dataset's; a file covering part of a dataset is announced on stderr (see :func:`coverage`).
    mirror:     a local mirror of the upstream data (default: ``$HUMANLIKE_MIRROR``, else download and cache).
    humans:     include the 90 human observers' files.

    Conditions are the raw CSV values as text; the five nonparametric datasets get the single condition "0".
    ``na`` responses (no answer in time) are kept and count as errors. Parsed files are cached
    (:mod:`humanlike.data.trials_cache`).
    """
    store = store or DataStore.from_env(mirror)
    datasets = list(DATASETS if datasets is None else datasets)
    _check_names(datasets, DATASETS, "dataset")
    published = [f for f in published_files() if f.dataset in datasets]
    extra = _extra_dir_files(extra_dirs, datasets)
    if models is not None:
        _check_names(models, sorted({f.subject for f in published + extra if not f.is_human}), "model")
    if store.mirror is not None and Path(store.mirror).is_dir():
        report_mirror_strays(Path(store.mirror), datasets)

    selected = _select(published, models, humans)
    extra = _select(extra, models, humans=False)
    trials_cache = TrialsCache()
    progress = selected
    if store.mirror is None:  # a first run downloads a few hundred files: show progress (on a terminal only)
        from tqdm.auto import tqdm

        progress = tqdm(selected, desc="trial files", unit="file", leave=False, disable=None)
    tables = [_entry(f, store, trials_cache)[0] for f in progress]
    if extra:
        pending: list = []
        extra_tables = [_entry(f, store, trials_cache, pending) for f in extra]
        _check_extra(extra, extra_tables, store, trials_cache)
        for sha256, dataset, table in pending:  # every user file passed: now they may be cached
            trials_cache.put(sha256, dataset, table)
        tables += [table for table, _source in extra_tables]
    _verified_files().save()
    return _assemble(selected + extra, tables)


def _check_extra(files: list[TrialFile], tables: list, store: DataStore, trials_cache, announce: bool = True) -> None:
    """Rule 3 of the checks (:func:`humanlike.data.validation.check_content`) on each dataset's user files."""
    for dataset in sorted({f.dataset for f in files}):
        mine = [i for i, f in enumerate(files) if f.dataset == dataset]
        check_content(
            [tables[i][0] for i in mine],
            [tables[i][1] for i in mine],
            _reference(dataset, store, trials_cache),
            announce=announce,
        )


def _reference(dataset: str, store: DataStore, trials_cache=None):
    """The images, categories and conditions of ``dataset`` as its human observers saw them."""
    trials_cache = trials_cache or TrialsCache()
    humans = [f for f in published_files() if f.dataset == dataset and f.is_human]
    return dataset_reference(dataset, [_entry(f, store, trials_cache)[0] for f in humans])


def dataset_images(dataset: str, mirror: str | os.PathLike | None = None) -> set[str]:
    """The image ids of one dataset (those of its human trials)."""
    _check_names([dataset], DATASETS, "dataset")
    return set(_reference(dataset, DataStore.from_env(mirror)).image_ids.to_pylist())


def coverage(trials: pd.DataFrame, mirror: str | os.PathLike | None = None) -> pd.DataFrame:
    """Which models cover only part of a dataset: one row per model and dataset in ``trials``.

    Columns ``model, dataset, n_images, n_dataset_images, partial`` (``partial``: n_images < n_dataset_images,
    where n_images counts the distinct image ids the model has trials for). Human observers are left out (each saw
    its share of the images by design). Use it to label partial models in tables and charts.
    """
    store = DataStore.from_env(mirror)
    models = trials[~trials["is_human"].astype(bool)]
    out = models.groupby(["subject", "dataset"], sort=True)["image_id"].nunique().rename("n_images").reset_index()
    out = out.rename(columns={"subject": "model"})
    totals = {d: _reference(d, store).n_images for d in out["dataset"].unique()}
    out["n_dataset_images"] = out["dataset"].map(totals).astype(int)
    out["partial"] = out["n_images"] < out["n_dataset_images"]
    return out



# --------------------------------------------------------------------------------------------- third-party data
_SELF_SUPERVISED = re.compile(r"moco|dino|simclr", re.I)


def load_third_party(
    datasets: Sequence[str] | None = None,
    sources: Sequence[str] | None = None,
    mirror: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Trials of other groups' model evaluations, never mixed silently with the toolbox's own.

    Same columns as :func:`load_trials` plus ``model`` (the name in the file), ``source`` (``owner+repo``),
    ``pipeline`` (a description of the source) and ``training`` / ``training_data``; ``subject`` is
    ``"<model> [<owner>]"`` so that it cannot collide with a published model of the same name.
    """
    store = DataStore.from_env(mirror)
    datasets = list(DATASETS if datasets is None else datasets)
    _check_names(datasets, DATASETS, "dataset")
    sources = list(THIRD_PARTY_SOURCES if sources is None else sources)
    _check_names(sources, list(THIRD_PARTY_SOURCES), "third-party source")
    frames = []
    for f, source, _folder in third_party_files(datasets):
        if source not in sources:
            continue
        frame = _read_file(f, store)
        sin = "train_60_epochs" in f.subject  # the 2019 Stylized-ImageNet-trained networks
        frame["model"] = f.subject
        frame["subject"] = f"{f.subject} [{source.split('+')[0]}]"
        frame["source"] = source
        frame["pipeline"] = THIRD_PARTY_SOURCES[source]
        frame["training"] = "self-supervised" if _SELF_SUPERVISED.search(f.subject) else "supervised"
        frame["training_data"] = (
            "Stylized-ImageNet" if sin else "Open Images v2" if f.subject.startswith("oidv2") else "ImageNet-1k"
        )
        frames.append(frame)
    if not frames:
        raise UnknownNameError(f"no third-party data for datasets {datasets} from sources {sources}")
    return pd.concat(frames, ignore_index=True)
