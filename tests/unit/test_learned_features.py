"""tools/learned/textfeatures.py: the features the learned-fallback study reads from a reply."""
from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "learned"))

from textfeatures import features


def test_addresses_urls_ips_hosts_and_digits_are_masked():
    found = features("550 5.7.1 Mail from 203.0.113.9 to <bob@example.org> refused, "
                     "see https://example.net/x?id=42 or mx1.example.com")
    assert {"_ip_", "_addr_", "_url_", "_host_", "mail from", "from _ip_"} <= found
    assert not any(char.isdigit() and char != "0" for feature in found for char in feature)
    assert not any("example" in feature or "bob" in feature for feature in found)


def test_nfkc_and_case_fold_full_width_latin():
    assert "mailbox full" in features("ＭＡＩＬＢＯＸ Full")


def test_cjk_runs_give_character_bigrams_not_one_word():
    found = features("550 メールボックスが一杯です")
    assert {"メー", "一杯", "杯で"} <= found
    assert "メールボックスが一杯です" not in found
    assert "ящик переполнен" in features("Почтовый ящик переполнен")  # Cyrillic stays words


def test_options_switch_feature_kinds():
    assert "user unknown" not in features("User unknown", bigrams=False)
    assert not features("一杯", cjk=False)
    assert {"#550", "#x.1.1"} <= features("User unknown", 550, "5.1.1", codes=True)


@given(st.text())
def test_never_raises_on_any_text(text):
    assert isinstance(features(text, codes=True), set)
