"""The one exception hierarchy for errors a user sees.

Every error a user can cause (a bad config, an unreadable source, too few usable rows, a failed
stage) is a subclass of :class:`CsperfError`; the command line prints its message as one line and
exits non-zero, never a traceback.
"""

from __future__ import annotations


class CsperfError(Exception):
    """Base class of every error csperf reports to a user."""


class ConfigError(CsperfError):
    """The review config is invalid; ``problems`` lists every problem found, each with its key."""

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
