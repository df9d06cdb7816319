"""DMARC per RFC 9989: the DNS Tree Walk, policy discovery and alignment, with the RFC's own
examples (quoted with their sections) as tests."""
from __future__ import annotations

import pytest

from smtplesson.relay.dmarc import (
    Identifier,
    aligned,
    discover,
    evaluate,
    organizational_domain,
    parse_record,
    walk,
)


def zone(records: dict[str, str]):
    """A TXT look-up over ``{domain: DMARC record}`` that also logs each name asked."""
    asked: list[str] = []

    def txt(name: str) -> list[str]:
        asked.append(name)
        domain = name.removeprefix("_dmarc.")
        return [records[domain]] if name.startswith("_dmarc.") and domain in records else []

    txt.asked = asked  # type: ignore[attr-defined]
    return txt


# ----------------------------------------------------------------------------- §4.10
def test_section_4_10_eight_queries_for_a_long_author_domain() -> None:
    """§4.10: 'for a message with the arbitrary Author Domain of
    "a.b.c.d.e.f.g.h.i.j.mail.example.com", a full DNS Tree Walk would require the following
    eight queries'."""
    txt = zone({})
    assert walk("a.b.c.d.e.f.g.h.i.j.mail.example.com", txt) == []
    assert txt.asked == [
        "_dmarc.a.b.c.d.e.f.g.h.i.j.mail.example.com",
        "_dmarc.g.h.i.j.mail.example.com",
        "_dmarc.h.i.j.mail.example.com",
        "_dmarc.i.j.mail.example.com",
        "_dmarc.j.mail.example.com",
        "_dmarc.mail.example.com",
        "_dmarc.example.com",
        "_dmarc.com",
    ]


def test_discovery_asks_at_most_eight_names() -> None:
    found = discover("a.b.c.d.e.f.g.h.i.j.mail.example.com", zone({}))
    assert len(found.queries) == 8 and found.record is None


def test_the_walk_stops_at_a_record_with_psd() -> None:
    txt = zone({"example.com": "v=DMARC1; p=reject; psd=n", "com": "v=DMARC1; p=none; psd=y"})
    assert [r.domain for r in walk("a.mail.example.com", txt)] == ["example.com"]
    assert "_dmarc.com" not in txt.asked


# ----------------------------------------------------------------------------- §4.10.2
def test_section_4_10_2_first_example_fewest_labels() -> None:
    """§4.10.2: 'If there are DMARC Policy Records published at "_dmarc.mail.example.com" and
    "_dmarc.example.com", but not at "_dmarc.a.mail.example.com" or "_dmarc.com", then the
    Organizational Domain for this domain would be "example.com".'"""
    txt = zone({"mail.example.com": "v=DMARC1; p=none", "example.com": "v=DMARC1; p=reject"})
    assert organizational_domain("a.mail.example.com", txt) == "example.com"


def test_section_4_10_2_second_example_psd_n() -> None:
    """§4.10.2: 'if a search for the Organizational Domain yields a DMARC Policy Record at
    "_dmarc.mail.example.com" with the "psd" tag set to "n", then the Organizational Domain for
    this domain would be "mail.example.com".'"""
    txt = zone({"mail.example.com": "v=DMARC1; p=none; psd=n", "example.com": "v=DMARC1; p=reject"})
    assert organizational_domain("a.mail.example.com", txt) == "mail.example.com"


def test_section_4_10_2_last_example_psd_y() -> None:
    """§4.10.2: 'if a search for the Organizational Domain only yields a DMARC Policy Record at
    "_dmarc.com" and that record contains the tag "psd=y", then the Organizational Domain for
    this domain would be "example.com".'"""
    txt = zone({"com": "v=DMARC1; p=none; psd=y"})
    assert organizational_domain("a.mail.example.com", txt) == "example.com"


def test_section_4_10_2_psd_y_found_one_level_up() -> None:
    """§4.10.2 step 2: a record with psd=y at "_dmarc.example.com" after "_dmarc.mail.example.com"
    makes "mail.example.com" the Organizational Domain."""
    txt = zone({"example.com": "v=DMARC1; p=none; psd=y"})
    assert organizational_domain("mail.example.com", txt) == "mail.example.com"


def test_no_record_anywhere_the_domain_is_its_own_organizational_domain() -> None:
    """§4.10.2: 'If this process does not determine the Organizational Domain, then the initial
    target domain is the Organizational Domain.'"""
    assert organizational_domain("a.mail.example.com", zone({})) == "a.mail.example.com"


# ----------------------------------------------------------------------------- §4.4, Appendix B.1
@pytest.mark.parametrize(("identifier", "author", "mode", "expected"), [
    # Table 1 of §4.4
    ("foo.example.com", "news.example.com", "r", True),
    ("news.example.com", "news.example.com", "s", True),
    ("foo.example.net", "news.example.com", "r", False),
    # Appendix B.1.1 (SPF) examples 1-3 and B.1.2 (DKIM) examples 1-3
    ("example.com", "example.com", "s", True),
    ("child.example.com", "example.com", "r", True),
    ("example.net", "child.example.com", "r", False),
    ("example.com", "child.example.com", "r", True),
    # strict alignment needs the same name
    ("child.example.com", "example.com", "s", False),
])
def test_alignment_examples(identifier: str, author: str, mode: str, expected: bool) -> None:
    txt = zone({"example.com": "v=DMARC1; p=none", "example.net": "v=DMARC1; p=none"})
    assert aligned(identifier, author, mode, txt) is expected


def test_relaxed_alignment_needs_a_record_to_find_the_organization() -> None:
    """Without any record a name is its own Organizational Domain: a parent does not align."""
    assert not aligned("example.org", "news.example.org", "r", zone({}))


# ----------------------------------------------------------------------------- §4.7, §4.10.1
def test_removed_and_unknown_tags_are_ignored() -> None:
    record = parse_record("v=DMARC1; p=quarantine; pct=0; rf=afrf; ri=3600; foo=bar", "example.com")
    assert record is not None
    assert record.p == "quarantine" and record.ignored == ("pct", "rf", "ri", "foo")
    assert "pct" not in record.tags


def test_v_must_come_first() -> None:
    assert parse_record("p=reject; v=DMARC1", "example.com") is None
    assert parse_record("v=dmarc1; p=reject", "example.com") is None  # case sensitive (§4.8)


def test_several_records_at_one_name_are_all_discarded() -> None:
    def txt(name: str) -> list[str]:
        return ["v=DMARC1; p=reject", "v=DMARC1; p=none"] if name == "_dmarc.example.com" else []

    assert discover("example.com", txt).record is None


def test_missing_p_reads_as_none_when_rua_is_present() -> None:
    """§4.10.1: without a valid "p" tag, 'If a "rua" tag is present and contains at least one
    syntactically valid reporting URI, the Mail Receiver MUST act as if a record containing
    "p=none" was retrieved'; otherwise DMARC does not apply."""
    found = discover("example.com", zone({"example.com": "v=DMARC1; rua=mailto:d@example.com"}))
    assert found.record is not None and found.policy == "none"
    assert discover("example.com", zone({"example.com": "v=DMARC1; adkim=s"})).record is None


def test_subdomains_use_sp_and_non_existent_ones_np() -> None:
    txt = zone({"example.com": "v=DMARC1; p=reject; sp=quarantine; np=none"})
    exists = {"mail.example.com"}.__contains__
    assert (discover("example.com", txt, exists).policy, discover("example.com", txt).tag) == ("reject", "p")
    assert discover("mail.example.com", txt, exists).tag == "sp"
    found = discover("ghost.example.com", txt, exists)
    assert (found.policy, found.tag) == ("none", "np")


def test_np_absent_falls_back_to_sp_then_p() -> None:
    exists = set().__contains__
    assert discover("ghost.example.com", zone({"example.com": "v=DMARC1; p=reject; sp=none"}),
                    exists).policy == "none"
    assert discover("ghost.example.com", zone({"example.com": "v=DMARC1; p=reject"}),
                    exists).policy == "reject"


def test_a_public_suffix_operators_policy_covers_an_organization_without_a_record() -> None:
    """§4.10.1: the record to apply is the Author Domain's, its Organizational Domain's, or
    its Public Suffix Domain's, in that order."""
    txt = zone({"gov": "v=DMARC1; p=reject; psd=y"})
    found = discover("agency.gov", txt)
    assert found.record is not None
    assert (found.org_domain, found.record.domain, found.policy) == ("agency.gov", "gov", "reject")
    assert discover("agency.gov", zone({"gov": "v=DMARC1; p=reject; psd=y",
                                        "agency.gov": "v=DMARC1; p=none"})).policy == "none"


# ----------------------------------------------------------------------------- evaluation
def test_t_y_applies_the_policy_one_level_below() -> None:
    """§4.7, t=y: 'if the policy is "reject" and the value of the "t" tag is "y", a policy of
    "quarantine" will be applied to failing messages'; Appendix B.2.5's record."""
    b25 = ("v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@example.com,"
           "mailto:tld-test@thirdparty.example.net; t=y")
    result = evaluate("test.example.com", [], zone({"test.example.com": b25}))
    assert (result.result, result.published, result.applied, result.disposition) == \
        ("fail", "quarantine", "none", "none")
    result = evaluate("example.com", [], zone({"example.com": "v=DMARC1; p=reject; t=y"}))
    assert (result.applied, result.testing) == ("quarantine", True)
    assert parse_record(b25, "test.example.com").rua == [  # type: ignore[union-attr]
        "mailto:dmarc-feedback@example.com", "mailto:tld-test@thirdparty.example.net"]


def test_pct_zero_no_longer_softens_the_policy() -> None:
    """pct is historic (§9.3): p=reject; pct=0 is a reject."""
    result = evaluate("example.com", [], zone({"example.com": "v=DMARC1; p=reject; pct=0"}))
    assert result.disposition == "reject"


def test_a_pass_needs_an_aligned_identifier_that_passed() -> None:
    txt = zone({"example.com": "v=DMARC1; p=reject"})
    ok = evaluate("example.com", [Identifier("dkim", "example.com", "pass", "s1")], txt)
    assert (ok.result, ok.dkim_aligned, ok.disposition) == ("pass", True, "none")
    failed = evaluate("example.com", [Identifier("dkim", "example.com", "fail"),
                                      Identifier("spf", "lists.example.org", "pass")], txt)
    assert (failed.result, failed.disposition) == ("fail", "reject")


def test_no_record_means_dmarc_does_not_apply() -> None:
    assert evaluate("example.org", [], zone({})).result == "none"
