"""The course's pictures, where a picture is the lesson: a DSN's three parts, DMARC alignment,
the retry back-off on a time line.

Each is a :class:`Figure`: an SVG with a ``<title>`` and ``<desc>`` (its alt text), a caption,
and a text version of the same facts under it (``str(figure)``, and a "Text version" fold in
the HTML), so nothing depends on seeing the picture. Colours are theme tokens; every state is
also written in words and symbols (✓ ✗), never colour alone.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from ._html import BORDER, FG, FONT

_OK, _BAD = "var(--jp-success-color1,#2e7d32)", "var(--jp-error-color1,#c62828)"


@dataclass(frozen=True)
class Figure:
    """An SVG picture with its alt text and a text version of the same facts."""

    name: str
    title: str
    alt: str
    svg_body: str
    text: str
    width: int
    height: int

    def svg(self) -> str:
        ident = f"smtpl-fig-{self.name}"
        return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {self.width} '
                f'{self.height}" width="100%" style="max-width:{self.width}px;font-family:{FONT}" '
                f'aria-labelledby="{ident}-t {ident}-d"><title id="{ident}-t">{escape(self.title)}'
                f'</title><desc id="{ident}-d">{escape(self.alt)}</desc>{self.svg_body}</svg>')

    def _repr_html_(self) -> str:
        return (f'<figure class="smtpl-figure" style="margin:6px 0;color:{FG}">{self.svg()}'
                f'<figcaption style="font-weight:600">{escape(self.title)}</figcaption>'
                f'<details><summary style="cursor:pointer">Text version</summary>'
                f'<pre style="white-space:pre-wrap">{escape(self.text)}</pre></details></figure>')

    def __str__(self) -> str:
        return f"{self.title}\n{self.text}"

    def __repr__(self) -> str:
        return f"<Figure {self.name}: {self.title}>"


def _box(x: int, y: int, w: int, h: int, head: str, lines: Sequence[str], stroke: str = BORDER) -> str:
    text = "".join(f'<text x="{x + 10}" y="{y + 40 + 17 * n}" font-size="13" fill="currentColor">'
                   f"{escape(line)}</text>" for n, line in enumerate(lines))
    return (f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6" fill="none" stroke="{stroke}" '
            f'stroke-width="1.5"/><text x="{x + 10}" y="{y + 20}" font-size="14" font-weight="bold" '
            f'fill="currentColor">{escape(head)}</text>{text}')


#: the three parts of a DSN (RFC 6522 §3, RFC 3464 §2), as the figure and its text version say
DSN_PARTS = (
    ("text/plain", "for people: what happened, in the reporting MTA's words.",
     ("Postfix and Exim name the command here: '(in reply to RCPT TO command)'.",
      "Some systems (qmail, many appliances) send only this part.")),
    ("message/delivery-status", "for programs (RFC 3464): one block per message, one per recipient.",
     ("Per message: Reporting-MTA, Arrival-Date.",
      "Per recipient: Final-Recipient, Action, Status, Remote-MTA, Diagnostic-Code.",
      "No field for the SMTP command.")),
    ("message/rfc822 or text/rfc822-headers", "the returned message, or only its headers.",
     ("Its Message-ID, From and Subject match the bounce to what was sent.",)),
)


def dsn_parts() -> Figure:
    """The three parts of a bounce (a multipart/report DSN)."""
    y, body = 44, list[str]()
    for head, what, notes in DSN_PARTS:
        lines = [what, *notes]
        h = 32 + 17 * len(lines)
        body.append(_box(30, y, 640, h, f"{len(body) + 1} · {head}", lines))
        y += h + 12
    outer = _box(10, 8, 680, y, "multipart/report; report-type=delivery-status (RFC 6522)", [])
    text = "A bounce is one multipart/report message (RFC 6522) with three parts, in this order:\n" + \
        "\n".join(f"{n}. {head}: {what} " + " ".join(notes)
                  for n, (head, what, notes) in enumerate(DSN_PARTS, 1))
    alt = ("A box for the whole bounce, multipart/report, holding three boxes: the human-readable "
           "text, the machine-readable delivery-status fields, and the returned message.")
    return Figure("dsn", "A bounce's three parts", alt, outer + "".join(body), text, 700, y + 18)


def alignment(from_domain: str, spf: tuple[str, bool, bool],
              dkim: tuple[str | None, bool, bool]) -> Figure:
    """DMARC alignment: the From: domain against the domains SPF and DKIM authenticated.

    ``spf`` and ``dkim`` are (domain, passed, aligned with From:); the caller decides alignment
    (``smtplesson.course.lab.alignment`` asks the relay's DMARC check)."""
    checks = [("SPF", "SPF: the MAIL FROM domain", spf[0], spf[1], spf[2]),
              ("DKIM", "DKIM: the signing domain d=", dkim[0] or "", dkim[1] and bool(dkim[0]),
               dkim[2] and bool(dkim[0]))]
    body = [_box(20, 70, 230, 60, "From: header", [from_domain, "what the reader sees"])]
    lines, verdict = [], False
    for n, (name, label, domain, passed, same) in enumerate(checks):
        y = 20 + 110 * n
        counts = passed and same
        verdict = verdict or counts
        colour = _OK if counts else _BAD
        state = (f"{'pass' if passed else 'fail'} · "
                 f"{'aligned ✓' if same else 'not aligned ✗'}")
        body.append(_box(440, y, 300, 77, label, [domain or "(no signature)", state], stroke=colour))
        body.append(f'<line x1="250" y1="100" x2="440" y2="{y + 38}" stroke="{colour}" '
                    f'stroke-width="2" stroke-dasharray="{"" if same else "6 4"}"/>')
        lines.append(f"- {name}: {'passes' if passed else 'fails'} for {domain or 'no domain'}; "
                     f"{'aligned with' if same else 'not aligned with'} {from_domain}"
                     f"{' — counts for DMARC' if counts else ''}.")
    result = "DMARC pass: one aligned pass is enough" if verdict else \
        "DMARC fail: no check passed for a domain aligned with From:"
    body.append(f'<text x="20" y="236" font-size="14" font-weight="bold" '
                f'fill="{_OK if verdict else _BAD}">{escape(result)} (RFC 7489 §3.1, RFC 9989)</text>')
    text = (f"From: {from_domain}\n" + "\n".join(lines) + f"\n{result}.\n"
            "Aligned (relaxed) means the same organizational domain.")
    alt = (f"The From: domain {from_domain} joined by lines to the domain SPF checked, "
           f"{spf[0]}, and the DKIM signing domain, {dkim[0] or 'none'}; solid lines "
           f"where aligned, dashed where not. {result}.")
    return Figure("alignment", "DMARC alignment: From: against SPF's and DKIM's domains", alt,
                  "".join(body), text, 760, 250)


def _clock(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def retry_timeline(attempts: Sequence[float], lifetime: float, warning: float | None = None) -> Figure:
    """The retry back-off: each attempt (seconds after submission) on a logarithmic time line."""
    left, right, width = 40, 700, 740
    low, high = math.log10(60), math.log10(max(lifetime, 120))

    def x(t: float) -> float:
        return left + (right - left) * (math.log10(max(t, 60)) - low) / (high - low)

    body = [f'<line x1="{left}" y1="80" x2="{right}" y2="80" stroke="{BORDER}" stroke-width="2"/>']
    for t in (60, 300, 3600, 4 * 3600, 86400, lifetime):
        body.append(f'<line x1="{x(t):.1f}" y1="84" x2="{x(t):.1f}" y2="92" stroke="{BORDER}"/>'
                    f'<text x="{x(t):.1f}" y="108" font-size="12" text-anchor="middle" '
                    f'fill="currentColor">{_clock(t)}</text>')
    for t in attempts:
        body.append(f'<line x1="{x(t):.1f}" y1="58" x2="{x(t):.1f}" y2="80" stroke="{FG}" '
                    f'stroke-width="1"/>')
    if warning:
        body.append(f'<text x="{x(warning):.1f}" y="40" font-size="12" text-anchor="middle" '
                    f'fill="currentColor">⚠ warning (Action: delayed)</text>')
    body.append(f'<text x="{right}" y="24" font-size="12" text-anchor="end" fill="{_BAD}">'
                f'✗ bounce at {_clock(lifetime)}</text>')
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    first = ", ".join(_clock(t) if t >= 60 else f"{t:.0f} s" for t in attempts[:6])
    steady = f"then every {_clock(gaps[-1])}" if gaps else ""
    text = (f"{len(attempts)} attempts on a logarithmic time line: the first at {first}, {steady}; "
            + (f"a warning after {_clock(warning)}; " if warning else "")
            + f"the bounce after {_clock(lifetime)}. The gaps double, then stay at the maximum.")
    alt = (f"A time line from one minute to {_clock(lifetime)} on a logarithmic scale with "
           f"{len(attempts)} tick marks, one per attempt: dense in the first minutes, then evenly "
           "spaced, ending in a bounce.")
    return Figure("backoff", "The retry back-off on a time line", alt, "".join(body), text, width, 120)
