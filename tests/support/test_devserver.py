"""AppServer: a port taken between choosing it and the app binding it.

Ports are chosen free and bound by the app seconds later (after its build);
another process may take one in between. The start must then move to new
ports rather than fail, or talk to whoever holds the port.
"""

from __future__ import annotations

import socket
import urllib.request
from pathlib import Path

import pytest

from tests.support import devserver
from tests.support.devserver import AppServer, Mode, PortTakenError

pytestmark = pytest.mark.system


@pytest.fixture
def squatter() -> socket.socket:
    """Another process's server, listening on a port the app will be offered."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


def offer_first(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    """Make the next port AppServer picks ``port``, then free ones."""
    offers = [port]
    pick = devserver.free_port

    def free_port(*, exclude: tuple[int, ...] = ()) -> int:
        return offers.pop() if offers else pick(exclude=exclude)

    monkeypatch.setattr(devserver, "free_port", free_port)


def test_a_start_on_a_taken_port_moves_to_free_ports(
    squatter: socket.socket, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    taken = squatter.getsockname()[1]
    offer_first(monkeypatch, taken)
    app = AppServer(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'bookgen.db'}"},
        log=tmp_path / "app.log",
        mode=Mode.PROD,
    )
    assert app.port == taken
    with squatter, app:
        assert app.port != taken
        with urllib.request.urlopen(app.url + "/ping", timeout=5) as r:
            assert r.status == 200


def test_a_chosen_port_that_is_taken_is_reported(
    squatter: socket.socket, tmp_path: Path
) -> None:
    taken = squatter.getsockname()[1]
    app = AppServer(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'bookgen.db'}"},
        port=taken,
        log=tmp_path / "app.log",
    )
    with squatter, pytest.raises(PortTakenError):
        app.start(timeout=60)
    assert app.proc is None or app.proc.poll() is not None
