"""The course notebooks: their shape, links, live coverage of every code, and self-checks.

The conventions these tests enforce (skeleton headings, set-up and clean-up cells, self-checks,
links, how a code counts as "shown live") are written up in CONTRIBUTING.md, "Course conventions".
"""
from __future__ import annotations

import io
import os
import re
import smtplib
import subprocess
import sys
from collections.abc import Iterator
from contextlib import redirect_stdout
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import nbformat
import pytest

from smtplesson import check
from smtplesson.codes import BASIC_CODES
from smtplesson.course.lab import KEY, Lab
from smtplesson.course.queue import Shift

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
SOLUTIONS = sorted((NOTEBOOKS / "solutions").glob("*.ipynb"))
ALL_NOTEBOOKS = LESSONS + SOLUTIONS
GUIDE = NOTEBOOKS / "instructor-guide.md"

#: the ten codes of the vendor article the lessons correct (CONTRIBUTING.md, "The vendor article")
ARTICLE_CODES = (250, 421, 450, 451, 452, 550, 551, 552, 553, 554)
#: level-2 headings every lesson has, in this order ("Try it" may repeat: "Try it: …")
SKELETON = ("Prerequisites", "Set-up", "Try it", "Summary", "What's next", "Clean-up")


def ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(NOTEBOOKS).with_suffix("")) for p in paths]


def load(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def headings(nb: nbformat.NotebookNode, level: int = 2) -> list[tuple[int, str]]:
    """(cell index, text) of every Markdown heading of the given level, in order."""
    out = []
    pattern = re.compile(rf"^{'#' * level}\s+(.+?)\s*#*\s*$", re.MULTILINE)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            text = _without_fences(cell.source)
            out.extend((index, m.group(1)) for m in pattern.finditer(text))
    return out


def _without_fences(markdown: str) -> str:
    """Markdown with fenced code blocks removed (a '# comment' in a fence is no heading)."""
    return re.sub(r"^```.*?^```", "", markdown, flags=re.MULTILINE | re.DOTALL)


def section_cells(nb: nbformat.NotebookNode, title: str) -> list[Any]:
    """The cells of the level-2 section `title`: its heading cell up to the next heading."""
    marks = headings(nb)
    for n, (index, text) in enumerate(marks):
        if text == title:
            end = marks[n + 1][0] if n + 1 < len(marks) else len(nb.cells)
            return nb.cells[index:max(end, index + 1)]
    return []


def code_cells(nb: nbformat.NotebookNode) -> list[Any]:
    return [c for c in nb.cells if c.cell_type == "code"]


def output_texts(nb: nbformat.NotebookNode) -> Iterator[tuple[str, str]]:
    """(mime type or stream name, text) of every output of every code cell."""
    for cell in code_cells(nb):
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                yield out.name, out.text
            elif out.output_type in ("display_data", "execute_result"):
                for mime, data in out.get("data", {}).items():
                    if isinstance(data, str):
                        yield mime, data
            elif out.output_type == "error":
                yield "error", "\n".join(out.get("traceback", []))


# --------------------------------------------------------------------------- the set


def test_course_notebooks_are_present_and_numbered_without_gaps() -> None:
    assert LESSONS, "no lesson notebook in notebooks/"
    assert LESSONS[0].stem == "00-start-here", "the course starts at 00-start-here.ipynb"
    numbers = [int(p.name[:2]) for p in LESSONS]
    assert numbers == list(range(len(numbers))), f"lesson numbers have gaps: {numbers}"


# --------------------------------------------------------------------------- skeleton


@pytest.mark.parametrize("path", LESSONS, ids=ids(LESSONS))
def test_notebook_opens_with_title_and_overview(path: Path) -> None:
    nb = load(path)
    first = nb.cells[0]
    assert first.cell_type == "markdown", "the first cell is the title and overview (Markdown)"
    lines = [line for line in first.source.strip().splitlines() if line.strip()]
    assert lines[0].startswith("# "), "the first line is the title: '# …'"
    overview = " ".join(line for line in lines[1:] if not line.startswith("#"))
    assert len(overview.split()) >= 25, "the title is followed by a one-paragraph overview"


@pytest.mark.parametrize("path", LESSONS, ids=ids(LESSONS))
def test_notebook_follows_the_skeleton(path: Path) -> None:
    nb = load(path)
    titles = [text for _, text in headings(nb)]
    found = []
    for wanted in SKELETON:
        matches = [i for i, t in enumerate(titles)
                   if t == wanted or (wanted == "Try it" and t.startswith("Try it"))]
        assert matches, f"no '## {wanted}' heading (headings: {titles})"
        found.append(matches[0])
    assert found == sorted(found), f"skeleton headings out of order: {titles}"
    assert titles[-1] == "Clean-up", "'## Clean-up' is the last section"
    # sections with live content sit between Set-up and the first Try it
    assert found[2] - found[1] >= 2, "at least one teaching section between Set-up and Try it"


@pytest.mark.parametrize("path", LESSONS, ids=ids(LESSONS))
def test_setup_and_cleanup_cells(path: Path) -> None:
    nb = load(path)
    setup = [c for c in section_cells(nb, "Set-up") if c.cell_type == "code"]
    assert setup, "the Set-up section has a code cell"
    assert "smtplesson" in setup[0].source, "the set-up cell imports from smtplesson"
    first_code = code_cells(nb)[0]
    assert first_code is setup[0], "no code runs before the set-up cell"
    cleanup = [c for c in section_cells(nb, "Clean-up") if c.cell_type == "code"]
    assert cleanup and cleanup[-1] is code_cells(nb)[-1], "the last code cell is the clean-up"
    stops = cleanup[-1].source
    loop = re.search(r"for\s+(\w+)\s+in\s+[^\n]+:\s*\n?\s*\1\.(?:stop|close)\(\)", stops)
    starts = re.findall(r"\b(\w+)\s*=\s*(?:DebugServer|MailNetwork)\(", _all_code(nb))
    for name in set(starts):
        stop = rf"\b{name}\.(?:stop|close)\(\)"
        assert re.search(stop, stops) or loop, f"the clean-up cell stops {name}"
        if re.search(rf"\b{name}\s*=\s*(?:DebugServer|MailNetwork)\(", setup[0].source):
            assert re.search(stop, setup[0].source) or re.search(r"\.(?:stop|close)\(\)",
                                                                 setup[0].source), \
                f"the set-up cell stops a {name} left by an earlier run (idempotent)"


def _all_code(nb: nbformat.NotebookNode) -> str:
    return "\n".join(c.source for c in code_cells(nb))


@pytest.mark.parametrize("path", LESSONS, ids=ids(LESSONS))
def test_prerequisites_is_a_table(path: Path) -> None:
    cells = section_cells(load(path), "Prerequisites")
    text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    assert re.search(r"^\|\s*:?-{3,}", text, re.MULTILINE), "Prerequisites holds a table"


@pytest.mark.parametrize("path", LESSONS, ids=ids(LESSONS))
def test_every_try_it_has_a_self_check(path: Path) -> None:
    nb = load(path)
    tries = [t for _, t in headings(nb) if t.startswith("Try it")]
    for title in tries:
        code = "\n".join(c.source for c in section_cells(nb, title) if c.cell_type == "code")
        assert re.search(r"\bcheck\.\w+\(", code), f"'{title}' has a self-check cell (check.…)"


# --------------------------------------------------------------------------- executed


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=ids(ALL_NOTEBOOKS))
def test_notebook_is_committed_executed_without_errors(path: Path) -> None:
    nb = load(path)
    counts = [c.execution_count for c in code_cells(nb)]
    assert None not in counts, "every code cell is executed (commit the executed notebook)"
    assert counts == list(range(1, len(counts) + 1)), \
        f"run from a fresh kernel, top to bottom, once (execution counts {counts})"
    for kind, text in output_texts(nb):
        assert kind != "error", f"error output committed:\n{text[:500]}"
        assert kind != "stderr", f"stderr output committed (warnings are unexplained):\n{text[:500]}"
        assert "Traceback (most recent call last)" not in text, "a traceback in the output"
        assert "Error displaying widget" not in text


# --------------------------------------------------------------------------- links


LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|href=\"([^\"]+)\"")


def _markdown_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        return "\n".join(c.source for c in load(path).cells if c.cell_type == "markdown")
    return path.read_text(encoding="utf-8")


def _anchors(path: Path) -> set[str]:
    """Anchors a link may use: JupyterLab's (spaces → '-') and GitHub's slugs, explicit ids."""
    text = _without_fences(_markdown_of(path))
    out = set(re.findall(r"<a\s+(?:id|name)=\"([^\"]+)\"", text))
    for title in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.MULTILINE):
        plain = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", title).strip()
        out.add(plain.replace(" ", "-"))
        out.add(re.sub(r"[^\w\- ]", "", plain.lower()).replace(" ", "-"))
    return out


def _internal_links(path: Path) -> list[str]:
    links = []
    for match in LINK.finditer(_without_fences(_markdown_of(path))):
        target = match.group(1) or match.group(2)
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # http:, mailto:, …
            links.append(target)
    return links


LINKED = ALL_NOTEBOOKS + ([GUIDE] if GUIDE.exists() else [])


@pytest.mark.parametrize("path", LINKED, ids=ids(LINKED))
def test_internal_links_resolve(path: Path) -> None:
    broken = []
    for target in _internal_links(path):
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / unquote(file_part)).resolve() if file_part else path
        if not dest.exists():
            shown = dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest
            broken.append(f"{target} (no file {shown})")
        elif anchor and dest.suffix in (".ipynb", ".md") and unquote(anchor) not in _anchors(dest):
            broken.append(f"{target} (no heading or anchor '{anchor}' in {dest.name})")
    assert not broken, "broken links:\n" + "\n".join(broken)


@pytest.mark.parametrize("path", LESSONS[:-1], ids=ids(LESSONS[:-1]))
def test_whats_next_links_the_next_lesson(path: Path) -> None:
    nxt = LESSONS[LESSONS.index(path) + 1]
    text = "\n".join(c.source for c in section_cells(load(path), "What's next"))
    assert f"({nxt.name}" in text or f"(./{nxt.name}" in text, \
        f"'What's next' links the next notebook, {nxt.name}"


# --------------------------------------------------------------------------- live codes

#: how a reply shows up in an executed output (agreed with smtplesson.server.transcript / views):
#: - text/plain repr of a Transcript: "<Transcript #1 12 lines, replies 220 250 354 250 221>"
#: - str(transcript) printed (swaks-like): lines "<-  550 5.1.1 …" / "<-  250-…"
#: - HTML of a transcript or journey: data-reply-code="550" on each reply
REPR_CODES = re.compile(r"<Transcript #\d+ \d+ lines?, replies ([0-9 ]+)>")
SWAKS_LINE = re.compile(r"^(?:\[\s*[0-9.]+\]\s*)?<-\s+([2-5][0-9][0-9])[ -]", re.MULTILINE)
HTML_CODE = re.compile(r"data-reply-code=\"([2-5][0-9][0-9])\"")


def live_codes(paths: list[Path]) -> dict[int, list[str]]:
    """Reply codes seen in executed transcript outputs: code -> notebooks showing it."""
    seen: dict[int, list[str]] = {}
    for path in paths:
        for mime, text in output_texts(load(path)):
            found: set[int] = set()
            if mime in ("text/plain", "stdout"):
                for group in REPR_CODES.findall(text):
                    found.update(int(c) for c in group.split())
                found.update(int(c) for c in SWAKS_LINE.findall(text))
            if mime == "text/html":
                found.update(int(c) for c in HTML_CODE.findall(text))
            for code in found:
                seen.setdefault(code, []).append(path.stem)
    return seen


def test_live_code_markers_are_recognised() -> None:
    """The detector itself: it must find codes in each agreed form, and only there."""
    sample = ("<Transcript #2 14 lines, replies 220 250 451 221>\n"
              "<-  220 mx.example.net ESMTP\n -> MAIL FROM:<a@example.com>\n"
              "<-  553 5.1.3 bad\n<-  250-mx.example.net\n")
    found = {int(c) for g in REPR_CODES.findall(sample) for c in g.split()}
    found |= {int(c) for c in SWAKS_LINE.findall(sample)}
    assert found == {220, 250, 451, 221, 553}
    assert not SWAKS_LINE.findall("the server answered 550 here\n -> RCPT TO:<550@x>")
    assert HTML_CODE.findall('<div data-reply-code="354">') == ["354"]


def test_every_article_code_is_shown_live() -> None:
    seen = live_codes(ALL_NOTEBOOKS)
    missing = [c for c in ARTICLE_CODES if c not in seen]
    assert not missing, f"article codes never shown live in an executed transcript: {missing}"


def test_every_registry_code_is_shown_live() -> None:
    """Every code a real server sends is shown live; 355 (Experimental RFC 1845) and the
    registry-only associations (422, 430, 523, 524, 525, 533) cannot be (rfc-audit M01-M07)."""
    seen = live_codes(ALL_NOTEBOOKS)
    missing = sorted(c for c, e in BASIC_CODES.items()
                     if c not in seen and not (e.registry_only or e.experimental))
    assert not missing, f"codes of BASIC_CODES never shown live in the course: {missing}"


def test_every_article_misreading_is_named_in_the_course() -> None:
    """Each article code the registry flags as misread gets a 'Common misreading' note."""
    text = "\n".join(_markdown_of(p) for p in LESSONS)
    outputs = "\n".join(t for p in LESSONS for _, t in output_texts(load(p)))
    assert "Simple Mail Transfer Protocol" in text
    flagged = [c for c in ARTICLE_CODES if BASIC_CODES[c].misreading]
    notes = re.findall(r"Common misreading[^\n]*?\b([2-5][0-9][0-9])\b", text + "\n" + outputs)
    missing = [c for c in flagged if str(c) not in notes]
    assert not missing, f"no 'Common misreading' note for {missing}"


def test_roles_diagram_is_mermaid() -> None:
    text = _markdown_of(NOTEBOOKS / "02-relay-path.ipynb")
    blocks = re.findall(r"^```mermaid\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    assert blocks, "02 shows the roles as a ```mermaid block"
    for block in blocks:
        assert re.match(r"\s*(flowchart|graph|sequenceDiagram)\b", block), block[:80]


# --------------------------------------------------------------------------- self-checks


def run_check(func: Any, *args: Any) -> tuple[bool, str]:
    buf = io.StringIO()
    with redirect_stdout(buf):
        result = func(*args)
    return result, buf.getvalue()


def _delivered_message() -> EmailMessage:
    msg = EmailMessage()
    msg["Received"] = "from relay.example.com by mx1.example.net with ESMTP; 1 Jan 2030 00:00:02 +0000"
    msg["Received"] = "from msa.example.com by relay.example.com with ESMTP; 1 Jan 2030 00:00:01 +0000"
    msg["Received"] = "from client.example.com by msa.example.com with ESMTPSA; 1 Jan 2030 00:00:00 +0000"
    # each hop prepends its Received line, so the newest (the last hop) is on top
    msg.set_content("hello")
    return msg


class _Stored:
    def __init__(self, rcpts: list[str], subject: str) -> None:
        self.rcpt_tos = rcpts
        self.message = EmailMessage()
        self.message["Subject"] = subject


class _Server:
    def __init__(self, messages: list[_Stored]) -> None:
        self.messages = messages


def _what_to_do(text: str) -> str:
    return {"2": "success", "3": "continue", "4": "retry", "5": "bounce"}[text.strip()[0]]


def _trusts_enhanced_code(text: str) -> str:
    """A plausible wrong answer: it lets the enhanced code's class decide."""
    digit = (re.search(r" ([245])\.[0-9]", text) or re.match(r"([2-5])", text)).group(1)
    return {"2": "success", "3": "continue", "4": "retry", "5": "bounce"}[digit]


def _decide(code: int, text: Any) -> str:
    text = text.decode() if isinstance(text, bytes) else str(text)
    if code == 552 and ("5.5.3" in text or "too many recipients" in text.lower()):
        return "retry"
    return "retry" if 400 <= code < 500 else "bounce"


def _send_with_policy(address: Any, sender: str, recipients: list[str], message: str,
                      decide: Any = _decide) -> dict[str, str]:
    """A right answer for check.retry_policy (lesson 07)."""
    outcome = {r: "delivered" for r in recipients}
    try:
        with smtplib.SMTP(*address, local_hostname="client.example.org", timeout=5) as smtp:
            refused = smtp.sendmail(sender, recipients, message)
        for r, (code, text) in refused.items():
            outcome[r] = decide(code, text)
    except smtplib.SMTPRecipientsRefused as exc:
        outcome = {r: "retry" for r in recipients}
        for r, (code, text) in exc.recipients.items():
            outcome[r] = decide(code, text)
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError, smtplib.SMTPConnectError) as exc:
        outcome = {r: decide(exc.smtp_code, exc.smtp_error) for r in recipients}
    except (smtplib.SMTPServerDisconnected, OSError):
        outcome = {r: "retry" for r in recipients}
    return outcome


def _send_552_bounces(address: Any, sender: str, recipients: list[str], message: str) -> dict:
    """A plausible wrong answer: every 5xx bounces, the too-many-recipients 552 included."""
    return _send_with_policy(address, sender, recipients, message,
                             decide=lambda code, text: "retry" if code < 500 else "bounce")


#: one learner's shift, shared by the queue-shift checks below
SHIFT = Shift("learner")
#: checks that record or print rather than grade (tested in test_queue.py and test_recall below)
NOT_GRADED = ("RIGHT", "NOT_YET", "environment", "predict", "reveal", "recall_quiz")
#: a right answer for every exercise check in the course
RIGHT_ANSWERS: dict[str, tuple[Any, ...]] = {
    "first_bounce": ("suppress the address",),
    "first_conversation": ({"greeting": 220, "after_data_command": "354",
                            "after_end_of_data": "250 2.0.0 Ok", "after_quit": 221},),
    "send_your_own": (_Server([_Stored(["Bob@example.net", "alice@example.net"],
                                       "My first message")]),),
    "relay_path": (["msa.example.com", "relay.example.com", "mx1.example.net"],
                   _delivered_message()),
    "open_relay": ({"code": 550, "enhanced": "5.7.1", "retry_later": False},),
    "reply_parts": ({"code": 452, "enhanced": "4.5.3", "outcome": "retry", "lines": 2},),
    "what_to_do": (_what_to_do,),
    "success_and_intermediate": ({"greeting": 220, "go_ahead_send_text": 354,
                                  "auth_challenge": 334, "auth_succeeded": 235,
                                  "will_forward": 251, "cannot_verify": 252, "help_text": 214,
                                  "closing": 221},),
    "retry_or_act": ({"A": "time", "B": "sender", "C": "time", "D": "sender", "E": "time",
                      "F": "sender"},),
    "bounce_types": ({"A": ("hard", True), "B": ("soft", False), "C": ("block", False),
                      "D": ("soft", False), "E": ("none", False)},),
    "retry_policy": (_send_with_policy,),
    "diagnoses": ({n: dict(k) for n, k in KEY.items()}, Lab()),
    "queue_shift": (SHIFT.model_answers(), SHIFT),
    "recall": ({1: "c", 2: "a", 3: "b"}, "00"),
    "predict_verdicts": ({"spf": "fail", "dkim": "pass", "dmarc": "pass", "delivered": True},),
    "why_blocked": ({"A": "dmarc policy", "B": "reverse dns", "C": "blocklist", "D": "receiver wants tls",
                     "E": "our tls policy", "F": "no spf or dkim pass"},),
}
WRONG_ANSWERS: dict[str, tuple[tuple[Any, ...], str]] = {
    "first_bounce": (("retry later",), "RFC 5321 §4.2.1"),
    "first_conversation": (({"greeting": 220, "after_data_command": 250,
                             "after_end_of_data": 250, "after_quit": 221},), "DATA"),
    "send_your_own": ((_Server([_Stored(["alice@example.net"], "My first message")]),),
                      "bob@example.net"),
    "relay_path": ((["mx1.example.net", "relay.example.com", "msa.example.com"],
                    _delivered_message()), "bottom up"),
    "open_relay": (({"code": 550, "enhanced": "5.7.1", "retry_later": True},), "retry_later"),
    "reply_parts": (({"code": 452, "enhanced": "4.5.3", "outcome": "retry", "lines": 1},),
                    "lines"),
    "what_to_do": ((_trusts_enhanced_code,), "451 5.7.1"),
    "success_and_intermediate": (({**RIGHT_ANSWERS["success_and_intermediate"][0],
                                   "cannot_verify": 251},), "VRFY"),
    "retry_or_act": (({**RIGHT_ANSWERS["retry_or_act"][0], "B": "time"},), "complaints"),
    "bounce_types": (({**RIGHT_ANSWERS["bounce_types"][0], "D": ("hard", True)},), "persistent transient"),
    "retry_policy": ((_send_552_bounces,), "4.5.3.1.10"),
    "diagnoses": (({**{n: dict(k) for n, k in KEY.items()},
                    3: {**KEY[3], "action": "fix authentication"}}, Lab()), "mystery 3"),
    "queue_shift": (({**SHIFT.model_answers(), 1: {"action": "nothing to do", "evidence": "?",
                                                   "reply": "Sorry."}}, SHIFT), "ticket 1"),
    "recall": (({1: "a", 2: "a", 3: "b"}, "00"), "where do you find the command"),
    "predict_verdicts": (({**RIGHT_ANSWERS["predict_verdicts"][0], "dmarc": "fail"},), "aligned"),
    "why_blocked": (({**RIGHT_ANSWERS["why_blocked"][0], "E": "receiver wants tls"},), "three digits"),
}
GARBAGE = (None, ..., "", 0, True, [], {}, "550", object(), {"greeting": ...})
EXERCISES = sorted(RIGHT_ANSWERS)


def test_every_exercise_check_is_tested() -> None:
    public = {n for n in check.__all__ if n not in NOT_GRADED}
    assert public == set(RIGHT_ANSWERS), "every check in smtplesson.check has answers here"


@pytest.mark.parametrize("name", EXERCISES)
def test_check_accepts_the_right_answer(name: str) -> None:
    ok, text = run_check(getattr(check, name), *RIGHT_ANSWERS[name])
    assert ok is True, text
    assert text.startswith(check.RIGHT), text


@pytest.mark.parametrize("name", EXERCISES)
def test_check_explains_a_wrong_answer(name: str) -> None:
    args, hint = WRONG_ANSWERS[name]
    ok, text = run_check(getattr(check, name), *args)
    assert ok is False, text
    assert text.startswith(check.NOT_YET), text
    assert hint in text, f"the feedback should point at {hint!r}:\n{text}"


@pytest.mark.parametrize("name", EXERCISES)
def test_check_never_raises_and_is_deterministic(name: str) -> None:
    extra = RIGHT_ANSWERS[name][1:]
    for garbage in GARBAGE:
        first = run_check(getattr(check, name), garbage, *extra)
        second = run_check(getattr(check, name), garbage, *extra)
        assert first == second, f"{name}({garbage!r}) printed different text twice"
        ok, text = first
        assert ok is False and text.startswith(check.NOT_YET), f"{name}({garbage!r}): {text}"
        assert "Traceback" not in text and "0x" not in text, text


def test_open_relay_check_reads_the_code_from_the_transcript() -> None:
    from smtplesson.server.transcript import Line, Transcript

    lines = [Line("S", 0.0, "220 mx1.example.net ESMTP", "reply"),
             Line("C", 0.0, "MAIL FROM:<someone@example.org>", "command"),
             Line("S", 0.0, "250 2.1.0 Sender OK", "reply"),
             Line("C", 0.0, "RCPT TO:<victim@example.org>", "command"),
             Line("S", 0.0, "554 5.7.1 <victim@example.org>: Relay access denied", "reply")]
    attempt = Transcript(lines)
    right = {"code": 554, "enhanced": "5.7.1", "retry_later": False}
    assert run_check(check.open_relay, right, attempt)[0] is True
    ok, text = run_check(check.open_relay, {**right, "code": 550}, attempt)
    assert ok is False and "RCPT TO" in text, text


def test_environment_check_reports_plainly() -> None:
    ok, text = run_check(check.environment)
    assert ok is True, text
    assert text.count("✓") >= 6 and "✗" not in text
    versions = re.findall(r"\b\d+\.\d+\.\d+\b", text.replace("127.0.0.1", ""))
    assert not versions, "no exact versions (nbval compares this output)"


EXERCISE_CALL = re.compile(r"\bcheck\.(" + "|".join(
    n for n in check.__all__ if n not in NOT_GRADED) + r")\(")


@pytest.mark.parametrize("path", SOLUTIONS, ids=ids(SOLUTIONS))
def test_solution_passes_its_checks(path: Path) -> None:
    nb = load(path)
    checked = 0
    for cell in code_cells(nb):
        calls = EXERCISE_CALL.findall(cell.source)
        if not calls:
            continue
        checked += 1
        text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")
        assert text.count(check.RIGHT) >= len(calls), \
            f"{path.name}: check.{calls[0]}(…) did not pass:\n{text}"
        assert check.NOT_YET not in text, f"{path.name}: a check says not yet:\n{text}"
    assert checked, f"{path.name} runs no self-check"


@pytest.mark.parametrize("path", LESSONS, ids=ids(LESSONS))
def test_lessons_have_a_solution(path: Path) -> None:
    assert (NOTEBOOKS / "solutions" / path.name).exists(), f"no solutions/{path.name}"


# --------------------------------------------------------------------------- guide


def test_instructor_guide_covers_sessions_and_classrooms() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    for needed in ("60 minutes", "120 minutes", "JupyterHub", "Binder", "questions"):
        assert needed in text, f"the instructor guide mentions {needed!r}"
    for lesson in LESSONS:
        assert lesson.name in text, f"the guide refers to {lesson.name}"


# --------------------------------------------------------------------------- nbval


def test_notebooks_pass_nbval_strict(tmp_path: Path) -> None:
    """Re-run every committed notebook in strict nbval mode with the course's sanitizer."""
    env = {**os.environ, "HOME": str(tmp_path), "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
           "--nbval-current-env", "--nbval-sanitize-with", str(NOTEBOOKS / "sanitize.cfg"),
           "--rootdir", str(ROOT), *map(str, ALL_NOTEBOOKS)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
