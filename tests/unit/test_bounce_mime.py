"""bounces.mime.parse builds the tree email.message_from_string builds: the same messages, headers,
payloads, preambles and epilogues, on real bounces, on odd structures and on generated ones."""
from __future__ import annotations

import email
import time
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smtplesson.bounces import mime
from smtplesson.bounces.mail import _as_text_parts, _without_returned_body

ROOT = Path(__file__).resolve().parents[1]
# the fixtures and the tuning split of the bounce corpus (the held-out split is not opened here)
MAILS = sorted(p for folder in (ROOT / "unit" / "data" / "bounces", ROOT / "corpus" / "bounces" / "tuning")
               for p in folder.rglob("*") if p.is_file() and p.suffix not in (".json", ".jsonl", ".md"))


def shape(message: Message) -> Any:
    """All the tree says: headers as written, default type, preamble, epilogue, payloads."""
    payload = message.get_payload()
    if message.is_multipart():
        payload = [shape(part) for part in payload if isinstance(part, Message)]
    return (message.get_unixfrom(), list(message.raw_items()), message.get_default_type(),
            message.preamble, message.epilogue, payload)


def same_tree(text: str) -> None:
    types: dict[int, str] = {}
    tree = mime.parse(text, types)
    assert shape(tree) == shape(email.message_from_string(text))
    # the content types parse notes are each part's own, and only of parts in the tree it returns
    parts = {id(part): part for part in tree.walk()}
    assert set(types) <= set(parts)
    assert all(types[key] == parts[key].get_content_type() for key in types)


def test_the_real_bounces_give_the_stdlibs_tree():
    assert len(MAILS) > 300
    for path in MAILS:
        data = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        for text in (data, _as_text_parts(_without_returned_body(data))):  # as they come, as load reads them
            same_tree(text.decode("ascii", "surrogateescape"))


HEAD = "From: a@example.net\nContent-Type: multipart/mixed; boundary=\"b\"\n\n"
SAME_BOUNDARY = "Content-Type: multipart/mixed; boundary=a\n\n"
ALT = "--b\nContent-Type: multipart/alternative; boundary="


@pytest.mark.parametrize("text", [
    HEAD + "preamble\n--b\nContent-Type: text/plain\n\none\n--b\n\ntwo\n\n--b--\nepilogue\n",
    HEAD + "--b\n\none\n--b--",  # no line end after the closing line
    HEAD + "--b\n\none\n--b--\n",
    HEAD + "--b\nContent-Type: text/plain\n\none\n",  # no closing line
    HEAD + "--b\nContent-Type: text/plain\n",  # cut inside a part's headers
    HEAD + "--b\n",
    HEAD + "--b \t\n\none\n--b-- \nx",  # blanks after the boundary
    HEAD + "--bc\n--b\n\none\n--b--x\n--b--\n",  # lines that only start like the boundary
    HEAD + ALT + "c\n\n--c\n\ninner\n--c--\nafter\n--b\n\ntwo\n--b--\n",
    HEAD + ALT + "c\n\n--c\n\ninner\n--b\n\ntwo\n--b--\n",  # c unclosed
    HEAD + ALT + "ba\n\n--ba\n\ninner\n--ba--\n--b\n\ntwo\n--b--\n",  # Haraka: "ba" nested in "b"
    HEAD + ALT + "ba\n\n--ba\n\ninner\n--b\n\ntwo\n--ba--\n--b--\n",  # "ba" closed after b's line
    HEAD + ALT + "b-\n\n--b-\n\ninner\n--b--\n--b-\n\n--b---\n",  # "--b--" closes either
    HEAD + ALT + "c\n\n--c\n\ninner\n--c--\n--b--\n",
    HEAD + ALT + "b1\n\n--b1\n\ninner\n--b1--\n--b--\n",  # prefix
    HEAD + "--b\n--b\n\none\n--b--\n",  # doubled boundary lines
    HEAD + "--b--\n--b\n\none\n",  # closed before it opens
    HEAD + "no boundary line at all\n",
    HEAD + "--b\nContent-Type: message/rfc822\n\nSubject: inner\n\nbody\n--b--\n",
    HEAD + "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\nAction: failed\n--b--\n",
    HEAD + "--b\nnot a header\nContent-Type: text/plain\n\nbody\n--b--\n",
    HEAD + "--b\nContent-Type: text/plain\nFrom someone\n\nbody\n--b--\n",  # a "From " line ends the headers
    "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: x\n\nbody\n--d--\n",
    "Content-Type: multipart/mixed\n\nno boundary parameter\n",
    "Subject: plain\n\nbody\n\n",
    "\nbody without headers\n",
    "Subject: headers only",
    "",
    " continued first line\nSubject: x\n\nbody\n",
    "      \n\t \nSubject: x\n folded\n\nbody\n",  # lines of blanks first (Exchange), dropped
    HEAD + "--b\n  \nContent-Type: text/plain\n\nbody\n--b--\n",
    "   \n",
    SAME_BOUNDARY + ("--a\n" + SAME_BOUNDARY) * 9,  # every level the same boundary
    "".join(f"Content-Type: multipart/mixed; boundary=x{i}\n\n--x{i}\n" for i in range(12)) + "\ndeep\n",
])
def test_odd_structures_give_the_stdlibs_tree(text):
    same_tree(text)


_LINES = st.sampled_from([
    "--b\n", "--b--\n", "--b \n", "--c\n", "--c--\n", "--bc\n", "\n", "text\n", "Subject: x\n", " folded\n",
    "Content-Type: text/plain\n", "Content-Type: multipart/mixed; boundary=c\n",
    "Content-Type: multipart/mixed; boundary=b\n", "Content-Type: message/rfc822\n", "From x\n", "--b", "x",
    "Content-Type: multipart/mixed; boundary=bc\n", "Content-Type: multipart/mixed; boundary=b-\n",
    "Content-Type: multipart/mixed; boundary=\"b \"\n", "--bc--\n", "--b-\n", "--b---\n", "--b \n",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINES, max_size=40))
def test_generated_structures_give_the_stdlibs_tree(lines):
    same_tree("Content-Type: multipart/mixed; boundary=b\n\n" + "".join(lines))
    same_tree("".join(lines))


_HEADER_LINES = st.sampled_from([
    "Subject: x\n", "Subject:x\n", "Subject:   \n", "Subject: a:b\n", "X-A:\t v \n", " folded\n",
    "\tfolded\n", " \n", ":no name\n", "Subject : spaced\n", "From x: y\n", "From: a@b\n", "no colon\n",
    "\udcc3\udc9cx: x\n", "Subject: \udcc3\udca9\n", "A:b\rc\n", "\n", "Subject: no line end",
    "Content-Type: TEXT/Html; charset=x\n", "content-type:text/plain\n", "CONTENT-TYPE: a/b/c\n",
    "Content-Type: text\n", "Content-Type:\n", "Content-Type: \udcc3/x\n", "Content-Type : a/b\n",
    "X-Content-Type: image/png\n", " content-type: image/gif\n", "Content-Type: Multipart/Mixed ; x=y\n",
    "Content-Type:\ttext/plain;\n", "Content-Type: a/b\n folded/more\n",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_HEADER_LINES, max_size=12))
def test_generated_header_blocks_give_the_stdlibs_headers(lines):
    block = "".join(lines)
    same_tree(block + "\nbody\n")
    same_tree("Content-Type: multipart/mixed; boundary=b\n\n--b\n" + block + "\nbody\n--b--\n")


_PARAMS = st.sampled_from([
    "; boundary=b", "; boundary=\"b c \"", "; Boundary=\"=_x\"", "; boundary=\"\"", "; boundary=<b>",
    "; boundary=\"<b>\"", "; boundary=\"a\\\"b\"", "; boundary*=utf-8''b", "; boundary*0=b", "; boundary= b",
    "; boundary=a=b", ";\n\tboundary=\"b\"", "; report-type=delivery-status", "; charset=\"x\"", ";", " ",
    "; boundary=\"a;b\"", "; boundary=\udcc3", "; name", "; boundary=b2",
])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["multipart/mixed", " multipart/report", "multipart /mixed", "\n text/plain"]),
       st.lists(_PARAMS, max_size=4))
def test_boundaries_are_the_stdlibs(ctype, params):
    message = Message()
    message.set_raw("Content-Type", ctype + "".join(params))
    declared = message.get("Content-Type")
    read = outcome(lambda m: mime._boundary_of(m, declared), message)
    assert read == outcome(Message.get_boundary, message)


def outcome(read: Any, message: Message) -> Any:
    """What ``read(message)`` returns, or the type of what it raises (the stdlib raises on some
    RFC 2231 parameters)."""
    try:
        return read(message)
    except Exception as exc:
        return type(exc)


@pytest.mark.parametrize("text", [
    "Subject:" + " " * 100_000 + "x\r\n\nbody\n",  # blanks, then a line end the fast path leaves alone
    "Content-Type: multipart/mixed; a=b" + " " * 100_000 + "\n\nbody\n",
    "Content-Type: multipart/mixed" + "; a=b \n " * 20_000 + "; x\n\nbody\n",
])
def test_hostile_header_blocks_and_parameters_are_read_in_linear_time(text):
    start = time.process_time()
    mime.parse(text)
    assert time.process_time() - start < 1.0  # quadratic matching took minutes
