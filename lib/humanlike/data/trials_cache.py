"""A columnar cache of normalised trial tables, and a record of verified files, in the user cache directory.

Parsing and normalising a trials CSV is the slow part of loading (pandas' CSV reader and string work: about 2 s for
the 243 published files). The normalised table of each source file is therefore stored once, as an Arrow IPC file
(Feather v2, uncompressed: memory-mapped, it is read in well under a millisecond, where a Parquet file takes a few),
under ``<user cache>/humanlike/trials/`` (platformdirs; ``$XDG_CACHE_HOME`` is honoured on Linux).

* **Key.** An entry is named ``<sha256 of the source file>-<dataset>-n<NORMALISER_VERSION>.arrow``: the content
  of the file, the dataset (the normaliser's other input), and the normaliser's version. A changed file or a new
  normaliser has a new key, so a stale entry is never read; nothing is invalidated in place. Entries hold only
  what the content determines (no model name: a renamed copy of a file shares its entry).
* **Only valid files are cached.** An entry is written after the file passed every check that depends on its
  content alone, so a cache hit stands for those checks; the checks that depend on the context (names, the
  dataset's images, categories and conditions, coverage) run again on every load (:mod:`humanlike.data.validation`).
* **Concurrent fills** (two book builds, several workers on a shared disk): an entry is written to a temp file in
  the same directory and renamed into place (atomic on POSIX); two writers of one key write the same bytes.
* **Damage and tampering.** Every entry records the sha256 of its content (the table serialised as an Arrow IPC
  stream, without metadata) in its metadata, and every read checks it (about 30 ms for all 243 published files).
  An entry that cannot be opened, has another schema, or whose key, row count or content checksum differs from
  what its metadata records (a truncated, foreign or edited file) is reported on stderr (one line) and rebuilt
  from the source. The output memo (:mod:`humanlike.data.memo`) includes each entry's stat in its key, so a
  rebuilt or deleted entry retires what was derived from it.

:class:`VerifiedFiles` remembers files whose sha256 was checked (path, size, mtime, ctime, inode), so a mirror or
download-cache file is hashed once, not in every process; see :meth:`humanlike.data.trials.DataStore.fetch`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..files import atomic_write, cache_dir, cache_root, stat_vouch
from ..text import warn

if TYPE_CHECKING:  # pyarrow is imported on first use: the memo names entries without it
    import pyarrow as pa

#: Version of the normaliser (``humanlike.data.trials._normalise`` and the entry layout). Bump it whenever the normalised
#: table of some file could change: every old entry is then simply never read again.
NORMALISER_VERSION = 1

#: The columns of an entry: those of the trial table that the file's content determines.
ENTRY_COLUMNS = ("session", "trial", "condition", "category", "response", "imagename", "image_id", "correct")


@cache
def entry_schema() -> "pa.Schema":
    """The Arrow schema of an entry (:data:`ENTRY_COLUMNS`)."""
    import pyarrow as pa

    text = pa.large_string()
    return pa.schema(
        [
            ("session", pa.int64()),
            ("trial", pa.int64()),
            ("condition", text),
            ("category", text),
            ("response", text),
            ("imagename", text),
            ("image_id", text),
            ("correct", pa.bool_()),
        ]
    )


def entry_name(sha256: str, dataset: str) -> str:
    """The file name of the entry of a source file with this sha256, read as ``dataset``."""
    return f"{sha256}-{dataset}-n{NORMALISER_VERSION}.arrow"


def content_sha256(table: "pa.Table") -> str:
    """sha256 of an entry's content: the table (one chunk per column, no metadata) as an Arrow IPC stream."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, entry_schema()) as writer:
        writer.write_table(table.replace_schema_metadata(None).combine_chunks())
    return hashlib.sha256(memoryview(sink.getvalue())).hexdigest()


def default_trials_dir() -> Path:
    """Where the trials cache lives: ``<user cache>/humanlike/trials``."""
    return cache_dir("trials")


#: Cache folders already reported unusable in this process (one cause, one warning).
_UNUSABLE: set[Path] = set()


class TrialsCache:
    """Entries of normalised trial tables, keyed by (source sha256, dataset, :data:`NORMALISER_VERSION`).

    ``directory=None`` uses :func:`default_trials_dir`; an unwritable cache only costs speed (entries are then
    rebuilt in every process, with one warning).
    """

    def __init__(self, directory: str | os.PathLike | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_trials_dir()

    def path(self, sha256: str, dataset: str) -> Path:
        return self.directory / entry_name(sha256, dataset)

    def get(self, sha256: str, dataset: str) -> "pa.Table | None":
        """The entry's table, or None when there is none (or it was damaged: reported once, and removed)."""
        import pyarrow as pa
        import pyarrow.ipc as ipc

        path = self.path(sha256, dataset)
        try:
            os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            return None  # no entry (or no cache folder: said once, when writing fails)
        except OSError as error:
            self._unusable(error, "read")
            return None
        try:
            # Read into memory, not memory-mapped: a table must not depend on a file that someone may truncate.
            with pa.OSFile(str(path)) as source:
                reader = ipc.open_file(source)
                table = reader.read_all()
            meta = reader.schema.metadata or {}
            if table.schema.remove_metadata() != entry_schema():
                raise ValueError("another schema")
            if meta.get(b"key") != path.stem.encode() or int(meta.get(b"rows", -1)) != table.num_rows:
                raise ValueError("its key or row count does not match its metadata")
            if meta.get(b"content_sha256", b"").decode() != content_sha256(table):
                raise ValueError("its content does not match its checksum")
        except FileNotFoundError:
            return None
        except PermissionError as error:  # the cache's folder or file, not the entry's content
            self._unusable(error, "read")
            return None
        except (pa.ArrowException, ValueError, OSError, UnicodeDecodeError) as error:
            self._damaged(path, str(error).splitlines()[0] if str(error) else type(error).__name__)
            return None
        return table

    def put(self, sha256: str, dataset: str, table: "pa.Table") -> None:
        """Store ``table`` (columns :data:`ENTRY_COLUMNS`) under the key; failures to write only warn."""
        import pyarrow as pa
        import pyarrow.ipc as ipc

        path = self.path(sha256, dataset)
        table = table.cast(entry_schema())
        table = table.replace_schema_metadata(
            {
                "key": path.stem,
                "rows": str(table.num_rows),
                "normaliser_version": str(NORMALISER_VERSION),
                "content_sha256": content_sha256(table),
            }
        )

        def write(tmp: str) -> None:
            with pa.OSFile(tmp, "wb") as sink, ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)

        try:
            atomic_write(path, write)
        except OSError as error:
            self._unusable(error, "write")

    def _unusable(self, error: OSError, what: str) -> None:
        """One warning per process and cache folder, however many entries fail for this one cause."""
        if self.directory not in _UNUSABLE:
            _UNUSABLE.add(self.directory)
            warn(f"{self.directory}: cannot {what} the trials cache ({error.strerror or error}); reading CSVs instead")

    def _damaged(self, path: Path, why: str) -> None:
        warn(f"{path}: damaged trials cache entry ({why}); rebuilding it from the source file")
        with contextlib.suppress(OSError):
            path.unlink()


class VerifiedFiles:
    """Files whose sha256 was checked, with the (size, mtime_ns, ctime_ns, inode) they had then.

    A file whose stat still matches its record is not hashed again. This is the check ``make`` and ``rsync`` rely
    on, made stronger by the ctime (set by the kernel on every write or rename, and not settable by a program):
    it misses only a change that keeps size, mtime, ctime and inode, i.e. a clock set back or a damaged disk.
    Stored as one JSON file, ``<user cache>/humanlike/verified.json``, updated atomically (a lost update between
    two processes only means a file is hashed once more).
    """

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = Path(path) if path is not None else cache_root() / "verified.json"
        self._records: dict[str, list] | None = None
        self._new: dict[str, list] = {}

    def _load(self) -> dict[str, list]:
        if self._records is None:
            try:
                records = json.loads(self.path.read_text())
                self._records = records if isinstance(records, dict) else {}
            except (OSError, ValueError):
                self._records = {}
        return self._records

    @staticmethod
    def _stamp(path: Path, sha256: str) -> list:
        return [*stat_vouch(path), sha256]

    def is_verified(self, path: Path, sha256: str) -> bool:
        """Whether ``path`` was verified to have ``sha256`` and has not changed since (by its stat)."""
        record = self._load().get(str(Path(path).absolute()))
        try:
            return record is not None and record == self._stamp(path, sha256)
        except OSError:
            return False

    def add(self, path: Path, sha256: str) -> None:
        """Record that ``path`` was just hashed and has ``sha256`` (saved by :meth:`save`)."""
        key = str(Path(path).absolute())
        stamp = self._stamp(path, sha256)
        self._load()[key] = stamp
        self._new[key] = stamp

    def save(self) -> None:
        """Merge the new records into the file on disk (re-read just before, to keep other processes' records)."""
        if not self._new:
            return
        try:
            current = json.loads(self.path.read_text())
            current = current if isinstance(current, dict) else {}
        except (OSError, ValueError):
            current = {}
        current.update(self._new)
        text = json.dumps(current, separators=(",", ":"))

        def write(tmp: str) -> None:
            Path(tmp).write_text(text)

        try:
            atomic_write(self.path, write)
            self._new = {}
        except OSError:
            pass  # only costs a hash in the next process
