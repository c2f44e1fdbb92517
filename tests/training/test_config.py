"""Config files: the training config checked key by key, ``--set`` overrides, the resolved
config read back, the shipped configs, and the loader the generator's config shares."""

from __future__ import annotations

import re

import pytest
from training_support import ROOT, SMALL, TINY, base, write

from gkml.training.chains import extract as X
from gkml.training.config import Source, dump_config, from_dict, load_config, parse_overrides
from gkml.training.configfile import ConfigError, load_yaml, merge
from gkml.training.synth.config import DEFAULTS
from gkml.training.synth.config import load_config as synth_config

# ---------------------------------------------------------------------------
# The training config


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c.update(epochz=3), "unknown key 'epochz'"),
        (lambda c: c["model"].update(layers="two"), "model.layers: expected integer, got string 'two'"),
        (lambda c: c["model"].update(layers=True), "model.layers: expected integer, got boolean"),
        (lambda c: c["training"].update(learning_rate="fast"), "training.learning_rate: expected number"),
        (lambda c: c.pop("output_dir"), "missing required key 'output_dir'"),
        (lambda c: c["data"]["train"][0].update(wieght=2), "data.train[0]: unknown key 'wieght'"),
        (
            lambda c: c["data"]["train"][0].update(kind="pdfs"),
            "data.train[0].kind: expected one of 'synth', 'labelstudio'",
        ),
        (
            lambda c: c["data"]["train"][0].update(path="x"),
            "data.train[0]: a synth source needs exactly one of",
        ),
        (lambda c: c["data"]["train"][0].update(weight=0), "data.train[0].weight: must be > 0"),
        (
            lambda c: c["data"]["train"][0]["generate"].update(n="many"),
            "data.train[0].generate.n: expected integer",
        ),
        (lambda c: c["data"].update(train=[]), "data.train: at least one source"),
        (lambda c: c["data"].update(train={"kind": "synth"}), "data.train: expected a list"),
        (lambda c: c["windowing"].update(stride=200), "windowing.stride: must be in [0, max_length - 2)"),
        (
            lambda c: c["model"].update(hidden=30, heads=4),
            "model.heads: hidden (30) must be a multiple of heads (4)",
        ),
        (
            lambda c: c["model"].update(max_positions=64),
            "model.max_positions: must be >= windowing.max_length",
        ),
        (lambda c: c["tokenizer"].update(common_chars="big5"), "tokenizer.common_chars: expected one of"),
        (lambda c: c["training"].update(extra=["a"]), "training.extra: expected a mapping"),
        (lambda c: c.update(model=5), "model: expected a mapping, got integer 5"),
    ],
)
def test_config_errors_name_the_key(tmp_path, edit, message):
    cfg = base()
    edit(cfg)
    with pytest.raises(ValueError, match=re.escape(message)) as err:
        load_config(write(tmp_path, cfg))
    assert str(err.value).startswith(str(tmp_path / "c.yaml"))


def test_config_bad_yaml_and_non_mapping(tmp_path):
    with pytest.raises(ValueError, match="not valid YAML"):
        load_config(write(tmp_path, "a: [1,"))
    with pytest.raises(ValueError, match="expected a mapping at the top level"):
        load_config(write(tmp_path, "- 1\n- 2\n"))


def test_config_defaults_overrides_and_resolved_round_trip(tmp_path):
    cfg = load_config(
        TINY, parse_overrides(["training.max_steps=3", "output_dir=/tmp/x", "model.init_from=null"])
    )
    assert cfg.training.max_steps == 3 and cfg.output_dir == "/tmp/x" and cfg.model.init_from is None
    assert isinstance(cfg.data.train[0], Source) and cfg.data.train[0].generate.n == 12
    assert cfg.training.epochs == 2.0 and isinstance(cfg.training.epochs, float)  # int accepted for a number
    again = load_config(write(tmp_path, dump_config(cfg)))
    assert again == cfg
    with pytest.raises(ValueError, match="expected KEY=VALUE"):
        parse_overrides(["training.max_steps"])
    with pytest.raises(ValueError, match="here: expected a mapping"):
        from_dict(Source, [1], "here")


def test_shipped_configs_load():
    small = load_config(SMALL)
    assert (small.model.layers, small.model.hidden, small.model.heads, small.model.ffn) == (2, 128, 2, 512)
    assert (small.windowing.max_length, small.windowing.stride) == (512, 128)
    tiny = load_config(TINY)
    assert (tiny.model.layers, tiny.model.hidden) == (1, 32)
    # the synth mixes they name load (paths are relative to the repository root)
    from gkml.training import synth

    mixes = [s.generate.config for c in (small, tiny) for s in c.data.train if s.generate and s.generate.config]
    assert mixes == ["configs/synth-empty-rows.yaml", "configs/synth-labels-only.yaml", "configs/synth-provincial.yaml"]
    assert synth.load_config(ROOT / mixes[0])["layouts"]["pipe_lines"] == 1.0
    assert synth.load_config(ROOT / mixes[1])["labels_only"] == 1.0
    assert synth.load_config(ROOT / mixes[2])["table_notes"] > 0 < synth.load_config(ROOT / mixes[2])["extra_rows"]
    # the training chains (`make chains`), and each leave-one-chain-out config is the recipe without one
    chains = {s.path.rsplit("/", 1)[1] for s in small.data.train if s.path}
    assert chains == set(X.CHAINS) - {"ocr-ingest"}  # the scan set judges gkml's reading of scans
    for chain in ("pdfminer-text", "ocr-text"):
        loco = load_config(ROOT / "configs" / f"small-loco-{chain}.yaml")
        assert {s.path.rsplit("/", 1)[1] for s in loco.data.train if s.path} == chains - {chain}
        assert [s for s in loco.data.train if not s.path] == [s for s in small.data.train if not s.path]
        assert (loco.model, loco.windowing, loco.training) == (small.model, small.windowing, small.training)
    # the default model (the fast student) learns its teacher's data from the teacher
    fast = load_config(ROOT / "configs" / "small-fast.yaml")
    assert (fast.data, fast.training) == (small.data, small.training) and fast.distill.teacher == small.output_dir
    assert fast.model.hidden < small.model.hidden and fast.windowing.max_length < small.windowing.max_length
    # ... and its leave-one-chain-out runs, taught by the teacher that never saw the chain either
    for chain in ("pdfminer-text", "ocr-text"):
        fast_loco = load_config(ROOT / "configs" / f"small-fast-loco-{chain}.yaml")
        assert fast_loco.data.train == [s for s in fast.data.train if not (s.path or "").endswith(f"/{chain}")]
        assert fast_loco.distill.teacher == load_config(ROOT / "configs" / f"small-loco-{chain}.yaml").output_dir
        assert (fast_loco.model, fast_loco.windowing, fast_loco.training) == (fast.model, fast.windowing, fast.training)


def test_unusable_config_is_an_error_exit(tmp_path, capsys):
    from gkml.cli import main

    cfg = base()
    cfg["windowing"]["stride"] = 500
    assert main(["train", str(write(tmp_path, cfg))]) == 1
    assert "windowing.stride" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# The generator's config: a nested dict of defaults, read by the same loader


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"templtes": {}}, "unknown key 'templtes' (known: templates, levels"),
        ({"templates": {"2021": 0.5, "2019": 0.2, "none": 0.2}}, "templates: shares sum to 0.9, not 1"),
        ({"layouts": {"pipes": 0.5, "scan": 0.5}}, "layouts: unknown key 'scan'"),
        ({"inconsistent": "many"}, "inconsistent: expected a number, got string 'many'"),
        ({"inconsistent": 1.5}, "inconsistent: 1.5 is outside [0.0, 1.0]"),
        ({"noise": {"rates": {"blur": 0.1}}}, "noise.rates: unknown key 'blur'"),
        ({"noise": {"layouts": {"pipes": {"blur": 0.1}}}}, "noise.layouts.pipes: unknown key 'blur'"),
        ({"noise": 3}, "noise: expected a mapping, got integer 3"),
        ({"raw": "yes"}, "raw: expected true or false"),
    ],
)
def test_synth_config_errors_name_the_key(overrides, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        synth_config(overrides=overrides)


def test_synth_config_file_errors_name_the_file(tmp_path):
    path = write(tmp_path, {"layouts": {"pipes": 2.0}})
    with pytest.raises(ConfigError, match=re.escape(f"{path}: layouts.pipes: 2.0 is outside")):
        synth_config(path)


def test_synth_config_file_matches_the_defaults():
    assert synth_config(ROOT / "configs" / "synth.yaml") == DEFAULTS


def test_synth_config_mix_is_replaced_whole_and_overrides_come_last(tmp_path):
    path = write(tmp_path, {"templates": {"2021": 1}, "inconsistent": 0.5})
    config = synth_config(path, parse_overrides(["inconsistent=0.25"]))
    assert config["templates"] == {"2021": 1}  # a mix names all its shares: none merged in
    assert config["inconsistent"] == 0.25
    assert config["noise"] == DEFAULTS["noise"]


# ---------------------------------------------------------------------------
# The shared loader


def test_merge_lays_the_override_over_a_copy():
    base_ = {"a": {"b": 1, "c": 2}, "d": 3}
    assert merge(base_, {"a": {"b": 5}, "e": 6}) == {"a": {"b": 5, "c": 2}, "d": 3, "e": 6}
    assert base_ == {"a": {"b": 1, "c": 2}, "d": 3}


def test_strict_merge_names_the_unknown_key_and_its_parent():
    with pytest.raises(ConfigError, match=re.escape("a: unknown key 'x' (known: b, c)")):
        merge({"a": {"b": 1, "c": 2}}, {"a": {"x": 1}}, strict=True)


def test_strict_merge_wants_a_mapping_where_the_defaults_have_one():
    with pytest.raises(ConfigError, match=re.escape("a: expected a mapping, got integer 1")):
        merge({"a": {"b": 1}}, {"a": 1}, strict=True)


def test_merge_replaces_the_keys_it_is_told_to_whole():
    assert merge({"m": {"x": 1, "y": 2}}, {"m": {3: 1}}, replace={"m"}) == {"m": {"3": 1}}


def test_parse_overrides_reads_values_as_yaml():
    assert parse_overrides(["a.b=3", "a.c=null", "d=[1, 2]"]) == {"a": {"b": 3, "c": None}, "d": [1, 2]}


def test_load_yaml_reads_an_empty_file_as_no_keys(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing\n", encoding="utf-8")
    assert load_yaml(path) == {}


def test_config_error_says_file_key_and_why():
    assert str(ConfigError("model.layers", "must be >= 1", "c.yaml")) == "c.yaml: model.layers: must be >= 1"
    assert str(ConfigError("", "not valid YAML").in_file("c.yaml")) == "c.yaml: not valid YAML"
