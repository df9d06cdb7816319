"""DMARC aggregate reports as RFC 9990 (May 2026) defines them: what a receiver tells a Domain Owner.

A receiver keeps one :class:`Observation` per message it evaluated (RFC 9989 §5.3.7: "results
... MUST be preserved") and, once a day, writes one XML report per DMARC Policy Domain (RFC 9990
§3.1: "A separate report MUST be generated for each DMARC Policy Domain"), rows grouped by
source address and outcome, in the ``urn:ietf:params:xml:ns:dmarc-2.0`` namespace of the schema
in RFC 9990 Appendix A.  ``discovery_method`` is ``treewalk`` (RFC 9989's), ``testing`` the
``t`` tag; RFC 7489's ``pct`` has no element any more.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .dmarc import DMARCResult

__all__ = ["NAMESPACE", "Observation", "aggregate_report", "aggregate_reports"]

NAMESPACE = "urn:ietf:params:xml:ns:dmarc-2.0"


@dataclass(frozen=True)
class Observation:
    """One message as the receiver saw it: where from, the identifiers, the DMARC verdict."""

    source_ip: str
    header_from: str
    envelope_from: str
    envelope_to: str
    dmarc: DMARCResult
    spf: tuple[str, str]  # (MAIL FROM domain, SPF result)
    dkim: tuple[tuple[str, str, str], ...] = ()  # (d=, s=, result) per signature evaluated
    override: str = ""  # a PolicyOverrideType when the receiver did not follow the policy
    when: float = 0.0  # when the receiver evaluated it

    @property
    def policy_domain(self) -> str:
        record = self.dmarc.discovery.record
        return record.domain if record is not None else ""

    def _row_key(self) -> tuple[object, ...]:
        return (self.source_ip, self.header_from, self.envelope_from, self.envelope_to,
                self.disposition, self.dmarc.dkim_aligned, self.dmarc.spf_aligned, self.spf,
                self.dkim, self.reason)

    @property
    def disposition(self) -> str:
        """RFC 9990's ActionDispositionType: ``pass`` for a DMARC pass, else what was done."""
        if self.dmarc.result == "pass":
            return "pass"
        return "none" if self.override in ("trusted_forwarder", "mailing_list", "local_policy") \
            else self.dmarc.disposition

    @property
    def reason(self) -> str:
        if self.override:
            return self.override
        if self.dmarc.result == "fail" and self.dmarc.testing and self.dmarc.applied != self.dmarc.published:
            return "policy_test_mode"
        return ""


def _add(parent: ET.Element, name: str, text: object | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{NAMESPACE}}}{name}")
    if text is not None:
        element.text = str(text)
    return element


def aggregate_report(observations: Iterable[Observation], *, org_name: str, email: str, report_id: str,
                     begin: int, end: int) -> str:
    """The XML report for one Policy Domain (every observation must share it)."""
    seen = [o for o in observations if o.dmarc.result in ("pass", "fail")]
    if not seen:
        raise ValueError("no DMARC-evaluated message to report")
    domains = {o.policy_domain for o in seen}
    if len(domains) != 1:
        raise ValueError(f"one report per DMARC Policy Domain (RFC 9990 §3.1), got {sorted(domains)}")
    record = seen[-1].dmarc.discovery.record  # "only the final configuration observed" (§3.1)
    assert record is not None
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(f"{{{NAMESPACE}}}feedback")
    _add(root, "version", "1.0")
    meta = _add(root, "report_metadata")
    _add(meta, "org_name", org_name)
    _add(meta, "email", email)
    _add(meta, "report_id", report_id)
    dates = _add(meta, "date_range")
    _add(dates, "begin", begin)
    _add(dates, "end", end)
    _add(meta, "generator", "smtplesson")
    published = _add(root, "policy_published")
    _add(published, "domain", record.domain)
    _add(published, "p", record.p or "none")
    for tag in ("sp", "np"):
        value = getattr(record, tag)
        if value:
            _add(published, tag, value)
    _add(published, "adkim", record.mode("adkim"))
    _add(published, "aspf", record.mode("aspf"))
    _add(published, "discovery_method", "treewalk")
    _add(published, "testing", "y" if record.testing else "n")
    rows = Counter(o._row_key() for o in seen)
    first = {o._row_key(): o for o in reversed(seen)}
    for key, count in rows.items():
        _record(root, first[key], count)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _record(root: ET.Element, o: Observation, count: int) -> None:
    element = _add(root, "record")
    row = _add(element, "row")
    _add(row, "source_ip", o.source_ip)
    _add(row, "count", count)
    evaluated = _add(row, "policy_evaluated")
    _add(evaluated, "disposition", o.disposition)
    _add(evaluated, "dkim", "pass" if o.dmarc.dkim_aligned else "fail")
    _add(evaluated, "spf", "pass" if o.dmarc.spf_aligned else "fail")
    if o.reason:
        _add(_add(evaluated, "reason"), "type", o.reason)
    ids = _add(element, "identifiers")
    _add(ids, "header_from", o.header_from)
    if o.envelope_from:
        _add(ids, "envelope_from", o.envelope_from)
    if o.envelope_to:
        _add(ids, "envelope_to", o.envelope_to)
    results = _add(element, "auth_results")
    for domain, selector, result in o.dkim:
        dkim = _add(results, "dkim")
        _add(dkim, "domain", domain)
        _add(dkim, "selector", selector)
        _add(dkim, "result", result)
    if o.spf[0]:
        spf = _add(results, "spf")
        _add(spf, "domain", o.spf[0])
        _add(spf, "scope", "mfrom")
        _add(spf, "result", o.spf[1])


def aggregate_reports(observations: Iterable[Observation], *, org_name: str, email: str, begin: int,
                      end: int) -> dict[str, str]:
    """One report per DMARC Policy Domain that asked for them (a ``rua`` tag, RFC 9989 §4.7:
    "If the tag is not provided, Mail Receivers MUST NOT generate aggregate feedback reports")."""
    by_domain: dict[str, list[Observation]] = {}
    for o in observations:
        record = o.dmarc.discovery.record
        if record is not None and record.rua and o.dmarc.result in ("pass", "fail"):
            by_domain.setdefault(o.policy_domain, []).append(o)
    return {domain: aggregate_report(items, org_name=org_name, email=email,
                                     report_id=f"{domain}.{begin}.{end}", begin=begin, end=end)
            for domain, items in sorted(by_domain.items())}
