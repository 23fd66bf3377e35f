"""Property tests: the parsers never raise and stay fast on hostile input."""

from __future__ import annotations

import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tools.mail.mime import parse_message
from tools.mail.relays import customer_address, detect_source, parse_lead_fields

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.eml"))
RAWS = [p.read_bytes() for p in FIXTURES]
TIME_LIMIT = 2.0  # seconds per example, generous for slow CI machines


def _check(raw: bytes) -> None:
    start = time.perf_counter()
    parsed = parse_message(raw)
    source = detect_source(parsed)
    fields = parse_lead_fields(parsed.text)
    customer_address(parsed, source, fields)
    assert time.perf_counter() - start < TIME_LIMIT
    assert parsed.size == len(raw)
    for value in (parsed.subject, parsed.from_name or "", parsed.reply_to or ""):
        assert "\n" not in value and "\r" not in value


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4000))
def test_arbitrary_bytes(raw: bytes) -> None:
    _check(raw)


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(RAWS)))
    for _ in range(draw(st.integers(0, 12))):
        op = draw(st.integers(0, 2))
        pos = draw(st.integers(0, len(data)))
        if op == 0:
            data[pos:pos] = draw(st.binary(min_size=1, max_size=30))
        elif op == 1:
            del data[pos : pos + draw(st.integers(1, 40))]
        else:
            chunk = draw(
                st.sampled_from(
                    [
                        b"=?utf-8?b?", b"=?x-bad?q?=FF?=", b"\r\n\r\n", b"\xff\xfe", b"=\r\n",
                        b"Content-Transfer-Encoding: base64\r\n", b"<span style=display:none>",
                        b"Content-Type: multipart/mixed; boundary=\"b\"\r\n", b"--b\r\n",
                        b"\xe2\x80\x8b", b"\xf3\xa0\x80\x81", b"> ", b"Den x skrev:\n",
                        b"charset=\"nope\"", b"<table><tr><td>", b"Navn:", b"m2: 99999999",
                    ]
                )
            )  # fmt: skip
            data[pos:pos] = chunk
    return bytes(data)


@settings(max_examples=200, deadline=None)
@given(_mutated())
def test_mutated_fixtures(raw: bytes) -> None:
    _check(raw)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_relay_parsing_never_raises(text: str) -> None:
    start = time.perf_counter()
    parse_lead_fields(text)
    assert time.perf_counter() - start < TIME_LIMIT


def test_large_html_is_fast() -> None:
    body = b"<div>" * 5000 + b"<span style='display:none'>x</span>" * 2000
    raw = b"Content-Type: text/html\r\n\r\n" + body
    _check(raw)
