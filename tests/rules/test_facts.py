"""Narrative facts (gkml.rules.facts) and their kinds."""

import pytest
from rules_support import SEED, gold, seed_text, spans_of

from gkml.rules import label


def test_facts_of_000_with_their_kinds():
    text = seed_text("000")
    facts = spans_of(text, "FACT")
    assert facts == [
        ("FACT.active", "800余条"),
        ("FACT.request", "12件"),
        ("FACT.request", "10件"),
        ("FACT.request", "2件"),
        ("FACT.interaction", "900余件"),
    ]


@pytest.mark.parametrize("n", sorted(SEED))
def test_facts_and_their_kinds_match_the_seed_gold(n):
    got = {(s.start, s.end): s.label for s in label(seed_text(n)) if s.label.startswith("FACT.")}
    assert got == {(f["start"], f["end"]): f"FACT.{f['kind']}" for f in gold(n)["facts"]}


def test_no_facts_in_tables_or_list_announcements():
    assert spans_of(seed_text("004"), "FACT") == []  # "主要体现在三个方面:" announces a list
    assert all(
        "|" not in seed_text("001")[s.start - 3 : s.end + 3]
        for s in label(seed_text("001"))
        if s.label.startswith("FACT")
    )
