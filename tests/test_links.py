"""rag.links without a store: references read from real-looking 公文 text, resolution, proposals, and what an
audience may see (a fake store: the manifest and the stored references are all the index reads)."""

from __future__ import annotations

from typing import Any

from rag.access import INTERNAL, PUBLIC, PUBLIC_AUDIENCE, STAFF_AUDIENCE, Visibility
from rag.clean import clean_text
from rag.links import LinkIndex, extract_references, proposal_key, title_keys
from rag.metadata import extract_metadata
from rag.records import DocMeta
from rag.store import DocRecord

from .conftest import SEED


def refs(text: str, meta: DocMeta | None = None) -> list[tuple[str | None, str | None]]:
    return [(r.doc_number, r.title) for r in extract_references(text, meta)]


def test_seed_cites_its_plan_by_title_and_number_as_one_reference() -> None:
    text = clean_text(SEED.read_text(encoding="utf-8"))
    found = extract_references(text, extract_metadata(text))
    assert [(r.doc_number, r.title) for r in found] == [
        ("鄂府办发〔2024〕13号", "鄂尔多斯市提升科技创新投入实施方案")
    ]
    assert found[0].ref == "鄂府办发〔2024〕13号"
    assert found[0].sentence.startswith("印发《鄂尔多斯市提升科技创新投入实施方案》(鄂府办发〔2024〕13号)")
    assert found[0].sentence.endswith("提升研发投入水平。")


def test_brackets_are_normalised_and_own_number_is_no_reference() -> None:
    meta = DocMeta(title="国务院办公厅关于印发X的通知", doc_number="国办发〔2020〕7号")
    text = "根据国办发[2020]7号和国发（2019）5号文件精神，参照鄂府办发【2024】13号执行。"
    assert refs(text, meta) == [("国发〔2019〕5号", None), ("鄂府办发〔2024〕13号", None)]


def test_what_is_not_a_document_is_skipped() -> None:
    text = (
        "据《人民日报》报道，市政府印发《关于支持中小企业发展的若干措施》（以下简称《措施》）。"
        "《措施》明确，企业凭《营业执照》和《申请表》办理。您的《关于加强科技创新的提案》收悉。"
        "依照《中华人民共和国传染病防治法》执行。展览中有一幅名为《免疫力》的作品。"
    )
    assert refs(text) == [(None, "关于支持中小企业发展的若干措施"), (None, "中华人民共和国传染病防治法")]


def test_a_repeated_reference_is_listed_once_with_what_is_known() -> None:
    text = "按照《关于做好稳就业工作的通知》执行。《关于做好稳就业工作的通知》（人社部发〔2020〕8号）规定…。"
    found = extract_references(text)
    assert [(r.doc_number, r.title) for r in found] == [("人社部发〔2020〕8号", "关于做好稳就业工作的通知")]
    assert found[0].sentence == "按照《关于做好稳就业工作的通知》执行。", "the first citing sentence"


def test_title_keys_with_and_without_issuer() -> None:
    keys = title_keys(
        "鄂尔多斯市人民政府办公室关于印发《鄂尔多斯市提升科技创新投入实施方案》的通知",
        "鄂尔多斯市人民政府办公室",
    )
    assert "鄂尔多斯市提升科技创新投入实施方案" in keys, "an 印发 notice is found by its attachment's title"
    assert "关于印发鄂尔多斯市提升科技创新投入实施方案的通知" in keys
    assert "传染病防治法" in title_keys("中华人民共和国传染病防治法")


class FakeStore:
    def __init__(self, docs: dict[str, tuple[str, str, Visibility]]) -> None:
        self.docs = docs  # id → (file name, text, visibility)
        self.stamp = 0

    def manifest(self) -> dict[str, DocRecord]:
        return {
            d: DocRecord(d, d, name, "h", 1, extract_metadata(clean_text(t)))
            for d, (name, t, _) in self.docs.items()
        }

    def doc_links(self) -> dict[str, tuple[list[dict[str, Any]], Visibility]]:
        out = {}
        for d, (_, t, vis) in self.docs.items():
            text = clean_text(t)
            out[d] = ([r.to_dict() for r in extract_references(text, extract_metadata(text))], vis)
        return out

    def fingerprint(self) -> str:
        return str(self.stamp)


PLAN = (
    "鄂尔多斯市人民政府办公室关于印发《鄂尔多斯市提升科技创新投入实施方案》的通知\n鄂府办发〔2024〕13号\n"
    "各旗区人民政府，市人民政府各部门：\n现将《鄂尔多斯市提升科技创新投入实施方案》印发给你们，请认真贯彻落实。\n"
    "鄂尔多斯市人民政府办公室\n2024年3月1日\n"
)


def letter(office: str, session: str, number: str, extra: str = "") -> str:
    return (
        f"{office}关于市政协{session}会议第{number}号提案的答复\n王明委员：\n您提出的《关于支持科技企业研发投入的提案》收悉。"
        f"现答复如下。\n一、加大研发投入奖补。{extra}\n{office}\n2025年8月1日\n"
    )


def test_index_resolves_cited_by_and_same_proposal() -> None:
    text = SEED.read_text(encoding="utf-8")
    store = FakeStore(
        {
            "seed": ("seed.txt", text, PUBLIC),
            "plan": ("plan.txt", PLAN, PUBLIC),
            "a": ("a.txt", letter("鄂尔多斯市科学技术局", "五届四次", "0150"), PUBLIC),
            "b": (
                "b.txt",
                letter(
                    "鄂尔多斯市财政局", "五届四次", "150", "按《鄂尔多斯市提升科技创新投入实施方案》执行。"
                ),
                PUBLIC,
            ),
            "c": (
                "c.txt",
                letter("鄂尔多斯市财政局", "五届三次", "0150"),
                PUBLIC,
            ),  # another session: not the same
        }
    )
    idx = LinkIndex(store)
    seed = idx.links("seed")
    assert seed is not None
    assert seed["cites"][0] == {
        "ref": "鄂府办发〔2024〕13号",
        "title": "鄂尔多斯市人民政府办公室关于印发《鄂尔多斯市提升科技创新投入实施方案》的通知",
        "doc_id": "plan",
        "in_corpus": True,
        "sentence": seed["cites"][0]["sentence"],
    }
    plan = idx.links("plan")
    assert plan is not None
    assert {x["doc_id"] for x in plan["cited_by"]} == {"seed", "b"}, "by 文号 (seed) and by title alone (b)"
    a, c = idx.links("a"), idx.links("c")
    assert a is not None and c is not None
    assert [x["doc_id"] for x in a["same_proposal"]] == ["b"] and a["same_proposal"][0][
        "ref"
    ] == "政协五届四次第150号提案"
    assert c["same_proposal"] == [], "the same number in another session is another proposal"
    key = proposal_key(extract_metadata(clean_text(letter("鄂尔多斯市财政局", "五届四次", "0150"))))
    assert key is not None and (key.number, key.kind, key.session) == (150, "提案", "政协五届四次")


def test_an_internal_document_is_invisible_to_the_public() -> None:
    text = SEED.read_text(encoding="utf-8")
    store = FakeStore(
        {
            "seed": ("seed.txt", text, PUBLIC),
            "plan": ("plan.txt", PLAN, INTERNAL),
            "b": (
                "b.txt",
                letter("鄂尔多斯市财政局", "五届四次", "0150", "参照鄂建提复字〔2025〕334号。"),
                INTERNAL,
            ),
        }
    )
    idx = LinkIndex(store)
    public = idx.links("seed", PUBLIC_AUDIENCE)
    assert public is not None
    # exactly what a document not in the corpus looks like: no id, only the title the citing text gives
    assert public["cites"][0] | {"sentence": ""} == {
        "ref": "鄂府办发〔2024〕13号",
        "title": "鄂尔多斯市提升科技创新投入实施方案",
        "doc_id": None,
        "in_corpus": False,
        "sentence": "",
    }
    assert public["cited_by"] == [], "an internal citing document is not listed"
    assert idx.links("plan", PUBLIC_AUDIENCE) is None and idx.links("nope", STAFF_AUDIENCE) is None
    staff = idx.links("seed", STAFF_AUDIENCE)
    assert (
        staff is not None and staff["cites"][0]["doc_id"] == "plan" and staff["cited_by"][0]["doc_id"] == "b"
    )


def test_index_follows_the_store() -> None:
    store = FakeStore({"seed": ("seed.txt", SEED.read_text(encoding="utf-8"), PUBLIC)})
    idx = LinkIndex(store, check_every=0)
    first = idx.links("seed")
    assert first is not None and first["cites"][0]["in_corpus"] is False
    store.docs["plan"] = ("plan.txt", PLAN, PUBLIC)
    store.stamp += 1
    again = idx.links("seed")
    assert again is not None and again["cites"][0]["doc_id"] == "plan"
