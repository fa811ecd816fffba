"""What the corpus cannot answer (rag.scope): everyday questions, places no found document is about, 文号 the
corpus never mentions. The corpus is a small fake with the three methods the checks read; jieba tags places."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import pytest

from rag.records import Chunk, DocMeta, Hit, RelatedDoc
from rag.scope import Verdict, everyday, judge, missing_places, places

from .conftest import ROOT


@pytest.fixture(scope="module", autouse=True)
def _jieba_ready() -> None:
    """places() reads jieba's dictionary, which jieba loads lazily; the first call in a fresh process is
    test_places_in_a_fresh_process's business. Here the dictionary is loaded, whatever ran before."""
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()


# --- everyday ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    ["今天天气怎么样？", "帮我讲个笑话", "现在买哪只股票能赚钱？", "推荐一部好看的电影", "红烧肉的做法", "帮我写一首诗"],
    ids=["weather", "joke", "stocks", "film", "recipe", "poem"],
)
def test_everyday_questions(question: str) -> None:
    assert everyday(question)


@pytest.mark.parametrize(
    "question",
    [
        "疫情期间雨雪天气户外执勤人员有什么保障政策？",  # 天气, but a policy question
        "研发投入有哪些支持？",
        "股票质押融资有什么支持政策？",
        "银川市的购房补贴政策是什么？",
        "第0261号提案的答复函是哪天发的？",
        "企业复工需要什么材料？",
    ],
    ids=["duty-in-snow", "rd-support", "pledge-financing", "housing-subsidy", "reply-date", "materials"],
)
def test_policy_questions_are_not_everyday(question: str) -> None:
    assert not everyday(question)


# --- places -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("银川市的购房补贴政策是什么？", ["银川市"]),
        ("海口市对企业有什么补贴？", ["海口市"]),
        ("湖北省武汉市的复工政策", ["湖北省", "武汉市"]),
        ("北京和上海的政策有什么不同？", ["北京", "上海"]),
        ("内蒙古自治区的政策", ["内蒙古自治区"]),
        ("全国有哪些支持政策？", []),
        ("本市的补贴怎么申请？", []),
        ("我市的贷款政策", []),
        ("研发投入有哪些支持？", []),
        ("会议上提的建议怎么答复的？", []),  # the tagger guesses 上提 is a place: not in its dictionary
    ],
    ids=["yinchuan", "haikou", "province-and-city", "two-cities", "region", "national", "this-city", "our-city",
         "no-place", "tagger-guess"],
)
def test_places(question: str, want: list[str]) -> None:
    assert places(question) == want


def test_places_are_distinct_and_in_order() -> None:
    assert places("银川市和银川市的政策与海口市比有什么不同？") == ["银川市", "海口市"]


def test_places_in_a_fresh_process() -> None:
    """The first question a process asks must find its place too. places() took ``jieba.dt.FREQ`` before
    jieba had loaded its dictionary (jieba.initialize() replaces that dict): the first call saw an empty
    dictionary and dropped every place, so a first question about a missing place was answered, not refused."""
    code = (
        "from rag.scope import places\n"
        "print(places('银川市的购房补贴政策是什么？'), places('银川市的购房补贴政策是什么？'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         check=True)
    assert out.stdout.strip() == "['银川市'] ['银川市']"


# --- the fake corpus and hits -----------------------------------------------------------------------------


@dataclass
class FakeCorpus:
    texts: dict[str, str]  # doc_id → the document's whole text
    unknown: list[str] = field(default_factory=list)  # what unknown_identifiers answers
    asked: list[list[str]] = field(default_factory=list)  # the doc ids document_texts was asked for

    def knows(self, term: str) -> bool:
        return any(term in t for t in self.texts.values())

    def unknown_identifiers(self, query: str) -> list[str]:
        return [u for u in self.unknown if u in query]

    def document_texts(self, doc_ids: Sequence[str]) -> dict[str, str]:
        self.asked.append(list(doc_ids))
        return {d: self.texts[d] for d in doc_ids if d in self.texts}


DOCS = {
    "bj1": ("北京市人民政府关于应对疫情支持中小微企业的若干措施", "京政发〔2020〕7号",
            "北京市人民政府关于应对疫情支持中小微企业的若干措施\n对承租市属国有企业房产的中小微企业减免2月份房租。"),
    "bj2": ("北京市住房和城乡建设委员会关于做好购房补贴发放工作的通知", None,
            "北京市住房和城乡建设委员会关于做好购房补贴发放工作的通知\n各区住房城乡建设委：购房补贴按季度发放。"),
    "sh1": ("上海市人民政府办公厅关于支持企业复工复产的通知", "沪府办〔2020〕11号",
            "上海市人民政府办公厅关于支持企业复工复产的通知\n对受疫情影响的企业给予贷款贴息。海口市的经验可以参考。"),
    "gz1": ("广州市关于人才购房补贴的实施办法", None, "广州市关于人才购房补贴的实施办法\n人才购房补贴最高50万元。"),
    "bs1": ("关于做好本市职工购房补贴发放工作的通知", None,
            "关于做好本市职工购房补贴发放工作的通知\n本市职工首次购房的，给予一次性补贴。"),
    "hk1": ("海口市关于支持企业复工的通知", None, "海口市关于支持企业复工的通知\n对复工企业给予补贴。"),
}


def hit(doc_id: str, n: int = 0, score: float = 1.0) -> Hit:
    title, number, text = DOCS[doc_id]
    meta = DocMeta(title=title, doc_number=number, date="2020-02-10", doc_type="notice")
    chunk = Chunk(id=f"{doc_id}-{n}", doc_id=doc_id, source=f"{doc_id}.txt", text=text, section="", start=n * 100,
                  end=n * 100 + len(text), tokens=len(text) // 2, ordinal=n, meta=meta)
    return Hit(chunk=chunk, score=score)


def corpus(*doc_ids: str, unknown: Sequence[str] = ()) -> FakeCorpus:
    return FakeCorpus({d: DOCS[d][2] for d in doc_ids}, list(unknown))


ALL = ("bj1", "bj2", "sh1", "gz1", "bs1", "hk1")
NO_YINCHUAN = corpus(*ALL)


# --- missing_places and judge -----------------------------------------------------------------------------


def test_a_place_absent_from_the_corpus_is_refused_with_related_documents() -> None:
    hits = [hit("bj2", 0, 0.9), hit("bj2", 1, 0.8), hit("gz1", 0, 0.7), hit("bs1", 0, 0.6), hit("sh1", 0, 0.5)]
    q = "银川市的购房补贴政策是什么？"
    assert missing_places(q, hits, NO_YINCHUAN) == ["银川市"]
    v = judge(q, hits, NO_YINCHUAN)
    assert v.refused and v.reason == "missing" and v.missing == ("银川市",)
    # At most three related documents, each once, in the order found, as RelatedDoc records.
    assert [r.doc_id for r in v.related] == ["bj2", "gz1", "bs1"]
    assert all(isinstance(r, RelatedDoc) for r in v.related)
    assert v.related[0] == RelatedDoc("bj2", DOCS["bj2"][0], None, "2020-02-10", "bj2.txt")
    assert judge(q, hits, NO_YINCHUAN, max_related=1).related == (v.related[0],)


def test_related_document_without_title_is_named_by_lead_then_source() -> None:
    h = hit("gz1")
    lead_only = Hit(chunk=replace(h.chunk, meta=DocMeta(lead="广州市发布人才购房补贴办法")), score=1.0)
    nothing = Hit(chunk=replace(h.chunk, doc_id="x", meta=DocMeta()), score=0.5)
    v = judge("银川市的购房补贴政策是什么？", [lead_only, nothing], NO_YINCHUAN)
    assert [r.title for r in v.related] == ["广州市发布人才购房补贴办法", "gz1.txt"]


def test_a_place_the_corpus_knows_but_no_found_document_is_about_is_refused() -> None:
    # 海口 is in the corpus (hk1), but the search found only a Beijing and a Guangzhou document.
    hits = [hit("bj2"), hit("gz1", score=0.5), hit("bj2", 1, score=0.4)]
    c = corpus(*ALL)
    q = "海口市购房补贴怎么发放？"
    assert missing_places(q, hits, c) == ["海口市"]
    assert c.asked == [["bj2", "gz1"]], "the found documents' texts, each once"
    v = judge(q, hits, c)
    assert v == Verdict(True, "missing", ("海口市",), (RelatedDoc.from_hit(hits[0]), RelatedDoc.from_hit(hits[1])))


def test_documents_of_a_city_government_name_their_city() -> None:
    """北京市人民政府关于… / 上海市人民政府办公厅关于… are about Beijing and Shanghai. jieba keeps 北京市人民政府 as one
    organisation word (tag nt), so places() of such a title is empty, the documents count as naming no place of
    their own, and a question about 海口 is answered from Beijing's and Shanghai's notices."""
    hits = [hit("bj1"), hit("sh1", score=0.5)]
    c = corpus(*ALL)
    c.texts["sh1"] = DOCS["sh1"][2].replace("海口市的经验可以参考。", "")
    q = "海口市对中小微企业有什么房租减免？"
    assert missing_places(q, hits, c) == ["海口市"]
    assert judge(q, hits, c).refused


def test_a_place_mentioned_in_a_found_document_is_not_refused() -> None:
    # sh1's text mentions 海口市: the answer may be about it.
    hits = [hit("bj1"), hit("sh1", score=0.5)]
    assert missing_places("海口市对中小微企业有什么房租减免？", hits, corpus(*ALL)) == []
    assert not judge("海口市对中小微企业有什么房租减免？", hits, corpus(*ALL)).refused
    # …and so is one a found document is about (by its stem too: 北京 in 北京市…).
    assert missing_places("北京对中小微企业有什么房租减免？", [hit("bj1")], corpus(*ALL)) == []


def test_found_documents_that_name_no_place_of_their_own_are_no_reason_to_refuse() -> None:
    # bs1 is about 本市: it may be the asked city's own notice.
    hits = [hit("bs1"), hit("bj2", score=0.5)]
    q = "海口市职工购房补贴怎么发放？"
    c = corpus(*ALL)
    assert missing_places(q, hits, c) == []
    assert judge(q, hits, c) == Verdict(False)


def test_question_without_a_place_is_not_refused() -> None:
    hits = [hit("bj1")]
    assert missing_places("中小微企业有什么房租减免？", hits, NO_YINCHUAN) == []
    assert missing_places("本市中小微企业有什么房租减免？", hits, NO_YINCHUAN) == []
    assert not judge("全国中小微企业有什么房租减免？", hits, NO_YINCHUAN).refused


def test_only_the_missing_of_two_places_is_named() -> None:
    hits = [hit("bj1"), hit("sh1", score=0.5)]
    assert missing_places("银川市和北京市的房租减免有什么不同？", hits, NO_YINCHUAN) == ["银川市"]


def test_an_identifier_the_corpus_never_mentions_is_refused() -> None:
    c = corpus(*ALL, unknown=["国办函〔2007〕15号"])
    hits = [hit("sh1"), hit("bj1", score=0.5)]
    v = judge("国办函〔2007〕15号的主要内容是什么？", hits, c)
    assert v.refused and v.reason == "missing" and v.missing == ("国办函〔2007〕15号",)
    assert [r.doc_id for r in v.related] == ["sh1", "bj1"]
    # The identifier is named, not a place the question also names.
    assert judge("银川市国办函〔2007〕15号的主要内容是什么？", hits, c).missing == ("国办函〔2007〕15号",)


def test_no_hits_is_not_refused_unless_everyday() -> None:
    assert judge("银川市的购房补贴政策是什么？", [], NO_YINCHUAN) == Verdict(False)
    assert judge("国办函〔2007〕15号的主要内容是什么？", [], corpus(*ALL, unknown=["国办函〔2007〕15号"])) == Verdict(False)
    assert judge("今天天气怎么样？", [], NO_YINCHUAN) == Verdict(True, "everyday")


def test_everyday_is_refused_before_anything_else() -> None:
    c = corpus(*ALL, unknown=["国办函〔2007〕15号"])
    v = judge("银川市今天天气怎么样？", [hit("bj1")], c)
    assert v == Verdict(True, "everyday")
    assert c.asked == [], "an everyday question reads no document"


def test_a_question_the_corpus_can_answer_is_not_refused() -> None:
    hits = [hit("gz1"), hit("bj2", score=0.5)]
    assert judge("广州市人才购房补贴最高多少？", hits, NO_YINCHUAN) == Verdict(False)
    assert judge("研发投入有哪些支持？", hits, NO_YINCHUAN) == Verdict(False)
