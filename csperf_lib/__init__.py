"""csperf: a Jupyter workbench for reviewing customer service performance."""

from csperf_lib.core.errors import CsperfError

__version__ = "0.1.0"

__all__ = ["CsperfError", "__version__"]
