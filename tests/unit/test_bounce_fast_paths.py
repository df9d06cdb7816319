"""The reader's shortcuts give what the stdlib's ``Message`` says: top-level headers by name
(``Mail.headers``, ``Mail.has``, ``Mail.get_all``), each part's content type (``Mail.type_of``)
and payload bytes (``Mail.payload_bytes``); the returned message's part is found where the
lower-cased mail has it; a reply explained once a mail reads as one explained for each recipient;
a section ends at the first stop marker however far the others are looked for; a writer's words
are found in the first ``SIGNATURE_LIMIT`` characters of a text; the n-th boundary line is the one
``bytes.find`` finds; line ends are made LF as two ``bytes.replace`` make them."""
from __future__ import annotations

from email.message import Message
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from smtplesson.bounces import read_bounce, status, text
from smtplesson.bounces.mail import _BOUNDARY_LINE, Mail, _lf_lines, _nth, _returned_part, load
from smtplesson.bounces.status import explain_reply
from smtplesson.bounces.text import _QUOTES, STOPS, section
from smtplesson.codes.explanation import explain

ROOT = Path(__file__).resolve().parents[1]
# the fixtures and the tuning split of the bounce corpus (the held-out split is not opened here)
MAILS = sorted(p for folder in (ROOT / "unit" / "data" / "bounces", ROOT / "corpus" / "bounces" / "tuning")
               for p in folder.rglob("*") if p.is_file() and p.suffix == ".eml")
NAMES = ("Subject", "SUBJECT", "X-Failed-Recipients", "From", "to", "Received", "Content-Type")


def first_names(message: Message) -> dict[str, str]:
    """The first value of each of the first 200 names, as the reader read them before."""
    found: dict[str, str] = {}
    for name, value in message.raw_items():
        if len(found) >= 200:
            break
        found.setdefault(name.lower(), value)
    return found


@given(st.lists(st.tuples(st.one_of(st.sampled_from(NAMES), st.from_regex(r"X-[a-z]{1,3}", fullmatch=True)),
                          st.text("ab \udcff", max_size=3)), max_size=260))
def test_headers_are_the_first_of_each_name(fields):
    message = Message()
    for name, value in fields:
        message.set_raw(name, value)
    mail = Mail(message, "")
    assert mail.headers == first_names(message)
    for name in ("x-failed-recipients", "subject", "x-a", "x-zzz", "From", "TO"):
        assert mail.has(name.lower()) == (message.get(name) is not None)
        assert mail.get_all(name) == message.get_all(name, [])


def test_content_types_are_the_stdlibs():
    assert len(MAILS) > 300
    for path in MAILS:
        mail = load(path.read_bytes())
        for part in mail.message.walk():
            assert mail.type_of(part) == part.get_content_type()


def test_replies_explained_once_a_mail_read_as_explained_each_time(monkeypatch):
    readings = [read_bounce(path.read_bytes()).to_dict() for path in MAILS]
    monkeypatch.setattr(status.Explained, "__call__", lambda _, reply, status: explain_reply(reply, status))
    monkeypatch.setattr(status.Explained, "text", lambda _, text: explain(text))
    assert [read_bounce(path.read_bytes()).to_dict() for path in MAILS] == readings


def test_payload_bytes_are_the_stdlibs():
    eight_bit = 0
    for path in MAILS:
        mail = load(path.read_bytes())
        for part in mail.message.walk():
            raw = mail.payload_bytes(part)
            if raw is not None:
                assert raw == part.get_payload(decode=True)
                eight_bit += not raw.isascii()
    assert eight_bit > 10


def section_searching_everywhere(text: str, stops: tuple[str, ...]) -> str:
    """section() as it was: every marker's first place in the whole text, the earliest kept."""
    found = [text.find(marker) for marker in stops]
    for marker in STOPS:
        at = text.find(marker)
        while at > 0 and text[at - 1] in _QUOTES:
            at = text.find(marker, at + 1)
        found.append(at)
    return text[:min((at for at in found if at >= 0), default=len(text))]


PIECES = (*STOPS, "original", "copy of", '"', "'", "x", "\n", "- end -")


@given(st.lists(st.sampled_from(PIECES), max_size=12))
def test_a_section_ends_at_the_first_stop(pieces):
    text = "".join(pieces)
    assert section(text, (), ("- end -",), text) == section_searching_everywhere(text, ("- end -",))


RETURNED_PIECES = ("Content-Type: message/rfc822", "content-type: MESSAGE/RFC822", "822", "rfc822",
                   "Content-Type: message/", "x", "\n")


@given(st.lists(st.sampled_from(RETURNED_PIECES), max_size=10).map("".join))
def test_the_returned_part_is_found_as_in_the_lower_cased_mail(text):
    data = text.encode()
    assert _returned_part(data) == data.lower().find(b"content-type: message/rfc822")


def test_the_returned_part_after_many_rfc822_is_found_as_in_the_lower_cased_mail():
    for data in (b"rfc822 " * 100 + b"Content-Type: Message/RFC822\n", b"822" * 700_000):
        assert _returned_part(data) == data.lower().find(b"content-type: message/rfc822")


def test_the_returned_part_of_each_mail_is_found_as_in_the_lower_cased_mail():
    for path in MAILS:
        data = path.read_bytes()
        assert _returned_part(data) == data.lower().find(b"content-type: message/rfc822")


@given(st.lists(st.sampled_from(("\n--", "\n", "-", "--", "x")), max_size=40).map("".join),
       st.integers(1, 12))
def test_the_nth_boundary_line_is_the_one_bytes_find_finds(text, n):
    data = text.encode()
    at = -1
    for _ in range(n):
        at = data.find(b"\n--", at + 1)
        if at < 0:
            break
    assert _nth(data, _BOUNDARY_LINE, n) == at


@given(st.lists(st.sampled_from(("a", "\r", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\u2028")),
                max_size=30).map("".join))
def test_line_ends_are_made_lf_as_two_replaces_make_them(text):
    data = text.encode()
    assert _lf_lines(data) == data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def test_writers_are_named_by_words_that_open_their_text(monkeypatch):
    assert any(len(load(path.read_bytes()).text) > text.SIGNATURE_LIMIT for path in MAILS)
    formats = [read_bounce(path.read_bytes()).format for path in MAILS]
    monkeypatch.setattr(text, "SIGNATURE_LIMIT", 1 << 30)
    assert [read_bounce(path.read_bytes()).format for path in MAILS] == formats
