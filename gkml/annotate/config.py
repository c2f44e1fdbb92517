"""The Label Studio labelling config, generated from :mod:`gkml.labels`, so the label
catalogue is written once and what a person sees in Label Studio follows it.

One labels control (``<Labels name="label">``) holds every entity type. Each ``<Label>``
has ``alias`` = the entity type (what results store, what the server and the SDK validate
against) and a ``value`` made of the key and its Chinese row/column names (what the quick
filter searches), and shows a short Chinese name on its button. A two-level scheme (one
CELL label plus a per-region key choice) would halve the label list but double the clicks
for each of the ~200 cells of a report, and every reader of the exports would need to
know it; one flat alias = entity type keeps exports readable by :mod:`gkml.annotate.export`
as they are. (Checked in the 1.23.2 editor, driven by headless Chromium: the panel renders
grouped, the filter finds "新收", and a drag with 自然人 of 一、本年新收 selected stores
``"labels": ["t3.new.person"]`` with code-point offsets.)
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from gkml.labels import ENTITY_TYPES, FACT_TYPES, META_TYPES, SECTION_TYPES
from gkml.schema import CELLS, FACT_KINDS, SECTION_TITLES

FROM_NAME = "label"  # the <Labels> control
TO_NAME = "text"  # the <Text> object
DATA_KEY = "text"  # task data field shown ($text)


@dataclass(frozen=True)
class LabelSpec:
    """How one entity type appears in Label Studio."""

    entity: str  # stored in results (the Label's alias)
    value: str  # unique, searchable by the filter: key + Chinese names
    button: str  # short text on the button
    background: str
    hotkey: str | None = None


@dataclass
class LabelGroup:
    """A titled block of labels (a table, a row of a table, the sections…)."""

    title: str
    labels: list[LabelSpec] = field(default_factory=list)
    rows: list[LabelGroup] = field(default_factory=list)


# Colours by group; the hotkeys are for what is labelled most by hand (pre-annotations get
# the cells right far more often than the headings, counts and metadata).
COLOURS = {
    "SEC": "#8e6cc8",
    "FACT": "#1fa39a",
    "META": "#7d8b99",
    "T2": "#5fb760",
    "T3": "#4a9de8",
    "T4": "#f0a030",
}
HOTKEYS = {
    **{f"SEC{n}": str(n) for n in SECTION_TITLES},
    **dict(zip(FACT_TYPES, "qwetsdfg", strict=True)),
    "AGENCY": "a",
    "YEAR": "y",
    "PUBDATE": "p",
}
FACT_NAMES = {
    "active": "主动公开",
    "request": "依申请",
    "interaction": "政民互动",
    "platform": "平台·人员",
    "training": "培训",
    "money": "金额",
    "share": "比例",
    "other": "其他",
}
META_NAMES = {"AGENCY": "机关名称", "YEAR": "报告年度", "PUBDATE": "发布日期"}
_ZH_ORDINALS = "一二三四五六"
assert set(FACT_NAMES) == set(FACT_KINDS) and set(META_NAMES) == set(META_TYPES)


def _short(text: str) -> str:
    """A catalogue name without its English note ("… (also printed …)", "(2019 format…)")."""
    for note in (" (also printed", " (2019 format", " (2021 template"):
        text = text.split(note)[0]
    return text.strip()


def _col_name(prefix: str, col_zh: str) -> str:
    """Button text of a column: "商业企业" for "法人或其他组织 商业企业", "法人小计" for its 小计."""
    name = _short(col_zh)
    if name.startswith("法人或其他组织 "):
        rest = name.split(" ", 1)[1]
        return {"其他": "其他组织", "小计": "法人小计"}.get(rest, rest)
    return name


def _table_rows(prefix: str) -> list[str]:
    """Rows of a table in catalogue order, each 小计 row moved after the rows it sums."""
    rows = list(dict.fromkeys(c.row for c in CELLS.values() if c.prefix == prefix))

    def after_group(row: str, stem: str) -> None:
        """Move ``row`` after the first run of rows named ``stem…`` (the group it belongs to)."""
        rows.remove(row)
        at = next((i for i, r in enumerate(rows) if r.startswith(stem)), len(rows))
        while at < len(rows) and rows[at].startswith(stem):
            at += 1
        rows.insert(at, row)

    for suffix in ("_single", "_subtotal"):  # 2019's one-row (六), then the 小计 rows
        for row in [r for r in rows if r.endswith(suffix)]:
            after_group(row, row[: -len(suffix) + 1])
    return rows


TABLE_TITLES = {
    "t2": "表二 主动公开政府信息情况 (2021 格式)",
    "t2v19": "表二 主动公开政府信息情况 (2019 格式)",
    "t3": "表三 收到和处理政府信息公开申请情况",
    "t4": "表四 政府信息公开行政复议、行政诉讼情况",
}


def label_groups() -> list[LabelGroup]:
    """The label catalogue as people look for it: sections, counts and metadata first (the
    labels set by hand most often), then the tables, each split into its rows."""
    groups = [
        LabelGroup(
            "章节标题 Sections",
            [
                LabelSpec(
                    t,
                    f"{t} {_ZH_ORDINALS[int(t[3:]) - 1]}、{SECTION_TITLES[int(t[3:])]}",
                    f"{_ZH_ORDINALS[int(t[3:]) - 1]}、{SECTION_TITLES[int(t[3:])]}",
                    COLOURS["SEC"],
                    HOTKEYS[t],
                )
                for t in SECTION_TYPES
            ],
        ),
        LabelGroup(
            "文中数字 Narrative counts",
            [
                LabelSpec(
                    t,
                    f"{t} {FACT_NAMES[t.split('.', 1)[1]]}",
                    FACT_NAMES[t.split(".", 1)[1]],
                    COLOURS["FACT"],
                    HOTKEYS[t],
                )
                for t in FACT_TYPES
            ],
        ),
        LabelGroup(
            "元数据 Metadata",
            [
                LabelSpec(t, f"{t} {META_NAMES[t]}", META_NAMES[t], COLOURS["META"], HOTKEYS[t])
                for t in META_TYPES
            ],
        ),
    ]
    for prefix, title in TABLE_TITLES.items():
        table = LabelGroup(title)
        for row in _table_rows(prefix):
            cells = [c for c in CELLS.values() if c.prefix == prefix and c.row == row]
            row_group = LabelGroup(_short(cells[0].row_zh))
            for c in cells:
                row_group.labels.append(
                    LabelSpec(
                        c.key,
                        f"{c.key} {_short(c.row_zh)} {_short(c.col_zh)}",
                        _col_name(prefix, c.col_zh),
                        COLOURS[f"T{c.table}"],
                    )
                )
            table.rows.append(row_group)
        groups.append(table)
    return groups


def label_specs() -> dict[str, LabelSpec]:
    """Entity type → its label, for every entity type (checked: none missing, none twice)."""
    out: dict[str, LabelSpec] = {}

    def walk(g: LabelGroup) -> None:
        for spec in g.labels:
            if spec.entity in out:
                raise AssertionError(f"label {spec.entity} twice in the config")
            out[spec.entity] = spec
        for sub in g.rows:
            walk(sub)

    for g in label_groups():
        walk(g)
    missing = [t for t in ENTITY_TYPES if t not in out]
    if missing:
        raise AssertionError(f"entity types without a label: {missing}")
    return out


def label_config() -> str:
    """The Label Studio labelling config (XML): the text on the left, a scrolling panel of
    labels on the right with a quick filter (type part of a key or a Chinese name)."""
    label_specs()  # completeness check
    root = ET.Element("View", style="display: flex; align-items: flex-start; gap: 12px")
    left = ET.SubElement(root, "View", style="flex: 1 1 auto; min-width: 0")
    ET.SubElement(left, "Header", value="$doc_id", size="6")
    ET.SubElement(left, "Text", name=TO_NAME, value=f"${DATA_KEY}", granularity="symbol")
    right = ET.SubElement(
        root, "View", style="flex: 0 0 430px; max-height: 88vh; overflow-y: auto; position: sticky; top: 0"
    )
    ET.SubElement(
        right,
        "Filter",
        name="label_filter",
        toName=FROM_NAME,
        minlength="1",
        hotkey="shift+f",
        placeholder="筛选标签 filter: t3.new / 新收 / 自然人",
    )
    labels = ET.SubElement(right, "Labels", name=FROM_NAME, toName=TO_NAME, showInline="true")

    def add(parent: ET.Element, group: LabelGroup, size: str) -> None:
        box = ET.SubElement(parent, "View", style="margin: 4px 0 2px 0")
        ET.SubElement(box, "Header", value=group.title, size=size)
        for spec in group.labels:
            attrs = {
                "value": spec.value,
                "alias": spec.entity,
                "html": spec.button,
                "background": spec.background,
            }
            if spec.hotkey:
                attrs["hotkey"] = spec.hotkey
            ET.SubElement(box, "Label", attrs)
        for row in group.rows:
            add(box, row, "6")

    for group in label_groups():
        add(labels, group, "5")
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="unicode") + "\n"
