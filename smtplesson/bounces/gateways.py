"""Bounces from security gateways in front of a domain: Proofpoint, Mimecast, Barracuda,
Trend Micro, McAfee (their wording from public help pages and pasted bounces; see the
fixtures' README).  Their headers also appear on ordinary mail they let through, so they
are tried only on mail that already looks like a bounce.
"""
from __future__ import annotations

from .text import TextFormat

__all__ = ["FORMATS"]

FORMATS = (
    TextFormat("proofpoint", (("mta", "pphosted.com"), ("text", "pphosted.com"), ("text", "proofpoint"),
                              ("from", "pphosted")), kind="gateway",
               starts=("----- the following addresses had permanent fatal errors -----",)),
    TextFormat("mimecast", (("from", "mimecast"), ("mta", "mimecast"), ("text", "mimecast")),
               kind="gateway"),
    TextFormat("barracuda", (("text", "barracuda"), ("from", "barracuda"), ("mta", "barracuda")),
               kind="gateway"),
    # InterScan E-Mail VirusWall NT: "Reason: Exceeded Maximum Delivery Attempts." (its retries ran
    # out: RFC 3463 X.4.7; flufl.bounce 6.0.0 tests/data/dumbass_01.txt)
    TextFormat("trendmicro", (("text", "interscan messaging security"), ("text", "trend micro"),
                              ("text", "interscan")), kind="gateway",
               starts=("the following mail could not be delivered.",),
               statuses=(("exceeded maximum delivery attempts", "5.4.7"),)),
    TextFormat("mcafee", (("text", "the following addresses had delivery problems"),
                          ("text", "mcafee"), ("header:x-nai-header", "")), kind="gateway",
               starts=("--- the following addresses had delivery problems ---",)),
)
