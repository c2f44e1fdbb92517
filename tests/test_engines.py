"""The engine registry: every caller gets engines, their options and their names from one place."""

import json

import pytest
from conftest import SAMPLES

from gkml.cli import build_parser
from gkml.engines import ENGINES, RULES_PRIOR, HybridLabeller, engine_name, get_labeller
from gkml.labels import Span
from gkml.predict import predict_paths
from gkml.rules import label
from gkml.write import write_jsonl

SEED000 = SAMPLES / "000_7cbeb50e901d1ece.txt"


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_rules_engine_is_the_rule_labeller():
    assert get_labeller("rules") is label


def test_an_unknown_engine_names_the_known_ones():
    with pytest.raises(ValueError, match="known: model, rules, hybrid"):
        get_labeller("nope")


def test_the_rules_engine_is_named_plainly():
    assert engine_name("rules", label) == "rules"


def test_a_model_engine_is_named_by_its_model():
    class Model:
        version = "gkml-small"

    assert engine_name("model", Model()) == "model:gkml-small"


@pytest.mark.parametrize("command", [["predict", "x", "-o", "o.jsonl"], ["ls", "tasks", "x", "-o", "t.json"],
                                     ["ls", "serve"]])  # fmt: skip
def test_the_cli_offers_exactly_the_registered_engines(command, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args([*command, "--engine", "nope"])
    assert "choose from model, rules, hybrid" in capsys.readouterr().err.replace("'", "")


def test_every_registered_engine_says_what_it_is():
    assert all(e.help for e in ENGINES.values())


def test_hybrid_engine_adds_the_rule_spans_below_the_model(tmp_path):
    text = SEED000.read_text(encoding="utf-8")
    at = text.index("800余条")
    model_fact = Span(at, at + 5, "FACT.other", 0.9)
    hybrid = HybridLabeller(lambda t: [model_fact])
    spans = hybrid(text)
    facts = [s for s in spans if s.label.startswith("FACT.") and s.start == at]
    assert facts == [model_fact]  # the rules' FACT.active over the same count is not added twice
    rules = [s for s in spans if s is not model_fact]
    assert rules and all(s.score <= RULES_PRIOR for s in rules)
    assert hybrid.version == "model+rules"
    out = tmp_path / "out.jsonl"
    write_jsonl(predict_paths([str(SEED000)], engine="hybrid", labeller=hybrid), out)
    (record,) = read_jsonl(out)
    assert record["engine"] == "hybrid:model+rules" and len(record["cells"]) == 200
    assert not [c for c in record["checks"] if not c["ok"]]
