"""Exceptions with messages meant for people: each names the file or argument and what is wrong."""


class HumanlikeError(Exception):
    """Base class of every error this package raises on purpose."""


class UnknownNameError(HumanlikeError, ValueError):
    """An unknown model, dataset, category or model spec was asked for (CLI exit code 2)."""


class DataFileError(HumanlikeError):
    """A data file is missing, corrupt, malformed or fails its checksum; the message names the file."""


class StimuliError(DataFileError):
    """Stimulus images are missing or unreadable."""
