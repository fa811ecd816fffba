"""Internal documents (issue 11) against the real store: the real m3e-small, real Chroma, the seed plus one
internal reply letter written here (corpus/internal/…) with a topic, 文号 and title no public document has.

A public request must never see it — not by topic, 文号 or title, not through /api/ask, /v1, the chat, the
viewer, the document list, suggestions, matching or a follow-up; a staff request sees it; a wrong token is
public. Retrieval is checked directly too: with the public audience both channels return k public hits for a
query the internal document matches best."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path, PurePath
from typing import Any

import httpx
import pytest

from rag.access import (
    INTERNAL,
    PUBLIC,
    PUBLIC_AUDIENCE,
    STAFF_AUDIENCE,
    audience_from_headers,
    path_visibility,
)

from .conftest import SEED

STAFF_TOKEN = "staff-t0ken-for-tests"
ADMIN_TOKEN = "admin-t0ken-for-tests"
API_KEY = "public-api-key"
SECRET = "青鸾计划"  # the internal document's topic: in no public document
NUMBER = "鄂建提复字〔2025〕999号"
TITLE = "鄂尔多斯市人民政府关于某某内部工作安排的答复（不予公开）"
# Strings of the internal document only: none may reach a public response.
MARKERS = (SECRET, "999号", "某某内部工作安排", "4321万元", "12月底前完成资金拨付", "qingluan", "2025-09-10", "2025年9月10日")
INTERNAL_DOC = f"""内部资料 不予公开

{NUMBER}

{TITLE}

市直有关部门：

现就青鸾计划内部工作安排答复如下。

一、青鸾计划的工作目标

青鸾计划由市科技局牵头，2025年安排专项资金4321万元，用于科技企业研发投入补助和孵化器建设。对研发投入超过500万元的科技企业，给予最高300万元补助。

二、青鸾计划的时间安排

2025年10月底前完成青鸾计划申报审核，12月底前完成资金拨付。

三、工作要求

各部门要严格保密，不得对外公开青鸾计划的具体安排。

鄂尔多斯市人民政府
2025年9月10日
"""
TOPIC_QUESTIONS = ("青鸾计划的时间安排是什么？", "青鸾计划安排了多少专项资金？")
# The internal document matches this best (its topic word), the seed's passages match the rest.
MIXED_QUERY = "青鸾计划 科技企业 研发投入 补助"


def make_corpus(root: Path) -> Path:
    corpus = root / "corpus"
    (corpus / "internal").mkdir(parents=True)
    shutil.copy(SEED, corpus / SEED.name)
    (corpus / "internal" / "qingluan.txt").write_text(INTERNAL_DOC, encoding="utf-8")
    return corpus


def leaks(text: str, asked: str = "") -> list[str]:
    """The internal document's strings in ``text``, but for those the asker typed (a refusal may echo the
    文号 asked for: 未在已收录文件中找到关于“…999号”的相关依据)."""
    return [m for m in MARKERS if m in text and m not in asked]


# --- the rules, no store ------------------------------------------------------------------------------


def test_path_visibility_by_folder_and_glob() -> None:
    assert path_visibility(PurePath("internal/a.txt")) == INTERNAL
    assert path_visibility(PurePath("2025/内部/a.txt")) == INTERNAL
    assert path_visibility(PurePath("Internal/x/a.txt")) == INTERNAL
    assert path_visibility(PurePath("a.txt")) == PUBLIC
    assert path_visibility(PurePath("internal.txt")) == PUBLIC, "a file's own name is not a folder"
    assert path_visibility(PurePath("internals/a.txt")) == PUBLIC
    assert path_visibility(PurePath("drafts/a.txt"), "drafts/*, *不予公开*") == INTERNAL
    assert path_visibility(PurePath("x/关于某事的答复（不予公开）.txt"), "drafts/*, *不予公开*") == INTERNAL
    assert path_visibility(PurePath("x/a.txt"), "drafts/*") == PUBLIC


def test_audience_from_headers() -> None:
    tokens = f"other, {STAFF_TOKEN}"
    assert audience_from_headers({"authorization": f"Bearer {STAFF_TOKEN}"}, tokens).staff
    assert audience_from_headers({"x-staff-token": STAFF_TOKEN}, tokens).staff
    # /v1: the API key in Authorization, the staff token beside it
    assert audience_from_headers({"authorization": f"Bearer {API_KEY}", "x-staff-token": STAFF_TOKEN}, tokens).staff
    assert not audience_from_headers({"authorization": "Bearer wrong"}, tokens).staff
    assert not audience_from_headers({"x-staff-token": STAFF_TOKEN + "x"}, tokens).staff
    assert not audience_from_headers({}, tokens).staff
    assert not audience_from_headers({"authorization": "Bearer "}, "").staff, "no tokens configured: nobody"
    assert not audience_from_headers({"authorization": f"Basic {STAFF_TOKEN}"}, tokens).staff


def test_staff_answers_are_logged_under_a_channel_of_their_own(tmp_settings: Any) -> None:
    """The question log keeps what staff were told (it may quote internal text): under api-staff & co., so
    the admin report tells those answers apart."""
    from rag.access import log_channel
    from rag.logbook import Logbook
    from rag.records import Answer

    book = Logbook.open(tmp_settings)
    assert [log_channel(c, STAFF_AUDIENCE) for c in ("api", "chat", "openai")] == ["api-staff", "chat-staff",
                                                                                    "openai-staff"]
    assert log_channel("api", PUBLIC_AUDIENCE) == "api"
    aid = book.record_answer(log_channel("openai", STAFF_AUDIENCE), "问", Answer("问", "答", False), 1.0)
    assert aid is not None and (book.answer(aid) or {})["channel"] == "openai-staff"


# --- the real store, in process -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def pipe(tmp_path_factory: pytest.TempPathFactory, real_embedder: Any) -> Any:
    from rag.pipeline import build
    from rag.settings import Settings

    tmp = tmp_path_factory.mktemp("internal")
    corpus = make_corpus(tmp)
    p = build(Settings(data_dir=tmp / "data", corpus_dir=corpus, staff_tokens=STAFF_TOKEN), real_embedder)
    rep = p.ingest([corpus])
    assert rep.docs_added == 2 and not rep.errors
    return p


@pytest.fixture(scope="module")
def internal_id(pipe: Any) -> str:
    ids = [d for d, r in pipe.store.manifest().items() if r.meta.visibility == INTERNAL]
    assert len(ids) == 1
    return str(ids[0])


def test_every_passage_and_record_carries_its_visibility(pipe: Any, internal_id: str) -> None:
    rows = list(pipe.store.chunk_rows())
    assert rows and all(m.get("visibility") in (PUBLIC, INTERNAL) for _, _, m in rows)
    assert {m["visibility"] for _, _, m in rows if m["doc_id"] == internal_id} == {INTERNAL}
    assert {m["visibility"] for _, _, m in rows if m["doc_id"] != internal_id} == {PUBLIC}
    man = pipe.store.manifest()
    assert man[internal_id].meta.doc_number == NUMBER and man[internal_id].meta.title == TITLE
    assert [r.meta.visibility for d, r in man.items() if d != internal_id] == [PUBLIC]


def test_keyword_channel_takes_top_k_over_public_passages(pipe: Any, internal_id: str) -> None:
    hidden = set(pipe.lexical.doc_chunk_ids(internal_id))
    staff = pipe.lexical.search(MIXED_QUERY, 5, audience=STAFF_AUDIENCE)
    assert staff[0][0] in hidden, "the internal document matches this query best"
    public = pipe.lexical.search(MIXED_QUERY, 5, audience=PUBLIC_AUDIENCE)
    assert len(public) == 5 and not hidden & {cid for cid, _ in public}
    assert public[0][1] == pytest.approx(max(s for _, s in public)) and public[0][1] > 0
    # A word only the internal document has (计划 of 青鸾计划 is in the seed too): the public gets nothing.
    assert pipe.lexical.search("青鸾", 5, audience=PUBLIC_AUDIENCE) == []
    assert pipe.lexical.search("青鸾", 5, audience=STAFF_AUDIENCE)
    assert not pipe.lexical.knows(SECRET) and pipe.lexical.knows(SECRET, STAFF_AUDIENCE)
    assert not pipe.lexical.has_token(NUMBER) and pipe.lexical.has_token(NUMBER, STAFF_AUDIENCE)


def test_dense_channel_takes_top_k_over_public_passages(pipe: Any, internal_id: str) -> None:
    staff = pipe.retriever.dense(MIXED_QUERY, 5, audience=STAFF_AUDIENCE)
    assert any(c.doc_id == internal_id for c, _ in staff)
    public = pipe.retriever.dense(MIXED_QUERY, 5, audience=PUBLIC_AUDIENCE)
    assert len(public) == 5 and all(c.doc_id != internal_id for c, _ in public)


def test_exact_lookup_and_retrieval(pipe: Any, internal_id: str) -> None:
    r = pipe.retriever
    assert r.exact_docs(f"{NUMBER}是哪天发的？", STAFF_AUDIENCE) == [internal_id]
    assert r.exact_docs(f"{NUMBER}是哪天发的？", PUBLIC_AUDIENCE) == []
    assert r.exact_docs(f"{NUMBER}是哪天发的？") == [], "the default audience is the public"
    assert NUMBER in r.unknown_identifiers(f"{NUMBER}是哪天发的？", PUBLIC_AUDIENCE)
    assert r.unknown_identifiers(f"{NUMBER}是哪天发的？", STAFF_AUDIENCE) == []
    for q in (*TOPIC_QUESTIONS, f"{NUMBER}是哪天发的？", TITLE):
        pub = r.retrieve(q, audience=PUBLIC_AUDIENCE)
        assert all(h.chunk.doc_id != internal_id for h in [*pub.hits, *pub.below_floor]), q
        assert r.retrieve(q, audience=STAFF_AUDIENCE).hits[0].chunk.doc_id == internal_id, q


def test_chat_answers(pipe: Any, internal_id: str) -> None:
    for q in (*TOPIC_QUESTIONS, f"{NUMBER}是哪天发的？", f"《{TITLE}》的主要内容是什么？"):
        pub = pipe.chat.ask(q)
        assert all(c.doc_id != internal_id for c in pub.citations), q
        assert not leaks(pub.text, q) and not leaks(str([c.to_api() for c in pub.citations])), q
        staff = pipe.chat.ask(q, audience=STAFF_AUDIENCE)
        assert not staff.refused and staff.citations[0].doc_id == internal_id, q
        assert staff.citations[0].visibility == INTERNAL and staff.citations[0].to_api()["visibility"] == INTERNAL


def test_measure_table_answers(pipe: Any, internal_id: str) -> None:
    """A measures question both documents answer: the public table (and answer) never draws on the internal
    document; staff may get it as a source."""
    q = "科技企业研发投入补助有哪些政策？"
    pub = pipe.chat.ask(q)
    assert not pub.refused and all(c.doc_id != internal_id for c in pub.citations)
    assert not leaks(pub.text, q) and "300万元补助" not in pub.text
    assert "各文件措施对照" not in pub.text, "one public document: no table of documents side by side"
    staff = pipe.chat.ask(q, audience=STAFF_AUDIENCE)
    assert "各文件措施对照" in staff.text and any(c.doc_id == internal_id for c in staff.citations)


def test_a_follow_up_does_not_reach_back_into_an_internal_document(pipe: Any, internal_id: str) -> None:
    first = pipe.chat.ask(TOPIC_QUESTIONS[0], audience=STAFF_AUDIENCE)
    assert first.citations[0].doc_id == internal_id and "12月底前完成资金拨付" in first.text
    history = [{"role": "user", "content": TOPIC_QUESTIONS[0]}, {"role": "assistant", "content": first.text}]
    for follow in ("这个文件是哪天发的？", "那资金方面呢？", "具体金额是多少？"):
        staff = pipe.chat.ask(follow, history, audience=STAFF_AUDIENCE)
        assert staff.citations and staff.citations[0].doc_id == internal_id, follow
        pub = pipe.chat.ask(follow, history)
        assert all(c.doc_id != internal_id for c in pub.citations), follow
        assert "2025-09-10" not in pub.text and "4321万元" not in pub.text, follow


def test_suggestions_come_from_public_documents(pipe: Any, internal_id: str) -> None:
    records = list(pipe.store.manifest().values())
    public = pipe.suggester.examples(records, audience=PUBLIC_AUDIENCE)
    assert public and not leaks(" ".join(public))
    staff = pipe.suggester.examples(records, audience=STAFF_AUDIENCE)
    assert leaks(" ".join(staff)), "staff may be offered the internal document's questions"
    ans = pipe.chat.ask(TOPIC_QUESTIONS[0], audience=STAFF_AUDIENCE)
    assert leaks(" ".join(pipe.suggester.follow_ups(ans, TOPIC_QUESTIONS[0], STAFF_AUDIENCE)))
    # the same answer's follow-ups for the public (a stale answer replayed): none from the internal document
    assert not leaks(" ".join(pipe.suggester.follow_ups(ans, TOPIC_QUESTIONS[0], PUBLIC_AUDIENCE)))
    pub = pipe.chat.ask("研发投入有哪些支持？")
    assert not leaks(" ".join(pipe.suggester.follow_ups(pub, "研发投入有哪些支持？")))


def test_matching_reads_public_documents_only(pipe: Any, internal_id: str) -> None:
    from rag.matching import Profile, match

    assert pipe.book.get(internal_id).measures, "the internal document has support measures"
    staff = match(pipe.book, Profile.from_dict({}), 500, STAFF_AUDIENCE)
    assert any(m.doc.doc_id == internal_id for m in staff.matches)
    public = match(pipe.book, Profile.from_dict({}), 500)
    assert public.matches and all(m.doc.doc_id != internal_id for m in public.matches)
    assert public.total < staff.total, "an internal document's measures are not even counted"
    assert internal_id not in pipe.book.visible(PUBLIC_AUDIENCE) and internal_id in pipe.book.visible(STAFF_AUDIENCE)


def test_moving_a_file_changes_its_visibility(tmp_path: Path, real_embedder: Any) -> None:
    """Into internal/ and out again, bytes unchanged; then a glob makes the same file internal in place."""
    from rag.pipeline import build
    from rag.settings import Settings

    corpus = tmp_path / "corpus"
    (corpus / "internal").mkdir(parents=True)
    doc = corpus / "internal" / "qingluan.txt"
    doc.write_text(INTERNAL_DOC, encoding="utf-8")

    def state(globs: str = "") -> tuple[list[str], bool]:
        p = build(Settings(data_dir=tmp_path / "data", corpus_dir=corpus, internal_globs=globs), real_embedder)
        p.ingest([corpus])
        vis = [r.meta.visibility for r in p.store.manifest().values()]
        return vis, bool(p.retriever.exact_docs(NUMBER, PUBLIC_AUDIENCE))

    assert state() == ([INTERNAL], False)
    shutil.move(doc, corpus / "qingluan.txt")
    assert state() == ([PUBLIC], True)
    assert state("qingluan*") == ([INTERNAL], False), "same bytes, same path, a new glob: read again"
    shutil.move(corpus / "qingluan.txt", doc)
    assert state() == ([INTERNAL], False)
    # A file named by itself is judged by its folder too (below the corpus folder).
    from rag.ingest import visibility_for

    s = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    assert visibility_for(doc, doc, s) == INTERNAL
    outside = tmp_path / "elsewhere" / "内部" / "x.txt"
    assert visibility_for(outside, outside, s) == INTERNAL
    assert visibility_for(tmp_path / "elsewhere" / "x.txt", tmp_path / "elsewhere" / "x.txt", s) == PUBLIC


# --- the real app over HTTP ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from .test_api import start_app

    tmp = tmp_path_factory.mktemp("internal-app")
    proc, url = start_app(tmp, make_corpus(tmp), RAG_STAFF_TOKENS=f"another-token,{STAFF_TOKEN}",
                          RAG_API_KEYS=API_KEY, RAG_RATE_LIMIT_PER_MIN="0", RAG_ADMIN_TOKEN=ADMIN_TOKEN)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


STAFF = {"Authorization": f"Bearer {STAFF_TOKEN}"}
WRONG = {"Authorization": "Bearer not-a-staff-token"}


def ask(url: str, question: str, headers: dict[str, str] | None = None, **body: Any) -> dict[str, Any]:
    r = httpx.post(f"{url}/api/ask", json={"question": question, **body}, headers=headers or {}, timeout=120)
    assert r.status_code == 200, r.text
    return dict(r.json())


@pytest.fixture(scope="module")
def app_internal_id(app_url: str) -> str:
    docs = httpx.get(f"{app_url}/api/documents", headers=STAFF).json()
    ids = [d["doc_id"] for d in docs if d["visibility"] == INTERNAL]
    assert len(ids) == 1 and len(docs) == 2
    return str(ids[0])


@pytest.mark.slow
def test_api_ask(app_url: str, app_internal_id: str) -> None:
    for q in (*TOPIC_QUESTIONS, f"{NUMBER}是哪天发的？", f"{TITLE}是哪天发的？"):
        for headers in ({}, WRONG, {"X-Staff-Token": "nope"}):
            d = ask(app_url, q, headers)
            assert all(c["doc_id"] != app_internal_id for c in d["citations"]), (q, headers)
            assert not leaks(d["answer"], q), (q, headers, d["answer"])
            assert not leaks(str(d["citations"]) + str(d["related"]) + str(d["suggestions"])), (q, headers)
        for headers in (STAFF, {"X-Staff-Token": STAFF_TOKEN}):
            d = ask(app_url, q, headers)
            assert d["citations"][0]["doc_id"] == app_internal_id and d["citations"][0]["visibility"] == INTERNAL
    staff = ask(app_url, TOPIC_QUESTIONS[0], STAFF)
    history = [{"role": "user", "content": TOPIC_QUESTIONS[0]}, {"role": "assistant", "content": staff["answer"]}]
    pub = ask(app_url, "这个文件是哪天发的？", history=history)
    assert all(c["doc_id"] != app_internal_id for c in pub["citations"]) and "2025-09-10" not in pub["answer"]


@pytest.mark.slow
def test_documents_viewer_list_and_health(app_url: str, app_internal_id: str) -> None:
    assert httpx.get(f"{app_url}/api/documents/{app_internal_id}").status_code == 404
    assert httpx.get(f"{app_url}/api/documents/{app_internal_id}", headers=WRONG).status_code == 404
    unknown = httpx.get(f"{app_url}/api/documents/0000")
    hidden = httpx.get(f"{app_url}/api/documents/{app_internal_id}")
    assert (unknown.status_code, unknown.json()) == (hidden.status_code, hidden.json()), "the same as unknown"
    full = httpx.get(f"{app_url}/api/documents/{app_internal_id}", headers={"X-Staff-Token": STAFF_TOKEN})
    assert full.status_code == 200 and SECRET in full.json()["text"]
    public = httpx.get(f"{app_url}/api/documents").json()
    assert [d["source"] for d in public] == [SEED.name] and not leaks(str(public))
    assert httpx.get(f"{app_url}/api/health").json()["documents"] == 1
    assert httpx.get(f"{app_url}/api/health", headers=STAFF).json()["documents"] == 2


@pytest.mark.slow
def test_openai_endpoint(app_url: str, app_internal_id: str) -> None:
    def complete(headers: dict[str, str], q: str = TOPIC_QUESTIONS[0]) -> dict[str, Any]:
        body = {"model": "policy-qa", "messages": [{"role": "user", "content": q}]}
        r = httpx.post(f"{app_url}/v1/chat/completions", json=body, headers=headers, timeout=120)
        assert r.status_code == 200, r.text
        return dict(r.json())

    key = {"Authorization": f"Bearer {API_KEY}"}
    for q in (TOPIC_QUESTIONS[0], f"{NUMBER}是哪天发的？"):
        d = complete(key, q)
        assert all(c["doc_id"] != app_internal_id for c in d["citations"])
        assert not leaks(d["choices"][0]["message"]["content"], q)
        d = complete({**key, "X-Staff-Token": "wrong"}, q)
        assert all(c["doc_id"] != app_internal_id for c in d["citations"])
    # The staff token is an API key too (OpenAI clients send Authorization only), or beside one
    for headers in ({"Authorization": f"Bearer {STAFF_TOKEN}"}, {**key, "X-Staff-Token": STAFF_TOKEN}):
        d = complete(headers)
        content = d["choices"][0]["message"]["content"]
        assert d["citations"][0]["doc_id"] == app_internal_id and SECRET in content and "[1] 内部 《" in content
    body = {"model": "policy-qa", "messages": [{"role": "user", "content": TOPIC_QUESTIONS[0]}]}
    r = httpx.post(f"{app_url}/v1/chat/completions", json=body, headers=WRONG, timeout=60)
    assert r.status_code == 401, "a wrong token is no API key either"


@pytest.mark.slow
def test_match_endpoint(app_url: str, app_internal_id: str) -> None:
    pub = httpx.post(f"{app_url}/api/match", json={}, timeout=60).json()
    staff = httpx.post(f"{app_url}/api/match", json={}, headers=STAFF, timeout=60).json()
    assert pub["results"] and all(m["citation"]["doc_id"] != app_internal_id for m in pub["results"])
    assert any(m["citation"]["doc_id"] == app_internal_id for m in staff["results"])
    assert not leaks(str(pub))


# Bodies for the POST routes that take one; any other POST route gets {"question": …}.
POST_BODIES: dict[str, Any] = {
    "/api/ask": {"question": TOPIC_QUESTIONS[0]},
    "/api/match": {},
    "/v1/chat/completions": {"model": "policy-qa", "messages": [{"role": "user", "content": TOPIC_QUESTIONS[0]}]},
    "/api/feedback": {"answer_id": "x", "rating": "up"},
    "/api/similar": {"text": f"关于{SECRET}的提案：建议加快推进青鸾计划"},
}


@pytest.mark.slow
def test_no_route_shows_an_internal_document_to_the_public(pipe: Any, app_url: str, app_internal_id: str) -> None:
    """Every route of the API app (rag.api.create_app: the JSON API, /v1, the embed page, the admin report),
    asked as the public would — with the internal document's id in every path parameter and its topic in
    every question: nothing of it comes back. A new endpoint that forgets the audience fails here."""
    from fastapi.routing import APIRoute

    from rag.api import create_app
    from rag.widget import WIDGET_JS

    routes = [r for r in create_app(pipe).routes if isinstance(r, APIRoute)]
    assert len(routes) >= 8
    key = {"Authorization": f"Bearer {API_KEY}"}
    asked = 0
    for route in routes:
        path = route.path
        for name in route.param_convertors:
            path = path.replace("{" + name + "}", app_internal_id if "id" in name else "policy-qa")
        for method in sorted(route.methods or ()):
            body = POST_BODIES.get(route.path, {"question": SECRET})
            if method == "GET":
                r = httpx.get(f"{app_url}{path}", params={"q": SECRET}, headers=key, timeout=120)
            elif method == "POST":
                r = httpx.post(f"{app_url}{path}", json=body, headers=key, timeout=120)
            else:
                continue
            asked += 1
            assert r.status_code < 500, (route.path, r.status_code, r.text[:300])
            # what the request itself said (the question echoed as the one searched) is not a leak
            said = f"{SECRET} {body}"
            assert not leaks(r.text, said) and app_internal_id not in r.text.replace(path, ""), (route.path, r.text[:300])
    assert asked >= len(routes)
    # The embed widget is always public: its script never sends a staff token.
    assert "X-Staff-Token" not in WIDGET_JS and "Authorization" not in WIDGET_JS


@pytest.mark.slow
def test_register_links_and_similar_keep_an_internal_letter_internal(app_url: str, app_internal_id: str) -> None:
    """The internal document is a reply letter: the register (/api/replies), its links and the similar past
    replies show it to staff only — for the public it is not there at all, by topic or by any filter."""
    for headers in ({}, WRONG):
        for params in ({}, {"words": SECRET}, {"year": "2025"}, {"format": "csv"}):
            r = httpx.get(f"{app_url}/api/replies", params=params, headers=headers)
            assert r.status_code == 200 and app_internal_id not in r.text and not leaks(r.text, SECRET), params
        assert httpx.get(f"{app_url}/api/documents/{app_internal_id}/links", headers=headers).status_code == 404
        r = httpx.post(f"{app_url}/api/similar", json={"text": f"关于{SECRET}科技企业研发投入补助的提案"}, headers=headers)
        assert r.status_code == 200 and app_internal_id not in r.text and not leaks(r.text, SECRET), r.text[:300]
    staff = httpx.get(f"{app_url}/api/replies", params={"words": SECRET}, headers=STAFF).json()
    assert [e["doc_id"] for e in staff] == [app_internal_id]
    assert httpx.get(f"{app_url}/api/documents/{app_internal_id}/links", headers=STAFF).status_code == 200
    r = httpx.post(f"{app_url}/api/similar", json={"text": f"关于{SECRET}科技企业研发投入补助的提案"}, headers=STAFF)
    assert app_internal_id in r.text


@pytest.mark.slow
def test_chat_events_through_gradios_queue(app_url: str, app_internal_id: str) -> None:
    """What the page's buttons send, sent by hand (a client that skips the page): the viewer and the chat
    with no staff sign-in, or a wrong token in the session's state slot, see no internal document."""
    from .test_hardening import fn_index, gradio_call

    view, send = fn_index(app_url, elem_id="view-doc"), fn_index(app_url, elem_id="send")
    for i, token in enumerate(("", "wrong-token")):
        shown = gradio_call(app_url, view, [app_internal_id, token], f"v{i}")
        assert not shown["success"] and not leaks(str(shown))
        said = gradio_call(app_url, send, [TOPIC_QUESTIONS[0], [], "", "", None, None, False, token], f"c{i}")
        assert said["success"] and not leaks(str(said["output"]["data"][1:]))
        assert not leaks(str(said["output"]["data"][0]), TOPIC_QUESTIONS[0])


# --- the chat in a real browser -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def page(app_url: str) -> Iterator[Any]:
    from .test_ui import open_page

    with open_page(app_url, height=1100) as pg:
        yield pg


def _ask(page: Any, question: str) -> str:
    """Ask in the chat; the sources panel once the answer is in (the answer and the panel come together)."""
    asked = page.locator("#chat").inner_text().count(question)
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    page.wait_for_function(
        "([q, n]) => { const t = document.querySelector('#chat').innerText.trim();"
        " return t.split(q).length - 1 > n && !t.endsWith('…'); }", arg=[question, asked])
    page.wait_for_timeout(500)
    return str(page.locator("#sources").inner_text())


def _sign_in(page: Any, token: str, expect: str) -> None:
    acc = page.locator("#staff-login")
    if not page.locator("#staff-token input").is_visible():
        acc.get_by_text("工作人员登录").first.click()
    page.locator("#staff-token input").fill(token)
    page.locator("#staff-signin").click()
    page.locator("#staff-status").get_by_text(expect).first.wait_for()


@pytest.mark.slow
@pytest.mark.browser
def test_chat_sign_in(page: Any, app_url: str, tmp_path: Path) -> None:
    assert not leaks(page.locator("#examples").inner_text() if page.locator("#examples").count() else "")
    q = TOPIC_QUESTIONS[0]
    sources = _ask(page, q)
    chat = page.locator("#chat").inner_text()
    assert not leaks(sources) and not leaks(chat, q), (sources, chat)
    _sign_in(page, "not-the-token", "口令不正确")
    sources = _ask(page, TOPIC_QUESTIONS[1])
    assert not leaks(sources)
    _sign_in(page, STAFF_TOKEN, "已登录")
    sources = _ask(page, q)
    assert SECRET in sources and "内部" in sources, sources
    assert page.locator("#sources .internal").count() >= 1
    page.screenshot(path=str(tmp_path / "signed-in.png"))
    page.locator("#view-doc").click()
    page.locator("#doc-view").get_by_text("12月底前完成资金拨付").first.wait_for()
    # A second browser context is another session: public, though this one is signed in.
    other = page.context.browser.new_page()
    other.goto(app_url)
    other.set_default_timeout(60_000)
    assert not leaks(_ask(other, q))
    other.close()
    page.locator("#staff-signout").click()
    page.locator("#staff-status").get_by_text("未登录").first.wait_for()
    assert not leaks(_ask(page, TOPIC_QUESTIONS[1]))


@pytest.mark.slow
@pytest.mark.browser
def test_admin_uploads_an_internal_file(page: Any, app_url: str, tmp_path: Path) -> None:
    """The admin tab's 作为内部文件上传 puts the file under internal/: staff see it, the public does not (this
    test changes the app's corpus: it runs last)."""
    new = tmp_path / "白鹭行动.txt"
    new.write_text("关于白鹭行动内部分工的通知\n一、白鹭行动由市应急局牵头，安排经费88万元。\n", encoding="utf-8")
    page.get_by_role("tab", name="管理").click()
    page.get_by_label("管理口令").fill(ADMIN_TOKEN)
    page.locator("input[type=file]").set_input_files(str(new))
    page.locator("#upload-internal input").check()
    page.get_by_role("button", name="上传并导入").click()
    status = page.get_by_label("结果")
    page.wait_for_function("el => el.value.includes('新增 1')", arg=status.element_handle(), timeout=90_000)
    staff = httpx.get(f"{app_url}/api/documents", headers=STAFF).json()
    assert {d["source"]: d["visibility"] for d in staff}["白鹭行动.txt"] == INTERNAL
    assert "白鹭行动.txt" not in str(httpx.get(f"{app_url}/api/documents").json())
    pub = ask(app_url, "白鹭行动安排了多少经费？")
    assert "88万元" not in str(pub) and all(c["source"] != "白鹭行动.txt" for c in pub["citations"])
    assert "88万元" in ask(app_url, "白鹭行动安排了多少经费？", STAFF)["answer"]
