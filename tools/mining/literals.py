"""The literal syntax every reply miner reads: quoted strings, a reply written as one string, and
the cleaning of a literal into reply text (tools/mining/mine.py, verdicts.py)."""
from __future__ import annotations

import re

STR = r'"((?:[^"\\\n]|\\.)*)"'
SQ = r"'((?:[^'\\\n]|\\.)*)'"
BT = r"`((?:[^`\\]|\\.)*)`"
ANY = f"(?:{SQ}|{STR}|{BT})"
REPLY = re.compile(
    r"^(?:US)?\s*([245][0-9][0-9])([ -])(?:([245]\.[0-9]{1,3}\.[0-9]{1,3})\s+)?(\S.{3,})$", re.S)
ESCAPES = re.compile(r"\\(?:r\\n|\\n|r|n|t)")

Found = tuple[int, "int | None", "str | None", str]  # (line, code, enhanced, text)


def clean(text: str) -> str:
    """A literal as the reply reads: escapes undone, white space folded."""
    text = ESCAPES.sub(" ", text).replace('\\"', '"').replace("\\'", "'").replace("\\\\", "\\")
    return " ".join(text.split()).strip()


def first(*groups: str | None) -> str:
    """The first regex group that matched (alternatives each capture the text)."""
    return next((g for g in groups if g is not None), "")
