"""The reply language, pure standard library and no sockets (it also works where nothing
else of the package can, JupyterLite):

- ``syntax``: every pattern that finds a basic or an enhanced code, and the helpers
  ``code_of``, ``is_last_line``, ``enhanced_of``, ``class_of``;
- ``classes``: what the classes 2/3/4/5 (and enhanced 2/4/5) mean, from ``structure.json``;
- ``causes``: what a code alone says of the cause and bounce type (``categories.json``);
- ``registry``: the codes themselves; ``search``: ``lookup`` over them;
- ``reply``: the reply parser; ``locate``: finds a reply in pasted text;
- ``providers``: the one home of what is known about each receiver (``providers.json``);
- ``phrases``: the phrase index the rules scan with; ``explanation``: the judge, ``explain``.

Bounce mails are the next layer up, :mod:`smtplesson.bounces`.

The registry's names and ``lookup`` are re-exported here
(``from smtplesson.codes import lookup, enhanced, BASIC_CODES``).
"""
from __future__ import annotations

from .registry import (
    BASIC_CODES,
    ENHANCED_CODES,
    STRUCTURE,
    EnhancedCode,
    ReplyCode,
    enhanced,
)
from .search import lookup

__all__ = ["BASIC_CODES", "ENHANCED_CODES", "STRUCTURE", "EnhancedCode", "ReplyCode", "enhanced", "lookup"]
