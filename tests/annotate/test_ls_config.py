"""The generated labelling config, validated with label-studio-sdk's LabelInterface, the
code the Label Studio server itself runs on every imported config and prediction."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from gkml.annotate.config import label_config, label_groups
from gkml.cli import main
from gkml.labels import ENTITY_TYPES


def label_interface(config: str):
    from label_studio_sdk.label_interface import LabelInterface

    return LabelInterface(config)


def test_config_has_every_entity_type_once_as_the_stored_value():
    """Label Studio stores a Label's alias in results (value when there is none): the
    alias is the entity type, so exports need no mapping back."""
    root = ET.fromstring(label_config())
    labels = list(root.iter("Label"))
    assert [lab.get("alias") for lab in labels].count("t3.new.total") == 1
    assert sorted(lab.get("alias") for lab in labels) == sorted(ENTITY_TYPES)
    values = [lab.get("value") for lab in labels]
    assert len(set(values)) == len(values) == len(ENTITY_TYPES) == 304
    # the value is what the quick filter searches: the key and the Chinese names
    by_alias = {lab.get("alias"): lab for lab in labels}
    assert by_alias["t3.new.person"].get("value") == "t3.new.person 一、本年新收政府信息公开申请数量 自然人"
    assert by_alias["t3.new.business"].get("html") == "商业企业"
    assert by_alias["t3.carried_in.org_subtotal"].get("html") == "法人小计"
    assert by_alias["SEC3"].get("html") == "三、收到和处理政府信息公开申请情况"


def test_config_is_what_the_label_studio_sdk_reads():
    li = label_interface(label_config())
    control = li.get_control("label")
    assert set(control.labels) == set(ENTITY_TYPES)
    assert control.to_name == ["text"]
    assert li.get_object("text").value == "$text"


def test_config_groups_tables_and_rows_with_one_colour_per_table():
    groups = label_groups()
    assert [g.title for g in groups[:3]] == [
        "章节标题 Sections",
        "文中数字 Narrative counts",
        "元数据 Metadata",
    ]
    tables = {g.title.split()[0] + g.title[-9:]: g for g in groups[3:]}
    assert len(tables) == 4
    t3 = next(g for g in groups if g.title.startswith("表三"))
    rows = [r.title for r in t3.rows]
    # a 小计 row comes right after the rows it sums
    assert rows.index("(三)不予公开 小计") == rows.index("(三)不予公开 8.属于行政查询事项") + 1
    # 2019's one-row (六) sits with the 2021 sub-items, then their 小计
    assert rows.index("(六)其他处理") == rows.index("(六)其他处理 3.其他") + 1
    assert rows.index("(六)其他处理 小计") == rows.index("(六)其他处理") + 1
    assert rows[-2:] == ["(七)总计", "四、结转下年度继续办理"]
    for g in groups[3:]:
        colours = {spec.background for row in g.rows for spec in row.labels}
        prefixes = {spec.entity.split(".")[0] for row in g.rows for spec in row.labels}
        assert len(colours) == 1 and len(prefixes) == 1
        for row in g.rows:
            assert len({spec.entity.rsplit(".", 1)[0] for spec in row.labels}) == 1  # one row of the table


def test_config_filter_is_named_and_bound_to_the_labels():
    """The 1.23.2 editor refuses to render a config whose <Filter> has no name."""
    (flt,) = ET.fromstring(label_config()).iter("Filter")
    assert flt.get("name") and flt.get("toName") == "label"


def test_config_hotkeys_are_unique_and_on_the_hand_labelled_groups():
    root = ET.fromstring(label_config())
    keys = {lab.get("alias"): lab.get("hotkey") for lab in root.iter("Label") if lab.get("hotkey")}
    assert keys["SEC1"] == "1" and keys["AGENCY"] == "a" and keys["FACT.request"] == "w"
    assert len(set(keys.values())) == len(keys) == 17
    assert all(not k.startswith("t") for k in keys)


def test_ls_config_command_prints_the_generated_config(capsys, tmp_path):
    assert main(["ls", "config"]) == 0
    assert capsys.readouterr().out == label_config()
    assert main(["ls", "config", "-o", str(tmp_path / "c.xml")]) == 0
    assert (tmp_path / "c.xml").read_text(encoding="utf-8") == label_config()
