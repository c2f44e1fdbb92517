"""The annotation loop with Label Studio: labelling config, tasks with pre-annotations,
push/pull through the SDK, and Label Studio exports → training records.

Everything a person sees in Label Studio is generated here from :mod:`gkml.labels`, and
everything that comes back is checked here, so the label catalogue is written once and a
wrong offset is caught before it reaches training.

Offsets: Label Studio stores a text region's ``start``/``end`` in Unicode code points of
the task text (measured with 1.23.2, in the browser too), which are exactly Python ``str``
indices — no conversion, but every region's ``text`` is checked against
``text[start:end]`` when an export is read.

One labels control (``<Labels name="label">``) holds every entity type. Each ``<Label>``
has ``alias`` = the entity type (what results store, what the server and the SDK validate
against) and a ``value`` made of the key and its Chinese row/column names (what the quick
filter searches), and shows a short Chinese name on its button. A two-level scheme (one
CELL label plus a per-region key choice) would halve the label list but double the clicks
for each of the ~200 cells of a report, and every reader of the exports would need to
know it; one flat alias = entity type keeps exports readable by ``gkml.training.data`` as they are.
(Checked in the 1.23.2 editor, driven by headless Chromium: the panel renders grouped, the
filter finds "新收", and a drag with 自然人 of 一、本年新收 selected stores
``"labels": ["t3.new.person"]`` with code-point offsets.)
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gkml import __version__
from gkml.labels import ENTITY_TYPES, FACT_TYPES, META_TYPES, SECTION_TYPES, Span
from gkml.schema import CELLS, FACT_KINDS, SECTION_TITLES

FROM_NAME = "label"  # the <Labels> control
TO_NAME = "text"  # the <Text> object
DATA_KEY = "text"  # task data field shown ($text)
PROJECT_TITLE = "gkml annual reports"
_ENTITY_SET = frozenset(ENTITY_TYPES)

# ---------------------------------------------------------------------------
# The labelling config


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


# ---------------------------------------------------------------------------
# Tasks with pre-annotations


def region(text: str, span: Span, rid: str) -> dict[str, Any]:
    """One Label Studio text region (a result item) for a non-empty span."""
    if not 0 <= span.start < span.end <= len(text):
        raise ValueError(
            f"span {span.start}-{span.end} {span.label} is empty or outside the text (length {len(text)})"
        )
    return {
        "id": rid,
        "from_name": FROM_NAME,
        "to_name": TO_NAME,
        "type": "labels",
        "origin": "prediction",
        "value": {
            "start": span.start,
            "end": span.end,
            "text": text[span.start : span.end],
            "labels": [span.label],
        },
        "score": round(float(span.score), 4),
    }


def regions(text: str, spans: Iterable[Span], prefix: str = "r") -> list[dict[str, Any]]:
    """Regions for every span with characters; a cell printed as nothing (a zero-length span)
    has no characters to highlight, so it cannot be a region and is left out."""
    kept = sorted((s for s in spans if s.end > s.start), key=lambda s: (s.start, s.end, s.label))
    return [region(text, s, f"{prefix}{i}") for i, s in enumerate(kept)]


def task_score(text: str, spans: Sequence[Span]) -> float:
    """How much to trust a pre-annotation: the mean span score times the share of the
    table identities that hold on the values it reads. Sorting tasks by prediction score
    in Label Studio then puts first the reports whose reading breaks an identity — the
    ones a person must look at."""
    from gkml.assemble.checks import run_checks
    from gkml.assemble.report import assemble

    scores = [s.score for s in spans if s.end > s.start]
    mean = sum(scores) / len(scores) if scores else 0.0
    report = assemble(text, list(spans))
    checks = [
        c
        for c in run_checks({k: v.value for k, v in report.cells.items()}, report.template)
        if c.severity == "error"
    ]
    held = sum(c.ok for c in checks) / len(checks) if checks else 1.0
    return round(mean * held, 4)


def make_task(
    text: str,
    doc_id: str,
    source: str,
    spans: Sequence[Span] | None = None,
    model_version: str | None = None,
) -> dict[str, Any]:
    """A Label Studio import task: the normalised text, and (with ``spans``) one prediction."""
    task: dict[str, Any] = {"data": {DATA_KEY: text, "doc_id": doc_id, "source": source}}
    if spans is not None:
        task["predictions"] = [
            {
                "model_version": model_version or f"rules-{__version__}",
                "score": task_score(text, spans),
                "result": regions(text, spans),
            }
        ]
    return task


Labeller = Callable[[str], list[Span]]


def get_labeller(engine: str = "rules", model: str | None = None) -> tuple[Labeller, str]:
    """``(labeller, model_version)`` for an engine of :data:`gkml.predict.ENGINES`, or for a
    trained model directory (``model``: the ``model`` engine on that directory). The version
    is ``rules-<gkml version>`` for the rules, the model directory's name for a model."""
    from gkml import predict

    if model is not None:
        if not (Path(model) / "config.json").is_file():
            raise ValueError(
                f"{model}: not a model directory (no config.json); train one with `gkml train CONFIG`"
            )
        engine = "model"
    if engine not in predict.ENGINES:
        raise ValueError(f"unknown engine {engine!r} (known: {', '.join(predict.ENGINES)})")
    if engine == "model":
        labeller = predict.ENGINES["model"](model) if model is not None else predict.ENGINES["model"]()
        return labeller, getattr(labeller, "version", None) or Path(model or "model").resolve().name
    return predict.ENGINES[engine](), f"{engine}-{__version__}"


def tasks_from_paths(
    paths: Sequence[str], engine: str = "rules", model: str | None = None, predictions: bool = True
) -> tuple[list[dict[str, Any]], list[str]]:
    """One task per readable input (``doc_id`` = file name without extension, as gold files
    are keyed) and the error message of every input that could not be read. A model labels
    all the texts in one batched call."""
    from gkml.io.ingest import IngestError, ingest
    from gkml.predict import doc_id_of, expand_inputs, label_many

    docs, errors = [], []
    for path in expand_inputs(paths):
        try:
            docs.append((path, ingest(path).text))
        except IngestError as e:
            errors.append(f"{path}: {e}")
    if not predictions:
        return [make_task(text, doc_id_of(path), path) for path, text in docs], errors
    labeller, version = get_labeller(engine, model)
    spans = label_many(labeller, [text for _, text in docs])
    tasks = [
        make_task(text, doc_id_of(path), path, s, version)
        for (path, text), s in zip(docs, spans, strict=True)
    ]
    return tasks, errors


# ---------------------------------------------------------------------------
# Reading Label Studio exports


class AnnotationError(ValueError):
    """An export that cannot be trained on; the message names the file, task and region."""


def read_export(path: str | Path) -> list[dict[str, Any]]:
    """The tasks of one Label Studio JSON export (a list of tasks, or one task)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise AnnotationError(f"{path}: not a Label Studio JSON export: {e}") from None
    tasks = data if isinstance(data, list) else [data]
    for i, task in enumerate(tasks):
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise AnnotationError(f"{path}: item {i} is not a task (an object with 'data')")
    return tasks


def task_text(task: dict[str, Any]) -> str | None:
    data = task.get("data") or {}
    if isinstance(data.get(DATA_KEY), str):
        return data[DATA_KEY]
    texts = [v for v in data.values() if isinstance(v, str)]
    return texts[0] if len(texts) == 1 else None


def chosen_annotation(task: dict[str, Any]) -> dict[str, Any] | None:
    """The annotation to train on: the ground-truth one if marked, else the first completed
    (not cancelled) one — the same pick as ``gkml.training.data.labelstudio_records``."""
    done = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    truth = [a for a in done if a.get("ground_truth")]
    return (truth or done or [None])[0]


def result_spans(text: str, result: Iterable[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    """Checked character spans ``{start, end, label}`` of a result list, sorted.

    Every text region must carry exactly one known label, lie inside the text and, when it
    records its ``text``, match ``text[start:end]`` exactly; regions may not overlap (BIO
    tags could not hold both). Items that are not text regions (a choice, a comment) are
    skipped; a region listed twice counts once.
    """
    spans: dict[tuple[int, int, str], str] = {}
    for item in result:
        value = item.get("value") or {}
        if "start" not in value or "end" not in value or "labels" not in value:
            continue
        rid = f"{where}, region {item.get('id', '?')}"
        try:
            start, end = int(value["start"]), int(value["end"])
        except (TypeError, ValueError):
            raise AnnotationError(f"{rid}: start/end are not character offsets: {value!r}") from None
        labels = value["labels"]
        if not isinstance(labels, list) or len(labels) != 1:
            raise AnnotationError(f"{rid}: needs exactly one label, has {labels!r}")
        label = labels[0]
        if label not in _ENTITY_SET:
            raise AnnotationError(f"{rid}: unknown label {label!r} (see `gkml labels`)")
        if not 0 <= start < end <= len(text):
            raise AnnotationError(
                f"{rid}: span {start}-{end} is empty or outside the text (length {len(text)})"
            )
        if "text" in value and value["text"] != text[start:end]:
            raise AnnotationError(
                f"{rid}: {label} {start}-{end} says {value['text']!r} but the task text there is {text[start:end]!r}"
            )
        spans[(start, end, label)] = rid
    ordered = sorted(spans)
    for (s1, e1, l1), (s2, e2, l2) in zip(ordered, ordered[1:], strict=False):
        if s2 < e1:
            raise AnnotationError(
                f"{spans[(s2, e2, l2)]}: {l2} {s2}-{e2} {text[s2:e2]!r} overlaps {l1} {s1}-{e1} {text[s1:e1]!r}"
            )
    return [{"start": s, "end": e, "label": lab} for s, e, lab in ordered]


def export_records(path: str | Path, tasks: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Training records ``{"id", "text", "spans"}`` of one export file; tasks without a
    completed annotation are skipped (not labelled yet). ``id`` is ``FILESTEM:TASKID``, as
    ``gkml.training.data.labelstudio_records`` names them; ``doc_id`` and ``source`` come along."""
    path = Path(path)
    records = []
    for i, task in enumerate(read_export(path) if tasks is None else tasks):
        tid = task.get("id", i)
        where = f"{path}: task {tid}"
        text = task_text(task)
        if text is None:
            raise AnnotationError(f"{where}: no data.{DATA_KEY}")
        ann = chosen_annotation(task)
        if ann is None:
            continue
        spans = result_spans(text, ann.get("result") or [], f"{where}, annotation {ann.get('id', '?')}")
        data = task["data"]
        records.append(
            {
                "id": f"{path.stem}:{tid}",
                "text": text,
                "spans": spans,
                "doc_id": data.get("doc_id"),
                "source": data.get("source"),
            }
        )
    return records


def expand_exports(paths: Iterable[str | Path]) -> list[Path]:
    """Export files from files and folders (a folder: its *.json, recursively, sorted)."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(q for q in p.rglob("*.json") if not any(part.startswith(".") for part in q.parts))
        elif p.is_file():
            files.append(p)
        else:
            raise AnnotationError(f"{p}: no such file or folder")
    return list(dict.fromkeys(files))


def load_annotations(paths: str | Path | Iterable[str | Path]) -> list[dict[str, Any]]:
    """Records ``{"id", "text", "spans": [{"start", "end", "label"}]}`` (plus ``doc_id``,
    ``source``) from Label Studio JSON exports — files or folders — checked region by
    region: the same record shape as the synthetic corpus, ready for ``gkml.training.data``."""
    if isinstance(paths, str | Path):
        paths = [paths]
    records = []
    for file in expand_exports(paths):
        records += export_records(file)
    return records


@dataclass
class ConvertStats:
    files: int
    tasks: int
    records: int
    spans: int
    empty_tasks: int  # tasks without a completed annotation
    out: str


def _tagged_row(r: dict[str, Any]) -> dict[str, Any]:
    from gkml.training.data import char_tags

    return {"id": r["id"], "text": r["text"], "spans": r["spans"], "tags": char_tags(r["text"], r["spans"])}


def convert(paths: Iterable[str | Path], out: str | Path) -> ConvertStats:
    """Label Studio exports → the training dataset format: ``OUT/reports.jsonl`` (one record
    per annotated report, character spans) and ``OUT/dataset`` (``datasets.save_to_disk``
    with ``id``, ``text``, ``spans`` and ``tags``, the per-character IOB2 tags of
    :func:`gkml.training.data.char_tags`). It is the layout of a ``gkml synth`` corpus, so a config can
    also read it as ``kind: synth, path: OUT``."""
    from datasets import Features, List, Value

    from gkml.training.data import report_features
    from gkml.training.synth.corpus import save

    files = expand_exports(paths)
    records: list[dict[str, Any]] = []
    n_tasks = 0
    for file in files:
        tasks = read_export(file)
        n_tasks += len(tasks)
        records += export_records(file, tasks)
    if not records:
        raise AnnotationError(f"no completed annotations in {', '.join(map(str, files)) or 'no files'}")
    features = Features({**report_features(), "tags": List(Value("string"))})
    save(records, Path(out), progress=False, row=_tagged_row, features=features)  # a bar for a few dozen reports is noise
    return ConvertStats(
        files=len(files),
        tasks=n_tasks,
        records=len(records),
        spans=sum(len(r["spans"]) for r in records),
        empty_tasks=n_tasks - len(records),
        out=str(out),
    )


# ---------------------------------------------------------------------------
# Talking to a Label Studio server (label-studio-sdk 2.x)


def credentials(url: str | None, api_key: str | None) -> tuple[str, str]:
    """URL and API key from the options or ``LABEL_STUDIO_URL`` / ``LABEL_STUDIO_API_KEY``.
    The key is only ever passed to the SDK: never printed, logged or written."""
    url = url or os.environ.get("LABEL_STUDIO_URL")
    api_key = api_key or os.environ.get("LABEL_STUDIO_API_KEY")
    if not url:
        raise ValueError(
            "no Label Studio URL: pass --url or set LABEL_STUDIO_URL (e.g. http://127.0.0.1:8080)"
        )
    if not api_key:
        raise ValueError(
            "no Label Studio API key: pass --api-key or set LABEL_STUDIO_API_KEY "
            "(Account & Settings → Access token, or the token the server was started with)"
        )
    return url.rstrip("/"), api_key


def connect(url: str | None = None, api_key: str | None = None):
    """A ``label_studio_sdk.LabelStudio`` client (legacy token or personal access token),
    checked with one request so a wrong URL or key fails here, with a plain message."""
    try:
        from label_studio_sdk import LabelStudio
    except ImportError:
        raise ValueError("label-studio-sdk is not installed: pip install 'label-studio-sdk==2.1.2'") from None
    base_url, key = credentials(url, api_key)
    ls = LabelStudio(base_url=base_url, api_key=key)
    with server_errors(base_url):
        ls.users.whoami()
    return ls


@contextmanager
def server_errors(url: str = "Label Studio") -> Iterator[None]:
    """Turn SDK and HTTP failures into ValueError with what went wrong (status and the
    server's answer, never the request headers that hold the key)."""
    import httpx
    from label_studio_sdk.core.api_error import ApiError

    try:
        yield
    except ApiError as e:
        hint = (
            " (check the API key; legacy tokens need LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN=true at the first start)"
            if e.status_code == 401
            else ""
        )
        raise ValueError(f"{url} answered {e.status_code}: {str(e.body)[:500]}{hint}") from None
    except httpx.HTTPError as e:
        raise ValueError(f"cannot reach {url}: {type(e).__name__}: {e}") from None


def find_project(ls, title: str):
    """The project with exactly this title, or None (the API filters by 'contains')."""
    for p in ls.projects.list(title=title):
        if p.title == title:
            return p
    return None


def ensure_project(ls, title: str = PROJECT_TITLE, config: str | None = None) -> tuple[Any, bool]:
    """``(project, created)``: the project titled ``title`` with the generated labelling
    config, created if missing and its config updated if it differs."""
    config = config or label_config()
    project = find_project(ls, title)
    if project is None:
        return ls.projects.create(
            title=title,
            label_config=config,
            description="gkml: section headings, table cells, narrative counts, metadata",
        ), True
    if (project.label_config or "").strip() != config.strip():
        project = ls.projects.update(id=project.id, label_config=config)
    return project, False


@dataclass
class PushStats:
    project_id: int
    created: bool
    imported: int
    skipped: int  # already in the project (same doc_id)
    predictions: int
    task_ids: list[int] = field(default_factory=list)


def push(ls, tasks: list[dict[str, Any]], title: str = PROJECT_TITLE) -> PushStats:
    """Create or find the project and import the tasks whose ``doc_id`` it does not hold yet,
    so pushing the same file twice does not double the work of the annotators."""
    with server_errors():
        project, created = ensure_project(ls, title)
        present = set()
        if not created:
            for t in ls.tasks.list(project=project.id, fields="task_only"):
                doc_id = (t.data or {}).get("doc_id")
                if doc_id is not None:
                    present.add(doc_id)
        new = [t for t in tasks if t["data"].get("doc_id") is None or t["data"]["doc_id"] not in present]
        imported = ls.projects.import_tasks(id=project.id, request=new, return_task_ids=True) if new else None
    return PushStats(
        project_id=project.id,
        created=created,
        imported=len(new),
        skipped=len(tasks) - len(new),
        predictions=int(getattr(imported, "prediction_count", 0) or 0),
        task_ids=list(getattr(imported, "task_ids", None) or []),
    )


def pull(ls, title: str = PROJECT_TITLE, all_tasks: bool = False) -> list[dict[str, Any]]:
    """The project's JSON export, as the UI's Export → JSON gives it: the annotated tasks
    (every task with ``all_tasks``), each with ``data`` and its ``annotations``."""
    with server_errors():
        project = find_project(ls, title)
        if project is None:
            raise ValueError(f"no Label Studio project titled {title!r}")
        raw = b"".join(
            ls.projects.exports.download_sync(id=project.id, export_type="JSON", download_all_tasks=all_tasks)
        )
    tasks = json.loads(raw)
    if not isinstance(tasks, list):
        raise ValueError(f"unexpected export from project {project.id}: {str(tasks)[:200]}")
    return tasks


def write_export(tasks: list[dict[str, Any]], out: Path) -> int:
    """Write an export to ``out`` and return how many tasks have a completed annotation.

    Each exported annotation embeds a copy of the prediction it started from; the copy is
    dropped (it doubles the file and training never reads it). Everything else is kept as
    Label Studio wrote it, so the file can be imported again."""
    for task in tasks:
        for ann in task.get("annotations") or []:
            if isinstance(ann, dict):
                ann.pop("prediction", None)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return sum(chosen_annotation(t) is not None for t in tasks)
