"""Probe keys, OONI-like measurement envelopes and Ed25519 signatures (of envelopes and of requests).

An envelope is signed over its RFC 8785 canonical JSON (:func:`presswatch.record.ledger.canonical_json`,
the ``rfc8785`` package), so anyone holding the
probe's public key can re-verify a stored measurement. Each HTTP request of a probe is signed too, over
``METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nSHA256(body)``: the server refuses stale timestamps and re-sent nonces.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from presswatch import __version__
from presswatch.clock import isoformat
from presswatch.errors import ConfigError, VerificationError
from presswatch.fsutil import atomic_write
from presswatch.record.ledger import canonical_json

__all__ = [
    "DATA_FORMAT_VERSION",
    "H_NONCE",
    "H_PROBE",
    "H_SIGNATURE",
    "H_TIMESTAMP",
    "SOFTWARE_NAME",
    "TEST_NAME",
    "build_envelope",
    "digest",
    "generate_key",
    "load_key",
    "parse_public_key",
    "public_key_b64",
    "ReplayError",
    "request_message",
    "save_key",
    "sign_envelope",
    "sign_request",
    "verify_envelope",
    "verify_request",
]

SOFTWARE_NAME = "presswatch-probe"
TEST_NAME = "web_connectivity"
DATA_FORMAT_VERSION = "0.2.0"

H_PROBE = "X-Presswatch-Probe"
H_TIMESTAMP = "X-Presswatch-Timestamp"
H_NONCE = "X-Presswatch-Nonce"
H_SIGNATURE = "X-Presswatch-Signature"


class ReplayError(VerificationError):
    """A request or measurement id was seen before (with other content), or its timestamp is stale."""


# -- keys ---------------------------------------------------------------------------------------------
def generate_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def save_key(key: Ed25519PrivateKey, path: Path) -> None:
    """Write the private key as PEM, mode 0600, atomically."""
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    atomic_write(path, pem, mode=0o600)


def load_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read probe key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path} is not an Ed25519 key")
    return key


def public_key_b64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def parse_public_key(b64: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(b64, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        raise VerificationError(f"not an Ed25519 public key: {exc}") from exc


# -- files --------------------------------------------------------------------------------------------
# -- envelopes ----------------------------------------------------------------------------------------
def digest(obj: Any) -> str:
    return hashlib.sha256(canonical_json(obj)).hexdigest()


def build_envelope(
    result: Mapping[str, Any],
    *,
    probe_id: str | None,
    country: str,
    network: str,
    start_time: datetime,
    measurement_id: str | None = None,
) -> dict[str, Any]:
    """Wrap a measurement result in an OONI-like envelope (JSON-normalised, ready to sign)."""
    env = {
        "measurement_id": measurement_id or str(uuid.uuid4()),
        "probe_id": probe_id,
        "probe_cc": country.upper(),
        "probe_network_name": network,
        "measurement_start_time": isoformat(start_time),
        "software_name": SOFTWARE_NAME,
        "software_version": __version__,
        "test_name": TEST_NAME,
        "data_format_version": DATA_FORMAT_VERSION,
        "input": result.get("url"),
        "test_keys": dict(result),
    }
    normalised: dict[str, Any] = json.loads(canonical_json(env))
    return normalised


def sign_envelope(key: Ed25519PrivateKey, envelope: Mapping[str, Any]) -> str:
    return base64.b64encode(key.sign(canonical_json(envelope))).decode("ascii")


def verify_envelope(public_key: str, envelope: Mapping[str, Any], signature: str) -> None:
    """Raise :class:`VerificationError` unless ``signature`` signs ``envelope`` under ``public_key``."""
    try:
        message = canonical_json(envelope)
    except (TypeError, ValueError) as exc:  # no canonical form: nothing can have signed it
        raise VerificationError(f"envelope has no canonical JSON form: {exc}") from exc
    _verify(public_key, message, signature, "envelope")


# -- requests -----------------------------------------------------------------------------------------
def request_message(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return "\n".join((method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest())).encode()


def sign_request(
    key: Ed25519PrivateKey, probe_id: str, method: str, path: str, body: bytes, now: datetime
) -> dict[str, str]:
    """Headers that authenticate one request of probe ``probe_id``."""
    timestamp = isoformat(now)
    nonce = secrets.token_hex(16)
    sig = key.sign(request_message(method, path, timestamp, nonce, body))
    return {
        H_PROBE: probe_id,
        H_TIMESTAMP: timestamp,
        H_NONCE: nonce,
        H_SIGNATURE: base64.b64encode(sig).decode("ascii"),
    }


def verify_request(
    public_key: str, method: str, path: str, body: bytes, timestamp: str, nonce: str, signature: str
) -> None:
    _verify(public_key, request_message(method, path, timestamp, nonce, body), signature, "request")


def _verify(public_key: str, message: bytes, signature: str, what: str) -> None:
    pub = parse_public_key(public_key)
    try:
        pub.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise VerificationError(f"{what} signature does not verify") from exc
