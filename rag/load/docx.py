"""DOCX: paragraphs, text boxes and tables in document order (python-docx over the raw XML); a table row is
one line, its cells named by their column headers (``tables.format_row``)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from ..errors import LoadError
from .files import describe as _describe
from .files import fail as _fail
from .files import zip_members
from .tables import format_row

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Containers that wrap paragraphs/rows/cells without meaning anything for the text.
_TRANSPARENT = {_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "smartTag"}
# Run-level content that is not in the document any more (tracked deletions, moved-away text).
_DELETED = {_W + "del", _W + "moveFrom"}


def load_docx(raw: bytes, max_uncompressed_mb: float) -> str:
    if raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _fail("not a valid .docx (legacy Word .doc format; save it as .docx)")
    buf = io.BytesIO(raw)
    if not zipfile.is_zipfile(buf):
        raise _fail("not a valid .docx (not a zip archive)")
    infos = zip_members(raw, ".docx", max_uncompressed_mb)
    names = {i.filename for i in infos}
    if "word/document.xml" not in names:
        raise _fail("not a valid .docx (no word/document.xml in the archive)")

    try:
        import docx

        document = docx.Document(io.BytesIO(raw))
        body = document.element.body
        lines: list[str] = []
        _docx_blocks(body, lines)
    except LoadError:
        raise
    except RecursionError:
        raise
    except Exception as e:  # python-docx/lxml/zipfile errors for a malformed package
        raise _fail(f"corrupt .docx: {_describe(e)}") from None
    return "\n".join(lines)


def _docx_blocks(container: Any, lines: list[str]) -> None:
    """Paragraphs and tables of a body/cell/text box, in document order (python-docx's
    ``iter_inner_content`` skips paragraphs wrapped in content controls, common on cover pages)."""
    for child in container.iterchildren():
        tag = child.tag
        if tag == _W + "p":
            _docx_paragraph(child, lines)
        elif tag == _W + "tbl":
            _docx_table(child, lines)
        elif tag in _TRANSPARENT:
            _docx_blocks(child, lines)


def _docx_paragraph(p: Any, lines: list[str]) -> None:
    """One paragraph (heading or body text) = one line; text boxes anchored in it follow as own lines."""
    parts: list[str] = []
    boxes: list[Any] = []
    stack = [p]
    while stack:
        el = stack.pop()
        tag = el.tag
        if not isinstance(tag, str) or tag in _DELETED or tag == _MC_FALLBACK:
            # _MC_FALLBACK: the legacy copy of a drawing; the modern choice is read, reading both duplicates.
            continue
        if tag == _W + "txbxContent":
            boxes.append(el)
            continue
        if tag == _W + "t":
            parts.append(el.text or "")
        elif tag == _W + "tab":
            parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            parts.append("\n")
        elif tag == _W + "noBreakHyphen":
            parts.append("-")
        if tag != _W + "pPr" and tag != _W + "rPr":  # properties hold no text
            stack.extend(reversed(list(el)))
    line = "".join(parts)
    if line.strip():
        lines.append(line)
    for box in boxes:
        _docx_blocks(box, lines)


def _docx_table(tbl: Any, lines: list[str]) -> None:
    """One line per row, each cell named by its column header (``tables.format_row``): 项目：…；金额：….

    The header is the leading rows marked "repeat as header row" (``w:tblHeader``), else the first row; it is
    not a line of its own when data rows follow (every row carries its names). Cells are placed on the grid
    (``w:gridSpan``, ``w:gridBefore``) so a merged cell takes the header of its first column; a vertically
    merged continuation repeats the value above, so each row stands alone as a passage. A one-column table is
    a frame around text: its cells are plain lines."""
    rows: list[tuple[bool, list[str | None]]] = []
    above: dict[int, str] = {}
    for tr in _docx_children(tbl, _W + "tr"):
        tr_pr = tr.find(_W + "trPr")
        grid: list[str | None] = [None] * _int_val(tr_pr, "gridBefore", 0)
        for tc in _docx_children(tr, _W + "tc"):
            col = len(grid)
            tc_pr = tc.find(_W + "tcPr")
            span = max(1, _int_val(tc_pr, "gridSpan", 1))
            vmerge = tc_pr.find(_W + "vMerge") if tc_pr is not None else None
            if vmerge is not None and vmerge.get(_W + "val", "continue") != "restart":
                text = above.get(col, "")
            else:
                cell_lines: list[str] = []
                _docx_blocks(tc, cell_lines)
                text = " ".join(s.strip() for s in cell_lines if s.strip())
                above[col] = text
            grid += [text] + [None] * (span - 1)
        rows.append((_on(tr_pr, "tblHeader"), grid))
    rows = [(h, g) for h, g in rows if any(g)]
    if not rows:
        return
    if max(len(g) for _, g in rows) == 1:
        lines.extend(g[0] for _, g in rows if g[0])
        return
    n_head = next((i for i, (h, _) in enumerate(rows) if not h), len(rows)) or 1
    if n_head == len(rows):  # nothing but a header (or a one-row table): its cells, unnamed
        lines.extend(format_row([], g) for _, g in rows)
        return
    header = _header([g for _, g in rows[:n_head]])
    lines.extend(format_row(header, g) for _, g in rows[n_head:])


def _header(rows: list[list[str | None]]) -> list[str]:
    """Column names from one or more header rows: a merged header cell names every column it spans;
    stacked header rows join as 补助标准·比例."""
    width = max(len(r) for r in rows)
    names: list[list[str]] = [[] for _ in range(width)]
    for r in rows:
        current = ""
        for i in range(width):
            cell = r[i] if i < len(r) else None
            if cell is not None:
                current = cell
            elif i == 0:
                current = ""
            if current and current not in names[i]:
                names[i].append(current)
    return ["·".join(n) for n in names]


def _int_val(pr: Any, tag: str, default: int) -> int:
    el = pr.find(_W + tag) if pr is not None else None
    try:
        return int(el.get(_W + "val")) if el is not None else default
    except (TypeError, ValueError):
        return default


def _on(pr: Any, tag: str) -> bool:
    """An OOXML on/off property: present and not val="false"/"0"/"off"."""
    el = pr.find(_W + tag) if pr is not None else None
    return el is not None and el.get(_W + "val", "true") not in ("false", "0", "off")


def _docx_children(el: Any, tag: str) -> Iterator[Any]:
    """Direct children with ``tag``, looking through content-control/customXml wrappers."""
    for child in el.iterchildren():
        if child.tag == tag:
            yield child
        elif child.tag in _TRANSPARENT:
            yield from _docx_children(child, tag)
