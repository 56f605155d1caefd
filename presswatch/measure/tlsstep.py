"""TLS handshake step with SNI; records the certificate (subject, issuer, SHA-256) even when it fails."""

from __future__ import annotations

import asyncio
import hashlib
import ssl
import time
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from presswatch.measure.tcpstep import failure_string, open_tcp

__all__ = ["cert_info", "client_context", "peer_chain", "tls_handshake"]

_DER = 2  # _ssl.ENCODING_DER


@lru_cache(maxsize=16)
def client_context(ca_file: str | None = None, verify: bool = True) -> ssl.SSLContext:
    """A client context trusting the system store, or ``ca_file`` when given (test CA)."""
    if not verify:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        ctx = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def cert_info(der: bytes) -> dict[str, Any]:
    """Subject, issuer, SANs, validity and SHA-256 of a DER certificate."""
    info: dict[str, Any] = {"sha256": hashlib.sha256(der).hexdigest()}
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return info
    info["subject"] = cert.subject.rfc4514_string()
    info["issuer"] = cert.issuer.rfc4514_string()
    cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    info["common_name"] = str(cn[0].value) if cn else None
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        info["san"] = [str(n) for n in san.get_values_for_type(x509.DNSName)]
    except x509.ExtensionNotFound:
        info["san"] = []
    info["not_before"] = cert.not_valid_before_utc.isoformat().replace("+00:00", "Z")
    info["not_after"] = cert.not_valid_after_utc.isoformat().replace("+00:00", "Z")
    return info


def peer_chain(ssl_obj: ssl.SSLObject | None) -> list[dict[str, Any]]:
    """Peer certificates, leaf first (the full chain when the interpreter exposes it)."""
    if ssl_obj is None:
        return []
    inner = getattr(ssl_obj, "_sslobj", None)
    for meth in ("get_unverified_chain", "get_verified_chain"):
        fn = getattr(ssl_obj, meth, None) or getattr(inner, meth, None)
        if fn is not None:
            try:
                chain = fn()
                ders = [c if isinstance(c, bytes) else c.public_bytes(_DER) for c in chain or []]
                if ders:
                    return [cert_info(d) for d in ders]
            except (ssl.SSLError, ValueError, AttributeError, TypeError):
                pass
    der = ssl_obj.getpeercert(binary_form=True)
    return [cert_info(der)] if der else []


async def _handshake(
    ip: str, port: int, sni: str, timeout: float, ctx: ssl.SSLContext
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    sock = await open_tcp(ip, port, timeout)
    try:
        return await asyncio.wait_for(
            asyncio.open_connection(sock=sock, ssl=ctx, server_hostname=sni, ssl_handshake_timeout=timeout),
            timeout,
        )
    except BaseException:
        sock.close()
        raise


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), 1.0)
    except (OSError, TimeoutError, ssl.SSLError):
        pass


async def tls_handshake(
    ip: str, port: int, sni: str, *, timeout: float = 10.0, ca_file: str | None = None
) -> dict[str, Any]:
    """Verified handshake; on a certificate error, a second unverified one records what was served."""
    t0 = time.monotonic()
    entry: dict[str, Any] = {"address": f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}", "server_name": sni}
    failure = None
    try:
        _, writer = await _handshake(ip, port, sni, timeout, client_context(ca_file, True))
        sobj = writer.get_extra_info("ssl_object")
        entry["tls_version"] = sobj.version() if sobj else None
        entry["cipher_suite"] = sobj.cipher()[0] if sobj and sobj.cipher() else None
        entry["negotiated_protocol"] = sobj.selected_alpn_protocol() if sobj else None
        entry["peer_certificates"] = peer_chain(sobj)
        await _close(writer)
    except (OSError, TimeoutError, ssl.SSLError) as exc:
        failure = failure_string(exc)
        if isinstance(exc, ssl.SSLCertVerificationError):
            try:
                _, writer = await _handshake(ip, port, sni, timeout, client_context(None, False))
                entry["peer_certificates"] = peer_chain(writer.get_extra_info("ssl_object"))
                await _close(writer)
            except (OSError, TimeoutError, ssl.SSLError):
                pass
    entry["failure"] = failure
    entry["t"] = round(time.monotonic() - t0, 4)
    return entry
