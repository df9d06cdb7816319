"""A recipient's status and the explanation of its reply: one home for every reader.

A report's ``Status`` field is kept as written (``raw_status``); what the reader shows as the
status comes from :func:`settle_status`, which says where it came from
(``model.STATUS_SOURCES``).  When only a basic reply code is given, the status is inferred
from the cause the reply's words name (``data/statuses.json``: the RFC 3463 code of each
cause) and marked ``inferred``.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from .._data import load
from ..codes.explanation import Explanation, explain

__all__ = ["INFERRED", "Explained", "Explaining", "agrees", "explain_reply", "gave_up", "settle_status"]


def explain_reply(diagnostic: str, status: str | None,
                  explaining: Callable[[str], Explanation] = explain) -> Explanation:
    """The explanation of a reply (bounded), else of the status a report gives for it
    (``explaining``: :func:`~smtplesson.codes.explain`, or a caller's store of its answers)."""
    text = diagnostic[:2000]
    if status and _DIGIT.search(text) is None:  # explain(text) would find no reply: its words, the
        return explaining(f"Status: {status} {text}".strip())  # dearest part of explain, are not read twice
    exp = explaining(text) if text else None
    if exp is not None and exp.found:
        return exp
    if status:
        return explaining(f"Status: {status} {text}".strip())
    return exp or explaining("")


#: explain_reply, or the answers it gave within one mail
Explaining = Callable[[str, "str | None"], Explanation]


class Explained(dict[tuple[str, "str | None"], Explanation]):
    """:func:`explain_reply`'s answers for one mail, by (reply, status), and ``explain``'s
    by text (:meth:`text`: the readers explain a text again with a status, the generic reader
    before them): kept while the mail is read (a report lists many recipients refused with the
    same reply), then dropped."""

    def __init__(self) -> None:
        super().__init__()
        self._texts: dict[str, Explanation] = {}

    def __call__(self, diagnostic: str, status: str | None) -> Explanation:
        exp = self.get((diagnostic, status))
        if exp is None:
            exp = self[diagnostic, status] = explain_reply(diagnostic, status, self.text)
        return exp

    def text(self, text: str) -> Explanation:
        """``explain(text)``."""
        exp = self._texts.get(text)
        if exp is None:
            exp = self._texts[text] = explain(text)
        return exp


_DIGIT = re.compile(r"\d")

#: category -> the enhanced subject.detail that names it (RFC 3463 and its extensions)
INFERRED: dict[str, str] = {category: entry["detail"] for category, entry in
                             load("bounces", "statuses.json")["by_category"].items()}


#: category -> (words, subject.detail): a finer code where the words name one check
_BY_WORDS: dict[str, list[list[str]]] = {category: entries for category, entries in
                                         load("bounces", "statuses.json")["by_words"].items()
                                         if not category.startswith("_")}


def settle_status(field: str | None, exp: Explanation, failed: bool = False) -> tuple[str | None, str | None]:
    """A recipient's status and where it comes from (model.STATUS_SOURCES).

    The report's Status field, unless it gives only the class (Exim, OpenSMTPD ``5.0.0``), only
    that the message expired (``X.4.7``), or the reply's own code in another class (Haraka writes
    ``5.7.1`` when it gives up on ``451 4.7.1``: Action says it failed, the receiver's code says
    what it was) and the reply that decided it has an enhanced code: then that code (the field
    stays in ``raw_status``).  Without either: inferred,
    ``5.4.7`` when a report failed a message on a temporary reply (it expired), else from the
    reply's words or code (``550 User unknown`` -> ``5.1.1``); else the class of the basic code
    (``5.0.0``).  ``failed``: the bounce says the message failed, so words without any code (a
    Domino or carrier bounce) give a permanent status inferred from them (RFC 3464 §2.3.3)."""
    precise = exp.enhanced if exp.enhanced and not exp.enhanced.endswith(".0.0") else None
    summary = field is not None and (
        field.endswith(".0.0") or field[1:] == ".4.7" or _reclassed(field, precise))
    if precise and (field is None or summary):
        return precise, "reply"  # the last reply says more than a class or an expiry does
    if field and not field.endswith(".0.0"):
        return field, "field"
    if field and field.endswith(".0.0") and field[0] == "5" and exp.code is not None and exp.code // 100 == 4:
        return "5.4.7", "inferred"  # failed on a temporary reply: delivery time expired (RFC 3463 X.4.7)
    digit = field[0] if field else (str(exp.code)[0] if exp.code is not None else "")
    worded = exp.code is None and not exp.enhanced and failed and not field
    if worded:
        digit = "5"
    detail = INFERRED.get(exp.category) if (exp.code is not None or worded) and digit in ("4", "5") else None
    if detail is not None and exp.category in _BY_WORDS:
        low = exp.text.lower()
        named = {entry[1] for entry in _BY_WORDS[exp.category] if entry[0] in low}
        detail = named.pop() if len(named) == 1 else detail
    if detail is not None:
        return f"{digit}.{detail}", "inferred"
    if field:
        return field, "field"
    if exp.enhanced:
        return exp.enhanced, "reply"
    if exp.code is not None and digit in ("2", "4", "5"):
        return f"{digit}.0.0", "class"
    return None, None


def gave_up(exp: Explanation, field: str | None) -> Explanation:
    """The explanation of a recipient its report says *failed* though the last reply was temporary
    (a 4xx code, else a ``4.x.x`` Status: Postfix, Courier and Sendmail report the last reply of a
    message whose queue lifetime ran out): the sending queue gave up, ``expired`` (soft), whatever
    that reply's cause was (shared/taxonomy-v2.md; RFC 3463 X.4.7); the reply's own explanation is
    kept in the summary.  Any other explanation is returned as it is."""
    transient = exp.code // 100 == 4 if exp.code is not None else field is not None and field[:1] == "4"
    if not transient or exp.category == "expired":
        return exp
    return replace(exp, category="expired", bounce_type="soft", summary=(
        f"{exp.summary} The sending server then gave up: the message's time in its queue ran out "
        "(RFC 3463 X.4.7)."))


def agrees(enhanced: str | None, field: str | None) -> bool:
    """True when a reply's enhanced code can be the one a Status field summarises: the same, a
    field that gives only the class (``5.0.0``), an expiry (``X.4.7``: the last reply is the
    temporary one that kept the message waiting), or the same code in the other class."""
    return enhanced is None or field is None or enhanced == field or field[1:] == ".4.7" or (
        field.endswith(".0.0") and enhanced[0] == field[0]) or _reclassed(field, enhanced)


def _reclassed(field: str, enhanced: str | None) -> bool:
    """The field restates the reply's enhanced code with the other failure class (4 <-> 5)."""
    return enhanced is not None and enhanced[0] in "45" and field[0] in "45" and enhanced[0] != field[0] \
        and enhanced[1:] == field[1:]
