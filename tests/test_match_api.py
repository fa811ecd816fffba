"""Policies as data through HTTP against the real app (real model, real Chroma): POST /api/match, the
validity marks and the 只看现行有效 filter of /api/ask, the measure table, CSV export."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import httpx
import pytest

from .conftest import SEED, shared_or_skip
from .test_api import start_app
from .test_matching import NEW, OLD, RENT

pytestmark = pytest.mark.slow

# Rent relief of 2020 from three regions: Beijing's 京政办发〔2020〕7号 (valid to 2020-12-31), Shaanxi's and
# Xiangtan's notices.
REAL = ("4519298476cf3b7991cc069232a80c03.txt", "2224dc162e2831f693b41749dd361b17.txt",
        "7d044d5693703c2f8c7773f0a48f4c79.txt")


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    ncp = shared_or_skip("corpus", "ncp")
    tmp = tmp_path_factory.mktemp("match")
    corpus = tmp / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    for name in REAL:
        shutil.copy(ncp / name, corpus / name)
    for name, text in (("rent.txt", RENT), ("old.txt", OLD), ("new.txt", NEW)):
        (corpus / name).write_text(text, encoding="utf-8")
    proc, u = start_app(tmp, corpus, RAG_RATE_LIMIT_PER_MIN="120", RAG_AS_OF="2026-12-04")
    try:
        yield u
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def post(url: str, path: str, body: object, **kw: object) -> httpx.Response:
    return httpx.post(f"{url}{path}", json=body, timeout=120, **kw)  # type: ignore[arg-type]


def find(results: list[dict], needle: str) -> dict:
    return next(r for r in results if needle in r["measure"])


def test_match_seed_measure_needs_rd_spend_then_not(url: str) -> None:
    r = post(url, "/api/match", {"region": "鄂尔多斯市", "tags": ["科技型中小企业"], "needs": ["研发"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert all("verdict" in x for x in body["results"])
    m = find(body["results"], "最高500万元")
    assert m["verdict"] in ("likely", "need_more_info")
    assert m["verdict"] == "need_more_info" and "rd_spend" in m["missing"]
    assert m["amounts"][0]["yuan"] == 5_000_000 and m["citation"]["doc_number"] == "鄂建提复字〔2025〕334号"
    assert body["left_out"]["other_region"] >= 1  # Beijing's and Haidian's measures are not for 鄂尔多斯
    r2 = post(url, "/api/match", {"region": "鄂尔多斯市", "tags": ["科技型中小企业"], "needs": ["研发"],
                                  "rd_spend": 3_000_000})
    assert find(r2.json()["results"], "最高500万元")["verdict"] in ("eligible", "likely")


def test_match_2020_rent_relief_is_expired_today(url: str) -> None:
    body = post(url, "/api/match", {"region": "北京市东城区", "size": "小型", "needs": ["房租"]}).json()
    rent = [x for x in body["results"] if "房租" in x["measure"] or "租金" in x["measure"]]
    assert rent and all(x["verdict"] == "expired" for x in rent)
    assert any(x["citation"]["doc_number"] == "京政办发〔2020〕7号" for x in rent)
    assert all(x["validity"]["status"] == "expired" for x in rent)
    csv = httpx.post(f"{url}/api/match?format=csv", json={"region": "北京市", "needs": ["房租"]}, timeout=120)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.lstrip("\ufeff").startswith("结论,地区,措施,金额,对象,有效期,出处") and "已失效" in csv.text


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [({"regoin": "北京"}, 400, "regoin"), ({"employees": "many"}, 400, "employees"), ([1, 2], 400, "object"),
     ({"region": "北京", "limit": 0}, 400, "limit")],
)
def test_match_bad_profiles_are_named(url: str, body: object, status: int, needle: str) -> None:
    r = post(url, "/api/match", body)
    assert r.status_code == status and needle in r.json()["detail"]
    assert httpx.post(f"{url}/api/match", content=b"{not json", timeout=30).status_code == 400
    xml = httpx.post(f"{url}/api/match?format=xml", json={"region": "北京"}, timeout=30)
    assert xml.status_code == 400 and "format" in xml.json()["detail"]


def test_ask_marks_validity_and_filters_current_only(url: str) -> None:
    q = "海淀区对科技企业有哪些奖励和补助？"
    body = post(url, "/api/ask", {"question": q}).json()
    assert not body["refused"]
    statuses = {c["source"]: c["status"] for c in body["citations"]}
    assert statuses.get("new.txt") == "current"
    if "old.txt" in statuses:
        assert statuses["old.txt"] == "repealed" and "已废止" in body["answer"]
        firsts = [c["source"] for c in body["citations"] if c["source"] in ("new.txt", "old.txt")]
        assert firsts[0] == "new.txt"  # the current document ranks first when both answer
    only = post(url, "/api/ask", {"question": q, "filters": {"current_only": True}}).json()
    assert only["citations"] and all(c["source"] != "old.txt" for c in only["citations"])
    bad = post(url, "/api/ask", {"question": q, "filters": {"current_only": "yes"}})
    assert bad.status_code == 400 and "current_only" in bad.json()["detail"]


def test_ask_rent_relief_answers_with_a_marked_table(url: str) -> None:
    body = post(url, "/api/ask", {"question": "疫情期间小微企业房租减免有什么政策？"}).json()
    assert not body["refused"]
    assert "已失效" in body["answer"]
    assert "| 地区 | 措施 | 金额 | 对象 | 有效期 | 出处 |" in body["answer"]
    lines = body["answer"].splitlines()
    head = lines.index("| 地区 | 措施 | 金额 | 对象 | 有效期 | 出处 |")
    rows = [line for line in lines[head + 2 :] if line.startswith("| ")]
    assert len({r.split(" | ")[0] for r in rows}) >= 2  # measures of two regions side by side
    assert any("已失效" in r for r in rows)
    cited = {c["n"] for c in body["citations"]}
    for line in rows:
        n = int(line.rsplit("[", 1)[1].split("]", 1)[0])
        assert n in cited
    assert all(c["status"] in ("expired", "current", "unknown", "repealed") for c in body["citations"])
