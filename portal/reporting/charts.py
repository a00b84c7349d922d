"""Bar charts drawn by the server: inline SVG for pages, reportlab drawings for PDFs.

No JavaScript and no internet: the chart is markup the page carries. One
layout serves both outputs, so the page and the monthly report draw the same
bars. Every chart on a page sits next to its table, which screen readers use.
A page carries a second, narrow drawing (bars across, 360 units wide) that
CSS shows on phones instead: the wide one, shrunk to a phone, wrote its labels
about 4 px high.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from flask_babel import format_decimal
from markupsafe import Markup, escape

BAR_COLOUR = "#1f5f8b"
TEXT_COLOUR = "#333333"
AXIS_COLOUR = "#999999"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    #: Top-left corner, width and height, in a y-down coordinate system of the chart's size.
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    title: str
    labels: list[str]
    values: list[float | int | Decimal]
    #: Horizontal bars suit long names (facilities); vertical ones suit months.
    horizontal: bool = False
    width: int = 640
    #: The width of a phone's drawing: shown about as wide as it is drawn, so its 11-unit text reads as 10 px.
    NARROW = 360

    @property
    def label_room(self) -> int:
        """Room left of horizontal bars for their names."""
        return 230 if self.width >= 600 else 130

    @property
    def height(self) -> int:
        return 28 + 22 * len(self.labels) if self.horizontal else 240

    def bars(self) -> list[Bar]:
        values = [float(value or 0) for value in self.values]
        top = max(values, default=0) or 1
        if self.horizontal:
            left = self.label_room
            room = self.width - left - 60
            return [Bar(label, value, left, 14 + 22 * n, room * value / top, 16)
                    for n, (label, value) in enumerate(zip(self.labels, values))]
        left, room = 10, 240 - 40 - 24  # 40 below for the labels, 24 above for the values
        step = (self.width - 2 * left) / max(len(values), 1)
        return [Bar(label, value, left + step * n + step * 0.15, 24 + room - room * value / top, step * 0.7,
                    room * value / top)
                for n, (label, value) in enumerate(zip(self.labels, values))]

    # --- outputs -------------------------------------------------------------------------------

    def svg(self) -> Markup:
        """The page's drawings: this one for wide screens, and the narrow one (bars across) for phones."""
        narrow = replace(self, horizontal=True, width=self.NARROW)
        return self._svg("chart chart-wide") + narrow._svg("chart chart-narrow")  # CSS shows one, to eyes and AT

    def _svg(self, classes: str) -> Markup:
        """Inline SVG; `role="img"` with the title, the figures themselves are in the table beside it."""
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height}" '
                 f'class="{classes}" role="img" aria-label="{escape(self.title)}" data-bars="{len(self.labels)}">',
                 f"<title>{escape(self.title)}</title>"]
        for bar in self.bars():
            parts.append(f'<rect x="{bar.x:.1f}" y="{bar.y:.1f}" width="{bar.width:.1f}" '
                         f'height="{bar.height:.1f}" fill="{BAR_COLOUR}"><title>{escape(bar.label)}: '
                         f"{escape(_number(bar.value))}</title></rect>")
            for x, y, text, anchor in self._texts(bar):
                parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="11" fill="{TEXT_COLOUR}" '
                             f'text-anchor="{anchor}">{escape(text)}</text>')
        parts.append("</svg>")
        return Markup("".join(parts))

    def drawing(self, width: float | None = None):
        """The same chart as a reportlab Drawing (y grows upwards there), scaled to `width` points."""
        from reportlab.graphics.shapes import Drawing, Group, Rect, String
        from reportlab.lib import colors

        group = Group()
        for bar in self.bars():
            group.add(Rect(bar.x, self.height - bar.y - bar.height, bar.width, bar.height,
                           fillColor=colors.HexColor(BAR_COLOUR), strokeColor=None))
            for x, y, text, anchor in self._texts(bar):
                group.add(String(x, self.height - y, text, fontSize=9, fontName="Helvetica",
                                 fillColor=colors.HexColor(TEXT_COLOUR),
                                 textAnchor={"start": "start", "middle": "middle", "end": "end"}[anchor]))
        scale = (width or self.width) / self.width
        group.scale(scale, scale)
        drawing = Drawing(self.width * scale, self.height * scale)
        drawing.add(group)
        return drawing

    def _texts(self, bar: Bar):
        """Where the label and the value of a bar are written: (x, y, text, anchor)."""
        if self.horizontal:
            most = self.label_room // 6.4  # characters of 11-unit text that fit the room
            name = bar.label if len(bar.label) <= most else bar.label[:int(most) - 1] + "…"
            return [(bar.x - 6, bar.y + 12, name, "end"), (bar.x + bar.width + 4, bar.y + 12, _number(bar.value),
                                                           "start")]
        middle = bar.x + bar.width / 2
        value = (middle, bar.y - 4, _number(bar.value), "middle")
        first, _, rest = bar.label.partition(" ")
        if rest and len(bar.label) * 6.5 > bar.width / 0.7:  # "Jan 2026" wider than its bar's room: two lines
            return [(middle, 240 - 27, first, "middle"), (middle, 240 - 14, rest, "middle"), value]
        return [(middle, 240 - 24, bar.label, "middle"), value]


def _number(value: float) -> str:
    return format_decimal(int(value) if float(value).is_integer() else round(value, 1))


def of_table(table, value_key: str, *, title=None, horizontal: bool = False, top: int | None = None) -> BarChart:
    """A chart of one numeric column of a `portal.core.exports.Table`, labelled by its first column.

    With `top`, only the rows with the largest values, largest first (a comparison).
    """
    index = [column.key for column in table.columns].index(value_key)
    rows = list(table.rows)
    if top:
        rows = sorted(rows, key=lambda row: row[index] or 0, reverse=True)[:top]
    return BarChart(str(title or table.title), [str(row[0]) for row in rows], [row[index] for row in rows],
                    horizontal=horizontal)


def init_app(app) -> None:
    app.jinja_env.globals["chart_of"] = of_table
