"""No access or refresh token in what `bar serve` writes: its output, logs, data files."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from bar import admins, registration
from bar.clock import utcnow
from tests.webapp.conftest import ADMIN_PASSWORD, WsClient
from tests.webapp.test_server import Served, core_on


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with core_on(tmp_path / "data"):
        now = utcnow()
        code = registration.create_code(max_uses=5, expires_at=now + timedelta(days=1), now=now)
        admins.create_admin("sam", ADMIN_PASSWORD, now=now)
    server = Served(tmp_path / "data")
    server.code = code.code  # type: ignore[attr-defined]
    server.wait_until_up()
    yield server
    server.close()


def test_no_token_in_the_output_logs_or_files_of_bar_serve(served: Served) -> None:
    base = served.base_url
    registered = requests.post(f"{base}/api/register", json={"username": "Ana"}, timeout=5,
                               headers={"X-Registration-Code": served.code}).json()
    refreshed = requests.post(f"{base}/api/auth/refresh", timeout=5,
                              json={"refresh_token": registered["refresh_token"]}).json()
    access = refreshed["access_token"]
    guest = {"Authorization": f"Bearer {access}"}
    placed = requests.post(f"{base}/api/orders", json={"drink_id": "negroni"}, headers=guest,
                           timeout=5)
    assert placed.status_code == 201
    admin = requests.post(f"{base}/api/admin/login", timeout=5,
                          json={"username": "sam", "password": ADMIN_PASSWORD}).json()
    forged = access[:-8] + "AAAAAAAA"

    # Refusals are where a server is most tempted to log what it was sent.
    assert requests.post(f"{base}/api/orders", data="{not json",
                         headers={**guest, "Content-Type": "application/json"},
                         timeout=5).status_code == 400
    assert requests.get(f"{base}/api/orders", headers={"Authorization": f"Bearer {forged}"},
                        timeout=5).status_code == 401
    reused = requests.post(f"{base}/api/auth/refresh", timeout=5,
                           json={"refresh_token": registered["refresh_token"]})
    assert reused.status_code == 401  # a rotated token: the family is revoked
    # A careless client putting a token in the address: still never written anywhere.
    assert requests.get(f"{base}/api/menu", params={"token": admin["access_token"]},
                        timeout=5).status_code == 200

    sockets = [WsClient(base) for _ in range(3)]
    assert sockets[0].auth(access)["type"] == "auth_ok"
    assert sockets[0].subscribe(f"orders/{registered['user']['user_key']}")[-1]["type"] == "subscribed"
    assert sockets[1].auth(admin["access_token"])["role"] == "admin"
    assert sockets[2].auth(forged)["code"] == "token_invalid"
    assert sockets[2].closed() == 1008
    for ws in sockets[:2]:
        ws.close()

    served.signal(signal.SIGTERM)
    out, err, _ = served.wait()
    assert served.process.returncode == 0, err
    assert out.startswith("Serving Friday Night Bar") and "Traceback" not in err
    secrets = {
        "first access token": registered["access_token"],
        "first refresh token": registered["refresh_token"],
        "access token": access, "refresh token": refreshed["refresh_token"],
        "admin token": admin["access_token"], "forged token": forged,
    }
    files = {str(p): p.read_bytes() for p in served.data_dir.rglob("*") if p.is_file()}
    assert any(name.endswith("bar.db") for name in files)
    for what, token in secrets.items():
        assert token not in out and token not in err, f"the {what} is in the server's output"
        # The signature alone identifies a JWT; a refresh token is stored only as a hash.
        needle = token.rsplit(".", 1)[-1].encode()
        leaked = [name for name, data in files.items() if needle in data]
        assert leaked == [], f"the {what} is in {leaked}"
