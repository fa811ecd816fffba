"""Scanned PDFs and images (OCR), PDF tables, page furniture. Every file is made at test time by real tools:
LibreOffice prints the seed and DOCX files (python-docx) to PDF, pdftoppm renders pages to PNG, Pillow wraps
PNGs into an image-only PDF (a scan) and a multi-page TIFF, pypdf splices a mixed PDF. OCR is real
(rapidocr, its models in the wheel), so is the ingest (real m3e-small, real Chroma). OCR costs ~5 s a page
here: each file is OCR'd once per module."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from rag.chunk import chunk_text
from rag.clean import clean_text
from rag.errors import LoadError
from rag.ingest import load, prepare
from rag.load import load_file
from rag.load.furniture import join_pages
from rag.load.ocr import Box, OcrOptions, OcrPage, layout, page_warnings
from rag.settings import Settings

from .conftest import ROOT, SEED

_spec = importlib.util.spec_from_file_location("bench_ocr", ROOT / "bench" / "ocr.py")
assert _spec and _spec.loader
bench_ocr = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_ocr)

TOOLS = [t for t in ("soffice", "pdftoppm") if shutil.which(t) is None]
needs_tools = pytest.mark.skipif(
    bool(TOOLS), reason=f"{', '.join(TOOLS)} not installed (apt: libreoffice-writer poppler-utils)"
)

ROWS = [
    ("项目", "标准", "金额"),
    ("研发补助", "按研发投入的10%", "最高50万元"),
    ("孵化器奖励", "新认定国家级孵化器", "一次性奖励80万元"),
    ("技术合同登记", "按技术交易额的2%", "最高20万元"),
]
# The paragraph that runs across the page break of the furniture document (LibreOffice breaks inside item 6).
LONG = "对符合条件的中小企业，按照其上年度研发投入给予补助，" * 6
RUNNING_HEADER = "某某市人民政府文件"


def _scan(pdf: Path, out: Path) -> Path:
    """An image-only copy of ``pdf``: its pages rendered by pdftoppm at 200 dpi, wrapped by Pillow."""
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "200", "-png", str(pdf), str(out / pdf.stem)], check=True, timeout=180)
    pngs = sorted(out.glob(f"{pdf.stem}-*.png"))
    images = [Image.open(p).convert("RGB") for p in pngs]
    scan = out / f"{pdf.stem}-scan.pdf"
    images[0].save(scan, save_all=True, append_images=images[1:], resolution=200)
    return scan


def _table_docx(path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("鄂尔多斯市科技局关于印发科技项目资金支持标准的通知")
    d.add_paragraph("各旗区科技局：")
    d.add_paragraph("现将2025年度科技项目资金支持标准印发给你们，请遵照执行。")
    t = d.add_table(rows=len(ROWS), cols=3)
    t.style = "Table Grid"
    for r, row in zip(t.rows, ROWS, strict=True):
        for c, v in zip(r.cells, row, strict=True):
            c.text = v
    d.add_paragraph("本通知自印发之日起施行。")
    d.add_paragraph("鄂尔多斯市科技局")
    d.add_paragraph("2025年3月1日")
    d.save(str(path))


def _furniture_docx(path: Path) -> None:
    """Two pages with a running header on each and a — N — page-number field in the footer."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    d = docx.Document()
    sec = d.sections[0]
    sec.header.paragraphs[0].text = RUNNING_HEADER
    foot = sec.footer.paragraphs[0]
    foot.add_run("— ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run, text = OxmlElement("w:r"), OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    foot._p.append(field)
    foot.add_run(" —")
    d.add_paragraph("某某市人民政府关于支持中小企业发展的若干措施")
    d.add_paragraph("各县区人民政府，市直各部门：")
    for i in range(1, 9):
        d.add_paragraph(f"{'一二三四五六七八'[i - 1]}、第{i}项措施")
        d.add_paragraph(f"{LONG}单户最高补助{i}0万元，所需资金由市财政统筹安排。")
    d.save(str(path))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if TOOLS:
        pytest.skip(f"{', '.join(TOOLS)} not installed")
    from PIL import Image
    from pypdf import PdfReader, PdfWriter

    out = tmp_path_factory.mktemp("pdfs")
    text_pdf, scan, pngs = bench_ocr.make_pdfs(SEED, out, 200)
    assert len(pngs) == 2
    # A TIFF of two frames: the top fifth of each seed page (few lines: quick to OCR).
    frames = []
    for p in pngs:
        with Image.open(p) as im:
            frames.append(im.convert("L").crop((0, 0, im.width, im.height // 5)))
    tiff = out / "two-pages.tif"
    frames[0].save(tiff, save_all=True, append_images=frames[1:], compression="tiff_deflate")
    # Mixed: page 1 with its text layer, page 2 a scan.
    w = PdfWriter()
    w.add_page(PdfReader(text_pdf).pages[0])
    w.add_page(PdfReader(scan).pages[1])
    mixed = out / "mixed.pdf"
    with mixed.open("wb") as f:
        w.write(f)
    _table_docx(out / "table.docx")
    _furniture_docx(out / "furniture.docx")
    furniture = bench_ocr.soffice_pdf(out / "furniture.docx", out)
    return {
        "furniture": furniture,
        "furniture_scan": _scan(furniture, out),
        "txt": SEED,
        "text_pdf": text_pdf,
        "scan": scan,
        "png": pngs[0],
        "tiff": tiff,
        "mixed": mixed,
        "table": bench_ocr.soffice_pdf(out / "table.docx", out),
    }


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    d = tmp_path_factory.mktemp("ocr-store")
    return Settings(data_dir=d / "data", corpus_dir=d / "corpus")


@pytest.fixture(scope="module")
def scanned(files: dict[str, Path], settings: Settings) -> Any:
    """The image-only seed PDF, OCR'd once: (SourceDoc, Prepared, pages reported)."""
    pages: list[tuple[int, int]] = []
    doc = load(files["scan"], settings, on_page=lambda p, n: pages.append((p, n)))
    return doc, prepare(doc, settings), pages


# --------------------------------------------------------------------------------------------- layout (pure)


def _box(x0: float, y0: float, x1: float, text: str, h: float = 30) -> Box:
    return Box(x0, y0, x1, y0 + h, text, 0.99)


def test_layout_reads_rows_left_to_right_and_rebuilds_paragraphs() -> None:
    boxes = [
        _box(600, 100, 900, "张秀玲"),  # one row, given out of order
        _box(100, 102, 560, "签发人："),
        _box(100, 200, 1500, "一是做好科技培训及会展工作。2024年，围绕创新主体培育、研发投入攻坚"),
        _box(100, 240, 1490, "、科技项目实施等内容举办鄂尔多斯市发展新质生产力专题培训班等17次，线下参训"),
        _box(100, 280, 700, "4520人。"),  # stops short: the paragraph ends
        # indented: a new paragraph
        _box(160, 320, 1500, "二是持续推进科技创新创业载体培育。鄂尔多斯高新技术产业开发区获批自治区科"),
        _box(100, 360, 800, "技成果转化示范区。"),
        _box(100, 500, 600, "二、强化研发投入攻坚行动"),  # a wider gap
    ]
    assert layout(boxes).split("\n") == [
        "签发人： 张秀玲",
        "一是做好科技培训及会展工作。2024年，围绕创新主体培育、研发投入攻坚、科技项目实施等内容举办鄂尔多斯市"
        "发展新质生产力专题培训班等17次，线下参训4520人。",
        "二是持续推进科技创新创业载体培育。鄂尔多斯高新技术产业开发区获批自治区科技成果转化示范区。",
        "二、强化研发投入攻坚行动",
    ]
    assert layout([]) == ""


def test_page_warnings_name_empty_and_low_confidence_pages() -> None:
    pages = [(1, OcrPage("好", 0.99, 1)), (2, OcrPage("", 0.0, 0)), (3, OcrPage("差", 0.5, 1))]
    assert page_warnings(pages, 0.9) == [
        "page 2: OCR found no text",
        "page 3: low OCR confidence 0.500 < 0.9 (RAG_OCR_MIN_CONFIDENCE)",
    ]


# ------------------------------------------------------------------------------------------ furniture (pure)


def test_furniture_removed_and_paragraph_rejoined() -> None:
    pages = [
        "某某市人民政府文件\n关于印发若干措施的通知\n各县区人民政府：\n一、总则\n为了加强管理，推进各项工作落实，现就有关\n保密\n— 1 —",
        "某某市人民政府文件\n事项通知如下。\n二、措施\n给予最高50万元支持，具体办法另行制定。\n第三段正文内容较长，\n保密\n- 2 -",
        "某某市人民政府文件\n三、附则\n本办法自印发之日起施行，由市政府办公室负责解释。\n附件一份\n保密\n第3页 共3页",
    ]
    assert join_pages(pages).split("\n") == [
        "关于印发若干措施的通知",
        "各县区人民政府：",
        "一、总则",
        "为了加强管理，推进各项工作落实，现就有关事项通知如下。",
        "二、措施",
        "给予最高50万元支持，具体办法另行制定。",
        "第三段正文内容较长，",
        "",  # 三、 is a heading
        "三、附则",
        "本办法自印发之日起施行，由市政府办公室负责解释。",
        "附件一份",
    ]


def test_furniture_keeps_a_head_printed_once_and_short_pages() -> None:
    pages = [
        "鄂尔多斯市人民政府文件\n鄂府发〔2025〕3号\n正文第一页的内容在这里。\n— 1 —",
        "正文第二页的内容在这里。\n— 2 —",
    ]
    assert (
        join_pages(pages)
        == "鄂尔多斯市人民政府文件\n鄂府发〔2025〕3号\n正文第一页的内容在这里。\n\n正文第二页的内容在这里。"
    )
    # Two short pages alike but for their numbers: nothing is furniture (a third of 2 lines is no edge).
    assert (
        join_pages(["Hello p1\nSecond p1", "Hello p2\nSecond p2"])
        == "Hello p1\nSecond p1\n\nHello p2\nSecond p2"
    )


@needs_tools
def test_pdf_running_header_and_page_numbers_removed(files: dict[str, Path]) -> None:
    doc = load_file(files["furniture"])
    assert "\n\n" not in doc.text  # the one page break fell mid-sentence: the pages are one text
    text = clean_text(doc.text)
    assert RUNNING_HEADER not in text
    assert "— 1 —" not in doc.text and "— 2 —" not in doc.text
    lines = text.split("\n")
    assert lines[0] == "某某市人民政府关于支持中小企业发展的若干措施"
    for i in range(1, 9):  # every paragraph whole on its line, the one cut by the page break too
        assert f"{LONG}单户最高补助{i}0万元，所需资金由市财政统筹安排。" in lines


@needs_tools
def test_ocr_pages_lose_their_furniture_too(files: dict[str, Path], settings: Settings) -> None:
    """The same document scanned: OCR, then the same furniture removal, gives the text layer's text exactly
    (this also caught the line-orientation classifier turning upright lines of repeated wording into "··")."""
    scan = load(files["furniture_scan"], settings)
    assert scan.fmt == "pdf" and scan.warnings == ()
    assert clean_text(scan.text) == clean_text(load_file(files["furniture"]).text)


# ---------------------------------------------------------------------------------------------------- tables


@needs_tools
def test_pdf_table_rows_become_passages_with_headers(files: dict[str, Path], settings: Settings) -> None:
    doc = load(files["table"], settings)
    text = clean_text(doc.text)
    rows = [
        "项目：研发补助；标准：按研发投入的10%；金额：最高50万元",
        "项目：孵化器奖励；标准：新认定国家级孵化器；金额：一次性奖励80万元",
        "项目：技术合同登记；标准：按技术交易额的2%；金额：最高20万元",
    ]
    lines = text.split("\n")
    for row in rows:
        assert row in lines
    # The flattened cells are gone, not kept beside the rows.
    assert "研发补助 按研发投入的10%" not in doc.text
    assert text.count("孵化器奖励") == 1
    assert lines.index("现将2025年度科技项目资金支持标准印发给你们，请遵照执行。") < lines.index(rows[0])
    assert lines.index(rows[-1]) < lines.index("本通知自印发之日起施行。")


def test_chunker_never_cuts_a_table_row() -> None:
    rows = [
        f"项目：第{i}类研发补助项目；标准：按上年度研发投入的{i}%给予补助；金额：最高{i}0万元"
        for i in range(60)
    ]
    text = "一、资金支持标准\n" + "\n".join(rows)
    spans = chunk_text(text, max_tokens=120, overlap=20)
    assert len(spans) > 3
    for a, b, _ in spans:
        for line in text[a:b].split("\n"):
            assert line in rows or line == "一、资金支持标准", line


# ------------------------------------------------------------------------------------------------------- OCR


@needs_tools
def test_scanned_pdf_reads_like_the_text(files: dict[str, Path], settings: Settings, scanned: Any) -> None:
    doc, prep, pages = scanned
    assert pages == [(1, 2), (2, 2)]  # progress page by page
    txt = prepare(load(files["txt"], settings), settings)
    meta, want = prep.chunks[0].meta, txt.chunks[0].meta
    assert meta.doc_number == want.doc_number == "鄂建提复字〔2025〕334号"
    assert meta.title == want.title == "鄂尔多斯市人民政府关于市政协五届四次会议第0261号提案的答复函"
    assert meta.issuer == want.issuer == "鄂尔多斯市人民政府"
    assert meta.date == want.date == "2025-09-03"
    assert (meta.signer, meta.addressee, meta.doc_type) == (want.signer, want.addressee, want.doc_type)
    hit = [c for c in prep.chunks if "最高500万元科研经费支持" in c.text]
    assert [c.section for c in hit] == ["二、强化研发投入攻坚行动"]
    assert [c.section for c in prep.chunks] == [c.section for c in txt.chunks]
    assert doc.warnings == ()  # clean renders: every page above the confidence threshold


@needs_tools
def test_ocr_character_accuracy(files: dict[str, Path], scanned: Any) -> None:
    """Quality, not speed: the OCR'd seed against its text layer, as bench/ocr.py measures it."""
    reference = clean_text(load_file(files["text_pdf"]).text)
    accuracy = bench_ocr.char_accuracy(reference, clean_text(scanned[0].text))
    assert accuracy >= 0.97
    # The measure can fail: two wrong characters of 18.
    assert bench_ocr.char_accuracy("鄂建提复字〔2025〕334号", "鄂建提复宇〔2025〕384号") < 0.97


@needs_tools
def test_mixed_pdf_ocrs_only_the_page_without_text(files: dict[str, Path], settings: Settings) -> None:
    pages: list[tuple[int, int]] = []
    opts = OcrOptions(True, settings.ocr_max_pages, settings.ocr_dpi, 1.0, lambda p, n: pages.append((p, n)))
    doc = load_file(files["mixed"], ocr=opts)
    assert pages == [(1, 1)]
    reference = clean_text(load_file(files["text_pdf"]).text)
    assert bench_ocr.char_accuracy(reference, clean_text(doc.text)) >= 0.97
    # The threshold 1.0 makes the OCR'd page a low-confidence one: named by its page number, page 1 is not.
    assert len(doc.warnings) == 1 and doc.warnings[0].startswith("page 2: low OCR confidence")


@needs_tools
def test_png_and_multipage_tiff(files: dict[str, Path], settings: Settings) -> None:
    tiff = load(files["tiff"], settings)
    assert tiff.fmt == "image"
    text = clean_text(tiff.text)
    lines = text.split("\n")
    # Frame 1 (top of page 1): the 版头, each line its own; frame 2 (top of page 2) after it, in order.
    assert lines[:2] == ["人大代表建议政协委员提案办理答复函", "鄂建提复字〔2025〕334号"]
    assert lines[-1] == "四、布局科技创新平台"
    assert "全市11家科技特派员工作站备案特派员总数超过300人" in lines[2]


@needs_tools
def test_ocr_off_and_page_limit_are_clear_errors(files: dict[str, Path], settings: Settings) -> None:
    off = settings.model_copy(update={"ocr": False})
    with pytest.raises(LoadError) as e:
        load(files["scan"], off)
    assert e.value.file == files["scan"].name
    assert e.value.reason == "PDF has no text layer (scanned?); OCR is disabled (RAG_OCR)"
    with pytest.raises(LoadError) as e:
        load(files["png"], off)
    assert "OCR is disabled (RAG_OCR)" in e.value.reason
    mixed = load(files["mixed"], off)  # the text page is kept, the scanned one named
    assert mixed.warnings == ("page 2 has no text layer, left out; OCR is disabled (RAG_OCR)",)
    few = settings.model_copy(update={"ocr_max_pages": 1})
    with pytest.raises(LoadError) as e:
        load(files["scan"], few)
    assert e.value.reason == "2 pages need OCR > limit 1 (RAG_OCR_MAX_PAGES)"


# ---------------------------------------------------------------------------------- ingest: real model, store


@pytest.mark.slow
@needs_tools
def test_ingest_scans_tables_and_retrieval(
    files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory, real_embedder: Any
) -> None:
    from rag.pipeline import build

    d = tmp_path_factory.mktemp("ingest")
    corpus = d / "corpus"
    corpus.mkdir()
    for k in ("png", "table", "furniture"):
        shutil.copy(files[k], corpus / files[k].name)
    s = Settings(data_dir=d / "data", corpus_dir=corpus, ocr_min_confidence=1.0)
    pipe = build(s, real_embedder)
    seen: list[str] = []
    rep = pipe.ingest([corpus], progress=lambda done, total, name: seen.append(name))
    assert rep.errors == []
    assert rep.docs_added == 3
    assert any("(OCR 1/1)" in n for n in seen)
    # Low confidence is a warning naming the file and page, not an error (the threshold 1.0 forces one).
    assert [w["file"] for w in rep.warnings] == [files["png"].name]
    assert rep.warnings[0]["warning"].startswith("page 1: low OCR confidence")
    assert rep.to_json()["warnings"] == rep.warnings

    res = pipe.retriever.retrieve("孵化器奖励的金额是多少？")
    top = res.hits[0].chunk
    assert top.source == files["table"].name
    assert "项目：孵化器奖励；标准：新认定国家级孵化器；金额：一次性奖励80万元" in top.text.split("\n")

    res = pipe.retriever.retrieve("鄂建提复字〔2025〕334号的签发人是谁？")
    assert res.hits[0].chunk.source == files["png"].name

    again = pipe.ingest([corpus])  # unchanged files are not read again (no second OCR)
    assert again.skipped_unchanged == 3 and again.warnings == []
