"""``data/complaint.pdf``: the submitted complaint, readable by anyone, Chinese included.

fpdf2 with Noto Sans CJK (its SC face, number 2 in the collection) so Chinese, Latin and digits
all have glyphs; the font is subset into the file. The Markdown body is shown as text laid out
by its structure (headings larger, list items with their bullet or number, quotes and code
indented): a PDF reader must never see raw HTML, and the body's HTML was never rendered anyway.
The PDF holds only the complaint, so it is small however many people signed it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import TextMode
from markdown_it import MarkdownIt
from markdown_it.token import Token

from services.bundle import kinsoku
from services.bundle.pdf_process import PdfComplaint, complaint_from_json
from services.platform.fonts import REGULAR, SC_FACE

FAMILY = "NotoSansSC"
BODY_SIZE = 10.5
LINE = 5.6  #: mm per body line
INDENT = 6.0  #: mm per list or quote level
HEADING_SIZES = {1: 16.0, 2: 14.0, 3: 12.5}


@dataclass(frozen=True)
class Block:
    """One paragraph-like piece of the Markdown, as plain text."""

    kind: str  #: heading | text | code | rule
    text: str = ""
    level: int = 0  #: heading level
    indent: int = 0  #: list and quote depth


class _Document(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.set_text_color(110)
        self.cell(0, 5, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0)


def render(complaint: PdfComplaint, footer: str) -> bytes:
    """The complaint as PDF bytes (A4)."""
    if not REGULAR.is_file():
        raise RuntimeError(f"the CJK font is missing: install fonts-noto-cjk ({REGULAR})")
    pdf = _Document(format="A4", unit="mm")
    pdf.footer_text = footer
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    # one face only: each face parsed costs ~50 MB and 0.5 s; headings are drawn bold by
    # stroking the outlines too (see _bold)
    pdf.add_font(FAMILY, fname=str(REGULAR), collection_font_number=SC_FACE)
    pdf.set_title(complaint.title)
    pdf.set_creator("Chorus")
    pdf.add_page()
    pdf.set_font(FAMILY, size=18)
    _paragraph(pdf, complaint.title, 8.5, bold=True)
    pdf.ln(2)
    pdf.set_font(FAMILY, size=9)
    for label, value in complaint.metadata:
        _paragraph(pdf, f"{label}: {value}", 4.8)
    for heading, text in complaint.sections:
        if not text.strip():
            continue
        pdf.ln(3)
        pdf.set_font(FAMILY, size=14)
        _paragraph(pdf, heading, 7.5, bold=True)
        pdf.ln(1)
        for block in blocks(text):
            _block(pdf, block)
    return bytes(pdf.output())


def _paragraph(
    pdf: FPDF, text: str, height: float, indent: float = 0.0, *, bold: bool = False
) -> None:
    """``text`` in lines broken by the rules of Chinese typesetting (services.bundle.kinsoku):
    fpdf2's own breaking would start lines with "。"."""
    width = pdf.epw - indent
    # bold: fill and stroke the outlines, bold enough without loading a bold face
    style = (
        pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=0.25)
        if bold
        else nullcontext()
    )
    with style:
        for line in kinsoku.wrap(text, width, pdf.get_string_width):
            pdf.set_x(pdf.l_margin + indent)
            pdf.cell(width, height, line, new_x="LMARGIN", new_y="NEXT")


def _block(pdf: FPDF, block: Block) -> None:
    indent = block.indent * INDENT
    if block.kind == "rule":
        y = pdf.get_y() + 2
        pdf.line(pdf.l_margin, y, pdf.l_margin + pdf.epw, y)
        pdf.ln(4)
    elif block.kind == "heading":
        size = HEADING_SIZES.get(block.level, BODY_SIZE + 1)
        pdf.ln(1.5)
        pdf.set_font(FAMILY, size=size)
        _paragraph(pdf, block.text, size * 0.5, indent, bold=True)
        pdf.ln(0.5)
    else:
        pdf.set_font(FAMILY, size=BODY_SIZE if block.kind == "text" else BODY_SIZE - 1)
        if block.kind == "code":
            indent += INDENT / 2
        _paragraph(pdf, block.text, LINE, indent)
        pdf.ln(1.2)


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def blocks(markdown: str) -> Iterator[Block]:
    """The Markdown's blocks as plain text: emphasis dropped, links as "text (url)", list items
    prefixed with their bullet or number, table rows as cells joined by " | "."""
    lists: list[str] = []  #: "ul" or "ol" per open list
    quote = 0
    prefix = ""  #: the bullet waiting for the first paragraph of a list item
    heading = 0  #: level of the heading being read, 0 outside headings
    row: list[str] | None = None  #: cells of the table row being read
    for token in _parser().parse(markdown or ""):
        kind = token.type
        # a list item's text hangs one level in; its bullet sits at its list's level
        depth = max(len(lists) - 1, 0) + quote
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append(token.tag)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            prefix = f"{token.info}{token.markup} " if lists[-1] == "ol" else "\u2022 "
        elif kind in ("blockquote_open", "blockquote_close"):
            quote += 1 if kind == "blockquote_open" else -1
        elif kind in ("heading_open", "heading_close"):
            heading = int(token.tag[1:]) if kind == "heading_open" else 0
        elif kind in ("tr_open", "tr_close"):
            if kind == "tr_close" and row is not None:
                yield Block("text", " | ".join(row), indent=depth)
            row = [] if kind == "tr_open" else None
        elif kind in ("fence", "code_block"):
            yield Block("code", token.content.rstrip("\n"), indent=depth)
        elif kind == "hr":
            yield Block("rule")
        elif kind == "inline":
            text = inline_text(token)
            if row is not None:
                row.append(text)
            elif heading:
                yield Block("heading", text, level=heading, indent=depth)
            else:
                yield Block("text", prefix + text, indent=depth)
                prefix = ""


def inline_text(token: Token) -> str:
    parts: list[str] = []
    href = ""
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "link_open":
            href = str(child.attrs.get("href", ""))
        elif child.type == "link_close" and href:
            parts.append(f" ({href})")
            href = ""
        elif child.type == "image":
            parts.append(f"[{child.content or 'image'}]")
    return "".join(parts)


def main() -> None:
    """``python -m services.bundle.pdf``: JSON on stdin, PDF on stdout (see pdf_process)."""
    request = json.loads(sys.stdin.buffer.read())
    sys.stdout.buffer.write(render(complaint_from_json(request["complaint"]), request["footer"]))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
