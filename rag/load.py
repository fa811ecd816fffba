"""Loader stage: one input file → ``SourceDoc`` (raw extracted text, not yet cleaned).

Every way a file can be bad (missing, unreadable, too big, wrong format, corrupt, binary, undecodable,
empty, zip bomb, too many pages, scanned PDF) ends as ``LoadError(file=<name>, reason=...)`` so an ingest
can report the file and go on. Reasons name only the file, never its full path: they are shown to users.

Text extraction only. Whitespace normalisation, header/footer removal and the like belong to ``clean``.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .errors import LoadError
from .records import SourceDoc, sha256_hex

SUPPORTED = {".txt", ".md", ".docx", ".pdf", ".html", ".htm"}

_FMT = {".txt": "txt", ".md": "md", ".docx": "docx", ".pdf": "pdf", ".html": "html", ".htm": "html"}
_MB = 1024 * 1024

# bs4 warns when markup looks like a file name/URL or like XML; for a loader these are noise, not news.
# Targeted at bs4's own categories so no one else's warnings are hidden.
try:
    from bs4 import MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning

    warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)
    warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)
except ImportError:  # pragma: no cover - older bs4 without these classes
    pass


# --------------------------------------------------------------------------------------------------------
# public API


def load_file(
    path: Path,
    *,
    max_file_mb: float = 20,
    max_pages: int = 500,
    max_uncompressed_mb: float = 200,
) -> SourceDoc:
    """Read one file and extract its text. Raises ``LoadError`` (and nothing else) for a bad file."""
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        what = f"'{suffix}'" if suffix else "(no extension)"
        raise LoadError(name, f"unsupported file type {what} (supported: {', '.join(sorted(SUPPORTED))})")

    raw = _read_bytes(path, max_file_mb)
    if not raw:
        raise LoadError(name, "empty file")

    fmt = _FMT[suffix]
    encoding: str | None = None
    try:
        if fmt in ("txt", "md"):
            text, encoding = _decode_text(raw)
        elif fmt == "html":
            text, encoding = _load_html(raw)
        elif fmt == "docx":
            text = _load_docx(raw, max_uncompressed_mb)
        else:
            text = _load_pdf(raw, max_pages)
    except LoadError as e:
        # Helpers raise with an empty file name; fill it in and scrub any path that slipped into the reason.
        raise LoadError(name, _scrub(e.reason, path)) from None
    except RecursionError:
        raise LoadError(name, "document structure nested too deeply") from None
    except Exception as e:
        # The helpers wrap what they expect; this is the contract's backstop for what they did not.
        reason = f"cannot extract text: {type(e).__name__}: {_describe(e)}"
        raise LoadError(name, _scrub(reason, path)) from None

    if not text:
        raise LoadError(name, "empty file")
    if not text.strip():
        raise LoadError(name, "no text (whitespace only)")

    return SourceDoc(
        source=name,
        key=path.resolve().as_posix(),
        text=text,
        file_hash=sha256_hex(raw),
        fmt=fmt,
        encoding=encoding,
    )


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Expand directories recursively, in sorted (deterministic) order, skipping hidden entries (names
    starting with "."). Files of every suffix are yielded so that ``load_file`` reports the unsupported
    ones instead of them vanishing silently. A path given explicitly is yielded even if hidden.

    Raises ``LoadError`` for an explicitly given path that does not exist, or a directory that cannot be
    listed."""
    for p in paths:
        p = Path(p)
        if _is_dir(p):
            yield from _walk(p, set())
        elif _exists(p):
            yield p
        else:
            raise LoadError(p.name or str(p), "no such file or directory")


# --------------------------------------------------------------------------------------------------------
# files and errors


def _is_dir(p: Path) -> bool:
    try:
        return p.is_dir()
    except OSError:  # e.g. EACCES on a parent: treat as a file, load_file then reports why it can't be read
        return False


def _exists(p: Path) -> bool:
    try:
        return p.exists() or p.is_symlink()  # a dangling symlink is yielded: load_file reports it
    except OSError:
        return True  # it is there, but not accessible: let load_file say so


def _walk(d: Path, seen: set[str]) -> Iterator[Path]:
    # Track resolved directories so a symlink loop (a/link -> a) cannot recurse forever.
    real = os.path.realpath(d)
    if real in seen:
        return
    seen.add(real)
    try:
        entries = sorted(d.iterdir(), key=lambda e: e.name)
    except OSError as e:
        raise LoadError(d.name, f"cannot list directory: {e.strerror or type(e).__name__}") from None
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if _is_dir(entry):
            yield from _walk(entry, seen)
        else:
            yield entry


def _read_bytes(path: Path, max_file_mb: float) -> bytes:
    name = path.name
    limit = int(max_file_mb * _MB)
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise LoadError(name, "is a directory, not a file")
        if not stat.S_ISREG(st.st_mode):
            # A FIFO or device would block or never end on read().
            raise LoadError(name, "not a regular file")
        if st.st_size > limit:
            raise LoadError(name, _too_large(st.st_size, max_file_mb))
        with path.open("rb") as f:
            # Read at most limit+1 bytes: the file may have grown since stat().
            raw = f.read(limit + 1)
    except OSError as e:
        # e.strerror only: str(e) would carry the full path.
        if isinstance(e, FileNotFoundError):
            raise LoadError(name, "no such file or directory") from None
        raise LoadError(name, f"cannot read file: {e.strerror or type(e).__name__}") from None
    if len(raw) > limit:
        raise LoadError(name, _too_large(len(raw), max_file_mb))
    return raw


def _too_large(size: int, max_file_mb: float) -> str:
    mb = size / _MB
    shown = f"{mb:.1f}" if mb >= 1 else f"{mb:.3g}"  # a 2 KB file vs a 0.001 MB limit must not say "0.0"
    return f"file too large: {shown} MB > limit {max_file_mb:g} MB (RAG_MAX_FILE_MB)"


def _fail(reason: str) -> LoadError:
    # File name is filled in by load_file, which knows it.
    return LoadError("", reason)


def _describe(e: BaseException) -> str:
    msg = str(e).strip() or type(e).__name__
    msg = " ".join(msg.split())
    return msg if len(msg) <= 200 else msg[:197] + "..."


def _scrub(reason: str, path: Path) -> str:
    """Belt and braces: library messages should not contain paths (we pass bytes, not paths), but if one
    does, show only the file name."""
    for p in {str(path.resolve()), str(path)}:
        if p and p != path.name:
            reason = reason.replace(p, path.name)
    return reason


# --------------------------------------------------------------------------------------------------------
# text decoding

_BOMS: tuple[tuple[bytes, str, str], ...] = (
    # (bom, codec that strips it, reported name)
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
)

_BINARY = "binary content, not text"
_UNDECODABLE = "undecodable text (tried UTF-8, UTF-16, GB18030)"
# Controls that occur in real text files; \x1a is the DOS end-of-file marker of old .txt exports.
_KEEP_CONTROLS = set("\t\n\r\f\v\x1a")
_C0_CONTROLS = re.compile(rb"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")


def _decode_text(raw: bytes) -> tuple[str, str]:
    """Detect the encoding of a text file and decode it. Returns (text, encoding name).

    Order: BOM; strict UTF-8 (or UTF-8 with a handful of bad bytes); BOM-less UTF-16 (only if the bytes
    contain NULs, which real UTF-8/GB text never does); strict GB18030; charset-normalizer."""
    for bom, codec, label in _BOMS:
        if raw.startswith(bom):
            text = _decode_lenient(raw, codec)
            if text is None:
                raise _fail(f"undecodable text (has a {label.upper()} byte-order mark but is not {label})")
            return _check_textual(text), label

    if b"\x00" in raw:
        # NUL bytes: UTF-16 without BOM, or binary. (They are valid UTF-8, so this must come before the UTF-8
        # attempt: ASCII-only UTF-16 "a\0b\0" would otherwise decode "successfully" as UTF-8.)
        found = _sniff_utf16(raw)
        if found is None:
            raise _fail(_BINARY)
        return found

    text = _decode_lenient(raw, "utf-8")
    if text is not None:
        return _check_textual(text), "utf-8"

    # GB18030 is a superset of GBK and GB2312, so one codec covers all three. It accepts almost any byte
    # pair, so Big5 (traditional Chinese) also "decodes": into private-use characters, which real GB text
    # hardly ever contains. Many of them means "not GB18030": let the detector try.
    text = _decode_lenient(raw, "gb18030")
    if text is not None and _private_use(text) <= max(2, 0.01 * _non_ascii(text)):
        return _check_textual(text), "gb18030"

    return _charset_normalizer(raw)


def _decode_lenient(raw: bytes, codec: str) -> str | None:
    """Decode strictly; failing that, accept the codec if only a handful of bytes are bad (≤ 10, and ≤ 0.1%
    of the characters or a small share of the non-ASCII ones; each becomes U+FFFD) or only the last
    character is cut off. Returns None if the codec does not fit.

    Why: one stray byte in an otherwise valid UTF-8 document must not send it to GB18030, which would turn
    every Chinese character into mojibake."""
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as e:
        first_error = e
    except LookupError:
        return None

    # A file cut off in the middle of its last character: keep everything before it. (end == len: the bad
    # sequence runs into the end of the data, so it is a cut, not a stray byte.)
    if first_error.end == len(raw) and first_error.start >= len(raw) - 4:
        try:
            return raw[: first_error.start].decode(codec) + "\ufffd"
        except UnicodeDecodeError:
            pass

    text = raw.decode(codec, errors="replace")
    try:
        already = raw.count("\ufffd".encode(codec.replace("-sig", "")))  # genuine U+FFFD in the source
    except (UnicodeError, LookupError):
        already = 0
    bad = max(text.count("\ufffd") - already, 1)
    # ≤ 0.1% of all characters, or a small share of the non-ASCII ones: a 300-character Chinese note with
    # one stray byte is still plainly UTF-8. The share can be generous for UTF-8, whose strict structure
    # makes legacy-encoded text fail on nearly every non-ASCII character; GB18030 accepts almost any byte
    # pair (damaged UTF-8 read as GB18030 fails on only ~7% of characters), so it gets 1%.
    share = 0.05 if codec.startswith("utf-8") else 0.01
    if bad <= 10 and (bad <= 0.001 * len(text) or bad <= share * _non_ascii(text)):
        return text
    return None


def _non_ascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))


def _private_use(text: str) -> int:
    return len(_PRIVATE_USE.findall(text))


_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def _sniff_utf16(raw: bytes) -> tuple[str, str] | None:
    """BOM-less UTF-16: decode both byte orders and keep the one that reads like text.

    NUL-byte parity alone is not enough for Chinese: 一 (U+4E00) puts its NUL on the "wrong" side, and it is
    among the most frequent characters in 公文. Scoring the decoded text decides reliably: the right byte
    order gives ~all CJK/ASCII characters, the wrong one gives scattered scripts and control characters."""
    if len(raw) < 2:
        return None
    best: tuple[float, str, str] | None = None
    for codec in ("utf-16-le", "utf-16-be"):
        data = raw if len(raw) % 2 == 0 else raw[:-1]
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if not text or _garbage_ratio(text) > 0.05:
            continue
        score = 1 - len(_IMPLAUSIBLE.findall(text)) / len(text)
        if best is None or score > best[0]:
            best = (score, text, codec)
    if best is None or best[0] < 0.8:
        return None
    return best[1], best[2]


# Characters a Chinese policy text is made of. Anything else counts against a UTF-16 byte-order guess.
_IMPLAUSIBLE = re.compile(
    "[^"
    "\x20-\x7e\t\n\r"
    "\xa0-\xff"  # Latin-1: ·, ×, ° and friends
    "\u2000-\u206f"  # general punctuation: — “ ” …
    "\u2460-\u24ff"  # circled numbers ①
    "\u3000-\u303f"  # CJK punctuation: 、。〔〕《》
    "\u3400-\u9fff"  # CJK unified ideographs (+ extension A)
    "\uff00-\uffef"  # full-width forms: ，：；（）
    "]"
)


def _garbage_ratio(text: str) -> float:
    """Share of control, unassigned and surrogate characters: high for binary data decoded as text."""
    if not text:
        return 0.0
    # Classify each distinct character once (a text has a few thousand), then count the bad ones with a
    # regex: a per-character Python loop over a 20 MB file would take seconds.
    bad = {c for c in set(text) if c not in _KEEP_CONTROLS and unicodedata.category(c) in ("Cc", "Cn", "Cs")}
    if not bad:
        return 0.0
    pattern = re.compile("[" + "".join(re.escape(c) for c in sorted(bad)) + "]")
    return len(pattern.findall(text)) / len(text)


def _check_textual(text: str) -> str:
    if "\x00" in text or _garbage_ratio(text) > 0.05:
        raise _fail(_BINARY)
    return text


def _charset_normalizer(raw: bytes) -> tuple[str, str]:
    """Last resort for what is neither UTF-8 nor GB18030 (Big5, Shift-JIS, Latin-1...)."""
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(raw).best()
    except Exception:  # a detector bug must not escape as anything but "undecodable"
        best = None
    if best is None or not best.encoding:
        # No codec fits. C0 control bytes mean it was never text to begin with (C1 bytes 0x80-0x9f are
        # ordinary inside UTF-8 and GBK characters, so they prove nothing).
        if len(_C0_CONTROLS.findall(raw)) > 0.05 * len(raw):
            raise _fail(_BINARY)
        raise _fail(_UNDECODABLE)
    return _check_textual(str(best)), best.encoding


# --------------------------------------------------------------------------------------------------------
# HTML

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


def _load_html(raw: bytes) -> tuple[str, str]:
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


# --------------------------------------------------------------------------------------------------------
# DOCX

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Containers that wrap paragraphs/rows/cells without meaning anything for the text.
_TRANSPARENT = {_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "smartTag"}
# Run-level content that is not in the document any more (tracked deletions, moved-away text).
_DELETED = {_W + "del", _W + "moveFrom"}


def _load_docx(raw: bytes, max_uncompressed_mb: float) -> str:
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


# --------------------------------------------------------------------------------------------------------
# PDF


def _load_pdf(raw: bytes, max_pages: int) -> str:
    # The header may follow a little junk (some generators prepend a BOM or HTTP residue); readers allow
    # it within the first 1 KB.
    if b"%PDF-" not in raw[:1024]:
        raise _fail("not a valid PDF (no %PDF header)")
    # pypdf in non-strict mode rebuilds a cut-off file from what is left and returns part of the document
    # without complaint. A truncated download must be reported, not half-ingested.
    if b"%%EOF" not in raw.rstrip(b"\x00 \t\r\n\f")[-2048:]:
        raise _fail("corrupt PDF: truncated (no %%EOF marker at the end)")
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(raw), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")  # many PDFs are "encrypted" only to restrict printing/copying
            except Exception as e:
                raise _fail(f"encrypted PDF, cannot decrypt: {_describe(e)}") from None
            if not ok:
                raise _fail("encrypted PDF (password required)")
        n = len(reader.pages)
    except LoadError:
        raise
    except RecursionError:
        raise
    except Exception as e:
        raise _fail(f"corrupt PDF: {_describe(e)}") from None

    if n > max_pages:
        raise _fail(f"PDF has {n} pages > limit {max_pages} (RAG_MAX_PAGES)")
    if n == 0:
        raise _fail("corrupt PDF: no pages")

    pages: list[str] = []
    for i in range(n):
        try:
            pages.append(reader.pages[i].extract_text() or "")
        except RecursionError:
            raise
        except Exception as e:
            # Fail the whole file: a document silently missing a page would give wrong answers.
            raise _fail(f"corrupt PDF: page {i + 1}: {_describe(e)}") from None
    text = "\n\n".join(pages)
    if not text.strip():
        raise _fail("PDF has no text layer (scanned?); OCR is not enabled")
    return text
