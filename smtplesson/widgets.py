"""Interactive widgets (ipywidgets 8): the code explorer, the code map, the transcript viewer.

A thin view: the widgets only read the learner's input, call the model
(``codes.lookup``, ``explanation.explain``, ``demos.demo``) and show HTML from
``smtplesson.views``. They never raise into the notebook: any problem becomes
a short message inside the widget.

Objects stay inspectable for tests: ``ex = explorer()`` has ``ex.query`` (Text),
``ex.card`` (HTML), ``ex.matches`` (box of match buttons), ``ex.filters`` (box of
class toggles, also ``ex.filter_buttons[5]``), ``ex.live_button`` and
``ex.live_output`` (HTML); for whole bounce mails ``ex.mail`` (Textarea), ``ex.upload``
(FileUpload of an .eml), ``ex.bounce_card`` (HTML) and ``ex.bounce`` (the last Bounce read).
"""
from __future__ import annotations

import functools
import re
import sys
import unicodedata
from collections.abc import Callable
from typing import Any

import ipywidgets as W

from .views import bounce as bounceview
from .views import card as cards
from .views import codemap as mapview
from .views.palette import CLASS_STYLE, style_for

MAX_TEXT = 5000  # characters of pasted text that are read
MATCH_SLOTS = 8  # most "other matches" shown
KEEP_CONTROL = "\t\n\r"
MAX_MAIL = 2 * 1024 * 1024  # bytes of an uploaded or pasted mail that are read (as read_bounce does)
_MAIL_START = re.compile(r"(?:From [^\n]*\n)?[!-9;-~]{1,76}:[ \t]")  # a header line starts a mail


def clean(text: str) -> tuple[str, int]:
    """Drop control characters and lone surrogates; return the text and how many were dropped."""
    kept = [ch for ch in text if ch in KEEP_CONTROL or unicodedata.category(ch) not in ("Cc", "Cs")]
    return "".join(kept), len(text) - len(kept)


def _safe(where: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator for widget callbacks: an exception becomes a message in the card, not a traceback."""

    def wrap(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def run(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except Exception as exc:
                self._show_problem(where, exc)
                return None

        return run

    return wrap


def _entry_label(entry: Any) -> str:
    return str(entry.code)


def _entry_class(entry: Any) -> set[int]:
    """Reply classes an entry belongs to (an enhanced code: those of the basic codes it travels with)."""
    if isinstance(entry.code, int):
        return {entry.code // 100}
    return {code // 100 for code in getattr(entry, "basic_codes", ())} or set(CLASS_STYLE)


def _paint(button: W.Button, code: int | str, title: str) -> None:
    """Class colours, symbol and a tooltip that names the class (never colour alone)."""
    style = style_for(code)
    known = style.digit in CLASS_STYLE  # "X.1.1" has no class: no symbol, a neutral label
    label = style.label if known else "enhanced status code, any class"
    with button.hold_sync():
        button.description = f"{style.symbol if known else ''} {code} {title}".strip()
        button.tooltip = f"{code} · {label} · {title}".strip(" ·")
        button.style.button_color = style.bg
        button.style.text_color = style.fg
        button.layout.border = f"1px solid {style.border}"


class Explorer(W.VBox):
    """Type a code, an enhanced code, words, or paste a bounce line; see the card update."""

    def __init__(self, value: str = "") -> None:
        self.query = W.Text(
            value="",
            placeholder="552, 5.2.2, greylisting, or paste a bounce line",
            continuous_update=True,
            description="Look up",
            layout=W.Layout(width="min(40em, 100%)"),
        )
        self.query.add_class("smtpl-query")
        self.filter_buttons: dict[int, W.ToggleButton] = {
            digit: self._filter_button(digit) for digit in sorted(CLASS_STYLE)
        }
        self.filters = W.HBox(list(self.filter_buttons.values()), layout=W.Layout(flex_flow="row wrap"))
        self.filters.add_class("smtpl-filters")
        self.card = W.HTML(cards.prompt_card())
        self.card.add_class("smtpl-card-widget")
        self._slots = [self._match_button(i) for i in range(MATCH_SLOTS)]
        self.matches = W.HBox([], layout=W.Layout(flex_flow="row wrap"))
        self.matches.add_class("smtpl-matches")
        self._matches_label = W.HTML("<b>Other matches:</b>", layout=W.Layout(display="none"))
        self.live_button = W.Button(description="Show me live", icon="play", disabled=True,
                                    tooltip="Run a real SMTP conversation with a local debug server",
                                    layout=W.Layout(width="auto", align_self="flex-start"))
        self.live_button.add_class("smtpl-live")
        self.live_output = W.HTML("")
        self.live_output.add_class("smtpl-live-output")
        self.mail = W.Textarea(
            value="", rows=4, continuous_update=True, description="Bounce",
            placeholder="…or paste a whole bounce mail here: its headers, a blank line, its body",
            layout=W.Layout(width="min(40em, 100%)"))
        self.mail.add_class("smtpl-mail")
        self.upload = W.FileUpload(accept=".eml,message/rfc822", multiple=False, description="Open .eml",
                                   tooltip="Read a saved bounce mail (.eml)")
        self.upload.add_class("smtpl-upload")
        self.bounce_card = W.HTML("")
        self.bounce_card.add_class("smtpl-bounce-widget")
        self.bounce: Any = None  # the last Bounce read
        self.results: list[Any] = []
        self.current: Any = None  # the entry or Explanation on the card
        self.live_code: int | None = None
        super().__init__([
            W.HBox([self.query, self.filters], layout=W.Layout(flex_flow="row wrap", align_items="center")),
            self.card,
            W.VBox([self._matches_label, self.matches]),
            self.live_button,
            self.live_output,
            W.HBox([self.mail, self.upload], layout=W.Layout(flex_flow="row wrap", align_items="flex-start")),
            self.bounce_card,
        ])
        self.add_class("smtpl-explorer")
        self.query.observe(self._on_query, "value")
        self.query.on_msg(self._on_query_msg)
        for button in self.filter_buttons.values():
            button.observe(self._on_filter, "value")
        self.live_button.on_click(self._on_live)
        self.mail.observe(self._on_mail, "value")
        self.upload.observe(self._on_upload, "value")
        if value:
            self.query.value = value

    # ------------------------------------------------------------------ construction

    def _filter_button(self, digit: int) -> W.ToggleButton:
        style = CLASS_STYLE[digit]
        button = W.ToggleButton(
            value=True, description=f"{style.symbol} {style.short}", icon="check",
            tooltip=f"Show {style.short} codes ({style.label}, outcome: {style.outcome})",
            layout=W.Layout(width="auto"),
        )
        button.add_class("smtpl-filter")
        return button

    def _match_button(self, slot: int) -> W.Button:
        button = W.Button(layout=W.Layout(width="auto", max_width="26em"))
        button.add_class("smtpl-match")
        button.on_click(lambda _b, slot=slot: self._on_match(slot))
        return button

    def __repr__(self) -> str:
        shown = getattr(self.current, "code", None)
        return f"Explorer(query={self.query.value[:40]!r}, showing={shown!r})"

    # ------------------------------------------------------------------ public

    @property
    def selected_classes(self) -> set[int]:
        """Reply classes (2, 3, 4, 5) whose filter is on."""
        return {digit for digit, button in self.filter_buttons.items() if button.value}

    def show(self, text: str) -> None:
        """Look up or explain ``text`` and update the card (what typing does)."""
        self._update(text)

    def show_bounce(self, source: Any, name: str = "") -> None:
        """Read a whole mail (text, bytes, a path ...) as a bounce; its recipients as cards."""
        self._read_bounce(source, name)

    def select(self, entry: Any) -> None:
        """Show one entry (ReplyCode or EnhancedCode) on the card; the others stay listed."""
        self.current = entry
        self.card.value = cards.entry_card(entry, self.query.value)
        self._list_matches([e for e in self.results if e is not entry])
        self._set_live(self._live_code_of(entry))

    # ------------------------------------------------------------------ callbacks

    def _on_query(self, change: dict[str, Any]) -> None:
        self._update(change["new"])

    def _on_filter(self, change: dict[str, Any]) -> None:
        change["owner"].icon = "check" if change["new"] else ""
        self._update(self.query.value)

    def _on_query_msg(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        if content.get("event") == "submit" and not self.live_button.disabled:
            self._on_live(self.live_button)

    def _on_mail(self, change: dict[str, Any]) -> None:
        self._read_bounce(change["new"])

    @_safe("reading that file")
    def _on_upload(self, change: dict[str, Any]) -> None:
        files = change["new"] or ()
        if files:
            upload = files[0]
            self._read_bounce(bytes(upload["content"])[:MAX_MAIL], str(upload.get("name", "")))

    @_safe("reading that mail")
    def _read_bounce(self, source: Any, name: str = "") -> None:
        from .bounces import read_bounce

        if isinstance(source, str) and not source.strip():
            self.bounce, self.bounce_card.value = None, ""
            return
        if isinstance(source, str):
            source = source[:MAX_MAIL]
        self.bounce = read_bounce(source)
        html = bounceview.bounce_html(self.bounce)
        if name:
            html = cards.message_card(f"Read {name}") + html
        self.bounce_card.value = html

    @_safe("showing that match")
    def _on_match(self, slot: int) -> None:
        entry = getattr(self._slots[slot], "_entry", None)
        if entry is not None:
            self.select(entry)

    @_safe("running the live demo")
    def _on_live(self, _button: Any) -> None:
        code = self.live_code
        if code is None:
            return
        if sys.platform == "emscripten":  # JupyterLite: Python in the browser has no sockets or threads
            self.live_output.value = cards.message_card(
                f"{code} cannot be shown live in the browser",
                "A live demo runs a real SMTP server on a loopback socket: open the course in "
                "JupyterLab (make lab) or on the hub.")
            return
        from .server.demos import DemoUnavailable, demo

        self.live_button.disabled = True
        self.live_output.value = cards.message_card(f"Running a real SMTP conversation that answers {code}…")
        try:
            transcript = demo(code)
        except DemoUnavailable as exc:
            self.live_output.value = cards.message_card(f"{code} cannot be shown live", str(exc))
        except Exception as exc:
            self.live_output.value = cards.message_card(
                f"The live demo of {code} did not work", f"{type(exc).__name__}: {exc}", kind="warn")
        else:
            self.live_output.value = transcript._repr_html_()
        finally:
            self.live_button.disabled = self.live_code is None

    # ------------------------------------------------------------------ the update

    @_safe("looking that up")
    def _update(self, raw: str) -> None:
        text, removed = clean(raw or "")
        notes = []
        if removed:
            notes.append(f"{removed} control or unreadable character{'s' if removed != 1 else ''} ignored.")
        if len(text) > MAX_TEXT:
            notes.append(f"That is {len(text):,} characters; I read the first {MAX_TEXT:,}. "
                         "Paste just the line with the reply code for a sharper answer.")
            text = text[:MAX_TEXT]
        text = text.strip()
        self.current, self.results = None, []
        if "\n" in text and _MAIL_START.match(text):  # a whole mail typed in (or set by code)
            self._read_bounce(raw)
            self._show_card(cards.message_card(
                "That is a whole mail", "It is read as a bounce: its recipients are shown below."), notes)
            return
        if not text:
            self._show_card(cards.prompt_card() if not removed else cards.message_card(
                "Only control or unreadable characters there",
                "Type a code, a few words or paste a bounce line."))
            return
        if len(text.split()) > 1:
            explanation = self._explain(text)
            if explanation is not None and explanation.found:
                self._show_explanation(explanation, notes)
                return
        self._show_lookup(text, notes)

    def _explain(self, text: str) -> Any:
        from .codes.explanation import explain

        return explain(text)

    def _show_lookup(self, text: str, notes: list[str]) -> None:
        from .codes.search import lookup

        found = lookup(text)
        allowed = self.selected_classes
        self.results = [e for e in found if _entry_class(e) & allowed]
        if not self.results:
            self._show_card(cards.no_match_card(text, hidden=len(found)), notes)
            return
        self.current = self.results[0]
        self._show_card(cards.entry_card(self.current, text), notes,
                        matches=self.results[1:], live=self._live_code_of(self.current))

    def _show_explanation(self, explanation: Any, notes: list[str]) -> None:
        from .codes.registry import BASIC_CODES
        from .codes.search import lookup

        related: list[Any] = []
        for code in (explanation.code, explanation.enhanced):
            if code:
                related += [e for e in lookup(str(code)) if e not in related]
        self.results = related
        self.current = explanation
        basic = BASIC_CODES.get(explanation.code) if explanation.code else None
        self._show_card(cards.explanation_card(explanation, basic), notes,
                        matches=[e for e in related if e is not basic], live=explanation.code)

    def _show_card(self, html: str, notes: list[str] | None = None, *,
                   matches: list[Any] | None = None, live: int | None = None) -> None:
        if notes:
            html = cards.message_card(" ".join(notes), kind="warn") + html
        self.card.value = html
        self._list_matches(matches or [])
        self._set_live(live)

    def _list_matches(self, entries: list[Any]) -> None:
        shown = entries[:MATCH_SLOTS]
        for slot, entry in zip(self._slots, shown, strict=False):  # fewer matches than slots
            slot._entry = entry
            _paint(slot, _entry_label(entry), entry.title)
        children = tuple(self._slots[: len(shown)])
        if self.matches.children != children:
            self.matches.children = children
        self._matches_label.layout.display = "" if shown else "none"

    def _live_code_of(self, entry: Any) -> int | None:
        from .codes.registry import BASIC_CODES

        if isinstance(getattr(entry, "code", None), int):
            return entry.code
        for other in self.results:  # an enhanced code: the basic code lookup ranked first
            if isinstance(getattr(other, "code", None), int):
                return other.code
        for code in getattr(entry, "basic_codes", ()):
            if code in BASIC_CODES:
                return code
        return None

    def _set_live(self, code: int | None) -> None:
        if code != self.live_code:
            self.live_output.value = ""
        self.live_code = code
        with self.live_button.hold_sync():
            self.live_button.disabled = code is None
            self.live_button.description = f"Show me {code} live" if code else "Show me live"

    def _show_problem(self, where: str, exc: BaseException) -> None:
        message = cards.message_card(
            f"Sorry — something went wrong while {where}",
            f"{type(exc).__name__}: {exc}. Try different input; if it keeps happening, tell the course team.",
            kind="warn",
        )
        try:
            if where.startswith("reading"):
                self.bounce_card.value = message
                return
            self.card.value = message
        except Exception:
            pass


def explorer(value: str = "") -> Explorer:
    """The code explorer: type 552, 5.2.2, words, or paste a bounce line; paste or open a
    whole bounce mail to see its recipients."""
    return Explorer(value)


# --------------------------------------------------------------------------- code map


class CodeMap(W.VBox):
    """Every basic reply code in a grid: rows are classes, columns the second digit.

    Clicking a code shows it in ``self.explorer`` (embedded below the map unless
    an explorer was passed in).
    """

    def __init__(self, explorer: Explorer | None = None) -> None:
        from .codes.registry import BASIC_CODES, STRUCTURE

        embed = explorer is None
        self.explorer = explorer if explorer is not None else Explorer()
        self.buttons: dict[int, W.Button] = {}
        cells = mapview.grid(BASIC_CODES)
        cols = mapview.columns(STRUCTURE, cells)
        children: list[W.Widget] = [W.HTML("")]
        children += [W.HTML(mapview.column_header(d, STRUCTURE)) for d in cols]
        for first in sorted(CLASS_STYLE):
            children.append(W.HTML(mapview.row_header(first)))
            for second in cols:
                buttons = [self._button(code, BASIC_CODES[code].title)
                           for code in cells.get((first, second), [])]
                children.append(W.VBox(buttons, layout=W.Layout(align_items="stretch")))
        self.grid = W.GridBox(children, layout=W.Layout(
            grid_template_columns=f"minmax(8em, auto) repeat({len(cols)}, minmax(5.5em, 1fr))",
            grid_gap="4px 6px", max_width="64em"))
        self.grid.add_class("smtpl-codemap")
        hint = W.HTML(cards.message_card(
            "Click a code to open it in the explorer",
            "Rows: the first digit (class). Columns: the second digit (what the reply is about)."))
        super().__init__([hint, self.grid] + ([self.explorer] if embed else []))
        self.add_class("smtpl-codemap-widget")

    def __repr__(self) -> str:
        return f"CodeMap({len(self.buttons)} codes)"

    def _button(self, code: int, title: str) -> W.Button:
        button = W.Button(layout=W.Layout(width="auto"))
        _paint(button, code, "")
        button.tooltip = f"{code} {title} · {style_for(code).label}"
        button.add_class("smtpl-map-code")
        button.on_click(lambda _b, code=code: self.open_code(code))
        self.buttons[code] = button
        return button

    def open_code(self, code: int) -> None:
        """Show ``code`` in the explorer (what a click does)."""
        try:
            self.explorer.query.value = str(code)
        except Exception as exc:
            self.explorer._show_problem(f"opening {code}", exc)


def code_map(explorer: Explorer | None = None) -> CodeMap:
    """Every basic reply code as a clickable grid; clicking opens it in an explorer."""
    return CodeMap(explorer)


# --------------------------------------------------------------------------- transcript viewer


def transcript_viewer(transcript: Any) -> W.Widget:
    """The sequence-diagram view of a Transcript, with a step slider."""
    return TranscriptViewer(transcript)


class TranscriptViewer(W.VBox):
    """A Transcript as a sequence diagram; the slider shows the first N lines."""

    def __init__(self, transcript: Any) -> None:
        self.transcript = transcript
        total = len(getattr(transcript, "lines", ()))
        self.step = W.IntSlider(value=total, min=min(1, total), max=max(total, 1), description="Lines",
                                continuous_update=True, disabled=total <= 1)
        self.step.add_class("smtpl-step")
        self.picture = W.HTML("")
        self.picture.add_class("smtpl-transcript-view")
        super().__init__([self.step, self.picture])
        self.add_class("smtpl-transcript-viewer")
        self.step.observe(lambda _c: self._render(), "value")
        self._render()

    def __repr__(self) -> str:
        return f"TranscriptViewer({self.step.value} of {self.step.max} lines)"

    def _render(self) -> None:
        try:
            self.picture.value = _transcript_html(self.transcript, self.step.value)
        except Exception as exc:
            self.picture.value = cards.message_card(
                "This transcript cannot be shown", f"{type(exc).__name__}: {exc}", kind="warn")


def _transcript_html(transcript: Any, upto: int) -> str:
    """The transcript picture up to line ``upto`` (drawing is the Transcript's own _repr_html_)."""
    lines = tuple(transcript.lines)
    if 0 < upto < len(lines):
        from .server.transcript import Transcript

        transcript = Transcript(lines[:upto], server=transcript.server, peer=transcript.peer,
                                number=getattr(transcript, "number", 0))
    return str(transcript._repr_html_())
