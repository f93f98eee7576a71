"""The app as the benchmark runs it: bookgen plus the naive baseline state.

Loaded through ``REFLEX_APP_MODULE_IMPORT=bench.app`` so that ``bookgen``
itself never imports the benchmark and a normal run has no baseline state.
"""

import bench.naive_state  # noqa: F401  (registers the baseline state)
from bookgen.bookgen import app

__all__ = ["app"]
