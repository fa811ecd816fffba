"""Links between documents and similar past replies through the real app over HTTP (app.py in a subprocess:
real m3e-small, real Chroma) and in a real browser (Debian chromium driven by Playwright): the seed cites
鄂府办发〔2024〕13号, which is not in the corpus until an admin re-ingest brings it in; a reply letter that
cites the seed; two reply letters to the same proposal."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .conftest import SEED
from .test_api import start_app
from .test_hardening import fn_index, gradio_call
from .test_ui import open_page

pytestmark = pytest.mark.slow
TOKEN = "links-admin-token"

# Two departments answer the same proposal (主办 and 协办); the second also cites the seed.
LETTER_A = """鄂尔多斯市科学技术局关于市政协五届四次会议第0150号提案的答复
鄂科提复字〔2025〕21号
王明委员：
您提出的《关于加大科技型中小企业研发投入支持力度的提案》收悉。经研究，现答复如下。
一、落实研发费用加计扣除政策。2025年全市为科技型中小企业兑现研发投入奖补资金2100万元。
二、推进企业研发中心建设。新认定市级企业研发中心12家。
鄂尔多斯市科学技术局
2025年8月20日
"""
LETTER_B = """鄂尔多斯市财政局关于市政协五届四次会议第0150号提案的答复
鄂财提复字〔2025〕9号
王明委员：
您提出的《关于加大科技型中小企业研发投入支持力度的提案》收悉。经研究，现答复如下。
一、保障科技投入。市财政按照《鄂尔多斯市人民政府关于市政协五届四次会议第0261号提案的答复函》（鄂建提复字〔2025〕334号）明确的方向，安排科技专项资金。
鄂尔多斯市财政局
2025年8月25日
"""
# The document the seed cites, ingested later in the module.
PLAN = """鄂尔多斯市人民政府办公室关于印发《鄂尔多斯市提升科技创新投入实施方案》的通知
鄂府办发〔2024〕13号
各旗区人民政府，市人民政府各部门，各直属单位：
现将《鄂尔多斯市提升科技创新投入实施方案》印发给你们，请结合实际，认真贯彻落实。
鄂尔多斯市提升科技创新投入实施方案
一、定向投入。市本级财政科技支出年均增长不低于15%。
二、定向奖励。对研发投入增长的规上企业，按增量的10%给予奖励，最高200万元。
三、定向调度。建立研发投入月调度制度。
四、定向考核。将研发投入纳入旗区高质量发展考核。
鄂尔多斯市人民政府办公室
2024年3月1日
"""
PROPOSAL = (
    "关于支持科技企业加大研发投入的提案。我市科技企业研发投入强度偏低，企业创新主体地位不突出，科技型中小企业"
    "融资难。建议加大研发投入奖补力度，支持企业建设研发中心和创新平台，拓宽科技型企业融资渠道。"
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("links")
    corpus = tmp / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    (corpus / "letter_a.txt").write_text(LETTER_A, encoding="utf-8")
    (corpus / "letter_b.txt").write_text(LETTER_B, encoding="utf-8")
    proc, url = start_app(tmp, corpus, RAG_ADMIN_TOKEN=TOKEN, RAG_RATE_LIMIT_PER_MIN="0")
    try:
        ids = {d["source"]: d["doc_id"] for d in httpx.get(f"{url}/api/documents", timeout=30).json()}
        yield {"url": url, "corpus": corpus, "ids": ids}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def links(url: str, doc_id: str) -> dict[str, Any]:
    r = httpx.get(f"{url}/api/documents/{doc_id}/links", timeout=30)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_seed_cites_a_document_not_in_the_corpus_and_is_cited_by_a_letter(served: dict[str, Any]) -> None:
    url, ids = served["url"], served["ids"]
    got = links(url, ids[SEED.name])
    assert got["cites"] == [
        {
            "ref": "鄂府办发〔2024〕13号",
            "title": "鄂尔多斯市提升科技创新投入实施方案",
            "doc_id": None,
            "in_corpus": False,
            "sentence": "印发《鄂尔多斯市提升科技创新投入实施方案》(鄂府办发〔2024〕13号),从定向投入、定向奖励、定向调度、"
            "定向考核4个方面,激励和调动各类研发主体提升研发投入水平。",
        }
    ]
    assert [(x["doc_id"], x["ref"]) for x in got["cited_by"]] == [
        (ids["letter_b.txt"], "鄂建提复字〔2025〕334号")
    ]
    assert "安排科技专项资金" in got["cited_by"][0]["sentence"]
    assert got["same_proposal"] == []
    for bad in ("0000000000000000", "nope"):
        r = httpx.get(f"{url}/api/documents/{bad}/links", timeout=30)
        assert r.status_code == 404 and r.json() == {"detail": "no such document"}


def test_two_replies_to_one_proposal_are_linked_both_ways(served: dict[str, Any]) -> None:
    url, ids = served["url"], served["ids"]
    a, b = links(url, ids["letter_a.txt"]), links(url, ids["letter_b.txt"])
    assert [x["doc_id"] for x in a["same_proposal"]] == [ids["letter_b.txt"]]
    assert [x["doc_id"] for x in b["same_proposal"]] == [ids["letter_a.txt"]]
    assert a["same_proposal"][0]["title"] == "鄂尔多斯市财政局关于市政协五届四次会议第0150号提案的答复"
    assert b["cites"][0]["doc_id"] == ids[SEED.name] and b["cites"][0]["in_corpus"] is True


def test_similar_past_replies_for_a_pasted_proposal(served: dict[str, Any]) -> None:
    url, ids = served["url"], served["ids"]
    r = httpx.post(f"{url}/api/similar", json={"text": PROPOSAL}, timeout=60)
    assert r.status_code == 200, r.text
    res = r.json()
    first = res["replies"][0]
    assert first["doc_id"] == ids[SEED.name], [x["title"] for x in res["replies"]]
    assert {"研发", "投入", "融资"} <= set(first["shared_words"]) and "共同主题词" in first["why"]
    assert {x["doc_id"] for x in res["replies"]} == set(ids.values()), "the other letters follow"
    assert res["policies"] == [], "no policy in the corpus yet"
    # the pasted text names the proposal number and cites the seed's 文号: both are reasons
    r = httpx.post(
        f"{url}/api/similar",
        json={"text": "关于第0150号提案的补充意见：请参照鄂建提复字〔2025〕334号加大研发投入。"},
        timeout=60,
    )
    top = {x["doc_id"]: x for x in r.json()["replies"]}
    assert top[ids["letter_a.txt"]]["same_proposal"] and "同一提案编号" in top[ids["letter_a.txt"]]["why"]
    assert top[ids["letter_b.txt"]]["shared_refs"] == ["鄂建提复字〔2025〕334号"]
    assert top[ids[SEED.name]]["shared_refs"] == ["鄂建提复字〔2025〕334号"], "the text cites the seed itself"
    for body, detail in (
        ({"text": " "}, "text: required"),
        ({"text": "x", "limit": 0}, "limit: 1–20"),
        ({"text": "x", "k": 1}, "k: unknown field"),
        ({"text": "x", "outline": True}, "outline: needs a model"),
    ):
        r = httpx.post(f"{url}/api/similar", json=body, timeout=30)
        assert r.status_code == 400 and detail in r.json()["detail"], r.text


@pytest.fixture(scope="module")
def page(served: dict[str, Any]) -> Iterator[Any]:
    with open_page(served["url"]) as pg:
        yield pg


def _open_seed(page: Any) -> None:
    page.locator("#question textarea").fill("鄂建提复字〔2025〕334号答复的是哪个提案？")
    page.locator("#send").click()
    page.locator("#sources").get_by_text("鄂建提复字〔2025〕334号", exact=False).first.wait_for()
    page.locator("#view-doc").click()
    page.locator("#doc-view").get_by_text("白夜明委员", exact=False).first.wait_for()


def test_viewer_shows_links_and_what_is_not_in_the_corpus(page: Any) -> None:
    _open_seed(page)
    links_box = page.locator("#doc-view .doc-links")
    text = links_box.inner_text()
    assert "引用文件" in text and "鄂府办发〔2024〕13号" in text and "未收录" in text
    assert "被引用" in text
    letter = links_box.get_by_role("link", name="鄂尔多斯市财政局关于市政协五届四次会议第0150号提案的答复")
    letter.click()  # opens the citing letter in the viewer
    # its 文号 is in its own text only (the seed's 被引用 already quotes the letter's citing sentence)
    page.locator("#doc-view").get_by_text("鄂财提复字〔2025〕9号", exact=False).first.wait_for()
    assert "同一提案的其他答复" in page.locator("#doc-view .doc-links").inner_text()


def test_after_ingesting_the_cited_document_it_is_in_the_corpus(served: dict[str, Any]) -> None:
    url, ids, corpus = served["url"], served["ids"], served["corpus"]
    (corpus / "plan.txt").write_text(PLAN, encoding="utf-8")
    done = gradio_call(url, fn_index(url, api_name="admin_reingest"), [TOKEN], "links-admin")
    assert done["success"], done
    cite = links(url, ids[SEED.name])["cites"][0]
    assert cite["in_corpus"] is True and cite["ref"] == "鄂府办发〔2024〕13号"
    assert cite["title"] == "鄂尔多斯市人民政府办公室关于印发《鄂尔多斯市提升科技创新投入实施方案》的通知"
    doc = httpx.get(f"{url}/api/documents/{cite['doc_id']}", timeout=30)
    assert (
        doc.status_code == 200
        and doc.json()["doc_number"] == "鄂府办发〔2024〕13号"
        and "定向奖励" in doc.json()["text"]
    )
    assert [x["doc_id"] for x in links(url, cite["doc_id"])["cited_by"]] == [ids[SEED.name]]
    # the policy is now among the similar documents, a reply letter still first
    res = httpx.post(f"{url}/api/similar", json={"text": PROPOSAL}, timeout=60).json()
    assert res["replies"][0]["doc_id"] == ids[SEED.name] and res["policies"][0]["doc_id"] == cite["doc_id"]


def test_viewer_link_opens_the_ingested_document(served: dict[str, Any], page: Any) -> None:
    cite = links(served["url"], served["ids"][SEED.name])["cites"][0]
    assert cite["in_corpus"], "runs after the re-ingest above"
    _open_seed(page)
    plan_link = page.locator("#doc-view .doc-links").get_by_role("link", name=cite["title"])
    plan_link.click()
    page.locator("#doc-view").get_by_text("市本级财政科技支出年均增长不低于15%", exact=False).first.wait_for()
    assert "被引用" in page.locator("#doc-view .doc-links").inner_text()


def test_admin_tab_similar_table(served: dict[str, Any]) -> None:
    url = served["url"]
    fn = fn_index(url, elem_id="similar-run")
    done = gradio_call(url, fn, [TOKEN, PROPOSAL, False], "links-similar")
    assert done["success"], done
    page = str(done["output"]["data"][0])
    assert page.index("鄂尔多斯市人民政府关于市政协五届四次会议第0261号提案的答复函") < page.index(
        "鄂尔多斯市财政局"
    )
    assert "共同主题词" in page and "<table class='similar'>" in page
    denied = gradio_call(url, fn, ["wrong", PROPOSAL, False], "links-similar")
    assert not denied["success"], "the admin token is required"
