"""aiosmtpd's private names that smtplesson.server.protocol relies on are still there.

aiosmtpd may change them in any release; this test names the one that went, so an
upgrade fails here, loudly, instead of in a lesson.
"""
from __future__ import annotations

import asyncio
import inspect
import re

import aiosmtpd.smtp
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from aiosmtpd.smtp import SMTP
from hypothesis import given
from hypothesis import strategies as st

from smtplesson.server.protocol import AIOSMTPD_PRIVATE, STOCK_PREFIXES, STOCK_REPLIES, rewrite_stock

pytestmark = pytest.mark.unit


def test_every_private_name_the_protocol_uses_is_listed():
    source = inspect.getsource(__import__("smtplesson.server.protocol", fromlist=["_"]))
    listed = {name for names in AIOSMTPD_PRIVATE.values() for name in names}
    used = {name for name in listed if name in source.split('"""', 2)[2]}
    assert used == listed  # nothing listed that is not used


@pytest.mark.parametrize("name", AIOSMTPD_PRIVATE["SMTP instance"])
def test_smtp_instance_attribute_exists(name):
    """Set in __init__ (checked on an instance) or in connection_made (in the source)."""
    loop = asyncio.new_event_loop()
    try:
        smtp = SMTP(Sink(), loop=loop)
    finally:
        loop.close()
    assigned = re.search(rf"self\.{name}\s*(:[^=]+)?=", inspect.getsource(SMTP))
    assert hasattr(smtp, name) or assigned, f"aiosmtpd.smtp.SMTP instances lost {name!r}"


@pytest.mark.parametrize("name", AIOSMTPD_PRIVATE["SMTP"])
def test_smtp_class_attribute_exists(name):
    assert hasattr(SMTP, name), f"aiosmtpd.smtp.SMTP lost {name!r}"


@pytest.mark.parametrize("name", AIOSMTPD_PRIVATE["smtp_* method"])
def test_smtp_methods_carry_syntax(name):
    assert hasattr(SMTP.smtp_MAIL, name), f"aiosmtpd's @syntax no longer sets {name!r}"


@pytest.mark.parametrize("name", AIOSMTPD_PRIVATE["Controller"])
def test_controller_attribute_exists(name):
    controller = Controller(Sink(), hostname="127.0.0.1", port=0)
    try:
        assert hasattr(controller, name), f"aiosmtpd.controller.Controller lost {name!r}"
    finally:
        controller.loop.close()


@pytest.mark.parametrize("text", sorted(STOCK_REPLIES))
def test_stock_reply_text_is_what_aiosmtpd_sends(text):
    """data/server.json rewrites these literal texts; each must still be in aiosmtpd
    (a literal split over lines, or a word given by an f-string placeholder)."""
    source = re.sub(r"'\s*\n\s*f?'", "", inspect.getsource(aiosmtpd.smtp))
    words = (rf"(?:{re.escape(word)}|{{\w+}})" for word in text.split())
    assert re.search(" ".join(words), source), f"aiosmtpd no longer sends {text!r}"


@pytest.mark.parametrize(("old", "new"), STOCK_PREFIXES)
def test_stock_prefix_is_what_aiosmtpd_sends(old, new):
    assert old in inspect.getsource(aiosmtpd.smtp)
    assert rewrite_stock(old + "x") == new + "x"


@given(st.text(alphabet=st.sampled_from("0123456789 -\r\n.a²"), max_size=6))
def test_reply_code_is_code_of_with_a_fast_path(text):
    from smtplesson.codes.syntax import class_of, code_of
    from smtplesson.server.protocol import reply_class, reply_code

    assert reply_code(text) == code_of(text)
    if code_of(text) is not None:
        assert reply_class(text) == class_of(text)


def test_a_session_finds_the_same_methods_as_aiosmtpd_would():
    """LessonSMTP.__dir__ lists only auth_*/smtp_* names while aiosmtpd builds its tables:
    the tables are those a full listing gives, and dir() is complete afterwards."""
    from smtplesson.server.dispatch import Handler
    from smtplesson.server.protocol import LessonSMTP

    loop = asyncio.new_event_loop()
    try:
        smtp = LessonSMTP(None, lambda: None, Handler(None), loop=loop, hostname="mx.example.net")  # type: ignore[arg-type]
    finally:
        loop.close()
    names = set(dir(smtp))
    assert {"push", "host", "record", "_smtp_methods", "smtp_MAIL"} <= names
    assert set(smtp._smtp_methods) == {n[5:] for n in names if n.startswith("smtp_")}
    assert set(smtp._auth_methods) == {n[5:] for n in names if n.startswith("auth_")} == {"LOGIN", "PLAIN"}
    assert smtp._smtp_methods["MAIL"] == smtp.smtp_MAIL and smtp._smtp_methods["EHLO"].__self__ is smtp


def test_the_stream_reader_keeps_its_unread_bytes_where_the_protocol_looks():
    """LessonSMTP measures how far the server has read by asyncio's StreamReader._buffer."""
    loop = asyncio.new_event_loop()
    try:
        reader = asyncio.StreamReader(loop=loop)
        reader.feed_data(b"NOOP\r\nQUIT\r\n")
        assert loop.run_until_complete(reader.readuntil()) == b"NOOP\r\n"
        assert len(reader._buffer) == 6
    finally:
        loop.close()
