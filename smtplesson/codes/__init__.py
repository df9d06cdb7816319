"""The reply language: registry, reply syntax and classes, parser, explainer, DSNs.

Pure standard library, no sockets: this layer also works where nothing else of
the package can (JupyterLite). ``from smtplesson.codes import enhanced`` keeps
working: the registry's names are re-exported here.
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
