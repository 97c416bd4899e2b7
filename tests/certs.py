"""Throwaway certificates for the HTTPS tests: a private CA and a server certificate
it signed, made with `cryptography` (nothing leaves the test's temporary directory)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Issued:
    cert: Path  # the server's certificate (PEM)
    key: Path  # its private key (PEM)
    ca: Path  # the CA's certificate: what a client trusts


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def issue(
    directory: Path, names: tuple[str, ...] = ("localhost", "127.0.0.1"), *,
    valid_from: datetime | None = None, valid_for: timedelta = timedelta(days=30),
    self_signed: bool = False, prefix: str = "server",
) -> Issued:
    """A certificate for `names` (DNS names or IP addresses), signed by a new CA (or by
    itself), written to `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    start = valid_from or datetime.now(UTC) - timedelta(hours=1)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder().subject_name(_name("bar test CA")).issuer_name(_name("bar test CA"))
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    alt: list[x509.GeneralName] = []
    for name in names:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt.append(x509.DNSName(name))
    subject = _name(names[0])
    builder = (
        x509.CertificateBuilder().subject_name(subject)
        .issuer_name(subject if self_signed else ca_cert.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + valid_for)
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
    )
    cert = builder.sign(key if self_signed else ca_key, hashes.SHA256())
    paths = Issued(directory / f"{prefix}.crt", directory / f"{prefix}.key", directory / f"{prefix}-ca.crt")
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(_pem_key(key))
    paths.ca.write_bytes((cert if self_signed else ca_cert).public_bytes(serialization.Encoding.PEM))
    return paths
