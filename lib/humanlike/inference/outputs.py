"""The files an evaluation writes: their layout, their text, safe writing, and the check of a finished result.

Layout below ``out`` (see :mod:`humanlike.inference`): ``raw-data/<dataset>/<stem>.csv``,
``probabilities/<dataset>/<stem>.csv``, ``provenance/<dataset>/<stem>.json`` and, while a dataset runs,
``partial/<stem>.partial.json``, with ``stem = <dataset>_<name>_session-1``.

Writing rules: every file goes to a temporary file in its own folder and is renamed into place (readers never see
half a file); files get the permissions the umask gives a new file (0644 under umask 022, not mkstemp's 0600); the
three files of a finished dataset are placed together or not at all (:func:`write_together`), so a failed write
leaves no CSV without its provenance. A finished result counts as finished only while its files still have the
sha256 its provenance recorded (:func:`finished`).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ..data.names import folded
from ..errors import DataFileError, HumanlikeError, UnknownNameError
from ..files import file_sha256, stage, text_sha256
from ..registry import RAW_COLUMNS
from . import decisions



def output_paths(out: str | os.PathLike, dataset: str, name: str) -> dict[str, Path]:
    """The paths of one model x dataset result below ``out``."""
    stem = f"{dataset}_{name}_session-1"
    out = Path(out)
    return {
        "csv": out / "raw-data" / dataset / f"{stem}.csv",
        "probabilities": out / "probabilities" / dataset / f"{stem}.csv",
        "provenance": out / "provenance" / dataset / f"{stem}.json",
        "partial": out / "partial" / f"{stem}.partial.json",
    }


# --------------------------------------------------------------------------------------------- the output folder
def check_out_dir(out: str | os.PathLike) -> Path:
    """Refuse an output folder that cannot be used, before any model work; create nothing.

    ``out`` must be a directory we can write into, or not exist yet below a directory we can write into (it is
    created when the first file is written). Writability is tested by creating and removing a temporary file:
    permission bits say nothing for root or on a read-only mount. Raises UnknownNameError when a file is in the
    way (a bad ``--out``), HumanlikeError when the folder cannot be written.
    """
    out = Path(out)
    probe = out
    while not probe.exists():
        if probe.is_symlink():  # a dangling link: creating below it would fail later
            raise UnknownNameError(f"{out}: --out goes through a broken symbolic link {probe}")
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        where = "is a file, not a directory" if probe == out else f"cannot be created: {probe} is a file"
        raise UnknownNameError(f"{out}: --out {where}")
    try:
        with tempfile.TemporaryFile(dir=probe, prefix=".humanlike-write-test-"):
            pass
    except OSError as error:
        what = "is not writable" if probe == out else f"cannot be created: {probe} is not writable"
        raise HumanlikeError(f"{out}: --out {what} ({error.strerror or error})") from None
    return out


# --------------------------------------------------------------------------------------------- one writer
def _lock_dir() -> Path:
    """Where result locks live: one folder per user in the machine's temporary folder, the same for every process
    whatever its user cache. Not in ``out``: a refused run must leave ``out`` as it was."""
    directory = Path(tempfile.gettempdir()) / f"humanlike-locks-{os.getuid()}"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise HumanlikeError(f"{directory}: cannot create the folder of result locks ({error.strerror})") from None
    return directory


@contextlib.contextmanager
def result_lock(out: str | os.PathLike, name: str):
    """Hold the one lock of the results named ``name`` in ``out`` (one writer per result): a second evaluation of
    that name into that folder, in this process or another one on this machine, is refused with one line while the
    first runs (HumanlikeError), so two runs never both write, and report as new, one file. (Processes on other
    machines sharing ``out`` are not seen: run one evaluation per name there, as Dask does.) Names are compared as
    :func:`humanlike.data.names.folded` (``Mine`` and ``mine`` are one file on a case-insensitive disk)."""
    from filelock import FileLock, Timeout

    key = text_sha256(f"{Path(out).expanduser().resolve()}\0{folded(name)}")
    path = _lock_dir() / f"{key}.lock"
    lock = FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise HumanlikeError(
            f"{out}: another evaluation is writing the results of {name!r} there now (lock {path}); "
            "wait until it has finished, then run again"
        ) from None
    try:
        yield
    finally:
        lock.release()


# --------------------------------------------------------------------------------------------- safe writing
def _stage(path: Path, text: str) -> Path:
    """``text`` in a synced temporary file beside ``path``, with normal permissions; removed again on failure."""

    def write(tmp: str) -> None:
        with open(tmp, "w", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())

    return stage(path, write)


def write_together(files: Mapping[Path, str]) -> None:
    """Write several files all or none: stage each, then rename each into place (in the given order).

    If anything fails (disk full, interrupt), the temporary files and the files already renamed in this call are
    removed, so no file of the group survives without the others.
    """
    staged: list[tuple[Path, Path]] = []
    placed: list[Path] = []
    try:
        for path, text in files.items():
            staged.append((_stage(Path(path), text), Path(path)))
        for tmp, path in staged:
            os.replace(tmp, path)
            placed.append(path)
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        for path in placed:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
        raise


def atomic_write(path: str | os.PathLike, text: str) -> None:
    """Write one file atomically (temporary file + rename), with normal permissions."""
    write_together({Path(path): text})


def read_json(path: str | os.PathLike) -> dict | None:
    """The JSON object in ``path``, or None if it is missing or not a JSON object."""
    try:
        value = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


# --------------------------------------------------------------------------------------------- file contents
def raw_csv(name: str, stimuli, answers: Sequence[str]) -> str:
    """The trials CSV in the published model format (``stimuli``: a StimulusSet, ``answers``: 16-class names)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RAW_COLUMNS)
    for trial, (stimulus, answer) in enumerate(zip(stimuli, answers, strict=True), start=1):
        writer.writerow([name, 1, trial, "NaN", answer, stimulus.category, stimulus.condition, stimulus.imagename])
    return buffer.getvalue()


def probabilities_csv(stimuli, probabilities: np.ndarray) -> str:
    """trial, imagename and the 16 category probabilities, at full precision."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["trial", "imagename", *decisions.CATEGORIES])
    for trial, (stimulus, row) in enumerate(zip(stimuli, probabilities, strict=True), start=1):
        writer.writerow([trial, stimulus.imagename, *(repr(float(p)) for p in row)])
    return buffer.getvalue()


def read_probabilities(path: str | os.PathLike):
    """A probabilities sidecar as a DataFrame (trial, imagename, the 16 categories)."""
    import pandas as pd

    return pd.read_csv(path, dtype={"imagename": str})


# --------------------------------------------------------------------------------------------- finished results
def finished(paths: Mapping[str, Path], identity: Mapping, force: bool) -> bool:
    """True if the result at ``paths`` is finished for this ``identity`` and its files are intact.

    False when there is nothing (or an interrupted run's partial result) or ``force``. Raises HumanlikeError when
    a finished result of a different run is in the way, DataFileError when a finished file no longer has the
    sha256 its provenance recorded (edited, truncated); both messages say how to redo it.
    """
    csv_path, provenance_path = paths["csv"], paths["provenance"]
    provenance = read_json(provenance_path)
    if force or not csv_path.exists():
        return False
    if provenance is None:
        if paths["partial"].exists():
            return False  # interrupted between writing the CSV and its provenance (older versions)
        raise HumanlikeError(
            f"{csv_path}: exists without its provenance file {provenance_path}; "
            "move it away or pass --force (force=True) to overwrite it"
        )
    recorded = {key: provenance.get(key) for key in identity}
    if recorded != dict(identity):
        differences = ", ".join(
            f"{k}: {recorded[k]!r} != {identity[k]!r}" for k in identity if recorded[k] != identity[k]
        )
        raise HumanlikeError(
            f"{csv_path}: already holds results of a different run ({differences}); "
            "choose another name or --out, or pass --force (force=True) to overwrite"
        )
    outputs = provenance.get("outputs") if isinstance(provenance.get("outputs"), dict) else {}
    checks = [(csv_path, outputs.get("csv_sha256"))]
    if "probabilities_sha256" in outputs:  # recorded since the files are written together
        checks.append((paths["probabilities"], outputs["probabilities_sha256"]))
    redo = "rerun with --force (force=True) to recompute this result"
    for path, expected in checks:
        if not expected:
            raise DataFileError(f"{provenance_path}: records no sha256 for {path.name}; {redo}")
        if not path.is_file():
            raise DataFileError(f"{path}: missing, though {provenance_path} records it as finished; {redo}")
        if file_sha256(path) != expected:
            raise DataFileError(
                f"{path}: does not match the sha256 recorded in {provenance_path} (changed since it was written?); "
                f"{redo}"
            )
    return True
