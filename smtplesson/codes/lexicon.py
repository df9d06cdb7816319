"""Cause cues in many languages: what a reply's words say when no rule knows them.

``codes/data/lexicon.json`` holds, per language and per cause category
(shared/taxonomy-v2.md), phrases with weights: "postfach ist voll" and "почтовый ящик
переполнен" are ``mailbox-full``, "黑名单" is ``reputation``.  :func:`score` finds every cue in
a text in one pass of the regex engine, drops a cue that a negation of its language
precedes ("not in our block list"), adds the evidence of the command the reply answered (a
RCPT refusal is more likely about the recipient) and of the enhanced code's subject digit
(RFC 3463 §3), and returns the best category with its confidence.  The explainer consults
it below the provider rules and the explicit status codes, in place of the class-only
fall-through.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .._data import load
from .phrases import trie

__all__ = ["COMPOUND_HEAD", "LANGUAGES", "OVERRULE", "THRESHOLD", "Verdict", "ascii_cues", "may_find",
           "score", "unsure"]

_DATA: dict[str, Any] = load("codes", "lexicon.json")
#: the languages the lexicon has cues for
LANGUAGES: tuple[str, ...] = tuple(_DATA["cues"])
#: the summed weight at which the words alone may name a cause
THRESHOLD: float = _DATA["threshold"]
_MARGIN: float = _DATA["margin"]
_COMMANDS: Mapping[str, Mapping[str, float]] = _DATA["commands"]
_SUBJECTS: Mapping[str, Mapping[str, float]] = _DATA["subjects"]
#: category the codes or a catch-all keyword gave -> the categories a strong cue may put in its place
OVERRULE: Mapping[str, frozenset[str]] = {
    category: frozenset(targets) for category, targets in _DATA["overrule"].items() if category[0] != "_"}
_STRONG = 3.0  # a cue of this weight names its cause alone
_NEGATION_WINDOW = 10  # characters before a cue searched for a negation word
# ... within the cue's own clause: "Acción no realizada: buzón lleno" (RFC 5321's "not taken:
# <reason>" in every language) does not negate the reason
_CLAUSE = re.compile(r"[:;,.!?()\[\]]")
# the AUTH and STARTTLS verbs named as words ("Syntax: AUTH mechanism", "send AUTH command
# first"): the reply is about that exchange (RFC 4954, RFC 3207), a cue of weight 3; not where
# the reply says it does not know the verb (protocol syntax)
_NAMED_VERBS = {"auth": "authentication", "starttls": "tls"}
_NAMED_VERB = re.compile(r"(?<![\w-])(?:auth|starttls)(?![\w-])")
_UNKNOWN_VERB = re.compile(r"not recogni[sz]ed|unrecogni[sz]ed|unknown command|not implemented")
# a usage reply names the command it answers: "501 5.5.4 Syntax: STARTTLS" (Postfix, sendmail)
_USAGE = re.compile(r"\bsyntax: ([a-z]+)")
# Han, kana, Hangul: no spaces between words (or particles glued to them): cues may start anywhere
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]")
# a space between kana or Han characters is typesetting (Microsoft's Japanese writes "メール ボックス"),
# not a word break: dropped from texts and cues alike (Hangul keeps its spaces: Korean has words)
_KANA_HAN = r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]"
_CJK_SPACE = re.compile(rf"(?<={_KANA_HAN}) (?={_KANA_HAN})")
# non-ASCII text is read in NFKC form (full-width "ＩＰ" and "：" of CJK text, half-width kana)
# with every hyphen a plain "-" (Microsoft writes "E\u2011Mail" with a non-breaking hyphen) and
# soft hyphens dropped; cues are read the same way
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u00ad": None})


# Japanese writes the potential "can" in kana or in kanji ("送信できません" / "送信出来ません"):
# Japanese text (it has kana) reads both as kana, cues alike; Chinese, where 出来 is "come out",
# is left as written
_KANA = re.compile(r"[\u3040-\u30ff]")


def _normal(low: str) -> str:
    if low.isascii():
        return low
    text = unicodedata.normalize("NFKC", low).translate(_DASHES)
    return text.replace("出来", "でき") if "出来" in text and _KANA.search(text) else text


@dataclass(frozen=True)
class Verdict:
    """What the words say: the category, how strongly, and the cues that said it."""

    category: str
    score: float  # the summed weights of the winning category
    confidence: float  # its share of all the evidence found, 0..1
    cues: tuple[str, ...]
    strong: bool = False  # one of its cues alone names the cause (weight 3 or more)
    #: every category the words point to, with its summed weight, most weight first
    ranked: tuple[tuple[str, float], ...] = ()

    @property
    def confident(self) -> bool:
        """True when the words alone are enough to name the cause."""
        return self.score >= THRESHOLD and self.confidence >= _MARGIN


def _cue_table() -> dict[str, tuple[dict[str, float], tuple[str, ...]]]:
    """phrase -> ({category: weight}, languages): a phrase shared by several languages ("spam",
    "tls") counts once, with its highest weight."""
    weights: dict[str, dict[str, float]] = {}
    languages: dict[str, list[str]] = {}
    for lang, categories in _DATA["cues"].items():
        for category, phrases in categories.items():
            for phrase, weight in phrases.items():
                phrase = _CJK_SPACE.sub("", _normal(phrase))
                by_category = weights.setdefault(phrase, {})
                by_category[category] = max(by_category.get(category, 0.0), float(weight))
                languages.setdefault(phrase, []).append(lang)
    return {phrase: (weights[phrase], tuple(dict.fromkeys(languages[phrase]))) for phrase in weights}


_KEY = 5  # alphabetic cues are looked up by their first word, cut to this many characters
_CUES = _cue_table()
# a cue with a Han, kana or Hangul character in it ("ip被封", "spf记录") is found anywhere, as CJK text has
# no spaces to start it at
_CJK_CUES = tuple(sorted((p for p in _CUES if _CJK.search(p)), key=len, reverse=True))
# ... tried only where the text holds their first character, in that order (their rank)
_CJK_RANK = {phrase: rank for rank, phrase in enumerate(_CJK_CUES)}
_CJK_BY_FIRST: dict[str, tuple[str, ...]] = {}
for _phrase in _CJK_CUES:
    _CJK_BY_FIRST[_phrase[0]] = (*_CJK_BY_FIRST.get(_phrase[0], ()), _phrase)
_WORD = re.compile(r"(?<![^\W_])[^\W\d_]+")  # a word of letters, not glued to letters or digits
_ASCII_WORD = re.compile(r"(?<![a-z0-9])[a-z]+")  # the same in ASCII text, several times faster


def _key(phrase: str) -> str:
    return _WORD.match(phrase).group()[:_KEY] if _WORD.match(phrase) else phrase[:_KEY]  # type: ignore[union-attr]


_BY_KEY: dict[str, tuple[str, ...]] = {}
for _phrase in sorted((p for p in _CUES if not _CJK.search(p)), key=len, reverse=True):
    _BY_KEY[_key(_phrase)] = (*_BY_KEY.get(_key(_phrase), ()), _phrase)
# German, Dutch and the Nordic languages write compounds as one word ("Empfängerpostfach",
# "Benutzerkonto", "brukerkontoen", "käyttäjätili"): a cue of theirs whose first word has
# _INFIX_MIN letters or more may also start inside a word, after at least _INFIX_HEAD letters
_COMPOUNDING = frozenset(_DATA["compounding"])
_INFIX_MIN = 5
_INFIX_HEAD = 3
#: the letters of a word before a cue that closes it as a compound
COMPOUND_HEAD = _INFIX_HEAD
_INFIX_CUES = tuple(sorted(
    (p for p, (_, langs) in _CUES.items() if not _CJK.search(p) and _COMPOUNDING.intersection(langs)
     and _WORD.match(p) is not None and len(_WORD.match(p).group()) >= _INFIX_MIN),  # type: ignore[union-attr]
    key=len, reverse=True))


@lru_cache(maxsize=1)
def _infix_cues() -> re.Pattern[str]:
    """The cues that may close a compound, in one trie-shaped pattern (compiled when first used)."""
    return re.compile(trie(_INFIX_CUES))


def _in_compound(norm: str, at: int) -> bool:
    """True when position ``at`` of ``norm`` follows _INFIX_HEAD letters of the same word."""
    return at >= _INFIX_HEAD and all(c.isalpha() for c in norm[at - _INFIX_HEAD:at])


# "the domain ... does not exist": a recipient-unknown cue of a language other than English
# whose subject, named in the _SUBJECT_WINDOW characters before it, is the address's domain
# (not after an "@" or a dot: "user@domain.example" names no subject) says the domain is
# unknown, and counts for dns-routing; when a strong sender cue stands there instead ("die
# Domain des Absenders", "domaine de l'expéditeur"), it is the sender that is unknown
# (sender-rejected)
_SUBJECT_WINDOW = 70  # a prose subject ("El dominio de la dirección de correo electrónico ...") is long
_DOMAIN_WORD = re.compile("|".join(
    re.escape(word) if _CJK.search(word) else rf"(?<![\w@.]){re.escape(word)}"
    for words in _DATA["domain_words"].values() for word in words))

# "SMTP-Server %S ist unbekannt": a lone recipient-unknown cue (below _STRONG: it names no subject
# of its own) whose subject, named in the _SUBJECT_WINDOW characters before it with no mailbox word
# or address word between, is a mail server says the host cannot be found: a network fault, not
# the mailbox
_SERVER_WORD = re.compile("|".join(
    rf"(?<![\w@.]){re.escape(word)}" for key, words in _DATA["server_words"].items() if key[0] != "_"
    for word in words))
_ADDRESS_WORD = re.compile("|".join(
    re.escape(word) for key, words in _DATA["address_words"].items() if key[0] != "_" for word in words))

# "die IP-Adresse des sendenden Servers wurde blockiert", "您的IP因发送垃圾邮件被列入黑名单": a
# blocking or spam cue of a language other than English (the recipient's block, a disabled
# account or a spam verdict, when its subject is not named) whose subject, named in the
# _SUBJECT_WINDOW characters before it, is the sender's IP address says the IP is blocked or
# sends spam, and counts for reputation (taxonomy v2: IP block lists are reputation) as strong
# evidence (weight 2) whatever the cue's own weight
_IP_WORD = re.compile("|".join(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])" for word in _DATA["ip_words"]))
_IP_TURNS = {"policy": "reputation", "mailbox-disabled": "reputation", "content": "reputation"}
# ... or named after the cue within its clause, where German, French and Spanish put the source
# ("ungewöhnliche Anzahl unerwünschter E-Mails von Ihrer IP-Adresse", "spam envoyé depuis votre IP")
_IP_AFTER_WINDOW = 40


def _ip_after(norm: str, end: int) -> bool:
    """True when the sender's IP is named in the _IP_AFTER_WINDOW characters after ``end``,
    within the cue's clause."""
    return _IP_WORD.search(_CLAUSE.split(norm[end:end + _IP_AFTER_WINDOW])[0]) is not None


# "si tu IP está en una de estas listas", "l'IP de votre serveur ... sur l'une de ces listes": a
# list word of a language other than English whose subject, named in the _SUBJECT_WINDOW
# characters before it, is the sender's IP says the IP is listed (taxonomy v2: IP block lists
# are reputation), a cue of weight 3, whichever list it names; not a list of allowed senders
# ("IP nicht auf weißer Liste", "nell'elenco degli IP autorizzati": the receiver's policy), an
# allow word standing within _ALLOW_WINDOW characters of it
_LIST_WORD = re.compile("|".join(
    re.escape(word) if _CJK.search(word) else rf"(?<!\w){re.escape(word)}(?!\w)"
    for words in _DATA["list_words"].values() for word in words))
_ALLOW_WORD = re.compile("|".join(map(re.escape, _DATA["allow_words"])))
_ALLOW_WINDOW = 25


def _ip_listed(norm: str) -> str | None:
    """The list word that says the sender's IP is listed, if one does: not where a negation
    stands between the IP and the list in the list's clause ("Ihre IP steht nicht auf der Liste")."""
    for listed in _LIST_WORD.finditer(norm):
        at, end = listed.span()
        ip = _IP_WORD.search(norm, max(0, at - _SUBJECT_WINDOW), at)
        allowed = _ALLOW_WORD.search(norm, max(0, at - _ALLOW_WINDOW), end + _ALLOW_WINDOW)
        if ip is None or allowed is not None:
            continue
        between = _CLAUSE.split(norm[ip.end():at])[-1]
        if not any(negation.search(between) for negation in _NEGATIONS.values()):
            return listed.group()
    return None


# "your mail server sends spam", "this IP address has been flagged for spam": an English spam
# (content) cue whose sentence names the sending machine, and no message, says the spam is the
# sender's, and counts for reputation (lexicon.json "sender_machines", shared/taxonomy-v2.md)
def _words(words: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(rf"(?<![a-z0-9-]){re.escape(w)}(?![a-z0-9-])" for w in words))


_MACHINE = _words(_DATA["sender_machines"]["subjects"])
_MESSAGE = _words(_DATA["sender_machines"]["message_words"])
_BLOCKED = frozenset(_DATA["sender_machines"]["blocked_words"])


def _sentence(norm: str, at: int) -> str:
    """The sentence of ``norm`` that holds position ``at``."""
    start = max((m.end() for m in _SENTENCE_END.finditer(norm, 0, at)), default=0)
    end = _SENTENCE_END.search(norm, at)
    return norm[start:end.start() if end is not None else len(norm)]


def _spam_of_sender(norm: str, at: int) -> bool:
    """True when the sentence of the cue at ``at`` names the sending machine and no message."""
    sentence = _sentence(norm, at)
    return _MACHINE.search(sentence) is not None and _MESSAGE.search(sentence) is None


# "Relaying from 192.0.2.1 denied", "cannot be relayed without authentication": the verb relay
# and a refusal or the missing authentication in one sentence (lexicon.json "relay_refused")
_RELAY = _DATA["relay_refused"]
_RELAY_VERB = re.compile(
    rf"(?<![\w=-])(?:{'|'.join(map(re.escape, _RELAY['verbs']))})(?![\w=-])"
    rf"(?! ?(?:{'|'.join(map(re.escape, _RELAY['nouns']))})(?![\w-]))")
_RELAY_STATE = _words(_RELAY["states"])


def _relay_refused(norm: str) -> str | None:
    """The "verb+state" that says the relaying is refused, if one does."""
    for verb in _RELAY_VERB.finditer(norm):
        state = _RELAY_STATE.search(_sentence(norm, verb.start()))
        if state is not None:
            return f"{verb.group()}+{state.group()}"
    return None


# a cue that names a DNS record or check ("MX", "PTR", "SPF") keeps its cause after a negation:
# "no tiene registro MX", "non ha record PTR" say the record is missing, which is the cause; so
# does one that names space ("non ha spazio su disco", "har ikke nok diskplads": the lack of it)
# or authentication ("unterstützt keine Authentifizierung": the lack of it is the cause)
_NEGATION_KEEPS = frozenset(_DATA["negation_keeps"])

_NEGATIONS = {lang: re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, words))})(?!\w)")
              for lang, words in _DATA["negations"].items()}
# a cue that holds a negation of its own language ("pas autorisé", "non è permesso", "dürfen
# keine") is itself the negated statement: a negation word before it is the other half of the
# same negation (French "ne ... pas": "ne sont pas autorisés"), not one that cancels the cue
_SELF_NEGATED = frozenset(
    phrase for phrase, (_, languages) in _CUES.items()
    if any(lang in _NEGATIONS and _NEGATIONS[lang].search(phrase) for lang in languages))

# "para evitar el envío de SPAM", "pour lutter contre le spam", "为避免受到恶意攻击": a cue in a
# purpose clause (a marker of its language in the _PURPOSE_WINDOW characters before it, within its
# clause) names what a limit or filter is for, not why this mail was refused, and does not count
_PURPOSE_WINDOW = 40
_PURPOSES = {lang: re.compile("|".join(
    re.escape(word) if _CJK.search(word) else rf"(?<!\w){re.escape(word)}(?!\w)" for word in words))
    for lang, words in _DATA["purposes"].items()}

# "Jos sähköpostilaatikon levytila on loppu", "la boîte aux lettres ... espace disque insuffisant":
# a storage cue of a language other than English whose subject, named in the _SUBJECT_WINDOW
# characters before it, is the mailbox says the mailbox is full (taxonomy v2: storage is the
# receiving system's own storage, not the mailbox's)
_MAILBOX_WORD = re.compile("|".join(
    re.escape(word) if _CJK.search(word) else rf"(?<![\w@.]){re.escape(word)}"
    for words in _DATA["mailbox_words"].values() for word in words))

#: a category whose strong cue (or as much evidence) of a language other than English wins over the
#: listed categories' cues: an IP or a server on a block list is the sender's reputation even where
#: the words say it sent spam (English keeps its rules: "Blocked using spam pattern" is content)
_PRECEDENCE: Mapping[str, frozenset[str]] = {
    category: frozenset(over) for category, over in _DATA["precedence"].items() if category[0] != "_"}


# "Verbindung zu %s:%d schlug fehl", "Połączenie z %s przekroczyło czas oczekiwania": a subject
# word (the connection) and a state word (failed, lost, timed out) of a category's pairs within
# _PAIR_WINDOW characters of each other in one sentence name that category together, at the
# threshold's weight, where neither alone says it and no cue names a cause (lexicon.json "pairs")
_PAIR_WINDOW = 40
_SENTENCE_END = re.compile(r"[.!?;\u3002\uff01\uff1f](?:\s|$)")


# a Latin or Cyrillic word starts after anything but a letter or digit of those scripts: Han,
# kana and Hangul, which write no spaces, may stand right before it ("您的IP已被屏蔽")
_WORD_START = r"(?<![^\W\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af])"


def _alternatives(words: list[str]) -> str:
    """The words as one trie-shaped pattern (fast in ``re``): CJK words anywhere, the others
    where a word starts."""
    cjk = [w for w in words if _CJK.search(w)]
    other = [w for w in words if not _CJK.search(w)]
    return "|".join(([trie(cjk)] if cjk else []) + ([_WORD_START + trie(other)] if other else []))


_PAIRS = tuple(
    (category, re.compile(_alternatives([w for subjects, _ in by_lang.values() for w in subjects])),
     re.compile(_alternatives([w for _, states in by_lang.values() for w in states])))
    for category, by_lang in _DATA["pairs"].items() if category[0] != "_")


_ASCII_PAIR_SUBJECTS = tuple(dict.fromkeys(
    word for category, by_lang in _DATA["pairs"].items() if category[0] != "_"
    for subjects, _ in by_lang.values() for word in subjects if word.isascii()))


def _server_unknown(norm: str, start: int, at: int) -> bool:
    """True when a server word stands in norm[start:at] with no mailbox or address word after it."""
    servers = list(_SERVER_WORD.finditer(norm, start, at))
    if not servers:
        return False
    after = servers[-1].end()
    return _MAILBOX_WORD.search(norm, after, at) is None and _ADDRESS_WORD.search(norm, after, at) is None


def _paired(norm: str) -> list[tuple[str, str]]:
    """(category, "subject+state") of each category whose pair stands in ``norm``."""
    found = []
    for category, subjects, states in _PAIRS:
        for subject in subjects.finditer(norm):
            at, end = subject.span()
            near = norm[max(0, at - _PAIR_WINDOW):end + _PAIR_WINDOW]
            cut = at - max(0, at - _PAIR_WINDOW)
            before = _SENTENCE_END.split(near[:cut])[-1]
            after = _SENTENCE_END.split(near[cut + end - at:])[0]
            state = states.search(after) or states.search(before)
            if state is not None:
                # a size exceeded that a mailbox word owns is the mailbox's quota: "Ihr Postfach
                # hat die Grenze von 2 GB überschritten" (mailbox-full), not the message's size
                owner = ("mailbox-full" if category == "message-size" and _MAILBOX_WORD.search(before + after)
                         else category)
                found.append((owner, f"{subject.group()}+{state.group()}"))
                break
    return found


def _found(norm: str) -> list[tuple[int, str]]:
    """(position, cue) of every cue in the normalised text: the longest cue at a word start
    (one that runs past the cue before it counts on its own: "adresse ip d'envoi" holds
    "adresse ip" and "ip d'envoi"; one inside it does not),
    the longest compounding-language cue inside a word (the end of a compound), and CJK cues
    anywhere (longest first; one that runs past a longer one counts on its own, as at a word
    start: "メールボックスの容量" and "容量が上限に達し" both say the mailbox is full, and
    "上限に達し" inside the second is part of it)."""
    hits: list[tuple[int, str]] = []
    end = -1
    for word in (_ASCII_WORD if norm.isascii() else _WORD).finditer(norm):
        at = word.start()
        for phrase in _BY_KEY.get(word.group()[:_KEY], ()):
            if norm.startswith(phrase, at):
                if at + len(phrase) > end:  # a cue inside the last one is part of it
                    hits.append((at, phrase))
                    end = at + len(phrase)
                break
    spans = [(at, at + len(phrase)) for at, phrase in hits]
    closing: list[tuple[int, str]] = []
    for match in _infix_cues().finditer(norm):
        at = match.start()
        if _in_compound(norm, at) and not any(a <= at < b for a, b in spans):
            closing.append((at, match.group()))
            spans.append((at, match.end()))
    if closing:  # a word-start cue inside a compound's cue is part of it
        hits = [(at, phrase) for at, phrase in hits
                if not any(a < at and at + len(phrase) <= a + len(p) for a, p in closing)] + closing
    if not norm.isascii() and _CJK.search(norm):
        taken: list[tuple[int, int]] = []
        tried = [phrase for first in set(norm).intersection(_CJK_BY_FIRST) for phrase in _CJK_BY_FIRST[first]]
        for phrase in sorted(tried, key=_CJK_RANK.__getitem__):
            at = norm.find(phrase)
            if at >= 0 and not any(a <= at and at + len(phrase) <= b for a, b in taken):
                hits.append((at, phrase))
                taken.append((at, at + len(phrase)))
    return hits


_ZERO_CUE = any("0" in phrase for phrase in _CUES)


def ascii_cues() -> tuple[tuple[str, ...], frozenset[str]]:
    """(every ASCII cue of the lexicon and ASCII subject word of its pairs, found where a word
    starts, but one that a shorter of them starts ("relay nur nach" after "relay"): where it
    stands, the shorter stands too, so a quick test needs only that; the keys of the ASCII
    cues that may also close a compound, found inside a word after :data:`COMPOUND_HEAD`
    letters of it: the first _INFIX_MIN letters of each, letters all)."""
    kept: list[str] = []
    # in sorted order a phrase follows the shortest phrase that starts it, with only phrases it
    # starts between them
    for phrase in sorted({p for p in _CUES if p and p.isascii()}.union(_ASCII_PAIR_SUBJECTS)):
        if not kept or not phrase.startswith(kept[-1]):
            kept.append(phrase)
    return tuple(kept), frozenset(phrase[:_INFIX_MIN] for phrase in _INFIX_CUES if phrase.isascii())


@lru_cache(maxsize=1)
def _ascii_cues() -> re.Pattern[str]:
    """Every ASCII cue after a character not in a-z0-9, in one trie-shaped pattern (the
    character is consumed, so the regex engine skips ahead to the few candidates); compiled
    the first time a text is tried, not on import."""
    cues = ascii_cues()[0]
    firsts = "".join(sorted({re.escape(phrase[0]) for phrase in cues}))
    return re.compile(f"[^a-z0-9](?=[{firsts}])(?:{trie(cues)})")


def unsure(low: str) -> bool:
    """True when a search for ASCII cues cannot tell whether :func:`score` finds one in ``low``
    or in ``low`` masked (see :func:`may_find`): non-ASCII text, a cue with a "0" in it, the
    AUTH and STARTTLS verbs."""
    return _ZERO_CUE or not low.isascii() or "auth" in low or "starttls" in low


def may_find(low: str) -> bool:
    """False when :func:`score` finds no cue in ``low`` (lower-case), nor in any text made from
    it by putting one "0" in place of runs that start with a digit or follow no letter (how the
    explainer masks numbers and hex ids): such a text's words are words of ``low`` (the
    character after a "0" starts no word), and a cue without a "0" found there stands in
    ``low`` as it is.  True when unsure: non-ASCII text, a cue with a "0" in it, the AUTH
    and STARTTLS verbs."""
    if unsure(low):
        return True
    norm = " " + " ".join(low.split())
    return _ascii_cues().search(norm) is not None or any(
        _in_compound(norm, match.start()) for match in _infix_cues().finditer(norm))


def score(text: str, command: str | None = None, enhanced: str | None = None) -> Verdict | None:
    """The category the words of ``text`` point to, or None when no cue is found.

    ``command``: the SMTP command the reply answered ("RCPT", "DATA" ...), else the one a
    usage reply names ("Syntax: STARTTLS"); ``enhanced``: the reply's enhanced status code,
    whose subject digit adds evidence.
    """
    low = _normal(text.lower().replace("\u2019", "'"))
    subject = enhanced.split(".")[1] if enhanced and enhanced.count(".") == 2 else None
    if command is None and "syntax: " in low:
        usage = _USAGE.search(low)
        command = usage.group(1).upper() if usage is not None else None
    return _score(low, command, subject)


@lru_cache(maxsize=8192)  # bench/explain.py: log lines repeat their reply texts
def _score(low: str, command: str | None, subject: str | None) -> Verdict | None:
    norm = " ".join(low.split())
    if not norm.isascii():
        norm = _CJK_SPACE.sub("", norm)
    totals: dict[str, float] = {}
    cues: dict[str, list[str]] = {}
    named: set[tuple[str, str]] = set()  # (category, cue) where the cue alone names the cause
    hits = _found(norm)
    for at, phrase in hits:
        weights, languages = _CUES[phrase]
        before = _CLAUSE.split(norm[max(0, at - _NEGATION_WINDOW):at])[-1]
        if (before and phrase not in _SELF_NEGATED and not _NEGATION_KEEPS.issuperset(weights)
                and any(lang in _NEGATIONS and _NEGATIONS[lang].search(before) for lang in languages)):
            continue
        clause = _CLAUSE.split(norm[max(0, at - _PURPOSE_WINDOW):at])[-1]
        if clause and any(lang in _PURPOSES and _PURPOSES[lang].search(clause) for lang in languages):
            continue
        if "mailbox-unknown" in weights and "en" not in languages:
            start = max(0, at - _SUBJECT_WINDOW)
            if any(start <= a < at and _CUES[p][0].get("sender-rejected", 0.0) >= _STRONG for a, p in hits):
                unknown = "sender-rejected"  # "die Domain des Absenders existiert nicht"
            elif _DOMAIN_WORD.search(norm, start, at):
                unknown = "dns-routing"
            elif weights["mailbox-unknown"] < _STRONG and _server_unknown(norm, start, at):
                unknown = "network"
            else:
                unknown = "mailbox-unknown"
            weights = {(unknown if c == "mailbox-unknown" else c): w for c, w in weights.items()}
        elif ("storage" in weights and "en" not in languages
                and _MAILBOX_WORD.search(norm, max(0, at - _SUBJECT_WINDOW), at)):
            weights = {("mailbox-full" if c == "storage" else c): w for c, w in weights.items()}
        elif ("en" not in languages and not _IP_TURNS.keys().isdisjoint(weights)
                and (_IP_WORD.search(norm, max(0, at - _SUBJECT_WINDOW), at)
                     or _ip_after(norm, at + len(phrase)))):
            turned: dict[str, float] = {}
            for category, weight in weights.items():
                if category in _IP_TURNS:
                    category, weight = _IP_TURNS[category], max(weight, 2.0)
                turned[category] = max(turned.get(category, 0.0), weight)
            weights = turned
        elif "content" in weights and "en" in languages and _spam_of_sender(norm, at):
            weights = {("reputation" if c == "content" else c): w for c, w in weights.items()}
        elif phrase in _BLOCKED and "en" in languages and _IP_WORD.search(_sentence(norm, at)):
            weights = {("reputation" if c == "policy" else c): w for c, w in weights.items()}
        for category, weight in weights.items():
            totals[category] = totals.get(category, 0.0) + weight
            cues.setdefault(category, []).append(phrase)
            if weight >= _STRONG:
                named.add((category, phrase))
    if all(total < THRESHOLD for total in totals.values()):  # the cues name no cause yet
        for category, pair in _paired(norm):
            totals[category] = totals.get(category, 0.0) + THRESHOLD
            cues.setdefault(category, []).append(pair)
    listed = _ip_listed(norm) if "ip" in norm and _IP_WORD.search(norm) is not None else None
    if listed is not None:
        totals["reputation"] = totals.get("reputation", 0.0) + _STRONG
        cues.setdefault("reputation", []).append(listed)
        named.add(("reputation", listed))
    relayed = _relay_refused(norm) if "relay" in norm else None
    if relayed is not None:
        totals["relay-denied"] = totals.get("relay-denied", 0.0) + _STRONG
        cues.setdefault("relay-denied", []).append(relayed)
        named.add(("relay-denied", relayed))
    if ("auth" in norm or "starttls" in norm) and not _UNKNOWN_VERB.search(norm):
        for verb in dict.fromkeys(_NAMED_VERB.findall(norm)):
            category = _NAMED_VERBS[verb]
            if verb not in cues.get(category, ()):
                totals[category] = totals.get(category, 0.0) + _STRONG
                cues.setdefault(category, []).append(verb)
    if not totals:
        return None
    for evidence in (_COMMANDS.get(command or ""), _SUBJECTS.get(subject or "")):
        for category, weight in (evidence or {}).items():
            if category in totals:
                totals[category] += weight
    ranked = sorted(totals, key=lambda c: (totals[c], len(cues[c])), reverse=True)
    outweighed: frozenset[str] = frozenset()
    for category in ranked:  # the leader, or a category that takes precedence over it
        over = _PRECEDENCE.get(category, frozenset()) & totals.keys()
        if not over or (category != ranked[0] and ranked[0] not in over):
            continue
        if category == ranked[0] and any(category in _PRECEDENCE.get(c, ()) for c in totals):
            continue  # a category with precedence over the leader decides first (IP over spam)
        own = [phrase for phrase in cues[category] if "en" not in _CUES.get(phrase, ({}, ("en",)))[1]]
        if own and (totals[category] >= max(totals[c] for c in over) or any(
                _CUES[phrase][0].get(category, 0.0) >= _STRONG for phrase in own)):
            ranked.remove(category)
            ranked.insert(0, category)
            outweighed = over
            break
    best = ranked[0]
    strong = any(phrase in _NAMED_VERBS or (best, phrase) in named for phrase in cues[best])
    counted = sum(total for category, total in totals.items() if category not in outweighed)
    return Verdict(best, totals[best], totals[best] / counted, tuple(cues[best]),
                   strong, tuple((c, totals[c]) for c in ranked))
