"""Matching an enterprise profile to measures, and the policy book (validity, repeals), over documents read by
the real ingest stages (clean → metadata → measures) and a readable in-memory store."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from rag.errors import QueryError
from rag.ingest import PREPARE_VERSION, load, prepare
from rag.matching import Profile, match, match_json, to_csv
from rag.measure_answers import asks_measures, measure_table, prefer_current
from rag.policies import PolicyBook
from rag.records import Hit
from rag.settings import load_settings
from rag.store import DocRecord

from .conftest import SEED

RENT = """北京市东城区人民政府关于应对疫情减轻中小微企业负担的通知
东政发〔2020〕2号
一、减轻企业负担
对承租本市国有企业房产从事生产经营活动的中小微企业，免收2020年2月份房租，减半收取3月份、4月份房租。
对个体工商户给予每户3000元一次性补贴。
本措施自印发之日起施行，有效期至2020年12月31日。
北京市东城区人民政府
2020年2月8日
"""
OLD = """海淀区人民政府关于支持科技企业发展的办法
海政发〔2018〕3号
对符合条件的高新技术企业，给予最高100万元奖励。
本办法自印发之日起施行。
海淀区人民政府
2018年3月1日
"""
NEW = """海淀区人民政府关于进一步支持科技企业发展的办法
海政发〔2024〕9号
对年营业收入2000万元以下的科技型中小企业，给予最高50万元研发补助。
本办法自印发之日起施行，同时废止《海淀区人民政府关于支持科技企业发展的办法》。
海淀区人民政府
2024年5月1日
"""


class MemoryStore:
    """The part of ChromaStore the policy book reads, from documents prepared by the real stages."""

    def __init__(self, files: list[Path]) -> None:
        settings = load_settings()
        self.records: dict[str, DocRecord] = {}
        self.measures: dict[str, list[dict[str, Any]]] = {}
        self.preps = {}
        for f in files:
            prep = prepare(load(f, settings), settings)
            d = prep.doc
            self.records[d.doc_id] = DocRecord(d.doc_id, d.key, d.source, d.file_hash, len(prep.chunks),
                                               prep.chunks[0].meta, None, PREPARE_VERSION)
            self.measures[d.doc_id] = [m.to_dict() for m in prep.measures]
            self.preps[d.source] = prep

    def manifest(self) -> dict[str, DocRecord]:
        return self.records

    def doc_measures(self) -> dict[str, list[dict[str, Any]]]:
        return self.measures

    def fingerprint(self) -> str:
        return str(len(self.records))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> MemoryStore:
    d = tmp_path_factory.mktemp("policies")
    files = [SEED]
    for name, text in (("rent.txt", RENT), ("old.txt", OLD), ("new.txt", NEW)):
        (d / name).write_text(text, encoding="utf-8")
        files.append(d / name)
    return MemoryStore(files)


@pytest.fixture
def book(store: MemoryStore) -> PolicyBook:
    return PolicyBook(store, date(2026, 12, 4))


def by_text(res: Any, needle: str) -> Any:
    return next(m for m in res.matches if needle in m.measure.text)


def test_book_status_and_repeal_link(book: PolicyBook) -> None:
    st = {d.source: d.status(book.as_of) for d in book.docs().values()}
    assert st["rent.txt"] == "expired" and st["new.txt"] == "current"
    assert st["old.txt"] == "repealed"  # repealed by new.txt, though its own text states no end
    assert st[SEED.name] == "unknown"
    old = next(d for d in book.docs().values() if d.source == "old.txt")
    assert "进一步支持科技企业发展" in (old.repealed_by or "")


def test_seed_measure_needs_rd_spend_then_is_likely(book: PolicyBook) -> None:
    p = Profile.from_dict({"region": "鄂尔多斯市", "tags": ["科技型中小企业"], "needs": ["研发"]})
    m = by_text(match(book, p), "最高500万元")
    assert m.verdict == "need_more_info" and "rd_spend" in m.missing
    assert any("研发投入" in r for r in m.reasons)
    p2 = Profile.from_dict({"region": "鄂尔多斯市", "tags": ["科技型中小企业"], "needs": ["研发"], "rd_spend": 3_000_000})
    assert by_text(match(book, p2), "最高500万元").verdict in ("eligible", "likely")


def test_expired_rent_relief_and_other_regions(book: PolicyBook) -> None:
    p = Profile.from_dict({"region": "北京市东城区", "needs": ["房租"]})
    res = match(book, p)
    rent = by_text(res, "免收2020年2月份房租")
    assert rent.verdict == "expired" and "2020" in rent.reasons[0]
    assert res.off_need > 0
    chaoyang = match(book, Profile.from_dict({"region": "北京市朝阳区"}))
    assert all(m.doc.source not in ("new.txt", "rent.txt") for m in chaoyang.matches)  # 海淀区, 东城区: not 朝阳区
    city = match(book, Profile.from_dict({"region": "北京市", "tags": ["科技型中小企业"], "revenue": 1_000_000}))
    m = by_text(city, "最高50万元")  # a district's measure for a profile that names only the city: which district?
    assert m.verdict == "need_more_info" and "region" in m.missing and any("海淀区" in r for r in m.reasons)
    ordos = match(book, Profile.from_dict({"region": "鄂尔多斯市"}))
    assert ordos.other_region >= 3 and all(m.doc.source == SEED.name for m in ordos.matches)


def test_failed_and_missing_conditions_are_said(book: PolicyBook) -> None:
    big = Profile.from_dict({"region": "海淀区", "tags": ["科技型中小企业"], "revenue": 50_000_000})
    m = by_text(match(book, big), "最高50万元")
    assert m.verdict == "not_eligible" and any("2000万元以下" in r for r in m.reasons)
    small = Profile.from_dict({"region": "海淀区", "tags": ["科技型中小企业"], "revenue": 5_000_000})
    assert by_text(match(book, small), "最高50万元").verdict in ("eligible", "likely")
    unknown = Profile.from_dict({"region": "海淀区", "tags": ["科技型中小企业"]})
    m = by_text(match(book, unknown), "最高50万元")
    assert m.verdict == "need_more_info" and m.missing == ["revenue"]
    company = Profile.from_dict({"region": "北京市东城区", "tags": ["高新技术企业"]})
    assert by_text(match(book, company), "个体工商户").verdict in ("expired", "not_eligible")


def test_json_and_csv_cite_the_clause(book: PolicyBook) -> None:
    p = Profile.from_dict({"region": "鄂尔多斯市", "tags": ["科技型中小企业"], "needs": ["研发"]})
    res = match(book, p)
    out = match_json(res, p, book.as_of)
    r = next(r for r in out["results"] if "最高500万元" in r["measure"])
    assert r["verdict"] == "need_more_info" and r["amounts"][0]["yuan"] == 5_000_000
    assert r["citation"]["doc_number"] == "鄂建提复字〔2025〕334号" and r["citation"]["section"]
    assert r["validity"]["status"] == "unknown" and out["as_of"] == "2026-12-04"
    csv = to_csv(res, book.as_of)
    assert csv.startswith("\ufeff结论,地区,措施,金额") and "最高500万元" in csv and "需补充信息" in csv


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"regoin": "北京"}, "regoin"),
        ({"region": "火星"}, "region"),
        ({"employees": -3}, "employees"),
        ({"rd_spend": "很多"}, "rd_spend"),
        ({"needs": ["发财"]}, "need"),
        ({"size": "巨型"}, "size"),
    ],
)
def test_bad_profiles_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(QueryError, match=field):
        Profile.from_dict(body)


def test_current_first_and_the_measure_table(store: MemoryStore, book: PolicyBook) -> None:
    docs = {d.source: d for d in book.docs().values()}

    def hit(source: str, score: float) -> Hit:
        prep = store.preps[source]
        first = prep.measures[0].start
        return Hit(next(c for c in prep.chunks if c.start <= first < c.end), score)

    hits = [hit("rent.txt", 1.0), hit("new.txt", 0.9), hit("old.txt", 0.7)]
    assert [h.chunk.source for h in prefer_current(hits, book)] == ["new.txt", "rent.txt", "old.txt"]
    assert next(h.chunk.source for h in prefer_current([hit("rent.txt", 1.0), hit("new.txt", 0.5)], book)) == "rent.txt"
    # unknown validity is not current: an expired notice stays before a document that states no end, and a
    # current one does not jump over the unknown one to reach it
    seed = Hit(next(c for c in store.preps[SEED.name].chunks if "500万元" in c.text), 0.95)
    assert [h.chunk.source for h in prefer_current([hit("rent.txt", 1.0), seed], book)] == ["rent.txt", SEED.name]
    order = [h.chunk.source for h in prefer_current([hit("rent.txt", 1.0), seed, hit("new.txt", 0.9)], book)]
    assert order == ["rent.txt", SEED.name, "new.txt"]
    assert asks_measures("疫情期间小微企业房租减免有什么政策？") and not asks_measures("这个文件是哪天发的？")
    table = measure_table("有哪些补贴和减免？", hits, book, 1)
    assert table is not None
    text, cites = table
    assert text.splitlines()[0] == "| 地区 | 措施 | 金额 | 对象 | 有效期 | 出处 |"
    assert "免收、减半" in text or "免收" in text
    assert "已失效" in text and "已废止" in text and "[1]" in text
    assert {c.doc_id for c in cites} == {docs["rent.txt"].doc_id, docs["new.txt"].doc_id, docs["old.txt"].doc_id}
    assert measure_table("有哪些补贴？", hits[:1], book, 1) is None  # one document: its own list reads better


def test_book_reads_the_fingerprint_at_most_every_check_and_at_once_after_refresh(store: MemoryStore) -> None:
    """One answer asks the book several times: the store is asked whether it changed once per check period,
    and again right after this process changed it (refresh)."""
    calls: list[int] = []
    real = store.fingerprint

    class Counting:
        def manifest(self) -> dict[str, DocRecord]:
            return store.manifest()

        def doc_measures(self) -> dict[str, list[dict[str, Any]]]:
            return store.doc_measures()

        def fingerprint(self) -> str:
            calls.append(1)
            return real()

    book = PolicyBook(Counting(), date(2026, 12, 4), check_every=60)
    for _ in range(5):
        assert len(book.docs()) == 4 and book.not_current() and book.current()
    assert len(calls) == 1
    book.refresh()
    book.docs()
    assert len(calls) == 2
    eager = PolicyBook(Counting(), date(2026, 12, 4), check_every=0)
    eager.docs()
    eager.docs()
    assert len(calls) == 4
