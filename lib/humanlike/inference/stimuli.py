"""The stimulus images of the 17 datasets: from a local mirror, or downloaded once from model-vs-human's releases.

Where images come from, in this order:

1. a mirror (``mirror=`` or ``$HUMANLIKE_MIRROR``) holding ``datasets/<dataset>/`` (the public mirror has
   cue-conflict, edge and silhouette: 1,280 / 160 / 160 images);
2. the cache, ``platformdirs.user_cache_dir("humanlike")/stimuli/<dataset>/``;
3. a download of ``https://github.com/bethgelab/model-vs-human/releases/download/v0.1/<dataset>.tar.gz`` into that
   cache (pooch), extracted safely (no member may leave the target; ``tarfile`` ``filter="data"``) into a temporary
   directory that is renamed into place once complete.

Layouts: ``<dataset>/<category>/<image>.png`` (cue-conflict, edge, silhouette) or, for the datasets with sessions,
any subfolders (upstream: ``<dataset>/dnn/session-1/``) holding images named like the published model CSVs,
``0001_cl_dnn_cr_oven_40_n04111531_14126.png`` (fields: trial, dataset code, ``dnn``, condition, category, ...).
The listing is checked against the human trials: exactly the images they show, each in the category they give it
(an extra image, or one in the wrong category folder, is refused rather than labelled wrongly).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache, cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import StimuliError, UnknownNameError
from ..files import MIRROR_ENV, file_sha256
from ..files import cache_dir as user_cache_dir
from ..registry import CATEGORIES, DATASETS, image_id

ARCHIVE_URL = "https://github.com/bethgelab/model-vs-human/releases/download/v0.1/{dataset}.tar.gz"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")

#: Datasets whose published model CSVs carry condition NaN and the bare stimulus name.
NO_CONDITION_DATASETS = ("cue-conflict", "edge", "silhouette")

# 0001_cl_dnn_cr_oven_40_n04111531_14126.png: trial, dataset code, "dnn", condition, category, ...
_SESSION_NAME = re.compile(r"^\d+_[^_]+_[^_]+_(?P<condition>[^_]+)_(?P<category>[a-z]+)_.+")


def cache_dir() -> Path:
    """Where downloaded stimuli live: ``<user cache>/humanlike/stimuli``."""
    return user_cache_dir("stimuli")


def archive_url(dataset: str) -> str:
    return ARCHIVE_URL.format(dataset=dataset)


@dataclass(frozen=True)
class Stimulus:
    """One image. ``imagename``, ``category`` and ``condition`` are as in the published model CSVs."""

    path: Path
    imagename: str
    category: str
    condition: str  # "NaN" for cue-conflict, edge, silhouette

    @cached_property
    def image_id(self) -> str:
        return image_id(self.imagename)


@dataclass(frozen=True)
class StimulusSet:
    """The images of one dataset, in trial order (sorted by path below ``root``, like torchvision's ImageFolder)."""

    dataset: str
    root: Path
    source: str  # "mirror", "cache" or "download"
    stimuli: tuple[Stimulus, ...]

    def __len__(self) -> int:
        return len(self.stimuli)

    def __iter__(self):
        return iter(self.stimuli)

    def subset(self, n: int | None) -> "StimulusSet":
        """The first ``n`` stimuli (all for None)."""
        if n is None:
            return self
        return StimulusSet(self.dataset, self.root, self.source, self.stimuli[:n])

    def listing_sha256(self) -> str:
        """A checksum of the image list (relative paths and file sizes)."""
        digest = hashlib.sha256()
        for s in self.stimuli:
            digest.update(f"{s.path.relative_to(self.root).as_posix()}|{s.path.stat().st_size}\n".encode())
        return digest.hexdigest()


def _check_dataset(dataset: str) -> None:
    if dataset not in DATASETS:
        raise UnknownNameError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")


def _mirror_root(mirror: str | os.PathLike | None) -> Path | None:
    mirror = mirror if mirror is not None else os.environ.get(MIRROR_ENV) or None
    return Path(mirror) if mirror is not None else None


def _missing_message(dataset: str, mirror: Path | None, cache: Path, url: str, why: str) -> str:
    mirror_hint = (
        f"not in the mirror ({mirror / 'datasets' / dataset})" if mirror is not None else "no mirror set"
    )
    return (
        f"no stimuli for dataset {dataset!r}: {mirror_hint}, not in the cache ({cache / dataset}), {why}. "
        f"Get {url} and extract it so that {cache / dataset}/ holds the images, or put them into "
        f"<mirror>/datasets/{dataset}/ and point the tool at it with HUMANLIKE_MIRROR=<mirror> (or --mirror/mirror=)"
    )


def locate(
    dataset: str,
    mirror: str | os.PathLike | None = None,
    cache: str | os.PathLike | None = None,
    download: bool = True,
    url: str | None = None,
    progress: bool = True,
) -> tuple[Path, str]:
    """``(directory with the dataset's images, source)``; downloads and extracts the archive if needed."""
    _check_dataset(dataset)
    mirror_root = _mirror_root(mirror)
    cache = Path(cache) if cache is not None else cache_dir()
    url = url or archive_url(dataset)
    if mirror_root is not None and not mirror_root.is_dir():  # a typo must not turn into a silent download
            raise StimuliError(f"{mirror_root}: the data mirror is not a directory (check {MIRROR_ENV} or --mirror)")
    if mirror_root is not None and (mirror_root / "datasets" / dataset).is_dir():
        return mirror_root / "datasets" / dataset, "mirror"
    if (cache / dataset).is_dir():
        return cache / dataset, "cache"
    if not download:
        raise StimuliError(_missing_message(dataset, mirror_root, cache, url, "and downloading is switched off"))
    root = download_dataset(dataset, cache=cache, url=url, progress=progress, mirror_for_message=mirror_root)
    return root, "download"


def download_dataset(
    dataset: str,
    cache: str | os.PathLike | None = None,
    url: str | None = None,
    progress: bool = True,
    mirror_for_message: Path | None = None,
) -> Path:
    """Download ``<dataset>.tar.gz`` into the cache and extract it to ``<cache>/<dataset>/`` (once)."""
    import pooch
    import requests

    cache = Path(cache) if cache is not None else cache_dir()
    url = url or archive_url(dataset)
    target = cache / dataset
    if target.is_dir():
        return target
    archives = cache / "archives"
    archives.mkdir(parents=True, exist_ok=True)
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel("WARNING")  # pooch announces every download and the missing known hash at INFO
    try:
        archive = Path(
            pooch.retrieve(
                url,
                known_hash=None,
                fname=f"{dataset}.tar.gz",
                path=archives,
                downloader=pooch.HTTPDownloader(progressbar=progress, timeout=60, chunk_size=1 << 16),
            )
        )
    except (requests.RequestException, OSError, ValueError) as error:
        raise StimuliError(
            _missing_message(dataset, mirror_for_message, cache, url, f"and the download failed ({error})")
        ) from None
    finally:
        logger.setLevel(level)
    digest = file_sha256(archive)
    extract_archive(archive, dataset, cache, source={"url": url, "archive_sha256": digest})
    archive.unlink(missing_ok=True)  # the extracted folder is what we keep
    return target


def _check_member(member: tarfile.TarInfo, dataset: str, archive: Path) -> None:
    name = member.name
    path = PurePosixPath(name)
    parts = [p for p in path.parts if p not in ("", ".")]
    bad = (
        path.is_absolute()
        or name.startswith(("/", "\\"))
        or ".." in parts
        or not parts
        or parts[0] != dataset
        or not (member.isfile() or member.isdir())
    )
    if bad:
        raise StimuliError(
            f"{archive}: refusing to extract member {name!r} (archives must hold regular files below {dataset}/)"
        )


def extract_archive(
    archive: str | os.PathLike, dataset: str, dest: str | os.PathLike, source: dict | None = None
) -> Path:
    """Extract ``archive`` (tar.gz with ``<dataset>/...``) to ``<dest>/<dataset>/``, safely and atomically.

    Every member must be a regular file or directory below ``<dataset>/`` (no absolute paths, no ``..``, no links);
    extraction goes through ``tarfile``'s ``"data"`` filter into a temporary directory that is renamed into place.
    """
    archive, dest = Path(archive), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dataset}-", dir=dest))
    try:
        try:
            with tarfile.open(archive, "r:*") as tar:
                members = tar.getmembers()
                for member in members:
                    _check_member(member, dataset, archive)
                tar.extractall(tmp, members=members, filter="data")
        except tarfile.FilterError as error:  # second line of defence
            raise StimuliError(f"{archive}: refusing to extract ({error})") from None
        except tarfile.ReadError:  # its message lists every compression tried, on several lines
            raise StimuliError(f"{archive}: not a readable tar.gz archive (not a tar file, or truncated)") from None
        except (tarfile.TarError, EOFError, OSError) as error:
            raise StimuliError(f"{archive}: not a readable tar.gz archive ({' '.join(str(error).split())})") from None
        extracted = tmp / dataset
        if not extracted.is_dir():
            raise StimuliError(f"{archive}: no {dataset}/ folder inside")
        (extracted / ".source.json").write_text(
            json.dumps({**(source or {}), "extracted": datetime.now(timezone.utc).isoformat()}, indent=1)
        )
        target = dest / dataset
        try:
            os.replace(extracted, target)
        except OSError:
            if not target.is_dir():  # someone else finished first: keep theirs
                raise
        return target
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _describe(path: Path, root: Path, dataset: str, categories: Sequence[str]) -> Stimulus:
    name = path.name
    match = _SESSION_NAME.match(name)
    if dataset not in NO_CONDITION_DATASETS and match and match["category"] in categories:
        return Stimulus(path, name, match["category"], match["condition"])
    category = path.parent.name
    if category not in categories:
        raise StimuliError(
            f"{path}: cannot tell the category (expected {root}/<category>/<image> or an image name like "
            "0001_cl_dnn_cr_oven_40_n04111531_14126.png)"
        )
    return Stimulus(path, name, category, "NaN")


def _listing(root: Path, dataset: str) -> list[Stimulus]:
    categories = CATEGORIES
    paths = [
        p
        for p in root.rglob("*")
        if p.suffix.lower() in IMAGE_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
        and p.is_file()
    ]
    paths.sort(key=lambda p: p.relative_to(root).parts)
    return [_describe(p, root, dataset, categories) for p in paths]


@cache
def _expected_categories(dataset: str, mirror: str) -> dict[str, str]:
    """image id -> category, as the dataset's human trials show them (cue-conflict: the shape category).

    Read-only upstream files: once per process and mirror.
    """
    from ..data.trials import load_trials

    trials = load_trials(datasets=[dataset], models=[], mirror=None if mirror == "None" else mirror, humans=True)
    return dict(zip(trials["image_id"], trials["category"]))


def check_against_trials(stimuli: Sequence[Stimulus], dataset: str, root: Path, mirror=None) -> None:
    """The stimuli must be exactly the dataset's images, each labelled with its own category.

    Refused (StimuliError, naming the file): an image name that occurs twice, an image the dataset's human trials
    never show, an image whose folder (or name) gives another category than the trials do (it would be labelled
    wrongly in every result), and a folder that lacks images the trials show.
    """
    names = [s.imagename for s in stimuli]
    if len(set(names)) != len(names):
        seen, dup = set(), None
        for n in names:
            if n in seen:
                dup = n
                break
            seen.add(n)
        raise StimuliError(f"{root}: image name {dup!r} occurs more than once")
    expected = _expected_categories(dataset, str(_mirror_root(mirror)))
    for s in stimuli:
        category = expected.get(s.image_id)
        if category is None:
            raise StimuliError(
                f"{s.path}: not an image of dataset {dataset!r} (its human trials never show {s.image_id!r}); "
                f"remove it from {root}"
            )
        if category != s.category:
            where = "its folder" if s.category == s.path.parent.name else "its name"
            raise StimuliError(
                f"{s.path}: {where} says {s.category!r}, but image {s.image_id!r} of {dataset!r} is a {category!r} "
                "in the human trials; move it to the right category folder"
            )
    present = {s.image_id for s in stimuli}
    missing = sorted(set(expected) - present)
    if missing:
        raise StimuliError(
            f"{root}: {len(missing)} of the {len(expected)} images of {dataset!r} that the human trials show are "
            f"missing, e.g. {missing[0]!r} (incomplete or wrong stimulus folder?); remove the folder to download "
            f"it again from {archive_url(dataset)}"
        )


def load_stimuli(
    dataset: str, mirror: str | os.PathLike | None = None, *, check: bool = True, **where: Any
) -> StimulusSet:
    """The images of ``dataset`` in trial order, located (mirror, cache, download) and checked.

    mirror, where: where to find or fetch them, as for :func:`locate` (``cache``, ``download``, ``url``,
    ``progress``). check: compare the images with the dataset's human trials (:func:`check_against_trials`).
    Raises UnknownNameError for an unknown dataset, StimuliError when the images are not available (the message
    says where to get them and how to point the tool at them) or do not match the human trials.
    """
    root, source = locate(dataset, mirror=mirror, **where)
    stimuli = _listing(root, dataset)
    if not stimuli:
        raise StimuliError(f"{root}: no images (expected {root}/<category>/<image>.png)")
    if check:
        check_against_trials(stimuli, dataset, root, mirror=mirror)
    return StimulusSet(dataset, root, source, tuple(stimuli))


def available(mirror: str | os.PathLike | None = None, cache: str | os.PathLike | None = None) -> list[str]:
    """Datasets whose images are on this machine already (mirror or cache), without downloading."""
    found = []
    for dataset in DATASETS:
        try:
            locate(dataset, mirror=mirror, cache=cache, download=False)
        except StimuliError:
            continue
        found.append(dataset)
    return found
