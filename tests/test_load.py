"""Tests of the loader. Every fixture is generated in tmp_path; no binaries are committed."""

from __future__ import annotations

import hashlib
import os
import random
import sys
import zipfile
from pathlib import Path

import pytest

from rag.errors import LoadError
from rag.load import SUPPORTED, iter_files, load_file

TITLE = "鄂尔多斯市人民政府关于进一步加强政策落实工作的通知"
BODY = (
    f"{TITLE}\n"
    "各旗区人民政府，市直各部门：\n"
    "一、总体要求\n"
    "为深入贯彻落实党的二十大精神，现就有关事项通知如下。\n"
    "（一）加强组织领导。各单位要高度重视，确保2024年各项任务落到实处。\n"
)


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    p = tmp_path / name
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return p


def load_err(path: Path, **kw: float) -> LoadError:
    with pytest.raises(LoadError) as info:
        load_file(path, **kw)  # type: ignore[arg-type]
    err = info.value
    assert err.file == path.name
    # Messages carry the file name only, never the directory it lives in.
    assert str(path.parent) not in str(err)
    return err


def make_text_pdf(lines: list[str], pages: int = 1) -> bytes:
    """A minimal valid PDF written by hand: Helvetica, ASCII text, correct xref offsets."""
    objs: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    font_id = 3
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for n in range(pages):
        content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({t} p{n + 1}) Tj T*" for t in lines) + " ET"
        cs = content.encode("latin-1")
        objs.append(b"<< /Length %d >>\nstream\n" % len(cs) + cs + b"\nendstream")
        content_id = len(objs)
        objs.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (content_id, font_id)
        )
        kids.append(len(objs))
    objs[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def blank_pdf(pages: int) -> bytes:
    import io

    from pypdf import PdfWriter

    w = PdfWriter()
    for _ in range(pages):
        w.add_blank_page(width=612, height=792)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------------ text files


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gb18030", "gb18030"),
        ("gbk", "gb18030"),  # GB18030 is a superset of GBK: one codec reads both
        ("gb2312", "gb18030"),
        ("utf-16", "utf-16"),  # Python writes a BOM (little-endian here)
    ],
)
def test_text_encodings(tmp_path: Path, encoding: str, expected: str) -> None:
    p = write(tmp_path, "doc.txt", BODY.encode(encoding))
    doc = load_file(p)
    assert doc.text == BODY
    assert doc.encoding == expected
    assert doc.fmt == "txt"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom_both_byte_orders(tmp_path: Path, codec: str) -> None:
    bom = b"\xff\xfe" if codec.endswith("le") else b"\xfe\xff"
    p = write(tmp_path, "doc.txt", bom + BODY.encode(codec))
    doc = load_file(p)
    assert doc.text == BODY
    assert doc.encoding == "utf-16"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize(
    "text",
    [
        BODY,
        "Plain ASCII policy text.\r\nSecond line.\r\n",
        # Chinese-heavy with many 一 (U+4E00): its NUL byte sits on the "wrong" side for parity checks.
        "一是统一思想。二是一体推进。三是一以贯之，一抓到底。\n" * 20,
    ],
)
def test_utf16_without_bom(tmp_path: Path, codec: str, text: str) -> None:
    p = write(tmp_path, "doc.txt", text.encode(codec))
    doc = load_file(p)
    assert doc.text == text
    assert doc.encoding == codec


def test_stray_invalid_byte_in_long_utf8_is_not_gb18030(tmp_path: Path) -> None:
    text = "鄂尔多斯市人民政府关于加强政策落实的通知。各旗区人民政府要切实履行职责。\n" * 60
    raw = text.encode("utf-8")
    cut = len(text[:1000].encode("utf-8"))  # on a character boundary
    p = write(tmp_path, "doc.txt", raw[:cut] + b"\xff" + raw[cut:])
    doc = load_file(p)
    assert doc.encoding == "utf-8"
    assert doc.text.count("\ufffd") == 1
    assert doc.text.replace("\ufffd", "") == text


def test_utf8_cut_in_last_character(tmp_path: Path) -> None:
    raw = "关于印发通知".encode()[:-1]  # a short file truncated mid-character
    doc = load_file(write(tmp_path, "doc.txt", raw))
    assert doc.encoding == "utf-8"
    assert doc.text == "关于印发通\ufffd"


def test_stray_byte_in_short_utf8_note(tmp_path: Path) -> None:
    # 200 characters: one bad byte is 0.5% of them, above 0.1%, but 1 in 200 non-ASCII characters.
    text = "鄂尔多斯市人民政府关于加强政策落实的通知。" * 10
    raw = text.encode("utf-8")
    doc = load_file(write(tmp_path, "note.txt", raw[:30] + b"\xff" + raw[30:]))
    assert doc.encoding == "utf-8"
    assert doc.text.replace("\ufffd", "") == text


def test_stray_byte_in_tiny_utf8_note(tmp_path: Path) -> None:
    text = "关于印发鄂尔多斯市促进就业若干措施的通知"  # 20 characters, one bad byte after the 4th
    raw = text.encode("utf-8")
    doc = load_file(write(tmp_path, "tiny.txt", raw[:12] + b"\x80" + raw[12:]))
    assert doc.encoding == "utf-8"
    assert doc.text == text[:4] + "\ufffd" + text[4:]


def test_heavily_damaged_utf8_is_an_error_not_mojibake(tmp_path: Path) -> None:
    raw = (BODY * 10).encode("utf-8").replace("政".encode()[:1], b"\xff")  # dozens of bad bytes
    err = load_err(write(tmp_path, "damaged.txt", raw))
    assert "undecodable" in err.reason


def test_big5_is_not_read_as_gb18030(tmp_path: Path) -> None:
    text = "臺灣政策文件，關於加強工作的通知。各機關應依規定辦理。\n" * 3
    doc = load_file(write(tmp_path, "big5.txt", text.encode("big5")))
    assert doc.text == text
    assert doc.encoding is not None and "big5" in doc.encoding


def test_many_bad_bytes_is_not_utf8(tmp_path: Path) -> None:
    # GBK text: as UTF-8 nearly every character is invalid, so it must be read as GB18030, not UTF-8.
    doc = load_file(write(tmp_path, "doc.txt", (BODY * 20).encode("gbk")))
    assert doc.encoding == "gb18030"
    assert doc.text == BODY * 20


def test_md_fmt_and_uppercase_suffix(tmp_path: Path) -> None:
    assert load_file(write(tmp_path, "README.md", "# 标题\n正文")).fmt == "md"
    assert load_file(write(tmp_path, "NOTE.TXT", "正文")).fmt == "txt"


def test_text_is_not_cleaned(tmp_path: Path) -> None:
    raw = "  第一行\r\n\r\n\u3000\u3000第二行  \n"
    assert load_file(write(tmp_path, "doc.txt", raw)).text == raw


def test_empty_file(tmp_path: Path) -> None:
    err = load_err(write(tmp_path, "empty.txt", b""))
    assert "empty" in err.reason


def test_bom_only_file(tmp_path: Path) -> None:
    err = load_err(write(tmp_path, "bom.txt", b"\xef\xbb\xbf"))
    assert "empty" in err.reason


def test_whitespace_only(tmp_path: Path) -> None:
    err = load_err(write(tmp_path, "blank.md", " \n\t\r\n\u3000 ".encode()))
    assert "whitespace" in err.reason


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 40,
        random.Random(0).randbytes(10_000),
        bytes(range(1, 32)) * 100,  # control characters only, no NUL: valid UTF-8, still not text
    ],
    ids=["byte-pattern", "seeded-random", "controls"],
)
def test_binary_txt(tmp_path: Path, data: bytes) -> None:
    err = load_err(write(tmp_path, "random.txt", data))
    assert "binary" in err.reason


def test_png_named_txt(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(200))
    err = load_err(write(tmp_path, "image.txt", png))
    assert "binary" in err.reason


# ------------------------------------------------------------------------------------------------ PDF


def test_pdf_text_extracted(tmp_path: Path) -> None:
    p = write(tmp_path, "policy.pdf", make_text_pdf(["Hello policy world", "Second line"], pages=2))
    doc = load_file(p)
    assert doc.fmt == "pdf"
    assert doc.encoding is None
    assert "Hello policy world p1" in doc.text
    assert "Second line p2" in doc.text
    assert doc.text.index("p1") < doc.text.index("p2")
    assert "\n\n" in doc.text  # pages joined by a blank line


def test_pdf_random_bytes(tmp_path: Path) -> None:
    err = load_err(write(tmp_path, "random.pdf", random.Random(0).randbytes(5000)))
    assert "PDF" in err.reason


def test_pdf_header_then_garbage(tmp_path: Path) -> None:
    data = b"%PDF-1.7\n" + random.Random(1).randbytes(3000) + b"\n%%EOF\n"
    err = load_err(write(tmp_path, "garbage.pdf", data))
    assert "corrupt PDF" in err.reason


@pytest.mark.parametrize("keep", [0.3, 0.5, 0.9])
def test_pdf_truncated(tmp_path: Path, keep: float) -> None:
    data = make_text_pdf(["Hello policy world"])
    err = load_err(write(tmp_path, "cut.pdf", data[: int(len(data) * keep)]))
    assert "corrupt PDF" in err.reason


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    err = load_err(write(tmp_path, "scan.pdf", blank_pdf(2)))
    assert "no text layer" in err.reason
    assert "OCR" in err.reason


def test_pdf_too_many_pages(tmp_path: Path) -> None:
    err = load_err(write(tmp_path, "long.pdf", blank_pdf(3)), max_pages=2)
    assert err.reason == "PDF has 3 pages > limit 2 (RAG_MAX_PAGES)"


def test_html_named_pdf(tmp_path: Path) -> None:
    err = load_err(write(tmp_path, "download.pdf", "<html><body>404 Not Found</body></html>"))
    assert "not a valid PDF" in err.reason


# ------------------------------------------------------------------------------------------------ DOCX


def test_docx_heading_paragraphs_table_in_order(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_heading(TITLE, level=1)
    d.add_paragraph("各旗区人民政府，市直各部门：")
    d.add_heading("一、总体要求", level=2)
    d.add_paragraph("为深入贯彻落实党的二十大精神，现就有关事项通知如下。")
    table = d.add_table(rows=3, cols=3)
    for r, row in enumerate([("序号", "项目", "金额（万元）"), ("1", "道路建设", "500"), ("2", "", "80")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    d.add_paragraph("附件：项目清单")
    p = tmp_path / "通知.docx"
    d.save(str(p))

    doc = load_file(p)
    assert doc.fmt == "docx"
    assert doc.encoding is None
    lines = doc.text.split("\n")
    assert lines == [
        TITLE,
        "各旗区人民政府，市直各部门：",
        "一、总体要求",
        "为深入贯彻落实党的二十大精神，现就有关事项通知如下。",
        # rows named by the header row (tables.format_row); the empty cell is left out, the header is not a line
        "序号：1；项目：道路建设；金额（万元）：500",
        "序号：2；金额（万元）：80",
        "附件：项目清单",
    ]


def test_docx_content_controls_tracked_changes_and_breaks(tmp_path: Path) -> None:
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    d = docx.Document()
    d.add_paragraph("正文第一段")
    body = d.element.body
    # Cover-page text inside a content control (python-docx's iter_inner_content skips these).
    body.insert(
        0,
        parse_xml(
            f"<w:sdt {nsdecls('w')}><w:sdtContent>"
            "<w:p><w:r><w:t>封面文字</w:t></w:r></w:p>"
            "</w:sdtContent></w:sdt>"
        ),
    )
    # A tracked deletion is not part of the text; a tracked insertion and a line break are.
    body.insert(
        2,
        parse_xml(
            f"<w:p {nsdecls('w')}><w:r><w:t>保留</w:t></w:r>"
            "<w:del w:id='1' w:author='a'><w:r><w:delText>删除</w:delText></w:r></w:del>"
            "<w:ins w:id='2' w:author='a'><w:r><w:t>插入</w:t></w:r></w:ins>"
            "<w:r><w:br/><w:t>换行后</w:t></w:r></w:p>"
        ),
    )
    p = tmp_path / "changes.docx"
    d.save(str(p))
    assert load_file(p).text == "封面文字\n正文第一段\n保留插入\n换行后"


def test_docx_not_a_zip(tmp_path: Path) -> None:
    err = load_err(write(tmp_path, "fake.docx", "this is plain text, not a docx"))
    assert "not a zip" in err.reason


def test_docx_legacy_doc_renamed(tmp_path: Path) -> None:
    err = load_err(write(tmp_path, "old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)))
    assert ".doc" in err.reason


def test_docx_zip_bomb(tmp_path: Path) -> None:
    p = tmp_path / "bomb.docx"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", " " * (5 * 1024 * 1024))
    assert p.stat().st_size < 100_000  # highly compressed: the size limit alone would not catch it
    err = load_err(p, max_uncompressed_mb=1)
    assert "zip bomb" in err.reason
    assert "1 MB" in err.reason


def test_docx_zip_without_document_xml(tmp_path: Path) -> None:
    p = tmp_path / "other.docx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("hello.txt", "hi")
    err = load_err(p)
    assert "word/document.xml" in err.reason


def test_docx_corrupt_package(tmp_path: Path) -> None:
    p = tmp_path / "broken.docx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("[Content_Types].xml", "<not-xml")
        z.writestr("word/document.xml", "<also not xml")
    err = load_err(p)
    assert "docx" in err.reason


# ------------------------------------------------------------------------------------------------ HTML


def test_html_scripts_styles_and_chrome_dropped(tmp_path: Path) -> None:
    html = """<!DOCTYPE html><html><head><title>页面标题</title>
    <style>body { color: red; }</style><script>var headScript = 1;</script></head>
    <body><nav>首页 | 政务公开</nav>
    <h1>关于印发通知</h1>
    <p>第一段<br>第二行</p>
    <script>alert("x")</script><noscript>请启用脚本</noscript>
    <div>正文<span>内容</span></div>
    <table><tr><td>序号</td><td>名称</td></tr><tr><td>1</td><td>道路</td></tr></table>
    <!-- a comment -->
    <footer>版权所有</footer></body></html>"""
    doc = load_file(write(tmp_path, "page.html", html))
    assert doc.fmt == "html"
    assert doc.encoding == "utf-8"
    for gone in ("alert", "color", "headScript", "请启用脚本", "首页", "版权所有", "a comment", "页面标题"):
        assert gone not in doc.text
    assert doc.text.split("\n") == ["关于印发通知", "第一段", "第二行", "正文内容", "序号 | 名称", "1 | 道路"]


def test_html_table_cells_with_blocks_stay_on_one_row(tmp_path: Path) -> None:
    html = """<table>
      <tr><th>事项</th><th>说明</th></tr>
      <tr><td><p>审批</p></td><td>第一行<br>第二行</td></tr>
      <tr><td>空</td><td></td><td>末列</td></tr>
    </table><pre>  缩进  保留
第二行</pre>"""
    lines = load_file(write(tmp_path, "t.html", html)).text.split("\n")
    assert lines == ["事项 | 说明", "审批 | 第一行 第二行", "空 |  | 末列", "缩进  保留", "第二行"]


def test_html_meta_charset_gbk(tmp_path: Path) -> None:
    html = f'<html><head><meta charset="gbk"><title>t</title></head><body><p>{TITLE}</p></body></html>'
    doc = load_file(write(tmp_path, "page.htm", html.encode("gbk")))
    assert doc.text == TITLE
    assert doc.encoding == "gb18030"
    assert doc.fmt == "html"


def test_html_http_equiv_gb2312(tmp_path: Path) -> None:
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>'
        f"<body><p>{TITLE}</p></body></html>"
    )
    assert load_file(write(tmp_path, "page.html", html.encode("gbk"))).text == TITLE


def test_html_meta_that_lies_falls_back_to_detection(tmp_path: Path) -> None:
    html = f'<html><head><meta charset="gb2312"></head><body><p>{BODY * 5}</p></body></html>'
    doc = load_file(write(tmp_path, "page.html", html.encode("utf-8")))
    assert doc.encoding == "utf-8"
    assert TITLE in doc.text


def test_html_without_meta_detects_gb18030(tmp_path: Path) -> None:
    html = f"<html><body><p>{TITLE}</p></body></html>"
    doc = load_file(write(tmp_path, "page.html", html.encode("gb18030")))
    assert doc.text == TITLE
    assert doc.encoding == "gb18030"


def test_html_source_line_break_inside_chinese_vanishes(tmp_path: Path) -> None:
    html = "<p>关于进一步\n      加强工作的通知 and\n  more</p>"
    assert load_file(write(tmp_path, "p.html", html)).text == "关于进一步加强工作的通知 and more"


def test_html_only_script(tmp_path: Path) -> None:
    err = load_err(write(tmp_path, "blank.html", "<html><body><script>alert(1)</script></body></html>"))
    assert "no visible text" in err.reason


def test_html_deeply_nested(tmp_path: Path) -> None:
    html = "<div>" * 5000 + "深处的文字" + "</div>" * 5000
    try:
        doc = load_file(write(tmp_path, "deep.html", html))
    except LoadError as e:  # a parser may refuse the depth; it must say so as a LoadError
        assert e.file == "deep.html"
    else:
        assert "深处的文字" in doc.text


# ------------------------------------------------------------------------------------------------ file-level


def test_source_doc_fields(tmp_path: Path) -> None:
    raw = BODY.encode("utf-8")
    p = write(tmp_path, "doc.txt", raw)
    doc = load_file(p)
    assert doc.source == "doc.txt"
    assert doc.key == p.resolve().as_posix()
    assert doc.file_hash == hashlib.sha256(raw).hexdigest()


def test_unsupported_suffix(tmp_path: Path) -> None:
    err = load_err(write(tmp_path, "data.xlsx", b"PK\x03\x04"))
    assert "'.xlsx'" in err.reason
    assert "unsupported" in err.reason
    for s in SUPPORTED:
        assert s in err.reason


def test_no_suffix(tmp_path: Path) -> None:
    err = load_err(write(tmp_path, "Makefile", "all:"))
    assert "unsupported" in err.reason


def test_too_large(tmp_path: Path) -> None:
    err = load_err(write(tmp_path, "big.txt", "政策" * 1000), max_file_mb=0.001)
    assert "too large" in err.reason
    assert "0.001 MB" in err.reason
    assert "RAG_MAX_FILE_MB" in err.reason


def test_too_large_message_format(tmp_path: Path) -> None:
    p = tmp_path / "huge.pdf"
    with p.open("wb") as f:  # sparse: 50 MB on paper, nothing written
        f.truncate(50 * 1024 * 1024)
    err = load_err(p)
    assert err.reason == "file too large: 50.0 MB > limit 20 MB (RAG_MAX_FILE_MB)"


def test_missing_file(tmp_path: Path) -> None:
    err = load_err(tmp_path / "gone.txt")
    assert "no such file" in err.reason


def test_directory_with_supported_suffix(tmp_path: Path) -> None:
    d = tmp_path / "folder.txt"
    d.mkdir()
    err = load_err(d)
    assert "directory" in err.reason


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root ignores file permissions")
def test_permission_denied(tmp_path: Path) -> None:
    p = write(tmp_path, "secret.txt", "内容")
    p.chmod(0)
    try:
        err = load_err(p)
        assert "ermission" in err.reason
    finally:
        p.chmod(0o644)


def test_permission_error_reports_reason_without_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = write(tmp_path, "locked.txt", "内容")

    def denied(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", denied)
    err = load_err(p)
    assert err.reason == "cannot read file: Permission denied"


def test_chinese_name_with_spaces(tmp_path: Path) -> None:
    d = tmp_path / "政策 目录"
    d.mkdir()
    p = write(d, "政策 文件.txt", BODY)
    doc = load_file(p)
    assert doc.source == "政策 文件.txt"
    assert doc.text == BODY

    bad = write(d, "坏 文件.pdf", b"not a pdf at all")
    err = load_err(bad)
    assert err.file == "坏 文件.pdf"
    assert "政策 目录" not in str(err)
    assert str(err).startswith("坏 文件.pdf: ")


# ------------------------------------------------------------------------------------------------ iter_files


def test_iter_files_order_and_hidden(tmp_path: Path) -> None:
    for rel in ["b.txt", "a.md", "sub/c.pdf", "sub/deeper/d.docx", "z.xlsx", "README.md", ".hidden.txt",
                ".git/config.txt", "sub/.cache/e.txt", "A.txt"]:  # fmt: skip
        f = tmp_path / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("x")
    got = [p.relative_to(tmp_path).as_posix() for p in iter_files([tmp_path])]
    assert got == ["A.txt", "README.md", "a.md", "b.txt", "sub/c.pdf", "sub/deeper/d.docx", "z.xlsx"]
    assert list(iter_files([tmp_path])) == list(iter_files([tmp_path]))  # deterministic


def test_iter_files_mixes_files_and_dirs_in_given_order(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.txt").write_text("x")
    f = write(tmp_path, ".explicit.txt", "x")  # hidden but named explicitly: kept
    got = list(iter_files([f, tmp_path / "d"]))
    assert got == [f, tmp_path / "d" / "x.txt"]


def test_iter_files_missing_path(tmp_path: Path) -> None:
    with pytest.raises(LoadError) as info:
        list(iter_files([tmp_path / "不存在.txt"]))
    assert info.value.file == "不存在.txt"
    assert "no such file" in info.value.reason


def test_iter_files_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f.txt").write_text("x")
    try:
        (tmp_path / "a" / "loop").symlink_to(tmp_path / "a", target_is_directory=True)
    except OSError:
        pytest.skip("symlinks not available")
    got = [p.relative_to(tmp_path).as_posix() for p in iter_files([tmp_path])]
    assert got == ["a/f.txt"]


# ------------------------------------------------------------------------------------------------ contract


def _docx_bytes() -> bytes:
    import io

    import docx

    d = docx.Document()
    d.add_heading(TITLE, level=1)
    d.add_paragraph(BODY)
    d.add_table(rows=2, cols=2).cell(0, 0).text = "单元格"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("suffix", [".docx", ".pdf", ".html", ".txt"])
def test_damaged_files_raise_only_load_error(tmp_path: Path, suffix: str) -> None:
    """Seeded byte-level damage (overwrite, delete, insert): a file either loads or raises LoadError."""
    base = {
        ".docx": _docx_bytes,
        ".pdf": lambda: make_text_pdf(["Hello world"], pages=2),
        ".html": lambda: f"<html><head><meta charset='gbk'></head><body><p>{BODY}</p></body></html>".encode(
            "gbk"
        ),
        ".txt": lambda: BODY.encode("gb18030"),
    }[suffix]()
    rng = random.Random(0)
    p = tmp_path / f"damaged{suffix}"
    for _ in range(60):
        data = bytearray(base)
        for _ in range(rng.randint(1, 10)):
            pos = rng.randrange(len(data))
            op = rng.random()
            if op < 0.6:
                data[pos] = rng.randrange(256)
            elif op < 0.8:
                del data[pos : pos + rng.randint(1, 40)]
            else:
                data[pos:pos] = rng.randbytes(rng.randint(1, 40))
        p.write_bytes(bytes(data))
        try:
            doc = load_file(p)
        except LoadError as e:
            assert e.file == p.name
            assert e.reason
        else:
            assert doc.text.strip()
