"""canonical_json is RFC 8785 (the ``rfc8785`` package) and byte-identical to the encoder entries were
written with before: the previous hand-written encoder is kept here as the reference."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from presswatch.probes.envelope import digest, sign_envelope, verify_envelope
from presswatch.record.ledger import canonical_json


# -- the encoder used before (reference only) ----------------------------------------------------
def _old_number(x: float) -> str:
    if math.isnan(x) or math.isinf(x):
        raise ValueError("NaN and infinities have no canonical JSON form")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    mant, _, exp = repr(abs(x)).partition("e")
    intpart, _, frac = mant.partition(".")
    digits = intpart + frac
    n = len(intpart) + (int(exp) if exp else 0)
    stripped = digits.lstrip("0")
    n -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    es = f"e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + (digits if k == 1 else digits[0] + "." + digits[1:]) + es


def _old_encode(obj: Any, out: list[str]) -> None:
    if obj is None:
        out.append("null")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif isinstance(obj, int):
        out.append(str(obj))
    elif isinstance(obj, float):
        out.append(_old_number(obj))
    elif isinstance(obj, str):
        out.append(json.dumps(obj, ensure_ascii=False))
    elif isinstance(obj, datetime):
        dt = obj if obj.tzinfo else obj.replace(tzinfo=UTC)
        out.append(json.dumps(dt.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")))
    elif isinstance(obj, date):
        out.append(json.dumps(obj.isoformat()))
    elif isinstance(obj, dict):
        keys = sorted(obj, key=lambda s: s.encode("utf-16-be"))
        out.append("{")
        for i, key in enumerate(keys):
            if i:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _old_encode(obj[key], out)
        out.append("}")
    else:
        out.append("[")
        for i, item in enumerate(obj):
            if i:
                out.append(",")
            _old_encode(item, out)
        out.append("]")


def old_canonical(obj: Any) -> bytes:
    out: list[str] = []
    _old_encode(obj, out)
    return "".join(out).encode("utf-8")


_text = st.text(st.characters(blacklist_categories=("Cs",)))  # lone surrogates are not Unicode
_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | _text
    | st.datetimes(timezones=st.just(UTC)) | st.dates()
)  # fmt: skip
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
                       max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(_values)
def test_canonical_json_is_byte_identical_to_the_previous_encoder(value):
    assert canonical_json(value) == old_canonical(value)


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1)
                    | st.floats(allow_nan=False, allow_infinity=False) | _text,
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
                    max_leaves=20))
def test_canonical_json_is_rfc8785_for_plain_json(value):
    assert canonical_json(value) == rfc8785.dumps(value)


def test_rfc8785_vectors_and_the_two_extensions():
    # RFC 8785 appendix B number forms and its UTF-16 key order
    assert canonical_json([333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001]) == (
        b"[333333333.3333333,1e+30,4.5,0.002,1e-27]"
    )
    assert canonical_json({"\u20ac": 1, "\r": 2, "1": 3, "\U0001f600": 4, "\u0080": 5, "\u00f6": 6, "\ufb33": 7}) == (
        '{"\\r":2,"1":3,"\u0080":5,"\u00f6":6,"\u20ac":1,"\U0001f600":4,"\ufb33":7}'.encode()
    )
    # beyond I-JSON integers keep their digits, as entries always had them
    assert canonical_json({"n": 2**64, "m": [-(2**60)]}) == b'{"m":[-1152921504606846976],"n":18446744073709551616}'
    assert canonical_json({"d": date(2026, 1, 2)}) == b'{"d":"2026-01-02"}'
    for bad in ("\ud800", {"x": object()}):
        with pytest.raises((TypeError, ValueError)):
            canonical_json(bad)


def test_probe_envelope_signature_over_jcs():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from presswatch.probes.envelope import public_key_b64

    key = Ed25519PrivateKey.generate()
    env = {"test_keys": {"ratio": 0.1, "n": 3, "é": "ü"}, "probe_cc": "DE"}
    sig = sign_envelope(key, env)
    verify_envelope(public_key_b64(key), json.loads(json.dumps(env)), sig)
    assert digest(env) == __import__("hashlib").sha256(rfc8785.dumps(env)).hexdigest()


_ascii_keys = st.text(st.characters(max_codepoint=127), max_size=6)


@settings(max_examples=400, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | _text
                    | st.floats(min_value=1e-4, max_value=1e16, exclude_max=True)
                    | st.floats(min_value=-1e16, max_value=-1e-4, exclude_min=True)
                    | st.sampled_from([0.0001, 0.00009999999999999999, 1e16, 9999999999999998.0, 2.0, -0.0])
                    | st.sampled_from(["\x00\x1f\x7f\u2028\u2029\ufeff\U0001f600", '"\\/\b\f\n\r\t', "\ud7ff\ue000"]),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_ascii_keys, inner, max_size=5),
                    max_leaves=30))
def test_canonical_json_with_ascii_keys_is_rfc8785(value):
    # the standard library's encoder writes most of these (the common case of log entries): it must agree
    assert canonical_json(value) == rfc8785.dumps(value)
    assert canonical_json({"k": value, "t": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)}) == old_canonical(
        {"k": value, "t": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)})
