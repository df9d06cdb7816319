"""Pictures (HTML) and plain text of a message's journey through a MailNetwork, and of the network.

Pure functions of the objects they draw (a ``TrackedMessage`` and its fates, a ``MailNetwork``):
hops left to right, each hand-over labelled with its reply (colour *and* symbol, code and class
name), retries listed under their hop with simulated times, and a timeline bar when a copy
waited in a queue.
Times are relative to the network's start (``+10 min``): no absolute dates, no ports.
"""
from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from ..codes.syntax import REPLY_LINE
from ._html import BG, BORDER, FG, FG_MUTED, FONT, MONO
from .palette import UNKNOWN_STYLE, badge, style_for

if TYPE_CHECKING:  # pragma: no cover
    from ..relay.layout import Host
    from ..relay.network import MailNetwork
    from ..relay.tracking import Attempt, RecipientFate, TrackedMessage

__all__ = ["journey_html", "journey_text", "network_html", "network_text"]

_FONT = f"font-family:{FONT};font-size:13px;"
_FG = f"color:{FG};"
_MUTED = f"color:{FG_MUTED};"
_BOX = f"border:1px solid {BORDER};border-radius:6px;background:{BG};"
_MONO = f"font-family:{MONO};"
_STATUS = {  # status -> (class digit for colours, symbol text)
    "delivered": (2, "✓ delivered"),
    "bounced": (5, "✗ bounced"),
    "queued": (4, "↻ still queued"),
    "dropped": (0, "⊘ dropped"),
}
#: a recipient the sending service never sent to (``MailNetwork(esp=True)``)
DROPPED_NOTE = "not sent: on the sending service's suppression list (no SMTP attempt)"


# ---------------------------------------------------------------- helpers
def _label(track: TrackedMessage, when: float) -> str:
    return track.clock.label(when)


def _duplicates(fate: RecipientFate) -> str:
    n = fate.duplicates
    if not n:
        return ""
    return (f"{n + 1} copies: a reply was lost after the final '.', the sender could not know "
            f"and sent again (RFC 5321 §6.1, RFC 1047)")


class _Skipped:
    """Stands for a run of identical retries folded in the picture."""

    def __init__(self, runs: list[Attempt]) -> None:
        self.runs = runs
        self.time = runs[0].time

    def text(self, track: TrackedMessage) -> str:
        return (f"… {len(self.runs)} more tries with the same reply, "
                f"{_label(track, self.runs[0].time)} to {_label(track, self.runs[-1].time)} …")


def _fold(attempts: list[Attempt], keep: int = 2) -> list[Attempt | _Skipped]:
    """Runs of more than ``2 * keep + 1`` identical replies from the same server are folded."""
    out: list[Attempt | _Skipped] = []
    i = 0
    while i < len(attempts):
        j = i
        a = attempts[i]
        while (j + 1 < len(attempts) and attempts[j + 1].server == a.server
               and attempts[j + 1].reply == a.reply and attempts[j + 1].outcome == a.outcome):
            j += 1
        run = attempts[i:j + 1]
        if len(run) > 2 * keep + 1:
            out += [*run[:keep], _Skipped(run[keep:-keep]), *run[-keep:]]
        else:
            out += run
        i = j + 1
    return out


def _reply_badge(attempt: Attempt) -> str:
    code = attempt.code
    if code is not None:
        return badge(code, title=attempt.reply, label=False)
    digit = {"delivered": 2, "accepted": 2, "deferred": 4, "bounced": 5}.get(attempt.outcome)
    style = style_for(digit) if digit else UNKNOWN_STYLE
    text = {"CONNECT": "no connection", "QUEUE": "gave up", "DSN": "no DSN",
            "SESSION": "connection lost"}.get(attempt.stage, attempt.stage.lower())
    return (f'<span title="{escape(attempt.reply, quote=True)}" style="display:inline-block;'
            f"padding:1px 6px;border-radius:4px;border:1px dashed {style.border};"
            f'background:{style.bg};color:{style.fg};{_MONO}font-weight:bold">'
            f"{style.symbol} {escape(text)}</span>")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _timeline(track: TrackedMessage, attempts: list[Attempt]) -> str:
    """A bar from the first to the last attempt with a marker per attempt (only if time passed)."""
    times = [a.time for a in attempts]
    span = max(times) - min(times)
    if span <= 0:
        return ""
    t0 = min(times)
    dense = len(attempts) > 12  # many retries: thin ticks between the first and last marker
    marks = []
    for a in attempts:
        left = 100 * (a.time - t0) / span
        st = style_for(a.code) if a.code else style_for(
            {"deferred": 4, "bounced": 5, "delivered": 2}.get(a.outcome))
        tip = escape(f"{_label(track, a.time)}  {a.server}: {a.reply}", quote=True)
        if dense and a is not attempts[0] and a is not attempts[-1]:
            marks.append(f'<span title="{tip}" style="position:absolute;left:{left:.2f}%;top:-6px;'
                         f'width:1px;height:14px;background:{st.border}"></span>')
            continue
        marks.append(
            f'<span title="{tip}" style="position:absolute;left:calc({left:.2f}% - 9px);top:-9px;'
            f"width:18px;height:18px;border-radius:9px;border:1px solid {st.border};"
            f"background:{st.bg};color:{st.fg};font-size:11px;text-align:center;"
            f'line-height:18px">{st.symbol}</span>')
    ends = (f'<div style="display:flex;justify-content:space-between;{_MONO}{_MUTED}font-size:11px">'
            f"<span>{escape(_label(track, t0))}</span><span>queue time</span>"
            f"<span>{escape(_label(track, t0 + span))}</span></div>")
    return (f'<div style="margin:14px 18px 4px 18px;max-width:520px">'
            f'<div style="position:relative;height:2px;background:var(--jp-border-color1,#8888);'
            f'margin-bottom:12px">{"".join(marks)}</div>{ends}</div>')


def _outcome_cell(fate: RecipientFate) -> str:
    digit, text = _STATUS.get(fate.status, (0, fate.status))
    st = style_for(digit) if digit else UNKNOWN_STYLE
    detail = ""
    if fate.status == "delivered":
        detail = "in the recipient's mailbox"
    elif fate.status == "bounced" and fate.bounce is not None:
        b = fate.bounce
        to = b.recipients[0] if b.recipients else "?"
        detail = (f'DSN from &lt;&gt; to <span style="{_MONO}">{escape(to)}</span>: '
                  f"{escape(b.status.get(to, '?'))}")
    elif fate.status == "bounced":
        detail = "no DSN: a bounce is never bounced"
    elif fate.status == "queued":
        detail = "waiting for the next retry"
    elif fate.status == "rejected":
        detail = "refused at submission: the mail client shows the error"
    elif fate.status == "dropped":
        detail = escape(DROPPED_NOTE)
    if fate.duplicates:
        detail += f"<div>{escape(_duplicates(fate))}</div>"
    return (f'<span style="display:inline-block;padding:2px 6px;border-radius:4px;'
            f'border:1px solid {st.border};background:{st.bg};color:{st.fg};font-weight:bold">'
            f'{escape(text)}</span><div style="font-size:11px;margin-top:2px">{detail}</div>')


def _cell(track: TrackedMessage, attempts: list[Attempt], show_server: bool) -> str:
    if not attempts:
        return f'<span style="{_MUTED}">—</span>'
    lines = []
    for a in _fold(attempts):
        if isinstance(a, _Skipped):
            lines.append(f'<div style="{_MUTED}font-size:11px">{escape(a.text(track))}</div>')
            continue
        server = (f' <span style="{_MONO}font-size:11px">{escape(a.server)}</span>'
                  if show_server else "")
        code = a.code
        data = f' data-reply-code="{code}"' if code else ""
        text = _reply_text(a)
        note = f'<div style="{_MUTED}font-size:11px">{escape(a.note)}</div>' if a.note else ""
        stage = (f' <span style="{_MUTED}">(at {escape(a.stage)})</span>'
                 if a.stage and code and code >= 400 else "")
        lines.append(
            f'<div style="margin:1px 0 3px 0"{data}>'
            f'<span style="{_MONO}{_MUTED}font-size:11px;display:inline-block;min-width:52px">'
            f"{escape(_label(track, a.time))}</span> {_reply_badge(a)}{server}"
            f'<div style="{_MONO}font-size:11px;max-width:300px;white-space:normal" '
            f'title="{escape(a.reply, quote=True)}">{escape(_short(text, 70))}'
            f"{stage}</div>{note}</div>")
    return "".join(lines)


def _reply_text(a: Attempt) -> str:
    """The reply without its code (the badge shows it)."""
    start = REPLY_LINE.match(a.reply)
    return a.reply[start.end():] if start else a.reply


def _columns(fates: list[RecipientFate]) -> list[str]:
    """Hop columns, named by the client that hands the message on, in order of appearance."""
    cols: list[str] = []
    for fate in fates:
        for a in fate.attempts:
            if a.client not in cols:
                cols.append(a.client)
    return cols


def _header(track: TrackedMessage, client: str, fates: list[RecipientFate]) -> str:
    roles = track.roles
    servers: list[str] = []
    for fate in fates:
        for a in fate.attempts:
            if a.client == client and a.server not in servers and a.server not in ("-",):
                servers.append(a.server)
    def name(h: str) -> str:
        role = roles.get(h, "")
        tag = f'<span style="{_MUTED}font-weight:normal"> {escape(role)}</span>' if role and role != h else ""
        return f'<span style="{_MONO}">{escape(h)}</span>{tag}'
    return (f"{name(client)} <span style=\"{_MUTED}\">⟶</span> "
            + " / ".join(name(s) for s in servers))


def journey_html(track: TrackedMessage) -> str:
    """One message: a row per recipient, a column per hop (left to right), every reply met
    with its simulated time, retries stacked in their hop, a queue timeline under the row."""
    fates = list(track.fate().values())
    cols = _columns(fates)
    th = ('style="text-align:left;vertical-align:bottom;padding:4px 8px;font-size:12px;'
          'border-bottom:1px solid var(--jp-border-color1,#8888)"')
    td = 'style="vertical-align:top;padding:4px 8px;border-bottom:1px solid var(--jp-border-color2,#8884)"'
    head = "".join(f"<th {th}>{_header(track, c, fates)}</th>" for c in cols)
    multi = {c: len({a.server for f in fates for a in f.attempts if a.client == c}) > 1 for c in cols}
    rows = []
    for fate in fates:
        by = {c: [a for a in fate.attempts if a.client == c] for c in cols}
        cells = "".join(
            f"<td {td}>{_cell(track, by[c], multi[c])}</td>"
            for c in cols)
        rows.append(f'<tr><td {td}><b style="{_MONO}">{escape(fate.recipient)}</b></td>{cells}'
                    f"<td {td}>{_outcome_cell(fate)}</td></tr>")
        retry = max(by.values(), key=len, default=[])
        if len(retry) > 1:
            bar = _timeline(track, retry)
            if bar:
                rows.append(f'<tr><td></td><td colspan="{len(cols) + 1}" style="padding:0 8px 6px 8px">'
                            f"{bar}</td></tr>")
    counts: dict[str, int] = {}
    for status in track.status.values():
        counts[status] = counts.get(status, 0) + 1
    summary = " · ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    title = (f'<div style="margin-bottom:4px"><b>{escape(track.id)}</b> '
             f'<span style="{_MONO}">{escape(track.sender or "<>")}</span> → '
             f'<span style="{_MONO}">{escape(", ".join(track.recipients))}</span>'
             f' <span style="{_MUTED}">“{escape(track.subject)}”, submitted '
             f"{escape(_label(track, track.submitted_at))} · {escape(summary)}</span></div>")
    return (f'<div class="smtpl-journey" style="{_FONT}{_FG}">{title}'
            f'<table style="border-collapse:collapse"><thead><tr><th {th}>recipient</th>{head}'
            f"<th {th}>outcome</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"{_legend()}</div>")


def _legend() -> str:
    items = []
    for digit in (2, 4, 5):
        st = style_for(digit)
        items.append(f'<span style="color:{st.fg};background:{st.bg};border:1px solid {st.border};'
                     f'border-radius:3px;padding:0 4px">{st.symbol} {st.short}</span> {escape(st.label)}'
                     f" ({escape(st.outcome)})")
    return (f'<div style="{_MUTED}font-size:11px;margin-top:4px">' + " · ".join(items)
            + " · times are simulated, from the network's start</div>")


def journey_text(track: TrackedMessage) -> str:
    """The same journey as plain text (for the terminal and for ``print``)."""
    out = [f"{track.id}  {track.sender or '<>'} -> {', '.join(track.recipients)}  "
           f"\"{track.subject}\""]
    for r, fate in track.fate().items():
        dup = f"  ({_duplicates(fate)})" if fate.duplicates else ""
        out.append(f"  {r}: {fate.status.upper()}{dup}")
        if fate.status == "dropped":
            out.append(f"    {DROPPED_NOTE}")
        for a in _fold(fate.attempts):
            if isinstance(a, _Skipped):
                out.append(f"    {'':>9}  {a.text(track)}")
                continue
            note = f"  [{a.note}]" if a.note else ""
            stage = f" ({a.stage})" if a.stage and a.stage not in ("DELIVERY",) else ""
            out.append(f"    {_label(track, a.time):>9}  {a.client} -> {a.server}: "
                       f"{a.reply}{stage}{note}")
        if fate.bounce is not None:
            b = fate.bounce
            to = b.recipients[0] if b.recipients else "?"
            out.append(f"    DSN from <> to {to}: {b.status.get(to, '?')}")
    return "\n".join(out)


def network_text(net: MailNetwork) -> str:
    """Hosts, MX records and mailboxes of a network, as text."""
    out = ["Hosts:"]
    for h in net.hosts:
        state = "" if h.state == "up" else f"  [{h.state}]"
        out.append(f"  {h.role:<4} {h.name:<20} {h.about}{state}")
    out.append("MX records (stub DNS):")
    out += ["  " + line for line in net.dns.zone_text("MX").splitlines()]
    out.append("Mailboxes: " + ", ".join(net.users))
    return "\n".join(out)


def network_html(net: MailNetwork) -> str:
    """The whole network: the sending side, then each recipient domain with its MX records."""
    by_domain: dict[str, list[Host]] = {}
    for h in net.hosts:
        by_domain.setdefault(h.domain, []).append(h)
    cols = []
    for domain in net.dns.domains + [d for d in by_domain if d not in net.dns.domains]:
        hosts = by_domain.get(domain, [])
        recs = net.dns.records(domain)
        mx = "".join(
            f'<div style="{_MONO}font-size:12px">MX {r.preference} {escape(r.exchange)}'
            f'{" (null MX: accepts no mail)" if r.is_null else ""}</div>' for r in recs
        ) or f'<div style="{_MUTED}font-size:12px">no MX record</div>'
        nodes = "".join(_host_card(h) for h in hosts)
        users = [u for u in net.users if u.rpartition("@")[2] == domain]
        people = (f'<div style="{_MUTED}font-size:11px;margin-top:4px">mailboxes: '
                  f'{escape(", ".join(users))}</div>') if users else ""
        cols.append(f'<div style="{_BOX}padding:6px;min-width:170px">'
                    f'<div style="font-weight:bold">{escape(domain)}</div>{mx}{nodes}{people}</div>')
    legend = (f'<div style="{_MUTED}font-size:11px;margin-top:4px">All servers listen on 127.0.0.1; '
              f"names are labels in a stub DNS — nothing leaves this machine.</div>")
    return (f'<div class="smtpl-network" style="{_FONT}{_FG}"><div style="display:flex;gap:8px;'
            f'flex-wrap:wrap;align-items:flex-start">{"".join(cols)}</div>{legend}</div>')


def _host_card(h: Host) -> str:
    down = h.state != "up"
    st = style_for(5) if down else None
    border = f"border:1px dashed {st.border};" if st else ""
    state = (f' <span style="color:{st.fg};background:{st.bg};padding:0 4px">✗ {escape(h.state)}</span>'
             if st else "")
    return (f'<div style="{_BOX}{border}padding:3px 6px;margin-top:4px">'
            f'<b>{escape(h.role)}</b> '
            f'<span style="{_MONO}">{escape(h.name)}</span>{state}'
            f'<div style="{_MUTED}font-size:11px">{escape(h.about)}</div></div>')
