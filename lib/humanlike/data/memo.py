"""A memo of the command line's output on the published data.

``humanlike benchmark`` and ``humanlike shape-bias`` without ``--extra-dir`` read only published files, whose
content the registry fixes (every file is checked against its sha256). Their output is therefore a function of
the options, the registry, the code and the libraries. A warm trials cache still pays for importing pandas and
pyarrow (about 0.3-0.5 s of a 0.4 s goal), so the text written to stdout is remembered, and a later identical run
writes it back without importing either.

* **Key** (sha256 of a JSON document): the command; the options that change the output (models and datasets
  exactly as given, format); where the files come from (the mirror's absolute path, or the download cache); the
  registry's bytes; the stat vouch (:func:`humanlike.files.stat_vouch`: size, mtime_ns, ctime_ns, inode; the rule
  of :class:`humanlike.data.trials_cache.VerifiedFiles`) of every published trials file of the selected datasets
  and of each one's entry in the trials cache (the output is derived from the entries: a rebuilt, replaced or
  deleted entry retires the memo with it); the
  source bytes of the modules that compute the output (:data:`SOURCE_MODULES`); the Python version and the stat
  vouch of the numerical libraries' ``__init__.py`` (a reinstall rewrites them). Computing it imports none of
  pandas, numpy, pyarrow or torch.
* **No key, no memo** (the normal path runs and reports what it finds): a file of the selection or its trials
  cache entry is missing, or the mirror holds a file that is not published (a stray, warned about on every run).
* **Only successful runs are stored**, under their exact names: an unknown model or dataset fails with exit 2
  and is never stored, so a hit stands for the name checks of the run that stored it (same names, same
  registry, same code).
* **Entries** are ``<user cache>/humanlike/memo/<key>.txt``: one header line (key and sha256 of the text), then
  the text. Written to a temp file and renamed; an entry whose header does not match is ignored and rewritten;
  a memo that cannot be written only costs speed. ``--recompute`` ignores the entry and rewrites it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ..files import MIRROR_ENV, atomic_write, cache_dir, stat_vouch
from ..registry import registry_bytes
from .trials_cache import entry_name

#: Version of the memo's key and entry layout; bump it to retire every entry.
MEMO_VERSION = 2

#: Modules (of ``humanlike``) whose source determines the output of ``benchmark`` and ``shape-bias``.
SOURCE_MODULES = (
    "registry", "files", "text", "errors", "data.trials", "data.trials_cache", "data.validation", "data.names",
    "data.memo", "metrics", "benchmark", "cli",
)  # fmt: skip

#: Libraries that compute or print the output (parsing, arithmetic, float formatting).
LIBRARIES = ("pandas", "numpy", "pyarrow")

_HEADER = "humanlike-memo"


def memo_dir() -> Path:
    """Where the memo lives: ``<user cache>/humanlike/memo``."""
    return cache_dir("memo")


# --------------------------------------------------------------------------------------------- the key
def code_version() -> str:
    """sha256 of the source bytes of :data:`SOURCE_MODULES` (found with ``find_spec``, not imported)."""
    digest = hashlib.sha256()
    for name in SOURCE_MODULES:
        spec = importlib.util.find_spec(f"humanlike.{name}")
        if spec is None or spec.origin is None:
            raise OSError(f"humanlike.{name}: source not found")
        digest.update(name.encode() + b"\0" + Path(spec.origin).read_bytes() + b"\0")
    return digest.hexdigest()


def _libraries() -> dict[str, list[int] | None]:
    stamps: dict[str, list[int] | None] = {}
    for name in LIBRARIES:
        spec = importlib.util.find_spec(name)  # a top-level name: searched for, not imported
        stamps[name] = stat_vouch(spec.origin) if spec is not None and spec.origin else None
    return stamps


def _published_paths(registry: bytes, datasets: Sequence[str] | None) -> dict[str, tuple[str, str]]:
    """Registry paths under ``raw-data/<dataset>/`` (every dataset when None) -> (sha256, dataset): a superset
    of the files the selection reads (the data layer picks humans and models among them)."""
    paths = {}
    for line in registry.decode().splitlines()[1:]:
        path, sha256 = line.split(",", 2)[:2]
        parts = path.split("/")
        if len(parts) == 3 and parts[0] == "raw-data" and (datasets is None or parts[1] in datasets):
            paths[path] = (sha256, parts[1])
    return paths


def _has_strays(mirror: Path, paths: Sequence[str]) -> bool:
    """Whether a folder of ``paths`` in the mirror holds a file the registry does not list (the normal path warns
    about each one, so such a mirror never uses the memo)."""
    known = set(paths)
    for folder in sorted({path.rsplit("/", 1)[0] for path in paths}):
        try:
            names = os.listdir(mirror / folder)
        except OSError:
            continue
        if any(f"{folder}/{name}" not in known for name in names):
            return True
    return False


def _stat_or_none(path: Path) -> list[int] | None:
    try:
        return stat_vouch(path)
    except OSError:
        return None


def key(
    command: str,
    models: Sequence[str] | None,
    datasets: Sequence[str] | None,
    fmt: str,
    mirror: str | os.PathLike | None,
) -> str | None:
    """The memo key of one run on the published data (module docstring), or None when the memo cannot vouch for
    it (a missing file, a stray in the mirror, an unreadable source)."""
    mirror = mirror if mirror is not None else os.environ.get(MIRROR_ENV) or None  # as DataStore.from_env
    try:
        registry = registry_bytes()
        paths = _published_paths(registry, datasets)
        if mirror is not None:
            root = Path(mirror).absolute()
            if _has_strays(root, paths):
                return None
            source = {"mirror": str(root)}
        else:
            root = cache_dir("data").absolute()
            source = {"download_cache": str(root)}
        entries = cache_dir("trials")
        document = {
            "memo_version": MEMO_VERSION,
            "command": command,
            "models": list(models) if models is not None else None,
            "datasets": list(datasets) if datasets is not None else None,
            "format": fmt,
            "source": source,
            "registry": hashlib.sha256(registry).hexdigest(),
            "files": {path: stat_vouch(root / path) for path in paths},
            "entries": {path: _stat_or_none(entries / entry_name(*paths[path])) for path in paths},
            "code": code_version(),
            "python": sys.version,
            "libraries": _libraries(),
        }
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


# --------------------------------------------------------------------------------------------- entries
def entry_path(key_: str) -> Path:
    return memo_dir() / f"{key_}.txt"


def lookup(key_: str) -> str | None:
    """The text stored under ``key_``, or None (no entry, or one that is unreadable or damaged)."""
    try:
        raw = entry_path(key_).read_bytes()
        header, _, body = raw.partition(b"\n")
        if header.decode() != f"{_HEADER} {key_} {hashlib.sha256(body).hexdigest()}":
            return None
        return body.decode()
    except (OSError, UnicodeDecodeError):
        return None


def store(key_: str, text: str) -> None:
    """Remember ``text`` under ``key_``; a memo that cannot be written is not an error (only costs speed)."""
    body = text.encode()
    content = f"{_HEADER} {key_} {hashlib.sha256(body).hexdigest()}\n".encode() + body
    with contextlib.suppress(OSError):
        atomic_write(entry_path(key_), lambda tmp: Path(tmp).write_bytes(content))
