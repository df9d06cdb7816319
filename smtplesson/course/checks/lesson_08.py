"""Lesson 08 · Troubleshooting lab: each mystery's diagnosis, checked against a hashed key.

The key holds one salted sha256 per answer field, and the hints for particular wrong answers are
keyed the same way: no answer can be read here, only recognised when given.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from ._framework import _code_of, _exercise, _Feedback, _need_mapping, _norm

LAB_ACTIONS = ("wait", "suppress the address", "fix the sender", "send the rest later")
COMMANDS = ("CONNECT", "EHLO", "MAIL FROM", "RCPT TO", "DATA", "END-OF-DATA")
_SALT = "smtplesson-lab-2"


def _command(value: Any) -> str:
    text = _norm(value).upper().replace("_", "-")
    return {"MAIL": "MAIL FROM", "RCPT": "RCPT TO", "GREETING": "CONNECT",
            "EOD": "END-OF-DATA", "END OF DATA": "END-OF-DATA"}.get(text, text)


def _digest(mystery: int, key: str, value: str) -> str:
    return hashlib.sha256(f"{_SALT}|{mystery}|{key}|{value}".encode()).hexdigest()


def digests(mystery: int, answer: Mapping[str, Any]) -> dict[str, str]:
    """How an answer is stored in ``_KEY``: one salted sha256 per field (to write a key entry)."""
    return {"code": _digest(mystery, "code", str(_code_of(answer["code"]))),
            "command": _digest(mystery, "command", _command(answer["command"])),
            "action": _digest(mystery, "action", _norm(answer["action"]))}

#: the lab's answer key: a salted sha256 per field, so no answer can be read here
_KEY: dict[int, dict[str, str]] = {
    1: {
        "code": "5dddaf6bbf90f098d6994be1cf07684ec24cb5d7479da1ce281838a4c0f0704b",
        "command": "28b4074c38befe2e4a939c2b5ec5b8c5118cca038a518d281aeb540d04ea8b9b",
        "action": "e855f1cb07a77120b21d407b3f9f043d2871683b7471bb4df9a0eb467e4617a5",
    },
    2: {
        "code": "5cfbaa1b7286bda11fc754e963d00b99a70d517e0fbceff6d7e5797aa86caac5",
        "command": "e04d7ecf2b3c176c6f5f280cf3aba73f5ace239692e6f61a5f70d3f234d0c7f6",
        "action": "b07d4e911414ddc8bf4be8394da8f4cff073dc90132e4269b0075da0d768e251",
    },
    3: {
        "code": "fe6aabf8365622f7a72675fbc7822d4da7043966f5bbf986136ba6b0e92310cc",
        "command": "b89071d09b8088d8688b55df77f3ba887f3acab293ab54e1bf116a575e833261",
        "action": "790560eed6cec254aa0ad27e906798d09ad8c8e76536eaaabe80b1ecc1ebe384",
    },
    4: {
        "code": "29c55861b5c7d11a02cea9ae2d720ab4fbba152a2812f0e79ffdd9fa7881b59d",
        "command": "832bf4406813f8229927621e5a0c91bf23a408084441124a20804e9fb1e7739d",
        "action": "cbae6924271edb69b38b24de9d6e6c0164198428253487662b99847d215267ea",
    },
    5: {
        "code": "11356ae484330c476e500b7ce5e3b4b82c7776eb6b5e67a3438e3bc0332b3558",
        "command": "980f2a7f68c1d626f96fa6266c007a5e9325352f69fcd209cd23bc830a9df06b",
        "action": "bd1fe1709956a04768b3b029262a6018f393a036c19a49ba424989fcd6080b8a",
    },
    6: {
        "code": "90f4aefa7f5a432daab47e874c2a5176b9208eaf7d7e3dc82fbb228362e3f5ad",
        "command": "186390ea30830d67fefa6e8c66eac4385a0bdc031f67873c03f88631ce515b42",
        "action": "b66ee0b1b93cc178355580c1f028731b86224c1030dc3deb9e94c62eed3a4687",
    },
}
#: hints for particular wrong answers, keyed by the digest of that wrong answer
_WRONG: dict[str, str] = {
    "6f42114940238105d6722cef79bce3dd5e7858cf80333b12f479a9854531733c":
        "it is a 4xx, so the queue will retry \u2014 but read Yahoo's page for [TSS04]: will retrying "
        "change 'volume or user complaints'?",
    "761302b2fc6401ad8f64fafcf3964145a100b255179dabdca176e3b823e6bb54":
        "nothing in the reply is about the recipient: it names the sending IP and the sender's "
        "volume.",
    "92145694a0e5f53ba104a1edee348f8a74d2faed8d8e71477af74fa8f3bb1a8f":
        "that is the cure for too many recipients in one transaction (4.5.3); this reply names "
        "the sending IP.",
    "c93a80eaed8e0a058c6972431e0cf1a37279157ff11c69c36a397dd76e863a2b":
        "'Access denied' reads like a block on you \u2014 but what does AS(\u2026) mean at Microsoft? "
        "Notebook 05's token table.",
    "a07078f7ec2d9b9d3f74dcbe4ba377e7d66c63aa201b45cc87ff6123a68d8fa5":
        "a 5xx: the same request fails the same way (RFC 5321 \u00a74.2.1). What does the enhanced "
        "code's subject 4 \u2014 and the token after it \u2014 say about the address?",
    "4032f2528c976ae9dc2d5179e79c7873516a4c688d4250e218953f26e48a3f16":
        "only one recipient was refused, and not for being one too many: read its own reply.",
    "b8de9db2720d7066ea583aef113b0d22b8b02300d92b9312212be8e6099814eb":
        "you read a 554 at RCPT TO as a bad recipient. Whose IP address does the reply name, and "
        "which list is it on?",
    "26957f13a2546459fbb465d646ccd8d4354f81f23c4a343c8563c4050895552b":
        "a 5xx: nothing retries, and the listing stays until the sender asks for delisting.",
    "fd9c4e23cdee1af8db55e68f5a3cc5615a5df3899c31bced653c9ee4b076c285":
        "every recipient gets the same reply, whatever their number: the reply names the client "
        "host.",
    "71b7433a85084680b9a001e64a25f624c33dd46b28759b04511631695669d4f3":
        "did you try again? lab.retry(4) sends the same message ten (simulated) minutes later.",
    "48672a29d2161534166252bae138dd855a25e3ce7a19253d142c5017db4a4af3":
        "a 4xx never says an address is bad. Try again with lab.retry(4) and compare.",
    "2b234192adb00999912f1d2f1a244304a48b92f1881d032790bee773026f4dff":
        "one recipient, refused once: try the same message again with lab.retry(4).",
    "ec9c07842f96cad980221f5879b4f10af7cc8a709c0788f971942393f744aa55":
        "the recipient was accepted at RCPT; 5.7.26 is about the sender's authentication "
        "(notebook 06) \u2014 a block, never a reason to suppress.",
    "ced46ec99cf9967b0b3fcbf91564f6d124d82b555e7381166dcc17e47aefa54d":
        "a 5xx after the message: Gmail will refuse it again until SPF or DKIM passes.",
    "c416c8b398d8809d5c771343df6bef0a13fdb34d731e5c39cc08753b84da3946":
        "5.1.10 has subject 1, addressing; RESOLVER.ADR.RecipientNotFound is Microsoft's own word "
        "for what?",
    "86213d6e8b7af554b384068e6e166ca4fe5c6ddebc8d81a839af4f62c4d0f3cb":
        "Action: failed and a 5.1.x: the directory has no such address; waiting will not create "
        "it.",
    "298441eef9eb6b3bab9b74c4ce9227d61e4b9ae8b7d84f270a3383478ae2b0c8":
        "the block is on the client's IP, but Postfix reports it at RCPT TO (smtpd_delay_reject = "
        "yes, postconf(5)): find the command right above the 554.",
    "02fe82bb2cd2352241eff470f5b84f7d4f4e7387d109b8b2177ecbd4abe6e4b2":
        "print the human-readable part: '(in reply to \u2026)' says after which command Gmail refused.",
    "6b8a696306782b42ad839d68be4be90256a316ad63949bbfed8e9fdc59716408":
        "250 is the MAIL FROM's success; the reply that refused comes after RCPT TO.",
}
_GENERAL = {
    "code": "the three digits of the reply that refused — not the 250s around it, nor the 221 "
            "at the end (for a bounce: the code in its Diagnostic-Code).",
    "command": "which command did the refusing reply answer? In a transcript, the client line "
               "just above it; in a bounce, '(in reply to …)' in the human-readable part. One "
               f"of {', '.join(COMMANDS)}.",
    "action": f"one of {', '.join(map(repr, LAB_ACTIONS))}: who has to do what before this "
              "mail can go through?",
}


@_exercise
def diagnosis(answer: Any, mystery: Any) -> list[str]:
    """08: a mystery's diagnosis — the refusing code, the command it answered, the action."""
    if isinstance(mystery, bool) or mystery not in _KEY:
        raise _Feedback(f"there is no mystery {mystery!r}: use 1 to {len(_KEY)}.")
    answer = _need_mapping(answer, ("code", "command", "action"))
    given = {"code": str(_code_of(answer["code"])), "command": _command(answer["command"]),
             "action": _norm(answer["action"])}
    problems = []
    for key, value in given.items():
        digest = _digest(mystery, key, value)
        if digest != _KEY[mystery][key]:
            problems.append(f"• {key}: {_WRONG.get(digest, _GENERAL[key])}")
    if problems:
        raise _Feedback("\n".join([f"mystery {mystery}: {3 - len(problems)} of 3 are right. "
                                   "Look again at:", *problems]))
    return [f"mystery {mystery} solved: {given['code']} in reply to {given['command']}; "
            f"next step: {given['action']}."]

