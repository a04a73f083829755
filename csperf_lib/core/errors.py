"""The one exception hierarchy for errors a user sees.

Every error a user can cause (a bad config, an unreadable source, too few usable rows, a failed
stage) is a subclass of :class:`CsperfError`; the command line prints its message as one line and
exits with the class's ``exit_code``, never a traceback. Each class of user error has one type and
one code: 2 when the command or the config is wrong and nothing ran (:class:`UsageError`,
:class:`ConfigError`), 1 for everything found while running (a source that cannot be read, too few
usable rows, a store that cannot be opened, a failed stage).
"""

from __future__ import annotations


class CsperfError(Exception):
    """Base class of every error csperf reports to a user."""

    #: The command line's exit status for this class of error.
    exit_code: int = 1

    def __str__(self) -> str:
        # one line, whatever a message quotes (a YAML key holding a line break, a parser's report)
        return " ".join(super().__str__().split())


class UsageError(CsperfError):
    """A command-line argument is wrong (an ``--out`` that is a file, a password in ``--store``)."""

    exit_code = 2


class ConfigError(CsperfError):
    """The review config is invalid; ``problems`` lists every problem found, each with its key."""

    exit_code = 2

    def __init__(self, path: str, problems: list[str]):
        self.path = str(path)
        self.problems = list(problems)
        joined = "; ".join(self.problems)
        super().__init__(f"{self.path}: {len(self.problems)} problem(s) in the config: {joined}")


class SourceError(CsperfError):
    """A source could not be read or mapped onto the canonical tables."""


class StoreError(CsperfError):
    """The processed store cannot be opened or lacks a table a stage needs."""


class ValidationThresholdError(CsperfError):
    """Too few rows of a table passed validation for the review to be trusted."""


class StageError(CsperfError):
    """A review stage (an executed notebook) failed."""
