"""The real app in a subprocess (``reflex run --env prod``) for tests and benchmarks.

One port serves the frontend, ``/_event`` and ``/ping``. The process gets its
own session so a test can SIGKILL the whole tree, as a crash would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

__all__ = ["AppServer", "free_port"]

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    def __init__(
        self, env: dict[str, str], *, port: int | None = None, log: Path | None = None
    ) -> None:
        self.port = port or free_port()
        self.env = env
        self.log = log or Path(f"/tmp/bookgen-app-{self.port}.log")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 240.0) -> AppServer:
        bin_dir = str(Path(sys.executable).parent)
        env = {
            **os.environ,
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
            "REFLEX_USE_NPM": "1",
            "REFLEX_USE_GRANIAN": "false",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            **self.env,
        }
        cmd = [
            str(Path(bin_dir) / "reflex"),
            "run",
            "--env",
            "prod",
            "--frontend-port",
            str(self.port),
            "--backend-port",
            str(self.port),
        ]
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                cmd,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"app exited early; see {self.log}")
            try:
                for path in ("/ping", "/"):
                    with urllib.request.urlopen(self.url + path, timeout=2) as r:
                        if r.status != 200:
                            raise OSError(r.status)
                return
            except OSError:
                time.sleep(0.5)
        raise TimeoutError(f"app not ready after {timeout:.0f} s; see {self.log}")

    def kill(self, sig: int = signal.SIGKILL, timeout: float = 30.0) -> None:
        """Signal the whole process tree (SIGKILL = crash, SIGTERM = deploy) and
        wait until every process in it is gone (workers outlive the CLI while
        they drain); what is left after ``timeout`` is killed."""
        if self.proc is None:
            return
        pgid = self.proc.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.proc.poll()  # reap the CLI so it does not linger as a zombie
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)

    def stop(self, timeout: float = 20.0) -> None:
        if self.proc is None:
            return
        self.kill(signal.SIGTERM, timeout)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        self.proc = None

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
