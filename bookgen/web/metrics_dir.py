"""Where every worker process writes its metrics, so /metrics can sum them all.

prometheus-client reads ``PROMETHEUS_MULTIPROC_DIR`` once, when it is first
imported, so the directory must be chosen before any worker starts and shared
by all of them: ``rxconfig.py`` calls ``use_metrics_dir`` in the ``reflex run``
process, and the server's processes inherit the variable. This module must
therefore not import prometheus-client.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["METRICS_DIR_VARIABLE", "use_metrics_dir"]

METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def use_metrics_dir() -> Path:
    """The directory in ``PROMETHEUS_MULTIPROC_DIR``, created if missing; when
    the variable is unset, a new temporary directory, exported to child
    processes. An operator-chosen directory should be emptied before each start
    (files of old processes would still be summed)."""
    if chosen := os.environ.get(METRICS_DIR_VARIABLE, "").strip():
        path = Path(chosen)
        path.mkdir(parents=True, exist_ok=True)
    else:
        path = Path(tempfile.mkdtemp(prefix="bookgen-metrics-"))
        os.environ[METRICS_DIR_VARIABLE] = str(path)
    return path
