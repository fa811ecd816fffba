"""The register of past replies through HTTP against the real app (app.py in a subprocess, real m3e-small,
real Chroma) over the seed and the State Council documents (46, seven of them reply letters):
``GET /api/replies`` with its filters and CSV, and register questions in ``/api/ask``."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .conftest import SEED, shared_or_skip
from .test_api import start_app

pytestmark = pytest.mark.slow

LETTERS = {"000_4f56bf1c4842e0b1.txt", "sc_26.txt", "sc_28.txt", "sc_30.txt", "sc_25.txt", "sc_21.txt", "sc_48.txt"}
STAFF = "staff-token-for-tests"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    sc = shared_or_skip("corpus", "state-council")
    tmp = tmp_path_factory.mktemp("replies")
    corpus = tmp / "corpus"
    shutil.copytree(sc, corpus)
    shutil.copy(SEED, corpus / SEED.name)
    proc, u = start_app(tmp, corpus, RAG_STAFF_TOKENS=STAFF)
    try:
        yield u
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _get(url: str, **params: str) -> Any:
    r = httpx.get(f"{url}/api/replies", params=params, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def test_replies_lists_every_reply_letter_newest_first(url: str) -> None:
    got = _get(url)
    assert {d["source"] for d in got} == LETTERS  # the 复函 to 请示 (sc_23, sc_42 …) are not in it
    dates = [d["date"] for d in got]
    assert dates == sorted(dates, reverse=True) and got[0]["source"] == SEED.name
    seed = got[0]
    assert (seed["number"], seed["kind"], seed["session"], seed["body"], seed["level"]) == (
        "0261", "提案", "五届四次会议", "政协", "市")
    assert seed["proposers"] == ["白夜明"] and seed["doc_number"] == "鄂建提复字〔2025〕334号"
    assert seed["title"].endswith("答复函") and "科技企业" in seed["gist"] and seed["doc_id"]
    assert seed["commitments"][0].startswith("下一步")


@pytest.mark.parametrize(("params", "want"), [
    ({"proposer": "王超斌"}, ["sc_26.txt"]),
    ({"kind": "建议", "year": "2006"}, ["sc_28.txt"]),
    ({"year": "2005"}, ["sc_30.txt", "sc_25.txt"]),
    ({"session": "十届四次会议"}, ["sc_26.txt", "sc_28.txt"]),
    ({"replying_body": "鄂尔多斯"}, [SEED.name]),
    ({"words": "政府网站"}, ["sc_28.txt", "sc_30.txt"]),
    ({"kind": "议案"}, []),
])
def test_replies_filters(url: str, params: dict[str, str], want: list[str]) -> None:
    assert [d["source"] for d in _get(url, **params)] == want


def test_replies_staff_token_sees_the_same_public_letters(url: str) -> None:
    r = httpx.get(f"{url}/api/replies", headers={"Authorization": f"Bearer {STAFF}"}, timeout=60)
    assert r.status_code == 200 and {d["source"] for d in r.json()} == LETTERS


def test_replies_csv(url: str) -> None:
    r = httpx.get(f"{url}/api/replies", params={"format": "csv", "kind": "提案"}, timeout=60)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["日期", "文号", "标题"] and len(rows) == 4
    assert rows[1][1] == "鄂建提复字〔2025〕334号" and "王超斌" in {row[8] for row in rows}


@pytest.mark.parametrize(("params", "needle"), [
    ({"year": "abc"}, "year"), ({"kind": "通知"}, "kind"), ({"format": "xml"}, "format"), ({"name": "x"}, "name"),
])
def test_replies_bad_parameters_are_named(url: str, params: dict[str, str], needle: str) -> None:
    r = httpx.get(f"{url}/api/replies", params=params, timeout=60)
    assert r.status_code == 400 and needle in r.json()["detail"]


def _ask(url: str, q: str) -> Any:
    r = httpx.post(f"{url}/api/ask", json={"question": q}, timeout=180)
    assert r.status_code == 200, r.text
    return r.json()


def test_ask_what_a_member_proposed_lists_his_letter(url: str) -> None:
    a = _ask(url, "王超斌委员提过哪些提案？")
    assert not a["refused"] and a["answer"].startswith("已收录的答复函中，王超斌委员")
    assert "国办函〔2006〕82号" in a["answer"] and "2006-10-18" in a["answer"] and "[1]" in a["answer"]
    assert [c["source"] for c in a["citations"]] == ["sc_26.txt"]


def test_ask_how_past_proposals_on_a_topic_were_answered(url: str) -> None:
    a = _ask(url, "以前关于科技企业融资的提案是怎么答复的？")
    assert not a["refused"] and "以往建议、提案答复" in a["answer"]
    assert a["citations"][0]["source"] == SEED.name and "鄂建提复字〔2025〕334号" in a["answer"]
    assert "sc_26.txt" not in {c["source"] for c in a["citations"]}  # 总理热线 is not about it


def test_ask_an_unknown_member_says_so(url: str) -> None:
    a = _ask(url, "张无忌委员提过哪些提案？")
    assert a["refused"] and "张无忌委员" in a["answer"]


@pytest.mark.parametrize("q", ["研发投入有哪些支持？", "334号答复函说了什么"])
def test_ask_ordinary_questions_are_not_lists_of_letters(url: str, q: str) -> None:
    a = _ask(url, q)
    assert not a["answer"].startswith("已收录的答复函") and not a["refused"]
