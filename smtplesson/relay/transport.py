"""The sending relay and the receiving domains' TLS policies: MTA-STS decides how it connects,
TLS-RPT keeps how each session went.

For each delivery to a domain the relay asks :meth:`TransportPolicies.plan`: with an MTA-STS
policy in ``enforce`` mode the session uses TLS level ``secure`` with the policy's ``mx``
patterns as the names the certificate must match (what postfix-mta-sts-resolver hands Postfix:
``secure match=...``), so a wrong MX or certificate, or no STARTTLS, defers the mail with
Postfix's words.  In ``testing`` mode the relay checks the same, reports a failure, and delivers
anyway with its usual level (RFC 8461 §5).  Each session's outcome goes to the TLS-RPT log
(RFC 8460), whose daily report a domain with a ``_smtp._tls`` record gets.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .mta_sts import Policy, PolicyCache
from .tls_reports import Session, TLSReportLog, result_type

__all__ = ["Plan", "TransportPolicies"]


@dataclass(frozen=True)
class Plan:
    """How to connect to the MX hosts of one domain."""

    domain: str
    policy: Policy | None
    level: str  # the TLS level to use ("secure" under an enforced policy)
    match: tuple[str, ...] = ()
    check_only: bool = False  # testing mode: check as "secure", report, deliver at ``fallback``
    fallback: str = ""
    fetch_failure: str = ""  # a TLS-RPT result type when the policy could not be had


class TransportPolicies:
    """MTA-STS plans and the TLS-RPT log of one sending relay."""

    def __init__(self, cache: PolicyCache, log: TLSReportLog, clock: Callable[[], float]) -> None:
        self.cache = cache
        self.log = log
        self.clock = clock

    def plan(self, domain: str, level: str) -> Plan:
        """The plan for mail to ``domain`` by a relay whose own TLS level is ``level``."""
        found = self.cache.lookup(domain)
        policy = found.policy
        if policy is None or policy.mode == "none":
            return Plan(domain, policy, level, fetch_failure=found.result_type)
        if policy.mode == "enforce":
            return Plan(domain, policy, "secure", policy.mx, fetch_failure=found.result_type)
        return Plan(domain, policy, "secure", policy.mx, check_only=True, fallback=level,
                    fetch_failure=found.result_type)

    def record(self, plan: Plan, mx: str, sending_ip: str, receiving_ip: str, failure: str | None) -> None:
        """One session's outcome: ``failure`` is the relay's TLS deferral text, None for success."""
        if plan.policy is None and plan.fetch_failure:
            kind, detail = plan.fetch_failure, "the MTA-STS policy could not be fetched"
        elif failure:
            kind, detail = result_type(failure), failure
        else:
            kind, detail = "", ""
        self.log.record(Session(self.clock(), plan.domain, plan.policy, mx, sending_ip, receiving_ip,
                                kind, detail))
