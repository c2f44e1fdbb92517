import csv
import json
from dataclasses import asdict

from gkml import labels, schema
from gkml.schema import CellValue, Check, Fact, Meta, Report, Section


def test_catalogue_is_the_spec(shared):
    with open(shared / "spec" / "cells.tsv", encoding="utf-8") as f:
        spec = list(csv.DictReader(f, delimiter="\t"))
    assert list(schema.CELL_KEYS) == [r["key"] for r in spec]
    for r in spec:
        c = schema.CELLS[r["key"]]
        assert (c.table, ",".join(c.templates), c.row_zh, c.col_zh, c.unit, c.printed) == (
            int(r["table"]), r["template"], r["row_zh"], r["col_zh"], r["unit"], r["printed"]
        )


def test_template_sizes_match_the_national_tables():
    # 2021: table 2 has 10 cells, table 3 25 rows x 7 columns, table 4 15 numbers.
    assert len(schema.template_keys("2021")) == 10 + 25 * 7 + 15
    # 2019: table 2 has 22 cells, table 3 23 rows x 7 columns.
    assert len(schema.template_keys("2019")) == 22 + 23 * 7 + 15
    assert len(schema.T3_OUTCOME_ROWS["2021"]) == 21
    assert len(schema.T3_OUTCOME_ROWS["2019"]) == 19
    assert schema.T3_APPLICANT_COLS == ("person", "business", "research", "social_org", "legal_org", "other_org")
    assert schema.T4_GROUPS == ("review", "suit_direct", "suit_after_review")
    assert schema.row_label("t3", "new") == "一、本年新收政府信息公开申请数量"
    # the 小计 variants are catalogued but not part of the standard template
    assert "t3.denied_subtotal.total" in schema.CELLS
    assert "t3.denied_subtotal.total" not in schema.template_keys("2021")
    assert "t3.denied_subtotal.total" in schema.template_keys("2021", standard_only=False)


def test_labels_derive_from_schema():
    assert labels.ENTITY_TYPES[:6] == ("SEC1", "SEC2", "SEC3", "SEC4", "SEC5", "SEC6")
    assert set(schema.CELL_KEYS) <= set(labels.ENTITY_TYPES)
    assert "FACT.interaction" in labels.ENTITY_TYPES and "PUBDATE" in labels.ENTITY_TYPES
    n = len(labels.ENTITY_TYPES)
    assert n == 6 + len(schema.CELL_KEYS) + len(schema.FACT_KINDS) + 3
    assert len(labels.TAGS) == 1 + 2 * n and labels.TAGS[0] == "O"
    assert all(labels.ID2LABEL[labels.LABEL2ID[t]] == t for t in labels.TAGS)
    assert labels.group("t3.new.total") == "T3" and labels.group("t2v19.fees.change") == "T2"
    assert labels.group("SEC4") == "SEC" and labels.group("YEAR") == "META"


def test_report_json_round_trip():
    r = Report(
        doc_id="000",
        source="samples/000.txt",
        template="2021",
        meta=Meta(agency="南丰镇", year=2022, published="2023-01-28"),
        sections=[Section(no=1, title="一、总体情况", start=10, end=812)],
        cells={"t3.new.total": CellValue(12, "12", 1503, 1505, 0.998), "t2.fees.amount": CellValue(None, "—")},
        facts=[Fact("800余条", 800, True, "条", "active", 640, 645, 0.97)],
        checks=[Check("T3-BALANCE", "total", False, 12, 10, ["t3.new.total"], delta=2)],
    )
    line = r.to_json()
    assert "南丰镇" in line  # Chinese stays readable
    back = Report.from_json(line)
    assert back == r
    assert json.loads(line)["cells"]["t2.fees.amount"]["value"] is None
    # the record's dict is asdict's (without its copies), but for the page keys of a text input
    r.cells["t3.new.total"].page, r.cells["t3.new.total"].bbox = 2, [1.0, 2.0, 3.0, 4.0]
    plain, copied = r.to_dict(), asdict(r)
    del copied["cells"]["t2.fees.amount"]["page"], copied["cells"]["t2.fees.amount"]["bbox"]
    assert plain == copied and plain["cells"]["t3.new.total"]["bbox"] == [1.0, 2.0, 3.0, 4.0]


def test_json_schema_lists_every_cell_key():
    s = schema.json_schema()
    assert s["properties"]["cells"]["propertyNames"]["enum"] == list(schema.CELL_KEYS)
    assert set(s["required"]) >= {"doc_id", "status", "template", "cells", "facts", "checks"}
