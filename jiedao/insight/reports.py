"""量化式报告: weekly to annual reports of a sub-district, a community or a unit, written from the data in
the wording of an editable template, with the tables behind the paragraphs, comparisons with the previous
period and the same period last year, rankings, hotspots, and an appendix tracing every figure used.

Output: blocks for the screen (figures linked to their cases), .docx (python-docx), .xlsx (openpyxl), text.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.template import Context, Engine
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from jiedao.core import clock
from jiedao.insight import wording
from jiedao.insight.hotspots import DEFAULT_DAYS, DEFAULT_MIN_CASES, DEFAULT_RADIUS_M, find_hotspots
from jiedao.insight.metrics import DIM_LABELS, METRICS, Figure, Scope, figures, measure, table
from jiedao.insight.models import ReportTemplate
from jiedao.insight.periods import Period, midnight
from jiedao.insight.rankings import Ranking, rank

HOTLINE = (("channel", "12345"),)
NAMESPACES = {"f": "", "p": "上期", "y": "去年同期", "hotline": "12345工单"}
TABLES: dict[str, list[tuple[str, str, list[str]]]] = {
    "street": [
        (
            "分社区情况",
            "community",
            ["registered", "closed", "close_rate", "ontime_close_rate", "satisfaction_rate"],
        ),
        (
            "分承办单位情况",
            "unit",
            ["registered", "close_rate", "ontime_handle_rate", "rework_rate", "dispatch_rate"],
        ),
        ("分问题类别情况", "group", ["registered", "closed", "close_rate", "ontime_close_rate"]),
        ("分来源渠道情况", "channel", ["reported", "registered", "close_rate"]),
    ],
    "community": [
        ("分网格情况", "grid", ["registered", "closed", "close_rate", "ontime_close_rate"]),
        ("分问题类别情况", "group", ["registered", "closed", "close_rate"]),
        ("分来源渠道情况", "channel", ["reported", "registered"]),
    ],
    "unit": [
        ("分问题类别情况", "group", ["registered", "closed", "close_rate", "ontime_handle_rate"]),
        ("分社区情况", "community", ["registered", "close_rate", "ontime_handle_rate"]),
    ],
}
RANKINGS = [
    ("ontime_close_rate", "unit"),
    ("ontime_close_rate", "community"),
    ("satisfaction_rate", "community"),
]


def level_of(scope: Scope) -> str:
    if scope.unit_id is not None:
        return "unit"
    return "street" if len(scope.code) == 9 else "community"


@dataclass
class Cell:
    text: str
    value: float | None = None
    url: str = ""


@dataclass
class ReportTable:
    title: str
    dim: str
    columns: list[str]
    rows: list[list[Cell]]


@dataclass
class TracedFigure:
    """One line of the appendix: a figure used in the text, what it means and how to list its cases."""

    label: str
    display: str
    definition: str
    filters: str
    url: str


@dataclass
class Report:
    title: str
    scope_name: str
    period: Period
    level: str
    blocks: list[tuple[str, str]]  # ("h" | "p", plain text)
    html_blocks: list[tuple[str, SafeString]]
    tables: list[ReportTable]
    appendix: list[TracedFigure]
    generated_at: datetime
    figures: dict[str, Figure] = field(default_factory=dict)


class FigureText:
    """What ``{{ f.x }}`` prints: the figure's text (a link to its cases on screen). Printing it traces it."""

    def __init__(self, fig: Figure, tracer: Tracer, name: str) -> None:
        self.figure, self.tracer, self.name = fig, tracer, name
        self.value = fig.value
        self.url = tracer.base_url + fig.url()

    def __str__(self) -> str:
        self.tracer.used.setdefault((self.name, self.figure.metric.key), self.figure)
        if self.tracer.html:
            return format_html('<a class="fig" href="{}">{}</a>', self.url, self.figure.display)
        return self.figure.display


class Tracer:
    """Collects, in order of printing, every figure a template prints."""

    def __init__(self, html: bool, base_url: str) -> None:
        self.used: dict[tuple[str, str], Figure] = {}
        self.html, self.base_url = html, base_url

    def text(self, name: str, fig: Figure) -> FigureText:
        return FigureText(fig, self, name)


class FigureMap(dict):
    def __init__(self, name: str, data: dict[str, Figure], tracer: Tracer) -> None:
        super().__init__(data)
        self.name, self.tracer = name, tracer

    def __getitem__(self, key: str) -> FigureText:
        return self.tracer.text(self.name, super().__getitem__(key))


class ChangeMap(dict):
    """``vs_prev.x``: the phrase comparing figure x with an earlier period; traces both figures."""

    def __init__(self, current: FigureMap, earlier: FigureMap, against: str) -> None:
        super().__init__()
        self.current, self.earlier, self.against = current, earlier, against

    def __getitem__(self, key: str) -> str:
        now, before = self.current[key], self.earlier[key]
        str(now), str(before)  # the phrase rests on both figures: trace them
        return change_phrase(now.figure, before.figure, self.against)

    def __contains__(self, key: object) -> bool:
        return key in METRICS


def change_phrase(now: Figure, before: Figure, against: str) -> str:
    """较上期增长12.5% / 较去年同期提高1.2个百分点 / 与上期持平."""
    if now.value is None or before.value is None:
        return f"{against}无可比数据"
    diff = now.value - before.value
    if abs(diff) < 0.05:
        return f"与{against}持平"
    up = diff > 0
    if now.metric.unit == "%":
        return f"较{against}{'提高' if up else '下降'}{abs(diff):.1f}个百分点"
    if now.metric.unit == "分":
        return f"较{against}{'提高' if up else '下降'}{abs(diff):.1f}分"
    if before.value == 0:
        return f"{against}为0"
    return f"较{against}{'增长' if up else '下降'}{abs(diff) / before.value * 100:.1f}%"


def template_for(level: str) -> tuple[str, str]:
    row = ReportTemplate.objects.filter(level=level).first()
    return (row.title, row.body) if row else wording.DEFAULTS[level]


def _blocks(text: str) -> list[tuple[str, str]]:
    blocks: list[tuple[str, str]] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(("p", "".join(paragraph).strip()))
            paragraph.clear()

    for line in text.splitlines():
        if line.startswith("## "):
            flush()
            blocks.append(("h", line[3:].strip()))
        elif not line.strip():
            flush()
        else:
            paragraph.append(line.strip())
    flush()
    return [b for b in blocks if b[1]]


def _render(source: str, data: dict[str, Any], html: bool) -> str:
    engine = Engine(autoescape=html)
    return engine.from_string(source).render(Context(data, autoescape=html))


def build_report(scope: Scope, period: Period, *, base_url: str = "") -> Report:
    """Everything a report shows, for a scope (a street, community or unit code) and a period."""
    if not scope.code:
        raise ValueError("报告需要指定街道、社区或单位")
    level = level_of(scope)
    current = figures(scope, period)
    previous = figures(scope, period.previous())
    last_year = figures(scope, period.last_year())
    hotline = figures(scope, period, [k for k, m in METRICS.items() if not m.fixed], HOTLINE)
    counts = measure(scope, period)[()]
    tables = [_table(scope, period, title, dim, keys, base_url) for title, dim, keys in TABLES[level]]
    rankings = [rank(scope, period, key, by) for key, by in RANKINGS if level == "street"]
    moment = min(clock.now(), midnight(period.end))
    hotspots = find_hotspots(scope, moment)
    title_src, body_src = template_for(level)
    rendered = {}
    tracers = {}
    for html in (False, True):
        tracer = Tracer(html, base_url)
        f = FigureMap("f", current, tracer)
        data = {
            "scope_name": scope.name,
            "period": period,
            "previous": period.previous(),
            "last_year": period.last_year(),
            "f": f,
            "p": FigureMap("p", previous, tracer),
            "y": FigureMap("y", last_year, tracer),
            "hotline": FigureMap("hotline", hotline, tracer),
            "counts": counts,
            "top_groups": _top(tables, "group", "registered", html),
            "top_channels": _top(tables, "channel", "reported", html),
            "rankings": [_ranking(r, tracer) for r in rankings],
            "hotspots": [
                {
                    "place": h.address or (h.cases[0].community.name if h.cases[0].community else ""),
                    "category": h.category.name,
                    "count": h.count,
                }
                for h in hotspots[:5]
            ],
            "hotspot_days": DEFAULT_DAYS,
            "hotspot_radius": DEFAULT_RADIUS_M,
            "hotspot_min": DEFAULT_MIN_CASES,
        }
        data["vs_prev"] = ChangeMap(f, data["p"], "上期")
        data["vs_year"] = ChangeMap(f, data["y"], "去年同期")
        rendered[html] = (_render(title_src, data, False), _render(body_src, data, html))
        tracers[html] = tracer
    title, text = rendered[False]
    html_text = rendered[True][1]
    return Report(
        title=title.strip(),
        scope_name=scope.name,
        period=period,
        level=level,
        blocks=_blocks(text),
        html_blocks=[(kind, mark_safe(body)) for kind, body in _blocks(html_text)],
        tables=tables,
        appendix=_appendix(tracers[False].used, base_url),
        generated_at=clock.now(),
        figures=current,
    )


def _table(scope: Scope, period: Period, title: str, dim: str, keys: list[str], base_url: str) -> ReportTable:
    rows = table(scope, period, dim, keys)
    return ReportTable(
        title=title,
        dim=dim,
        columns=[DIM_LABELS[dim]] + [METRICS[k].label for k in keys],
        rows=[
            [Cell(row.label)]
            + [
                Cell(row.figures[k].display, row.figures[k].value, base_url + row.figures[k].url())
                for k in keys
            ]
            for row in rows
        ],
    )


def _top(tables: list[ReportTable], dim: str, column: str, html: bool) -> list[dict[str, str]]:
    """The three largest rows of a table by one of its columns, for a sentence."""
    for t in tables:
        if t.dim == dim:
            index = t.columns.index(METRICS[column].label)
            rows = sorted(t.rows, key=lambda r: -(r[index].value or 0))[:3]
            return [{"label": r[0].text, "value": _cell_text(r[index], html)} for r in rows if r[index].value]
    return []


def _cell_text(cell: Cell, html: bool) -> str:
    return format_html('<a class="fig" href="{}">{}</a>', cell.url, cell.text) if html else cell.text


def _ranking(r: Ranking, tracer: Tracer) -> dict[str, Any]:
    def entries(rows) -> list[dict[str, Any]]:
        result = []
        for row in rows:
            fig = row.figures[r.metric.key]
            text = tracer.text(f"rank:{r.by}:{row.label}", fig)
            result.append({"label": row.label, "value": text})
        return result

    return {
        "metric": r.metric.label,
        "by": DIM_LABELS[r.by],
        "red": entries(r.red),
        "black": entries(r.black),
    }


def _appendix(used: dict[tuple[str, str], Figure], base_url: str) -> list[TracedFigure]:
    items = []
    for (name, _key), fig in used.items():
        prefix = NAMESPACES.get(name, name.split(":")[-1] if name.startswith("rank:") else name)
        label = f"{prefix}·{fig.metric.label}" if prefix else fig.metric.label
        items.append(
            TracedFigure(label, fig.display, fig.metric.definition, fig.filter_text, base_url + fig.url())
        )
    return items


# --- Documents ------------------------------------------------------------------------------------------


def to_text(report: Report) -> str:
    lines = [report.title, ""]
    for kind, body in report.blocks:
        lines += ["", body] if kind == "h" else [f"  {body}"]
    for number, t in enumerate(report.tables, 1):
        lines += ["", f"表{number} {t.title}", "\t".join(t.columns)]
        lines += ["\t".join(c.text for c in row) for row in t.rows]
    lines += ["", "附录 指标口径与数据来源"]
    for number, item in enumerate(report.appendix, 1):
        lines.append(f"{number}. {item.label} {item.display}:{item.definition}({item.filters}){item.url}")
    return "\n".join(lines) + "\n"


BODY_FONT, HEADING_FONT, TITLE_FONT, TABLE_FONT = "仿宋_GB2312", "黑体", "方正小标宋简体", "宋体"


def _font(run, name: str, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _docx_table(doc, header: list[str], rows: list[list[str]]) -> None:
    table_ = doc.add_table(rows=1 + len(rows), cols=len(header))
    table_.style = "Table Grid"
    for r, values in enumerate([header, *rows]):
        for c, value in enumerate(values):
            cell = table_.cell(r, c)
            cell.text = ""
            _font(cell.paragraphs[0].add_run(str(value)), TABLE_FONT, 10.5, bold=r == 0)


def to_docx(report: Report) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(report.title), TITLE_FONT, 22)
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(sub.add_run(f"(数据截至{report.generated_at:%Y年%m月%d日 %H:%M})"), BODY_FONT, 14)
    for kind, body in report.blocks:
        paragraph = doc.add_paragraph(style="Heading 1" if kind == "h" else None)
        if kind == "h":
            _font(paragraph.add_run(body), HEADING_FONT, 16)
        else:
            paragraph.paragraph_format.first_line_indent = Pt(32)
            _font(paragraph.add_run(body), BODY_FONT, 16)
    for number, t in enumerate(report.tables, 1):
        caption = doc.add_paragraph(style="Heading 2")
        _font(caption.add_run(f"表{number} {t.title}"), HEADING_FONT, 14)
        _docx_table(doc, t.columns, [[c.text for c in row] for row in t.rows])
    heading = doc.add_paragraph(style="Heading 1")
    _font(heading.add_run("附录 指标口径与数据来源"), HEADING_FONT, 16)
    _docx_table(
        doc,
        ["序号", "指标", "数值", "口径", "筛选条件", "案件清单"],
        [
            [str(i), a.label, a.display, a.definition, a.filters, a.url]
            for i, a in enumerate(report.appendix, 1)
        ],
    )
    note = doc.add_paragraph()
    _font(
        note.add_run(
            "表中各单元格的口径同列名指标,筛选条件另加该行的维度;屏幕版和 Excel 版可直接点开案件清单。"
        ),
        BODY_FONT,
        12,
    )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def to_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "报告"
    sheet.column_dimensions["A"].width = 120
    sheet.append([report.title])
    sheet["A1"].font = Font(bold=True, size=16)
    for kind, body in report.blocks:
        sheet.append([body])
        cell = sheet.cell(row=sheet.max_row, column=1)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if kind == "h":
            cell.font = Font(bold=True, size=13)
    for number, t in enumerate(report.tables, 1):
        ws = book.create_sheet(f"表{number} {t.title}"[:31])
        ws.append(t.columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.column_dimensions["A"].width = 28
        for row in t.rows:
            ws.append([row[0].text] + [c.value if c.value is not None else None for c in row[1:]])
            for col, c in enumerate(row[1:], 2):
                target = ws.cell(row=ws.max_row, column=col)
                target.hyperlink = c.url or None
                if c.value is not None and "%" in c.text:
                    target.number_format = '0.0"%"'
    ws = book.create_sheet("附录 指标口径")
    ws.append(["序号", "指标", "数值", "口径", "筛选条件", "案件清单"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, a in enumerate(report.appendix, 1):
        ws.append([i, a.label, a.display, a.definition, a.filters, a.url])
        ws.cell(row=ws.max_row, column=6).hyperlink = a.url
    for col, width in zip("ABCDEF", (6, 30, 14, 40, 50, 80), strict=True):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
