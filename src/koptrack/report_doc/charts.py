"""The document's charts as SVG, drawn by pygal without a browser.

pygal was chosen over Vega-Lite (vl-convert-python) and matplotlib's SVG backend, measured on
this machine for issue 17 with the same two charts (a year's monthly line against a target, 10
kecamatan as sorted bars): wheels of 133 kB (pure Python; about 1 MB installed with its one
dependency), 34 MB (vl-convert, 83 MB installed) and 10 MB (matplotlib, 173 MB installed with
numpy and the rest); 0.13 s to import and 10-20 ms a chart, against 1.3-1.9 s for Vega's first
chart (its JavaScript engine starting) then 0.14 s, and 1.1 s to import matplotlib then 0.15-0.2
s a chart. All three can keep text as text (searchable in the PDF; matplotlib with
svg.fonttype none); Vega lays labels out with its own font metrics, and in WeasyPrint's PDF a
long kecamatan name lost its first letter. pygal's look is set here, and its numbers are written
by koptrack in the language's way (`1.234`, `52,4 %`). Its inline
script (a copy of the chart's configuration, for tooltips), its tooltips and its comments are
taken out: the page needs no script.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import pygal
from pygal.style import Style

from koptrack import i18n
from koptrack.i18n import _
from koptrack.report_doc.figures import TargetFigure, count, month_short

FONT = "'DejaVu Sans', 'Liberation Sans', Arial, sans-serif"
ACTUAL, TARGET, PACE = "#1f5f9f", "#b3261e", "#8a8a8a"
STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#333333",
    foreground_strong="#111111",
    foreground_subtle="#d0d0d0",
    opacity="1",
    opacity_hover="1",
    transition="0s",
    font_family=FONT,
    label_font_size=11,
    major_label_font_size=11,
    value_font_size=10,
    value_label_font_size=10,
    legend_font_size=11,
    title_font_size=13,
    tooltip_font_size=11,
    guide_stroke_dasharray="2,3",
    major_guide_stroke_dasharray="2,3",
    colors=(ACTUAL, TARGET, PACE),
    stroke_width=2,  # every line (pygal's per-series width loses to its own `.reactive` rule)
    stroke_opacity=1,
    stroke_width_hover=2,
    stroke_opacity_hover=1,
)
COMMON: dict[str, Any] = {
    "style": STYLE,
    "js": [],  # no script: the page is read and printed without one
    "disable_xml_declaration": True,
    "explicit_size": False,  # the page sizes it (a viewBox only)
    "show_x_guides": False,
    "truncate_label": -1,
    "truncate_legend": -1,
    "tooltip_fancy_mode": False,
    "margin": 8,
    "spacing": 8,
}


# What pygal adds for its interactive tooltips (the script, the values it reads in `desc`, and
# `title`s a browser shows on hover: `Pygal`, guides' positions as raw numbers): none is needed
# on paper, and a number must be written as the language writes it.
_DROPPED = ("script", "title", "desc")


def _strip(root: Any) -> Any:
    """Take pygal's script, tooltips and comments (links to its website) out of the tree."""
    for parent in list(root.iter()):
        for child in list(parent):
            tag = child.tag
            if not isinstance(tag, str) or tag.rsplit("}", 1)[-1] in _DROPPED:
                parent.remove(child)
    return root


def _render(chart: Any) -> str:
    chart.add_xml_filter(_strip)
    return str(chart.render(is_unicode=True))


def nice_ticks(top: float, steps: int = 5) -> list[int]:
    """Whole-number ticks from 0 to at least `top`: 0, 20, 40, ... (1, 2 or 5 times a power of ten)."""
    top = max(top, 1)
    raw = top / steps
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(int(step), 1)
    return list(range(0, int(math.ceil(top / step)) * step + 1, step))


def _month_ends(year: int) -> list[dt.date]:
    return [dt.date(year, m + 1, 1) - dt.timedelta(days=1) for m in range(1, 12)] + [dt.date(year, 12, 31)]


def trend(f: TargetFigure, year: int) -> str:
    """A target's figure at each month's end of the year (up to the as-of date), its target as
    a dashed line, and the straight path from the year's start to the target (where a figure
    on track would be) dotted."""
    months = _month_ends(year)
    values: list[int | None] = [None] * 12
    for day, value in f.trend:
        if day.year == year:
            values[day.month - 1] = value  # the latest point of a month (the as-of date, mid-month)
    target = f.row["target"]
    top = max([target, *[v for v in values if v is not None]])
    ticks = nice_ticks(top)
    chart = pygal.Line(
        width=400,
        height=230,
        show_legend=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        value_formatter=lambda v: count(None if v is None else round(v)),
        y_labels=[{"value": t, "label": count(t)} for t in ticks],
        range=(0, ticks[-1]),
        dots_size=2.5,
        x_label_rotation=0,
        allow_interruptions=False,
        **COMMON,
    )
    chart.x_labels = [month_short(d) for d in months]
    chart.add(_("Actual"), values)
    chart.add(_("Target"), [target] * 12, show_dots=False, stroke_style={"dasharray": "8,4"})
    start = dt.date(year, 1, 1)
    span = (dt.date(year, 12, 31) - start).days + 1
    pace = [round(f.baseline + (target - f.baseline) * ((d - start).days + 1) / span, 1) for d in months]
    chart.add(_("On track"), pace, show_dots=False, stroke_style={"dasharray": "2,4"})
    return _render(chart)


def hbars(labels: Sequence[str], values: Sequence[float], *, ticks: list[dict]) -> str:
    """Horizontal bars, the first label on top; each label says its own value (pygal would
    write it across the bar's end)."""
    chart = pygal.HorizontalBar(
        width=680,
        height=max(120, 46 + 19 * len(labels)),
        show_legend=False,
        y_labels=ticks,
        range=(ticks[0]["value"], ticks[-1]["value"]),
        show_y_guides=False,
        **COMMON,
    )
    chart.x_labels = list(reversed(labels))  # pygal draws the first label at the bottom
    chart.add("", list(reversed(values)))
    return _render(chart)


def vbars(labels: Sequence[str], values: Sequence[int]) -> str:
    """Vertical bars with each bar's value above it."""
    ticks = nice_ticks(max([*values, 1]))
    chart = pygal.Bar(
        width=420,
        height=200,
        show_legend=False,
        print_values=True,
        print_values_position="top",
        value_formatter=lambda v: count(None if v is None else round(v)),
        y_labels=[{"value": t, "label": count(t)} for t in ticks],
        range=(0, ticks[-1]),
        **COMMON,
    )
    chart.x_labels = list(labels)
    chart.add("", list(values))
    return _render(chart)


PERCENT_TICKS = (0, 25, 50, 75, 100)


def coverage(rows: list[dict]) -> str:
    """BPJS coverage by kecamatan (or regency), highest first, each label with its share; those
    without anyone in scope are left out (the page names them)."""
    shown = [r for r in rows if r["coverage"] is not None]
    return hbars(
        [f"{r['name']} \u00b7 {i18n.percent(r['coverage'])}" for r in shown],
        [r["coverage"] for r in shown],
        ticks=[{"value": v, "label": i18n.percent(v).replace(",0", "").replace(".0", "")} for v in PERCENT_TICKS],
    )


def members_by_year(years: list[dict]) -> str:
    """PKS-PKB members at each year's end."""
    return vbars([str(r["year"]) for r in years], [r["members"] for r in years])
