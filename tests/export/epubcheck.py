"""Run Debian's EPUBCheck on a file; fail loudly (never skip) when it is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

JAR = Path(os.environ.get("BOOKGEN_EPUBCHECK_JAR", "/usr/share/java/epubcheck.jar"))
INSTALL = "apt-get install -y epubcheck default-jre-headless"
CLEAN = "0 fatals / 0 errors / 0 warnings"


def epubcheck(path: Path) -> str:
    """EPUBCheck's report; the test fails unless it has no error or warning."""
    java = shutil.which("java")
    if java is None or not JAR.is_file():
        pytest.fail(
            f"EPUBCheck is required and missing (java={java}, jar={JAR} "
            f"exists={JAR.is_file()}); install it with: {INSTALL}"
        )
    # /usr/bin/epubcheck fails in containers; the jar works. The flags halve
    # the JVM's start-up time for a run this short.
    run = subprocess.run(
        [
            java,
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-jar",
            str(JAR),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0 and CLEAN in report, (
        f"EPUBCheck rejected {path}:\n{report}"
    )
    return report
