"""Exceptions with messages meant for people: each names the file or argument and what is wrong."""


class HumanlikeError(Exception):
    """Base class of every error this package raises on purpose."""


class UnknownNameError(HumanlikeError, ValueError):
    """An unknown model, dataset, category or model spec was asked for (CLI exit code 2)."""


class DataFileError(HumanlikeError):
    """A data file is missing, corrupt, malformed or fails its checksum; the message names the file."""


class StimuliError(DataFileError):
    """Stimulus images are missing or unreadable."""


def error_line(error: BaseException) -> str:
    """``Type: message`` of an unexpected exception, on one line (for summaries and the command line).

    >>> error_line(ValueError("bad\\nvalue"))
    'ValueError: bad value'
    """
    if isinstance(error, HumanlikeError):
        text = str(error)
    elif isinstance(error, OSError) and error.filename is not None:
        text = f"{error.filename}: {error.strerror or error} ({type(error).__name__})"
    elif isinstance(error, MemoryError):
        text = "out of memory (MemoryError)"
    else:
        text = f"{type(error).__name__}: {error}".rstrip(": ")
    return " ".join(text.split()) if "\n" in text or "\r" in text else text
