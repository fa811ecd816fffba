"""Documents as they arrive: .doc .wps .rtf .odt (through LibreOffice), .ofd, and DOCX tables as named rows.

Every file is made at test time by a real tool: LibreOffice converts the seed and three State Council letters
from .txt (so each format's reading can be compared with the .txt path's), python-docx writes the table
document, easyofd writes OFD from a LibreOffice PDF, and a small writer here follows GB/T 33190 to test
reading order. The LibreOffice tests skip with a reason when soffice is not installed (``make office``)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rag.chunk import chunk_text, count_tokens
from rag.clean import clean_text
from rag.errors import LoadError
from rag.ingest import load, prepare
from rag.load import SUPPORTED, load_file
from rag.load.office import soffice
from rag.sentences import is_table_row
from rag.settings import Settings

from .conftest import ROOT, SEED, SHARED

SOFFICE = soffice()
needs_soffice = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice (soffice) not installed: `make office` installs libreoffice-writer-nogui",
)
SC_DOCS = ("sc_26.txt", "sc_28.txt", "sc_30.txt")
OFFICE_FORMATS = ("docx", "doc", "odt", "rtf")
SETTINGS = Settings()

TABLE_TITLE = "鄂尔多斯市科学技术局关于印发《鄂尔多斯市科技企业研发支持实施细则》的通知"
TABLE_ROWS = [
    ("项目", "标准", "金额"),
    ("研发费用补助", "按上年度研发投入的10%", "最高50万元"),
    ("高新技术企业认定奖励", "首次通过认定的企业", "一次性奖励30万元"),
    ("科技型中小企业入库奖励", "当年入库的企业", "奖励5万元"),
]
ROW_LINE = "项目：研发费用补助；标准：按上年度研发投入的10%；金额：最高50万元"


def convert(files: list[Path], fmt: str, outdir: Path, profile: Path) -> None:
    """LibreOffice, the way a user would: ``soffice --convert-to fmt`` (.txt read as UTF-8)."""
    assert SOFFICE is not None
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         *(["--infilter=Text (encoded):UTF8,LF,,"] if files[0].suffix == ".txt" else []),
         "--convert-to", fmt, "--outdir", str(outdir), *map(str, files)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The seed (and the State Council letters when ../shared is there) in every LibreOffice format, once per
    module. Keys: "seed.doc", "sc_26.odt", …; plus "seed.wps" (the .doc renamed, as Kingsoft files are OLE
    compound files too), "seed_doc.docx" (a Word 97-2003 file someone named .docx) and "seed_html.doc" (a web page
    named .doc, as sites serve Word's "save as web page")."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) not installed: `make office` installs libreoffice-writer-nogui")
    tmp = tmp_path_factory.mktemp("office")
    src = tmp / "src"
    src.mkdir()
    shutil.copy(SEED, src / "seed.txt")
    sc = SHARED / "corpus" / "state-council"
    for name in SC_DOCS if sc.is_dir() else ():
        shutil.copy(sc / name, src / name)
    inputs = sorted(src.iterdir())
    out = tmp / "out"
    for fmt in OFFICE_FORMATS:
        convert(inputs, fmt, out, tmp / "profile")
    shutil.copy(out / "seed.doc", out / "seed.wps")
    shutil.copy(out / "seed.doc", out / "seed_doc.docx")
    convert([src / "seed.txt"], "html", tmp / "html", tmp / "profile")
    shutil.copy(tmp / "html" / "seed.html", out / "seed_html.doc")
    files = {p.name: p for p in out.iterdir()}
    assert len(files) == len(inputs) * len(OFFICE_FORMATS) + 3, sorted(files)
    return files


def summary(path: Path) -> dict[str, Any]:
    """What ``python -m rag.inspect`` reads: metadata and chunks, through the ingest's own load/prepare."""
    prep = prepare(load(path, SETTINGS), SETTINGS)
    meta = prep.chunks[0].meta
    return {
        "meta": {k: getattr(meta, k) for k in ("title", "doc_number", "issuer", "date")},
        "chunks": [(c.section, c.text) for c in prep.chunks],
    }


# ------------------------------------------------------------------------------------------ LibreOffice


@needs_soffice
@pytest.mark.parametrize(
    "name", ["seed.docx", "seed.doc", "seed.wps", "seed.odt", "seed.rtf", "seed_doc.docx", "seed_html.doc"]
)
def test_seed_reads_as_the_txt_does(converted: dict[str, Path], name: str) -> None:
    txt = summary(SEED)
    assert txt["meta"] == {
        "title": "鄂尔多斯市人民政府关于市政协五届四次会议第0261号提案的答复函",
        "doc_number": "鄂建提复字〔2025〕334号",
        "issuer": "鄂尔多斯市人民政府",
        "date": "2025-09-03",
    }
    got = summary(converted[name])
    assert got["meta"] == txt["meta"]
    hit = [sec for sec, text in got["chunks"] if "最高500万元科研经费支持" in text]
    assert hit == ["二、强化研发投入攻坚行动"]
    assert got["chunks"] == txt["chunks"]  # LibreOffice keeps the .txt's lines: the very same passages


@needs_soffice
@pytest.mark.parametrize("name", ["seed.wps", "seed.rtf"])
def test_inspect_cli_on_converted_files(converted: dict[str, Path], name: str) -> None:
    def inspect(path: Path) -> dict[str, Any]:
        r = subprocess.run([sys.executable, "-m", "rag.inspect", str(path), "--json"], capture_output=True,
                           text=True, cwd=ROOT, timeout=300)  # fmt: skip
        assert r.returncode == 0, r.stderr
        return dict(json.loads(r.stdout))

    got, txt = inspect(converted[name]), inspect(SEED)
    assert got["metadata"] == txt["metadata"]
    assert got["metadata"]["doc_number"] == "鄂建提复字〔2025〕334号"
    [chunk] = [c for c in got["chunks"] if "最高500万元科研经费支持" in c["text"]]
    assert chunk["section"] == "二、强化研发投入攻坚行动"


@needs_soffice
def test_state_council_letters_in_every_format(converted: dict[str, Path]) -> None:
    if not (SHARED / "corpus" / "state-council").is_dir():
        pytest.skip("../shared/corpus/state-council is not present")
    for name in SC_DOCS:
        txt = summary(SHARED / "corpus" / "state-council" / name)
        assert txt["meta"]["doc_number"]
        for fmt in OFFICE_FORMATS:
            got = summary(converted[name.replace(".txt", f".{fmt}")])
            assert got == txt, f"{name} as .{fmt}"


@needs_soffice
def test_concurrent_conversions_do_not_collide(converted: dict[str, Path]) -> None:
    """Each conversion has its own profile: two at once both succeed (one shared profile makes the second
    hand its file to the first instance, or fail on the profile lock)."""
    results: dict[str, str] = {}

    def run(name: str) -> None:
        try:
            results[name] = load_file(converted[name]).text
        except LoadError as e:
            results[name] = f"ERROR {e}"

    threads = [threading.Thread(target=run, args=(n,)) for n in ("seed.doc", "seed.odt", "seed.rtf")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == 3
    for name, text in results.items():
        assert "最高500万元科研经费支持" in text, (name, text[:200])


@needs_soffice
def test_conversion_timeout_is_a_clear_error(converted: dict[str, Path]) -> None:
    with pytest.raises(LoadError) as e:
        load_file(converted["seed.doc"], convert_timeout_s=0.05)
    assert e.value.file == "seed.doc"
    assert "did not convert it within 0.05 s (RAG_CONVERT_TIMEOUT_S)" in e.value.reason


@needs_soffice
def test_damaged_word_file_is_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "坏.doc"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))  # OLE signature, nothing behind it
    with pytest.raises(LoadError) as e:
        load_file(p)
    assert e.value.file == "坏.doc" and "LibreOffice could not convert it" in e.value.reason
    assert str(tmp_path) not in str(e.value) and "rag-office-" not in str(e.value)


def test_missing_libreoffice_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no soffice on PATH
    for name in ("a.doc", "a.wps", "a.rtf"):
        p = tmp_path / name
        p.write_bytes(
            b"{\\rtf1 hello}" if name.endswith(".rtf") else b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)
        )
        with pytest.raises(LoadError) as e:
            load_file(p)
        assert "needs LibreOffice (soffice) — install libreoffice-writer-nogui" in e.value.reason, name
    p = tmp_path / "old.docx"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    with pytest.raises(LoadError) as e:
        load_file(p)
    assert "legacy Word .doc" in e.value.reason and "libreoffice-writer-nogui" in e.value.reason


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        (
            "x.doc",
            "这是一段普通文字，不是 Word 文件。".encode(),
            "not a valid .doc (not Word 97-2003 or RTF content)",
        ),
        ("x.wps", b"%PDF-1.7 not a wps", "not a valid .wps"),
        ("x.rtf", b"plain text named rtf", "not a valid .rtf"),
        ("x.odt", b"PK\x03\x04 truncated zip", "not a valid .odt (corrupt zip"),
        ("x.odt", b"not a zip at all", "not a valid .odt"),
    ],
)
def test_office_files_that_are_not_what_they_say(
    tmp_path: Path, name: str, data: bytes, expected: str
) -> None:
    """Refused before LibreOffice sees them: it opens random bytes as a plain-text document."""
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(LoadError) as e:
        load_file(p)
    assert expected in e.value.reason


def test_odt_zip_bomb(tmp_path: Path) -> None:
    p = tmp_path / "bomb.odt"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", b"0" * (3 * 1024 * 1024))
    with pytest.raises(LoadError) as e:
        load_file(p, max_uncompressed_mb=1)
    assert "expands to more than 1 MB (zip bomb?)" in e.value.reason


def test_new_suffixes_are_supported() -> None:
    assert {".doc", ".wps", ".rtf", ".odt", ".ofd"} <= SUPPORTED


# ------------------------------------------------------------------------------------------ DOCX tables


def write_table_docx(path: Path, rows: list[tuple[str, ...]] = TABLE_ROWS) -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph(TABLE_TITLE)
    d.add_paragraph("鄂科发〔2025〕12号")
    d.add_paragraph("各旗区科技局，市直有关部门：")
    d.add_paragraph("现将《鄂尔多斯市科技企业研发支持实施细则》印发给你们，请认真贯彻执行。")
    d.add_paragraph("一、支持内容")
    d.add_paragraph("对符合条件的科技企业，按下表给予支持。")
    t = d.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            t.cell(r, c).text = value
    d.add_paragraph("二、申报程序")
    d.add_paragraph("企业于每年3月31日前向所在旗区科技局提交申报材料，科技局审核后报市科学技术局。")
    d.add_paragraph("鄂尔多斯市科学技术局")
    d.add_paragraph("2025年3月1日")
    d.save(str(path))
    return path


def test_docx_table_rows_are_named_lines(tmp_path: Path) -> None:
    text = load_file(write_table_docx(tmp_path / "细则.docx")).text
    lines = text.split("\n")
    assert ROW_LINE in lines
    assert "项目：高新技术企业认定奖励；标准：首次通过认定的企业；金额：一次性奖励30万元" in lines
    assert "项目 | 标准 | 金额" not in text and "项目；标准；金额" not in text  # the header is in every row
    assert (
        lines.index("对符合条件的科技企业，按下表给予支持。")
        < lines.index(ROW_LINE)
        < lines.index("二、申报程序")
    )


def test_docx_header_rows_merged_cells_and_vertical_merges(tmp_path: Path) -> None:
    import docx
    from docx.oxml import OxmlElement

    d = docx.Document()
    t = d.add_table(rows=4, cols=3)
    t.cell(0, 0).merge(t.cell(1, 0)).text = "类别"  # vertical merge in the header
    t.cell(0, 1).merge(t.cell(0, 2)).text = "补助标准"  # spans two columns
    t.cell(1, 1).text, t.cell(1, 2).text = "比例", "上限"
    for r in (0, 1):  # both marked "repeat as header row"
        tr_pr = t.rows[r]._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:tblHeader"))
    t.cell(2, 0).merge(t.cell(3, 0)).text = "研发投入"  # one category over two rows
    t.cell(2, 1).text, t.cell(2, 2).text = "10%", "50万元"
    t.cell(3, 1).text, t.cell(3, 2).text = "5%", "20万元"
    single = d.add_table(rows=2, cols=1)  # a frame around text, not a data table
    single.cell(0, 0).text, single.cell(1, 0).text = "附件：申报表", "联系人：张三"
    p = tmp_path / "merged.docx"
    d.save(str(p))
    assert (
        load_file(p).text.split("\n")
        == [
            "类别：研发投入；补助标准·比例：10%；补助标准·上限：50万元",
            "类别：研发投入；补助标准·比例：5%；补助标准·上限：20万元",  # the merged 类别 repeats: the row stands alone
            "附件：申报表",
            "联系人：张三",
        ]
    )


def test_chunker_never_cuts_inside_a_row(tmp_path: Path) -> None:
    rows = [TABLE_ROWS[0]] + [
        (f"第{i}类项目补助", f"按上年度研发投入的{i}%给予补助", f"最高{i * 10}万元") for i in range(1, 30)
    ]
    text = clean_text(load_file(write_table_docx(tmp_path / "长表.docx", rows)).text)
    row_lines = [line for line in text.split("\n") if is_table_row(line)]
    assert len(row_lines) == 29
    widest = max(count_tokens(line + "\n") for line in row_lines)  # a row's unit carries its line break
    for budget in (widest, widest + 20, widest + 60):  # every row fits: none may be cut
        spans = chunk_text(text, max_tokens=budget, overlap=10)
        assert len(spans) > 3
        for a, b, _ in spans:
            passage = text[a:b]
            for line in passage.split("\n"):
                if "；" in line and "：" in line:  # any part of a row in this passage is the whole row
                    assert line in row_lines, (budget, line)


def test_row_over_the_budget_is_cut_between_cells_only() -> None:
    cells = [f"列{i}：按上年度研发投入的{i}%给予补助" for i in range(12)]
    line = "；".join(cells)
    text = f"一、支持标准\n{line}\n二、申报程序\n企业提出申请。"
    assert is_table_row(line)
    spans = [text[a:b] for a, b, _ in chunk_text(text, max_tokens=60, overlap=0)]
    pieces = [s for s in spans if "列" in s]
    assert len(pieces) > 1
    for piece in pieces:
        for part in filter(None, piece.replace("一、支持标准\n", "").split("；")):
            assert part in cells, part  # every piece is whole cells, each with its name
    assert (
        "".join(p.replace("一、支持标准\n", "") for p in pieces).replace("\n", "") == line
    )  # nothing repeated


@needs_soffice
def test_table_survives_libreoffice_formats(tmp_path: Path) -> None:
    src = write_table_docx(tmp_path / "细则.docx")
    convert([src], "odt", tmp_path / "out", tmp_path / "profile")
    convert([src], "doc", tmp_path / "out", tmp_path / "profile")
    for name in ("细则.odt", "细则.doc"):
        assert ROW_LINE in load_file(tmp_path / "out" / name).text.split("\n"), name


# ------------------------------------------------------------------------------------------------ OFD

_NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def spec_ofd(pages: list[list[str]], *, shuffle: bool = True, text_layer: bool = True) -> bytes:
    """A minimal OFD written from GB/T 33190 (OFD.xml → Doc_0/Document.xml → Pages/Page_N/Content.xml, one
    TextObject per line with its Boundary and TextCode X/Y/DeltaX). Lines are written bottom-up when
    ``shuffle``, so only their positions give the reading order."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {_NS} Version="1.0" DocType="OFD">'
                    "<ofd:DocBody><ofd:DocInfo><ofd:DocID>0</ofd:DocID></ofd:DocInfo>"
                    "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")  # fmt: skip
        page_refs = "".join(
            f'<ofd:Page ID="{i + 1}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages))
        )
        zf.writestr("Doc_0/Document.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {_NS}>'
                    "<ofd:CommonData><ofd:MaxUnitID>999</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297"
                    "</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>"
                    f"<ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>")  # fmt: skip
        zf.writestr("Doc_0/PublicRes.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res {_NS} BaseLoc="Res">'
                    '<ofd:Fonts><ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>')  # fmt: skip
        uid = 10
        for i, lines in enumerate(pages):
            objects = []
            for n, line in enumerate(lines):
                uid += 1
                size, y = 4.2, 30 + 8 * n
                if text_layer:
                    objects.append(
                        f'<ofd:TextObject ID="{uid}" Boundary="25 {y} {size * len(line):.1f} 6" Font="2" Size="{size}">'
                        f'<ofd:FillColor Value="0 0 0"/><ofd:TextCode X="0" Y="{size}" DeltaX="g {len(line) - 1} {size}">'
                        f"{line}</ofd:TextCode></ofd:TextObject>"
                    )
                else:
                    objects.append(f'<ofd:PathObject ID="{uid}" Boundary="25 {y} 100 6">'
                                   "<ofd:AbbreviatedData>M 0 0 L 100 0 L 100 6 C</ofd:AbbreviatedData></ofd:PathObject>")  # fmt: skip
            if shuffle:
                objects.reverse()
            zf.writestr(f"Doc_0/Pages/Page_{i}/Content.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {_NS}>'
                        f'<ofd:Content><ofd:Layer ID="{uid + 500}" Type="Body">{"".join(objects)}</ofd:Layer>'
                        "</ofd:Content></ofd:Page>")  # fmt: skip
    return buf.getvalue()


OFD_PAGES = [
    ["鄂尔多斯市科学技术局", "关于开展2025年度科技企业研发补助申报工作的通知", "鄂科发〔2025〕15号",
     "各旗区科技局：", "一、申报条件", "在我市注册的科技企业，上年度研发投入不低于100万元。"],
    ["二、补助标准", "按上年度研发投入的10%给予补助，最高50万元。", "鄂尔多斯市科学技术局", "2025年4月2日"],
]  # fmt: skip


def test_ofd_spec_file_reads_in_reading_order(tmp_path: Path) -> None:
    p = tmp_path / "通知.ofd"
    p.write_bytes(spec_ofd(OFD_PAGES))
    doc = load_file(p)
    assert doc.fmt == "ofd"
    assert [line for line in doc.text.split("\n") if line] == OFD_PAGES[0] + OFD_PAGES[1]
    prep = prepare(doc, SETTINGS)
    meta = prep.chunks[0].meta
    assert meta.doc_number == "鄂科发〔2025〕15号" and meta.date == "2025-04-02"
    [chunk] = [c for c in prep.chunks if "最高50万元" in c.text]
    assert chunk.section.startswith("二、补助标准")


@pytest.fixture(scope="module")
def easyofd_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed as OFD written by another tool: LibreOffice prints it to PDF, easyofd turns the PDF into an
    OFD with a text layer (its ``optional_text``)."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) not installed: `make office` installs libreoffice-writer-nogui")
    try:
        import easyofd  # noqa: F401
    except ImportError:
        pytest.skip("easyofd not installed (a dev dependency: pip install -e '.[dev]')")
    tmp = tmp_path_factory.mktemp("ofd")
    shutil.copy(SEED, tmp / "seed.txt")
    convert([tmp / "seed.txt"], "pdf", tmp, tmp / "profile")
    out = tmp / "seed.ofd"
    # In a subprocess in the temporary directory: easyofd leaves a test/ folder of XML in its working directory.
    script = (
        "import sys; from easyofd.ofd import OFD; "
        "open(sys.argv[2], 'wb').write(OFD().pdf2ofd(open(sys.argv[1], 'rb').read(), optional_text=True))"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp / "seed.pdf"), str(out)], cwd=tmp, check=True,
                   capture_output=True, timeout=300)  # fmt: skip
    return out


def test_ofd_from_another_writer_reads_like_the_txt(easyofd_seed: Path) -> None:
    txt, got = summary(SEED), summary(easyofd_seed)
    assert got["meta"] == txt["meta"]
    assert [sec for sec, text in got["chunks"] if "最高500万元科研经费支持" in text] == [
        "二、强化研发投入攻坚行动"
    ]


def test_ofd_page_limit(easyofd_seed: Path) -> None:
    with pytest.raises(LoadError) as e:
        load_file(easyofd_seed, max_pages=1)
    assert "OFD has 2 pages > limit 1 (RAG_MAX_PAGES)" in e.value.reason


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"plain text named ofd", "not a valid .ofd (not a zip archive)"),
        (spec_ofd(OFD_PAGES)[:300], "not a valid .ofd"),  # a cut-off download
        (_zip({"Doc_0/Document.xml": b"<x/>"}), "no OFD.xml in the archive"),
        (_zip({"OFD.xml": b"<ofd:OFD><broken"}), "corrupt OFD"),
        (spec_ofd(OFD_PAGES, text_layer=False), "OFD has no text layer (scanned?)"),
    ],
)
def test_bad_ofd_files(tmp_path: Path, data: bytes, expected: str) -> None:
    p = tmp_path / "x.ofd"
    p.write_bytes(data)
    with pytest.raises(LoadError) as e:
        load_file(p)
    assert e.value.file == "x.ofd" and expected in e.value.reason


def test_ofd_zip_bomb(tmp_path: Path) -> None:
    p = tmp_path / "bomb.ofd"
    p.write_bytes(_zip({"OFD.xml": b"<a/>", "Doc_0/Res/big.bin": b"0" * (3 * 1024 * 1024)}))
    with pytest.raises(LoadError) as e:
        load_file(p, max_uncompressed_mb=1)
    assert "ofd expands to more than 1 MB (zip bomb?)" in e.value.reason


# ------------------------------------------------------------------------- the real app over every format


def app_corpus(converted: dict[str, Path]) -> list[str]:
    return sorted(n for n in converted if n.startswith("seed") or n.endswith(".doc"))


@pytest.fixture(scope="module")
def formats_app(
    tmp_path_factory: pytest.TempPathFactory, converted: dict[str, Path]
) -> Iterator[tuple[str, Path]]:
    """app.py over the seed in every format, the State Council letters as .doc and the table DOCX: one real
    ingest (m3e-small, Chroma). (The letters' other formats are read above; each conversion costs ~2 s.)"""
    from .test_api import start_app

    tmp = tmp_path_factory.mktemp("formats_app")
    corpus = tmp / "corpus"
    corpus.mkdir()
    for name in app_corpus(converted):
        shutil.copy(converted[name], corpus / name)
    write_table_docx(corpus / "研发支持细则.docx")
    proc, url = start_app(tmp, corpus, RAG_RATE_LIMIT_PER_MIN="0")
    try:
        yield url, tmp / "app.log"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow
@needs_soffice
def test_every_format_ingests_without_errors(
    formats_app: tuple[str, Path], converted: dict[str, Path]
) -> None:
    url, log = formats_app
    names = app_corpus(converted)
    assert len(names) == 7 + (len(SC_DOCS) if (SHARED / "corpus" / "state-council").is_dir() else 0)
    n = len(names) + 1
    assert f"corpus: {n} files, {n} added, 0 replaced, 0 removed, 0 unchanged, 0 errors" in log.read_text()
    docs = httpx.get(f"{url}/api/documents", timeout=30).json()
    assert {d["source"] for d in docs} == {*names, "研发支持细则.docx"}
    for d in docs:
        if d["source"].startswith("seed"):
            assert d["doc_number"] == "鄂建提复字〔2025〕334号" and d["date"] == "2025-09-03", d["source"]


@pytest.mark.slow
@needs_soffice
def test_question_about_a_table_cell_cites_its_row(formats_app: tuple[str, Path]) -> None:
    url, _ = formats_app
    r = httpx.post(f"{url}/api/ask", json={"question": "研发费用补助的金额是多少？"}, timeout=120)
    assert r.status_code == 200, r.text
    d = r.json()
    assert not d["refused"], d
    cited = [c for c in d["citations"] if c["source"] == "研发支持细则.docx"]
    assert cited and ROW_LINE in cited[0]["text"].split("\n"), d["citations"]
    assert ROW_LINE in d["answer"], d["answer"]  # the row is quoted whole: 最高50万元 with what it is for
    assert f"[{cited[0]['n']}]" in d["answer"]
