"""The simulated bank's PKI: a CA, a server certificate and one client certificate per terminal.

Created with ``cryptography`` on first start in ``<state-dir>/tls`` and reused afterwards, so a
kiosk configured once keeps working across restarts. EC P-256 keys (fast to make, accepted by
every TLS 1.2/1.3 stack). The terminal id is the client certificate's subject CN.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from peripherals_sim.atomicfile import write_atomic

VALIDITY = dt.timedelta(days=3650)


@dataclass(frozen=True)
class Pki:
    """Paths of the CA, the server's pair and each terminal's pair."""

    ca_file: Path
    ca_key: Path
    server_cert: Path
    server_key: Path
    terminals: dict[str, tuple[Path, Path]]


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ZhuNong Sim Rural Bank"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    write_atomic(path, key.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()))


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def issue(subject_cn: str, ca_cert: x509.Certificate | None,
          ca_key: ec.EllipticCurvePrivateKey | None, *, server: bool = False,
          client: bool = False) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A new key and certificate; self-signed CA when ``ca_cert`` is None."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    builder = (x509.CertificateBuilder()
               .subject_name(_name(subject_cn))
               .issuer_name(ca_cert.subject if ca_cert else _name(subject_cn))
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now).not_valid_after(now + VALIDITY))
    if ca_cert is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), True)
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        signer = key
    else:
        assert ca_key is not None
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False)
        usages = []
        if server:
            usages.append(ExtendedKeyUsageOID.SERVER_AUTH)
            builder = builder.add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        if client:
            usages.append(ExtendedKeyUsageOID.CLIENT_AUTH)
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), False)
        signer = ca_key
    cert = builder.sign(signer, hashes.SHA256())
    return cert, key


def write_pair(cert: x509.Certificate, key: ec.EllipticCurvePrivateKey, cert_path: Path,
               key_path: Path) -> None:
    write_atomic(cert_path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    _write_key(key_path, key)


def ensure_pki(state_dir: Path, terminal_ids: list[str]) -> Pki:
    """Create what is missing under ``state_dir/tls``; keep what exists."""
    d = state_dir / "tls"
    d.mkdir(parents=True, exist_ok=True)
    ca_file, ca_key_file = d / "ca.pem", d / "ca.key"
    if not ca_file.exists() or not ca_key_file.exists():
        cert, key = issue("ZhuNong Sim Bank Root CA", None, None)
        write_pair(cert, key, ca_file, ca_key_file)
    ca_cert = x509.load_pem_x509_certificate(ca_file.read_bytes())
    ca_key = _load_key(ca_key_file)
    server_cert, server_key = d / "server.pem", d / "server.key"
    if not server_cert.exists() or not server_key.exists():
        cert, key = issue("bank-host.sim", ca_cert, ca_key, server=True)
        write_pair(cert, key, server_cert, server_key)
    terminals = {}
    for tid in terminal_ids:
        cp, kp = d / f"terminal-{tid}.pem", d / f"terminal-{tid}.key"
        if not cp.exists() or not kp.exists():
            cert, key = issue(tid, ca_cert, ca_key, client=True)
            write_pair(cert, key, cp, kp)
        terminals[tid] = (cp, kp)
    return Pki(ca_file, ca_key_file, server_cert, server_key, terminals)
