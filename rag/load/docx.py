"""DOCX: paragraphs, text boxes and tables in document order (python-docx over the raw XML)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from ..errors import LoadError
from .files import MB as _MB
from .files import describe as _describe
from .files import fail as _fail

_CELL_SEP = " | "

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
    try:
        with zipfile.ZipFile(buf) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as e:
        raise _fail(f"not a valid .docx (corrupt zip: {_describe(e)})") from None
    # Zip bomb guard on the declared sizes. Sufficient because CPython's zipfile never returns more than
    # the declared size of a member (and fails the CRC check if the data disagrees).
    total = sum(i.file_size for i in infos)
    if total > max_uncompressed_mb * _MB:
        raise _fail(f"docx expands to more than {max_uncompressed_mb:g} MB (zip bomb?)")
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
    """One line per row, cells joined by " | ". Horizontally merged cells are one <w:tc> (no repeats);
    vertically merged continuations are empty cells."""
    for tr in _docx_children(tbl, _W + "tr"):
        cells: list[str] = []
        for tc in _docx_children(tr, _W + "tc"):
            cell_lines: list[str] = []
            _docx_blocks(tc, cell_lines)
            cells.append(" ".join(s.strip() for s in cell_lines if s.strip()))
        while cells and not cells[-1]:
            cells.pop()
        if any(cells):
            lines.append(_CELL_SEP.join(cells))


def _docx_children(el: Any, tag: str) -> Iterator[Any]:
    """Direct children with ``tag``, looking through content-control/customXml wrappers."""
    for child in el.iterchildren():
        if child.tag == tag:
            yield child
        elif child.tag in _TRANSPARENT:
            yield from _docx_children(child, tag)
