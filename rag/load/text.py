"""Plain text (.txt/.md): encoding detection and decoding."""

from __future__ import annotations

import codecs
import re
import unicodedata

from .files import fail as _fail

BOMS: tuple[tuple[bytes, str, str], ...] = (
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


def decode_text(raw: bytes) -> tuple[str, str]:
    """Detect the encoding of a text file and decode it. Returns (text, encoding name).

    Order: BOM; strict UTF-8 (or UTF-8 with a handful of bad bytes); BOM-less UTF-16 (only if the bytes
    contain NULs, which real UTF-8/GB text never does); strict GB18030; charset-normalizer."""
    for bom, codec, label in BOMS:
        if raw.startswith(bom):
            text = decode_lenient(raw, codec)
            if text is None:
                raise _fail(f"undecodable text (has a {label.upper()} byte-order mark but is not {label})")
            return check_textual(text), label

    if b"\x00" in raw:
        # NUL bytes: UTF-16 without BOM, or binary. (They are valid UTF-8, so this must come before the UTF-8
        # attempt: ASCII-only UTF-16 "a\0b\0" would otherwise decode "successfully" as UTF-8.)
        found = _sniff_utf16(raw)
        if found is None:
            raise _fail(_BINARY)
        return found

    text = decode_lenient(raw, "utf-8")
    if text is not None:
        return check_textual(text), "utf-8"

    # GB18030 is a superset of GBK and GB2312, so one codec covers all three. It accepts almost any byte
    # pair, so Big5 (traditional Chinese) also "decodes": into private-use characters, which real GB text
    # hardly ever contains. Many of them means "not GB18030": let the detector try.
    text = decode_lenient(raw, "gb18030")
    if text is not None and _private_use(text) <= max(2, 0.01 * _non_ascii(text)):
        return check_textual(text), "gb18030"

    return _charset_normalizer(raw)


def decode_lenient(raw: bytes, codec: str) -> str | None:
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


def check_textual(text: str) -> str:
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
    return check_textual(str(best)), best.encoding
