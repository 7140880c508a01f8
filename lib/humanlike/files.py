"""Files on disk, the same way everywhere: the user cache's folders, writing without half-written files, hashing,
and the stat that vouches for an unchanged file.

Light on purpose (standard library and platformdirs only): the command line's output memo uses it before it
decides whether pandas is needed at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

#: The one environment variable the data layer reads: a local mirror of the upstream data.
MIRROR_ENV = "HUMANLIKE_MIRROR"


# --------------------------------------------------------------------------------------------- the user cache
def cache_root() -> Path:
    """``platformdirs.user_cache_dir("humanlike")`` (``$XDG_CACHE_HOME/humanlike`` on Linux)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("humanlike"))


def cache_dir(kind: str) -> Path:
    """One folder of the user cache: ``data`` (downloaded upstream files), ``trials`` (the trials cache),
    ``memo`` (the command line's output memo), ``weights`` (checkpoints), ``stimuli`` (image archives)."""
    return cache_root() / kind


# --------------------------------------------------------------------------------------------- hashing
def file_sha256(path: str | os.PathLike) -> str:
    """sha256 of a file's bytes (hex), read in blocks. Raises OSError."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def text_sha256(text: str) -> str:
    """sha256 of a text's UTF-8 bytes (hex)."""
    return hashlib.sha256(text.encode()).hexdigest()


def stat_vouch(path: str | os.PathLike) -> list[int]:
    """``[size, mtime_ns, ctime_ns, inode]`` of a file: while they are unchanged, so is the file (the ctime is
    set by the kernel on every write or rename, and cannot be set by a program). Raises OSError."""
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


# --------------------------------------------------------------------------------------------- safe writing
def _umask() -> int:
    # /proc tells the umask without changing it (os.umask() sets it, racing other threads)
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a plainly created file gets under the current umask (0644 under 022), not mkstemp's 0600."""
    return 0o666 & ~_umask()


def stage(target: str | os.PathLike, write: Callable[[str], object]) -> Path:
    """Call ``write(path)`` on a new temporary file beside ``target`` and give it normal permissions; return its
    path (to be renamed onto ``target``). On failure the temporary file is removed and the error raised."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, file_mode())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def atomic_write(target: str | os.PathLike, write: Callable[[str], object]) -> None:
    """Write ``target`` through ``write(tmp)`` and rename it into place: readers see the old file or the new one,
    never half of one."""
    tmp = stage(target, write)
    try:
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
