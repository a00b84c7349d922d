"""What every PDF the portal prints shares: fonts that print any name, paragraph styles, safe text."""
from __future__ import annotations

from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@cache
def fonts() -> tuple[str, str]:
    """DejaVu where the system has it (any Unicode name prints), else the PDF core fonts."""
    regular, bold = _DEJAVU / "DejaVuSans.ttf", _DEJAVU / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
        return "DejaVuSans", "DejaVuSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def styles() -> dict[str, ParagraphStyle]:
    regular, bold = fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=15, leading=19, alignment=1, spaceAfter=6),
        "subtitle": ParagraphStyle("subtitle", fontName=regular, fontSize=10, leading=13, alignment=1),
        "heading": ParagraphStyle("heading", fontName=bold, fontSize=11, leading=14, spaceBefore=10,
                                  spaceAfter=3),
        "body": ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=13),
        "small": ParagraphStyle("small", fontName=regular, fontSize=7.5, leading=9.5),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=8.5, leading=11),
        "cell_bold": ParagraphStyle("cell_bold", fontName=bold, fontSize=8.5, leading=11),
    }


def text(value: str | None) -> str:
    """Plain text as paragraph markup: escaped, line breaks kept."""
    return escape(value or "-").replace("\n", "<br/>")
