"""Metadata (gkml.rules.meta): agency, year and publication date."""

from rules_support import seed_text, spans_of


def test_metadata_of_000_and_001():
    meta = dict(spans_of(seed_text("000"), "AGENCY") + spans_of(seed_text("000"), "YEAR"))
    meta.update(spans_of(seed_text("000"), "PUBDATE"))
    assert meta == {"AGENCY": "南丰镇", "YEAR": "2022", "PUBDATE": "2023-01-28"}
    text = seed_text("001")
    meta = dict(spans_of(text, "AGENCY") + spans_of(text, "YEAR") + spans_of(text, "PUBDATE"))
    assert meta == {"AGENCY": "甘州区人民政府西街街道办事处", "YEAR": "2023", "PUBDATE": "2024-01-11"}


def test_metadata_variants():
    title = "得荣县卫生健康局\n2019年政府信息公开工作年度报告\n一、总体情况\n"
    assert spans_of(title, "AGENCY") == [("AGENCY", "得荣县卫生健康局")]
    signed = "一、总体情况\n略。\n\n某某镇人民政府\n2023年1月28日\n"
    assert spans_of(signed, "PUBDATE") == [("PUBDATE", "2023年1月28日")]
    assert spans_of("某某镇人民政府\n\n  2023113\n", "PUBDATE") == []  # digits lost: left out


def test_year_of_a_fragment_without_title():
    assert spans_of(seed_text("004"), "YEAR") == [("YEAR", "2025")]  # "存在问题:2025年,我镇…"
