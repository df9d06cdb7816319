"""Rules of your own, tried before the built-in provider rules (issue 19, item 8).

An ESP or an instructor writes rules in the shape of ``codes/data/providers.json`` -- a JSON
object ``{"providers": [{"id", "name", "kind", "source", "markers", "rules"}]}`` -- and passes
the file to ``explain(text, rules=FILE)``, sets ``SMTPLESSON_RULES=FILE``, or gives the command
line ``--rules FILE``.  A rule fits as a built-in one does: one of its ``codes`` is the reply's
(or it has none), its ``text`` regex occurs in the lower-cased reply, and its provider's
``markers`` were seen unless the rule is marked ``alone``.  The first fitting user rule wins
over every built-in rule; the explanation then names its ``source``.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .causes import DATA
from .providers import Provider, ProviderRule, provider_from

__all__ = ["ENVIRONMENT", "UserRules", "default_rules", "load_rules", "user_rules"]

#: the environment variable naming a rules file explain reads by default
ENVIRONMENT = "SMTPLESSON_RULES"
_BOUNCE_TYPES = frozenset(DATA["bounce_types"])
_DEFAULTS = {"kind": "provider", "source": "user rules", "markers": []}


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: explain caches by it
class UserRules:
    """Compiled user rules, in the order they are tried."""

    providers: tuple[Provider, ...]
    origin: str  # the file they came from, or "(given)"
    _markers: tuple[tuple[re.Pattern[str], ...], ...]
    _texts: tuple[tuple[re.Pattern[str] | None, ...], ...]

    def match(self, low: str, code: int | None, enhanced: str | None
              ) -> tuple[Provider | None, ProviderRule | None]:
        """(provider, rule) of the first user rule that fits the lower-cased text, or (None, None)."""
        for provider, markers, texts in zip(self.providers, self._markers, self._texts, strict=True):
            marked = enhanced in provider.own_codes or any(marker.search(low) for marker in markers)
            for rule, text in zip(provider.rules, texts, strict=True):
                if not rule.fits(code, enhanced):
                    continue
                if text is None and marked:
                    return provider, rule
                if text is not None and (marked or rule.alone) and text.search(low):
                    return provider, rule
        return None, None


def load_rules(raw: Mapping[str, Any] | Sequence[Any], origin: str = "(given)") -> UserRules:
    """Check and compile rules given as parsed JSON; a mistake raises ValueError naming it."""
    entries = raw.get("providers") if isinstance(raw, Mapping) else raw
    if not isinstance(entries, Sequence) or isinstance(entries, str):
        raise ValueError(f"rules {origin}: expected {{\"providers\": [...]}}")
    providers, markers, texts = [], [], []
    for n, entry in enumerate(entries):
        where = f"rules {origin}, provider {n}"
        try:
            provider = provider_from({**_DEFAULTS, "name": entry.get("id", ""), **entry})
            markers.append(tuple(re.compile(m) for m in provider.markers))
            texts.append(tuple(re.compile(r.text) if r.text is not None else None for r in provider.rules))
        except (KeyError, TypeError, AttributeError, re.error) as exc:
            raise ValueError(f"{where}: {type(exc).__name__}: {exc}") from None
        for rule in provider.rules:
            if rule.category not in DATA["categories"]:
                raise ValueError(f"{where}: unknown category {rule.category!r}")
            if rule.bounce_type is not None and rule.bounce_type not in _BOUNCE_TYPES:
                raise ValueError(f"{where}: unknown bounce_type {rule.bounce_type!r}")
        providers.append(provider)
    return UserRules(tuple(providers), origin, tuple(markers), tuple(texts))


@lru_cache(maxsize=1)
def default_rules() -> UserRules | None:
    """The rules of the file ``SMTPLESSON_RULES`` names, read the first time explain runs
    without ``rules=`` (``default_rules.cache_clear()`` reads the variable again)."""
    return user_rules(os.environ.get(ENVIRONMENT) or None) if os.environ.get(ENVIRONMENT) else None


def user_rules(rules: Any = None) -> UserRules | None:
    """The rules explain uses: ``rules`` itself, the file it names, its parsed content, or by
    default those of the file ``SMTPLESSON_RULES`` names; None when there are none."""
    if isinstance(rules, UserRules):
        return rules
    if rules is None:
        return default_rules()
    if isinstance(rules, (str, os.PathLike)):
        path = Path(rules)
        try:
            stamp = path.stat().st_mtime_ns
        except OSError as exc:
            raise ValueError(f"rules {path}: {exc.strerror or exc}") from None
        return _from_file(str(path), stamp)
    return load_rules(rules)


@lru_cache(maxsize=16)
def _from_file(path: str, stamp: int) -> UserRules:
    """The rules of a file, read once per modification."""
    try:
        raw = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"rules {path}: {exc}") from None
    return load_rules(raw, path)
