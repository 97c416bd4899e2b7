"""`server.tls_cert` / `server.tls_key`: a certificate that would not serve is one line
naming the key, at start; `bar serve --check` says what the phones will get."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bar import tls
from bar.config import load_settings
from bar.errors import ConfigError
from tests.certs import issue
from tests.conftest import ROOT, SAMPLE_CONFIG, run_cli


def check(data_dir: Path, monkeypatch: pytest.MonkeyPatch, cert: Path | str, key: Path | str,
          public_url: str = "", ok: bool = True) -> str:
    monkeypatch.setenv("BAR_SERVER_TLS_CERT", str(cert))
    monkeypatch.setenv("BAR_SERVER_TLS_KEY", str(key))
    monkeypatch.setenv("BAR_SERVER_PUBLIC_URL", public_url)
    return run_cli(data_dir, "serve", "--check", ok=ok).output


def test_a_certificate_that_would_not_serve_is_one_line_naming_the_key(tmp_path, monkeypatch):
    data = tmp_path / "data"
    good = issue(tmp_path / "good")
    other = issue(tmp_path / "other")
    expired = issue(tmp_path / "old", valid_from=datetime.now(UTC) - timedelta(days=60),
                    valid_for=timedelta(days=30))
    early = issue(tmp_path / "early", valid_from=datetime.now(UTC) + timedelta(days=2))
    unreadable = tmp_path / "unreadable.key"
    unreadable.mkdir()  # a directory: read as a file, it fails (even as root)
    cases = [
        (tmp_path / "missing.crt", good.key, "server.tls_cert:", "does not exist"),
        (good.cert, tmp_path / "missing.key", "server.tls_key:", "does not exist"),
        (good.cert, unreadable, "server.tls_key:", "cannot read"),
        (good.key, good.key, "server.tls_cert:", "not a PEM certificate"),
        (good.cert, good.cert, "server.tls_key:", "not a PEM private key"),
        (good.cert, other.key, "server.tls_key:", "is not the key of the certificate"),
        (expired.cert, expired.key, "server.tls_cert:", "expired on"),
        (early.cert, early.key, "server.tls_cert:", "not valid before"),
        (good.cert, "", "server.tls_key:", "missing"),
    ]
    for cert, key, names, says in cases:
        line = check(data, monkeypatch, cert, key, ok=False).strip()
        assert line.startswith(f"Error: {names}") and says in line, (cert, key, line)

    # `bar serve` itself says the same at start, before gunicorn or gevent run.
    env = {"BAR_DATA_DIR": str(data), "BAR_CONFIG": str(SAMPLE_CONFIG), "PATH": "/usr/bin:/bin",
           "BAR_SERVER_TLS_CERT": str(expired.cert), "BAR_SERVER_TLS_KEY": str(expired.key)}
    served = subprocess.run([sys.executable, "-m", "bar", "serve", "--port", "0"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=60)
    assert served.returncode == 1
    assert served.stderr.strip().splitlines() == [
        f"Error: server.tls_cert: the certificate in {expired.cert} expired on "
        f"{(datetime.now(UTC) - timedelta(days=30)):%Y-%m-%d}"]


def test_serve_check_says_what_the_phones_get(tmp_path, monkeypatch):
    data = tmp_path / "data"
    run_cli(data, "init")
    plain = run_cli(data, "serve", "--check").output
    assert "Not secure: plain HTTP" in plain and "Notifications: not possible" in plain

    lan = issue(tmp_path / "lan", names=("bar.lan",))
    good = check(data, monkeypatch, lan.cert, lan.key, public_url="http://bar.lan:8000")
    assert "Phones open https://bar.lan:8000/" in good  # the join URLs' scheme follows TLS
    assert "Secure, if the phones trust CN=bar test CA" in good
    assert "Notifications: possible" in good

    wrong_name = check(data, monkeypatch, lan.cert, lan.key, public_url="https://10.9.8.7:8000")
    assert "the certificate does not name 10.9.8.7" in wrong_name
    assert "Notifications: not possible" in wrong_name

    own = issue(tmp_path / "own", names=("bar.lan",), self_signed=True)
    self_signed = check(data, monkeypatch, own.cert, own.key, public_url="https://bar.lan:8000")
    assert "self-signed" in self_signed and "Notifications: not possible" in self_signed


def test_a_certificate_covers_its_names_and_wildcards(tmp_path):
    issued = issue(tmp_path, names=("*.party.lan", "bar.home", "192.168.1.20"))
    settings = load_settings(SAMPLE_CONFIG, data_dir=tmp_path / "d", environ={
        "BAR_SERVER_TLS_CERT": str(issued.cert), "BAR_SERVER_TLS_KEY": str(issued.key)})
    certificate = tls.load(settings)
    assert certificate is not None
    assert certificate.covers("bar.party.lan") and certificate.covers("BAR.HOME")
    assert certificate.covers("192.168.1.20")
    assert not certificate.covers("party.lan") and not certificate.covers("a.b.party.lan")
    assert not certificate.covers("192.168.1.21")
    with pytest.raises(ConfigError, match="server.tls_cert"):
        tls.load(load_settings(SAMPLE_CONFIG, environ={"BAR_SERVER_TLS_KEY": str(issued.key)}))


def test_the_certificate_paths_in_bar_toml_are_relative_to_it(tmp_path):
    config = tmp_path / "conf" / "bar.toml"
    config.parent.mkdir()
    config.write_text('[server]\ntls_cert = "certs/bar.crt"\ntls_key = "/etc/bar.key"\n')
    settings = load_settings(config, environ={})
    assert settings.tls_cert == tmp_path / "conf" / "certs" / "bar.crt"
    assert settings.tls_key == Path("/etc/bar.key")
    assert load_settings(config, environ={"BAR_SERVER_TLS_CERT": ""}).tls_cert is None
