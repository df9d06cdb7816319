"""SMTP TLS Reporting (RFC 8460): what a sending relay tells a receiving domain about TLS, daily.

The receiving domain asks for reports with a ``_smtp._tls.<domain>`` TXT record
(``v=TLSRPTv1; rua=mailto:tlsrpt@example.net``, §3).  The sender counts each session to the
domain's MX hosts under the policy it applied (``sts`` for MTA-STS, ``no-policy-found``), and
keeps each failure with its result type (§4.3: ``starttls-not-supported``,
``certificate-host-mismatch``, ``certificate-expired``, ``certificate-not-trusted``,
``validation-failure``, ``sts-policy-fetch-error``, ``sts-policy-invalid``, ...).  A day's
report is the JSON object of §4.4.
"""
from __future__ import annotations

import datetime as _dt
import json
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .mta_sts import Policy

__all__ = ["RESULT_TYPES", "Session", "TLSReportLog", "parse_record", "result_type"]

RESULT_TYPES = ("starttls-not-supported", "certificate-host-mismatch", "certificate-expired",
                "certificate-not-trusted", "validation-failure", "sts-policy-fetch-error",
                "sts-policy-invalid", "sts-webpki-invalid")


def parse_record(text: str) -> list[str]:
    """The ``rua`` URIs of a ``v=TLSRPTv1`` record (§3); [] when it is not one."""
    fields = [f.strip() for f in text.split(";") if f.strip()]
    if not fields or fields[0].replace(" ", "") != "v=TLSRPTv1":
        return []
    for f in fields[1:]:
        name, _, value = f.partition("=")
        if name.strip() == "rua":
            return [u.strip() for u in value.split(",") if u.strip()]
    return []


def result_type(reply: str) -> str:
    """The §4.3 result type of a relay's TLS deferral (the Postfix texts of :mod:`.tls_policy`)."""
    text = reply.lower()
    if "not offered" in text or "refused to start tls" in text:
        return "starttls-not-supported"
    if "expired" in text:
        return "certificate-expired"
    if "match none of" in text or "hostname mismatch" in text or "ip address mismatch" in text:
        return "certificate-host-mismatch"
    if "unable to get local issuer" in text or "self-signed" in text or "self signed" in text:
        return "certificate-not-trusted"
    return "validation-failure"


@dataclass(frozen=True)
class Session:
    """One attempt to reach an MX of ``domain`` under ``policy`` (None: no policy found)."""

    when: float
    domain: str
    policy: Policy | None
    mx: str
    sending_ip: str
    receiving_ip: str
    failure: str = ""  # a result type, "" for a TLS session that succeeded
    detail: str = ""  # the reply or error behind it


class TLSReportLog:
    """The sessions a relay made, and the day's report per domain."""

    def __init__(self, organization: str, contact: str) -> None:
        self.organization = organization
        self.contact = contact
        self.sessions: list[Session] = []
        self._lock = threading.Lock()

    def record(self, session: Session) -> None:
        with self._lock:
            self.sessions.append(session)

    def report(self, domain: str, start: float, end: float) -> dict[str, Any]:
        """RFC 8460 §4.4's report for ``domain`` over ``[start, end)`` (seconds since the epoch)."""
        with self._lock:
            seen = [s for s in self.sessions if s.domain == domain.lower() and start <= s.when < end]
        by_policy: dict[str, list[Session]] = {}
        for s in seen:
            by_policy.setdefault(s.policy.text if s.policy else "", []).append(s)
        policies = [self._policy(domain, items) for _, items in sorted(by_policy.items())]
        stamp = _dt.datetime.fromtimestamp(start, _dt.UTC)
        return {
            "organization-name": self.organization,
            "date-range": {"start-datetime": _iso(start), "end-datetime": _iso(end)},
            "contact-info": self.contact,
            "report-id": f"{stamp:%Y-%m-%dT%H:%M:%SZ}_{domain}",
            "policies": policies,
        }

    @staticmethod
    def _policy(domain: str, sessions: list[Session]) -> dict[str, Any]:
        policy = sessions[0].policy
        described: dict[str, Any] = {"policy-type": "sts" if policy else "no-policy-found",
                                     "policy-domain": domain}
        if policy is not None:
            described["policy-string"] = policy.strings
            described["mx-host"] = list(policy.mx)
        failures = Counter((s.failure, s.sending_ip, s.mx, s.receiving_ip, s.detail)
                           for s in sessions if s.failure)
        details = [{"result-type": kind, "sending-mta-ip": ip, "receiving-mx-hostname": mx,
                    "receiving-ip": address, "failed-session-count": n, "failure-reason-code": detail}
                   for (kind, ip, mx, address, detail), n in failures.items()]
        failed = sum(failures.values())
        return {"policy": described,
                "summary": {"total-successful-session-count": len(sessions) - failed,
                            "total-failure-session-count": failed},
                "failure-details": details}

    def report_json(self, domain: str, start: float, end: float) -> str:
        return json.dumps(self.report(domain, start, end), indent=2)


def _iso(when: float) -> str:
    return _dt.datetime.fromtimestamp(when, _dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
