"""The real app in a subprocess, the way people run it, for tests and benchmarks.

Two modes:

- ``prod`` (``reflex run --env prod``): one port serves the frontend,
  ``/_event``, ``/ping`` and ``/api``.
- ``dev`` (``reflex run``): Vite's dev server on one port (React in StrictMode:
  every component mounts, unmounts and mounts again) and the backend on
  another; the page talks to the backend at ``http://localhost:<backend>``.

The process gets its own session so a test can SIGKILL the whole tree, as a
crash would.

Ports: a port is chosen free, then bound by the app seconds later (after its
build), so another process may take it in between. Ports are therefore drawn
at random from outside the kernel's ephemeral range (which every ``bind(0)``
and outgoing connection draws from), and a start that loses its port anyway
(the app says so and exits, or someone else answers on it) is retried on new
ports.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from enum import StrEnum
from pathlib import Path

import psutil

__all__ = ["AppServer", "Mode", "PortTakenError", "free_port"]

ROOT = Path(__file__).resolve().parents[2]
# Ports below this are left to well-known services.
_LOWEST_PORT = 20_000
# What the app logs when a port it wants is taken (Reflex, uvicorn, gunicorn, Vite).
_PORT_TAKEN = re.compile(
    r"already in use|address in use|errno 98|EADDRINUSE|is in use, trying another",
    re.IGNORECASE,
)
# A start that lost its ports is retried this many times on new ones.
_START_ATTEMPTS = 4


class Mode(StrEnum):
    """How the app is started."""

    PROD = "prod"  # reflex run --env prod: built frontend, one port
    DEV = "dev"  # reflex run: Vite dev server (StrictMode) + backend, two ports


class PortTakenError(RuntimeError):
    """Another process holds a port the app was started on."""


def _ephemeral_low() -> int:
    try:
        text = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text()
        return int(text.split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def _bindable(port: int) -> bool:
    """Nothing listens on ``port`` on any address, IPv4 or IPv6."""
    families = [(socket.AF_INET, "0.0.0.0")]
    if socket.has_ipv6:
        families.append((socket.AF_INET6, "::"))
    for family, host in families:
        try:
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.bind((host, port))
        except OSError as exc:
            if family == socket.AF_INET6 and exc.errno == 97:  # no IPv6 here
                continue
            return False
    return True


def free_port(*, exclude: tuple[int, ...] = ()) -> int:
    """A port nothing listens on now, outside the kernel's ephemeral range.

    It may still be taken before the app binds it; ``AppServer.start`` detects
    that and retries.
    """
    high = _ephemeral_low() - 1
    for _ in range(200):
        port = random.randint(_LOWEST_PORT, high)
        if port not in exclude and _bindable(port):
            return port
    raise RuntimeError(f"no free port in {_LOWEST_PORT}..{high}")


class AppServer:
    """Start, probe and stop the real app; ``url`` is where a browser goes."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        port: int | None = None,
        log: Path | None = None,
        mode: Mode = Mode.PROD,
    ) -> None:
        self.mode = mode
        self.env = env
        # A port the caller chose is kept (e.g. a restart on the same URL);
        # chosen ones are replaced if taken.
        self._fixed_port = port is not None
        self.port, self.backend_port = self._pick_ports(port)
        self.log = log or Path(f"/tmp/bookgen-app-{self.port}.log")
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_start = 0
        self._no_reload_dir: str | None = None

    def _pick_ports(self, port: int | None) -> tuple[int, int]:
        frontend = port or free_port()
        if self.mode is Mode.PROD:
            return frontend, frontend
        return frontend, free_port(exclude=(frontend,))

    @property
    def url(self) -> str:
        """Where pages are served. Vite listens on ``localhost``, which may be
        IPv6 only, so dev mode uses that name."""
        host = "localhost" if self.mode is Mode.DEV else "127.0.0.1"
        return f"http://{host}:{self.port}"

    @property
    def backend_url(self) -> str:
        """Where ``/_event``, ``/ping`` and ``/api`` are served."""
        return f"http://127.0.0.1:{self.backend_port}"

    def start(self, timeout: float = 240.0) -> AppServer:
        """Start the app and wait until both frontend and backend answer."""
        for attempt in range(1, _START_ATTEMPTS + 1):
            self._launch()
            try:
                self._wait_ready(timeout)
                return self
            except PortTakenError:
                self.kill()
                if self._fixed_port or attempt == _START_ATTEMPTS:
                    raise
                self.port, self.backend_port = self._pick_ports(None)
        raise AssertionError("unreachable")

    def _launch(self) -> None:
        bin_dir = str(Path(sys.executable).parent)
        env = {
            **os.environ,
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
            "REFLEX_USE_NPM": "1",
            "REFLEX_USE_GRANIAN": "false",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            **self._dev_env(),
            **self.env,
        }
        cmd = [str(Path(bin_dir) / "reflex"), "run"]
        if self.mode is Mode.PROD:
            cmd += ["--env", "prod"]
        cmd += [
            "--frontend-port",
            str(self.port),
            "--backend-port",
            str(self.backend_port),
        ]
        self._log_start = self.log.stat().st_size if self.log.exists() else 0
        with open(self.log, "ab") as out:
            out.write(f"\n$ {' '.join(cmd)}\n".encode())
            self.proc = subprocess.Popen(
                cmd,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _dev_env(self) -> dict[str, str]:
        """Dev mode restarts the backend when a watched file changes, which
        cancels running generations. Tests edit no files, but other work in
        the checkout might: watch an empty directory instead."""
        if self.mode is not Mode.DEV:
            return {}
        if self._no_reload_dir is None:
            self._no_reload_dir = tempfile.mkdtemp(prefix="bookgen-no-reload-")
        return {"REFLEX_HOT_RELOAD_OVERRIDE_PATHS": self._no_reload_dir}

    def _log_tail(self) -> str:
        try:
            with open(self.log, "rb") as f:
                f.seek(self._log_start)
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def _ours(self, port: int) -> bool | None:
        """Does a process of this app listen on ``port``? None if nobody does."""
        assert self.proc is not None
        listeners = [
            c.pid
            for c in psutil.net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port
        ]
        if not listeners:
            return None
        for pid in listeners:
            try:
                if pid is None or os.getpgid(pid) != self.proc.pid:
                    return False
            except ProcessLookupError:
                return False
        return True

    def _answers(self, url: str) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        probes = [(self.backend_port, self.backend_url + "/ping")]
        probes.append((self.port, self.url + "/"))
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                if _PORT_TAKEN.search(self._log_tail()):
                    raise PortTakenError(f"a port was taken; see {self.log}")
                raise RuntimeError(f"app exited early; see {self.log}")
            owners = [self._ours(port) for port, _ in probes]
            if False in owners:
                raise PortTakenError(
                    f"another process listens on {[p for p, _ in probes]}"
                )
            if all(owners) and all(self._answers(url) for _, url in probes):
                return
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
        if self._no_reload_dir is not None:
            shutil.rmtree(self._no_reload_dir, ignore_errors=True)
            self._no_reload_dir = None

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
