"""HTML: declared/sniffed encoding, then block-structured text (cells joined by " | ")."""

from __future__ import annotations

import codecs
import re
import warnings
from typing import Any

from ..errors import LoadError
from .files import describe as _describe
from .files import fail as _fail
from .text import BOMS as _BOMS
from .text import check_textual as _check_textual
from .text import decode_lenient as _decode_lenient
from .text import decode_text as _decode_text

# bs4 warns when markup looks like a file name/URL or like XML; for a loader these are noise, not news.
# Targeted at bs4's own categories so no one else's warnings are hidden.
try:
    from bs4 import MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning

    warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)
    warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)
except ImportError:  # pragma: no cover - older bs4 without these classes
    pass


# The HTML spec prescans the first 1024 bytes for a charset; 4096 also catches pages with long <head>
# preambles (inline CSS before the <meta>), which are common on government sites.
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
# Labels that browsers (WHATWG Encoding) decode with a wider codec than the name says. Pages labelled
# gb2312 routinely contain GBK-only characters, so decoding with GB18030 (a superset) loses nothing.
_LABEL_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
    "chinese": "gb18030",
    "euc-cn": "gb18030",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "big5": "big5hkscs",
}

_DROP_TAGS = {
    "script", "style", "noscript", "template", "head", "title", "nav", "footer", "iframe", "object",
    "embed", "svg", "canvas", "select", "button", "textarea", "map", "audio", "video",
}  # fmt: skip
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog",
    "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "ol", "p", "pre", "section",
    "summary", "table", "tbody", "thead", "tfoot", "tr", "ul",
}  # fmt: skip
_CELL_TAGS = {"td", "th"}
_CELL_SEP = " | "

# Tokens of the flattened HTML stream besides text.
_NL = object()
_CELL_END = object()


class _Raw(str):
    """Text from inside <pre>: its spaces are content, not formatting."""


def _html_declared_encoding(raw: bytes) -> str | None:
    head = raw[:4096]
    m = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if not m:
        return None
    label = m.group(1).decode("ascii", "replace").strip().lower()
    label = _LABEL_ALIASES.get(label, label)
    if label.startswith(("utf-16", "utf16")):
        return None  # a <meta> readable as ASCII cannot be UTF-16; the spec says to ignore it
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def load_html(raw: bytes) -> tuple[str, str]:
    has_bom = any(raw.startswith(bom) for bom, _, _ in _BOMS)
    declared = None if has_bom or b"\x00" in raw else _html_declared_encoding(raw)
    decoded: tuple[str, str] | None = None
    if declared:
        text = _decode_lenient(raw, declared)
        if text is not None:  # else the <meta> lies (e.g. says gb2312, is UTF-8): fall back to detection
            decoded = (_check_textual(text), declared)
    if decoded is None:
        decoded = _decode_text(raw)
    markup, encoding = decoded

    try:
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(markup, "lxml")
        text = _html_to_text(soup)
    except LoadError:
        raise
    except RecursionError:
        raise
    except Exception as e:
        raise _fail(f"cannot parse HTML: {_describe(e)}") from None
    if not text.strip():
        raise _fail("HTML has no visible text (after removing scripts, styles and navigation)")
    return text, encoding


_WS_RUN = re.compile(r"[ \t\n\r\f]+")  # HTML's collapsible whitespace: not &nbsp; and not U+3000


def _is_wide(c: str) -> bool:
    o = ord(c)
    return 0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF or o >= 0x20000


def _collapse(s: str) -> str:
    """Collapse whitespace like a browser. A source line break between two Chinese characters vanishes
    (CSS Text segment-break rule) instead of becoming a space inside a word."""

    def repl(m: re.Match[str]) -> str:
        ws = m.group(0)
        if "\n" in ws or "\r" in ws:
            before = s[m.start() - 1] if m.start() > 0 else ""
            after = s[m.end()] if m.end() < len(s) else ""
            if before and after and _is_wide(before) and _is_wide(after):
                return ""
        return " "

    return _WS_RUN.sub(repl, s)


def _html_to_text(soup: Any) -> str:
    """Flatten the DOM to lines: one line per block element, table rows as cells joined by " | "."""
    from bs4.element import NavigableString, PreformattedString, Tag

    tokens: list[object] = []
    # Explicit stack instead of recursion: a page with thousands of nested <div>s must not hit the
    # recursion limit. Entries are (node, closing?).
    stack: list[tuple[Any, bool]] = [(soup, False)]
    cell_depth = 0  # inside <td>: block breaks become spaces so a row stays on one line
    pre_depth = 0
    while stack:
        node, closing = stack.pop()
        if isinstance(node, NavigableString):
            if isinstance(node, PreformattedString):  # comments, doctype, CDATA, processing instructions
                continue
            s = str(node)
            if pre_depth:
                lines = s.replace("\r\n", "\n").split("\n")
                for i, line in enumerate(lines):
                    if i:
                        tokens.append(" " if cell_depth else _NL)
                    tokens.append(_Raw(line))
            else:
                tokens.append(_collapse(s))
            continue
        if not isinstance(node, Tag):
            continue
        tag = (node.name or "").lower()
        if closing:
            if tag in _CELL_TAGS:
                cell_depth -= 1
                tokens.append(_CELL_END if cell_depth == 0 else " ")
            elif tag in _BLOCK_TAGS:
                tokens.append(" " if cell_depth else _NL)
            if tag == "pre":
                pre_depth -= 1
            continue
        if tag in _DROP_TAGS:
            continue
        if tag == "br":
            tokens.append(" " if cell_depth else _NL)
            continue
        if tag in _CELL_TAGS:
            cell_depth += 1
        elif tag in _BLOCK_TAGS:
            tokens.append(" " if cell_depth else _NL)
        if tag == "pre":
            pre_depth += 1
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(list(node.children)))
    tokens.append(_NL)
    return _assemble_lines(tokens)


def _assemble_lines(tokens: list[object]) -> str:
    lines: list[str] = []
    cells: list[str] = []
    buf: list[str] = []
    for t in tokens:
        if t is _CELL_END:
            cells.append("".join(buf))
            buf = []
        elif t is _NL:
            if buf and "".join(buf).strip(" "):
                cells.append("".join(buf))
            buf = []
            if cells:
                parts = [c.strip(" ") for c in cells]
                while parts and not parts[-1]:
                    parts.pop()
                line = _CELL_SEP.join(parts)
                if line.strip():
                    lines.append(line)
            cells = []
        else:
            assert isinstance(t, str)
            if not isinstance(t, _Raw) and (not buf or buf[-1].endswith(" ")):
                # Spaces that meet across element boundaries ("a " + " b") collapse to one, as in a browser.
                t = t.lstrip(" ")
            if t:
                buf.append(t)
    return "\n".join(lines)
