"""The Gradio chat, mounted with the JSON API on one FastAPI server.

Everything from a document or a user is rendered as text: the chatbot does not render Markdown or HTML,
and every piece put into the sources panel goes through ``html.escape``. Errors reach the user as
``gr.Error`` with a plain message, never a stack trace. The admin tab acts only when ``RAG_ADMIN_TOKEN`` is
set and entered; the public chat can never change the store. Staff sign in (工作人员登录) with one of
``RAG_STAFF_TOKENS`` for the browser session: their questions, the document viewer and the 政策匹配 tab then
see internal documents too (rag.access), marked 内部; the token is checked again on every request.
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from .access import PUBLIC_AUDIENCE, Audience, audience_of_token, is_staff_token, log_channel
from .api import RateLimiter, client_address, public_message
from .errors import BusyError, QueryError, RagError, StoreError
from .pipeline import Pipeline
from .records import Answer, Citation
from .retrieve import Filters
from .settings import Settings
from .ui_admin import build_admin_tab
from .ui_links import CSS as LINKS_CSS
from .ui_links import DOC_VIEW_JS, links_html
from .ui_logbook import feedback_bar
from .ui_match import CSS as MATCH_CSS
from .ui_match import build_match_tab
from .ui_replies import build_replies_tab
from .validity import STATUS_LABEL

log = logging.getLogger(__name__)

DOC_TYPES = {
    "": "全部", "reply_letter": "答复函", "notice": "通知/公告", "measures": "办法/措施", "opinion": "意见",
    "reply": "批复/复函", "decision": "决定", "plan": "方案/规划", "other": "其他",
}
CSS = """
.source {border:1px solid #ddd;border-radius:6px;padding:8px 10px;margin:6px 0;font-size:14px}
.source .meta {color:#555;font-size:12px;margin:2px 0 6px}
.source .passage {white-space:pre-wrap;line-height:1.6}
.source mark {background:#fff3a3}
.source .expired {color:#b00020;font-weight:bold} .source .current {color:#0a7a2f}
.internal {color:#fff;background:#8a4b00;border-radius:3px;padding:0 4px;font-size:12px;font-weight:bold}
.doc-view {white-space:pre-wrap;line-height:1.7;max-height:520px;overflow:auto;font-size:14px}
"""


def _e(x: object) -> str:
    return html.escape("" if x is None else str(x))


def highlight(passage: str, used: list[str]) -> str:
    """The passage, escaped, with the sentences the answer used wrapped in <mark>."""
    spans: list[tuple[int, int]] = []
    for s in used:
        s = s.strip()
        i = passage.find(s) if s else -1
        if i >= 0:
            spans.append((i, i + len(s)))
    out, pos = [], 0
    for a, b in sorted(spans):
        if a < pos:
            continue
        out += [_e(passage[pos:a]), "<mark>", _e(passage[a:b]), "</mark>"]
        pos = b
    out.append(_e(passage[pos:]))
    return "".join(out)


def answer_panel(question: str, ans: Answer) -> str:
    """The sources panel: the stand-alone question searched (when a follow-up was rewritten), the cited
    passages, and beside a refusal the related documents — under their own label, never as sources."""
    head = ""
    if ans.question.strip() != question.strip():
        head = f'<p class="searched">检索问题：{_e(ans.question)}</p>'
    if ans.related:
        items = "".join(
            f"<li>{INTERNAL_TAG if r.visibility == 'internal' else ''}{_e(r.title)}"
            f"{' · ' + _e(r.doc_number) if r.doc_number else ''}{' · ' + _e(r.date) if r.date else ''}</li>"
            for r in ans.related
        )
        return f'{head}<div class="related"><b>相关文件</b>（未找到直接依据，仅供参考）<ul>{items}</ul></div>'
    return head + sources_html(ans.citations)


def sources_html(citations: list[Citation]) -> str:
    if not citations:
        return "<p>（无引用）</p>"
    cards = []
    for c in citations:
        meta = " · ".join(
            _e(x) for x in (c.doc_number, c.section or None, c.date, c.source) if x
        )
        if c.status in ("expired", "repealed"):
            end = f"，有效期至{c.valid_to}" if c.valid_to else ""
            meta += f' · <span class="expired">{_e(STATUS_LABEL[c.status])}{_e(end)}</span>'
        elif c.status == "current":
            meta += f' · <span class="current">{_e(STATUS_LABEL[c.status])}</span>'
        tag = INTERNAL_TAG if c.visibility == "internal" else ""
        cards.append(
            f'<div class="source"><b>[{c.n}] {tag}{_e(c.title or c.source)}</b>'
            f'<div class="meta">{meta}</div><div class="passage">{highlight(c.text, c.used)}</div></div>'
        )
    return "".join(cards)


INTERNAL_TAG = '<span class="internal">内部</span> '
SIGNED_OUT = "未登录：只查询公开文件。"


def audience_of(token: str | None, settings: Settings) -> Audience:
    """The audience of a chat session (rag.access.audience_of_token)."""
    return audience_of_token(token, settings.staff_tokens)


def build_ui(pipe: Pipeline, limiter: RateLimiter | None = None) -> gr.Blocks:
    """The chat and the admin tab. ``limiter`` is the API's per-address budget: the chat spends from the
    same one, so a client cannot double its rate by switching between them."""
    settings = pipe.settings
    max_chars = settings.max_question_chars
    answer_slots = settings.llm_slots if settings.llm != "none" else settings.answer_concurrency

    def _filters(doc_type: str, issuer: str, y_from: float | None, y_to: float | None, current: bool) -> Filters:
        try:
            return Filters.from_dict(
                {"doc_type": doc_type or None, "issuer": issuer or None,
                 "year_from": int(y_from) if y_from else None, "year_to": int(y_to) if y_to else None,
                 "current_only": bool(current)}
            )
        except QueryError as e:
            raise gr.Error(public_message(e)) from None

    def respond(
        question: str, history: list[dict[str, Any]], doc_type: str, issuer: str, y_from: float | None,
        y_to: float | None, current: bool, staff_token: str | None, request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        t0, question = time.monotonic(), (question or "").strip()
        if not question:
            raise gr.Error("请输入问题")
        if limiter is not None and not limiter.allow(client_address(request)):
            raise gr.Error("提问太频繁，请一分钟后再试")
        if len(question) > max_chars:
            raise gr.Error(f"问题太长：{len(question)} 字，上限 {max_chars} 字")
        turns = [{"role": m["role"], "content": html.unescape(_plain(m["content"]))} for m in history or []]
        # The chatbot renders (sanitised) HTML even with Markdown off: escape, so <b> or <img …> in a
        # question or a document shows as the characters typed, not as markup.
        earlier = [{k: v for k, v in m.items() if k != "options"} for m in history or []]  # old answers' buttons go
        shown = [*earlier, {"role": "user", "content": _e(question)}, {"role": "assistant", "content": "…"}]
        yield shown, "", gr.update(), "", None
        blocked = pipe.blocklist.blocked_answer(question)  # rag.blocklist: a fixed reply, no retrieval
        who = audience_of(staff_token, settings)
        try:
            final: Answer | None = None
            for text, ans in [(blocked.text, blocked)] if blocked else pipe.chat.stream(
                    question, turns, _filters(doc_type, issuer, y_from, y_to, current), who):
                shown[-1] = {"role": "assistant", "content": _e(text)}
                final = ans or final
                if ans is None:
                    yield shown, "", gr.update(), "", None
            follow = (pipe.suggester.follow_ups(final, question, who)  # rag.suggest
                      if final is not None and not blocked else [])
        except BusyError:
            raise gr.Error("系统繁忙：等待回答的问题太多，请稍后再试") from None
        except StoreError:  # the store's server is down: the app recovers by itself when it is back
            raise gr.Error("服务暂时不可用，请稍后再试") from None
        except RagError as e:
            raise gr.Error(public_message(e)) from None
        except gr.Error:
            raise
        except Exception:
            log.exception("chat failed")
            raise gr.Error("内部错误，请稍后再试") from None
        assert final is not None
        answer_id = pipe.logbook.record_answer(log_channel("chat", who), question, final,
                                               (time.monotonic() - t0) * 1000, blocked=blocked is not None)
        if follow:  # buttons under the answer: questions its documents answer
            shown[-1] = {**shown[-1], "options": [{"value": q, "label": q} for q in follow]}
        choices = [(f"[{c.n}] {'（内部）' if c.visibility == 'internal' else ''}{c.title or c.source}", c.doc_id)
                   for c in final.citations]
        value = choices[0][1] if choices else None
        yield shown, answer_panel(question, final), gr.update(choices=choices, value=value), "", answer_id

    def picked(evt: gr.SelectData) -> str:
        """The follow-up question a button under an answer stands for."""
        v = evt.value
        return str(v.get("value") or v.get("label") or "") if isinstance(v, dict) else str(v or "")

    def open_doc(doc_id: str | None, staff_token: str | None) -> str:
        if not doc_id:
            return "<p>请先选择一个引用的文件</p>"
        rec = pipe.store.manifest().get(doc_id)
        if rec is not None and not audience_of(staff_token, settings).sees(rec.meta):
            rec = None  # signed out since the answer (or never staff): as if it were not there
        text = pipe.store.doc_text(doc_id) if rec else None
        if rec is None or text is None:
            raise gr.Error("该文件已不在库中")
        head = " · ".join(_e(x) for x in (rec.meta.doc_number, rec.meta.issuer, rec.meta.date, rec.source) if x)
        tag = INTERNAL_TAG if rec.meta.visibility == "internal" else ""
        # rag.links: cites, 被引用, same proposal — as this session's audience may see them
        links = links_html(pipe.links.links(doc_id, audience_of(staff_token, settings)))
        return (f"<h3>{tag}{_e(rec.meta.title or rec.meta.lead or rec.source)}</h3><p>{head}</p>"
                f"<div class='doc-view'>{_e(text)}</div>{links}")

    def open_linked(staff_token: str | None, evt: gr.EventData) -> str:
        """A document link clicked in the viewer (rag.ui_links.DOC_VIEW_JS): that document, in its place."""
        doc = getattr(evt, "doc", None)
        return open_doc(doc if isinstance(doc, str) else None, staff_token)

    # staff sign-in (rag.access) ---------------------------------------------------------------------
    def sign_in(token: str, request: gr.Request) -> tuple[str, str, str]:
        if limiter is not None and not limiter.allow(client_address(request)):  # no guessing at full speed
            raise gr.Error("操作太频繁，请一分钟后再试")
        if not is_staff_token(token, settings.staff_tokens):
            return "", "口令不正确：仍只能查询公开文件。", ""
        return (token or "").strip(), "已登录（工作人员）：可查询内部文件，引用中标注“内部”。", ""

    def sign_out() -> tuple[str, str]:
        return "", SIGNED_OUT

    # The page is the same for everyone: its filter choices and examples come from public documents only.
    manifest = [r for r in pipe.store.manifest().values() if PUBLIC_AUDIENCE.sees(r.meta)]
    issuers = sorted({r.meta.issuer for r in manifest if r.meta.issuer})
    types = sorted({r.meta.doc_type for r in manifest})
    examples = pipe.suggester.examples(manifest, audience=PUBLIC_AUDIENCE)  # drawn from the corpus (rag.suggest)

    with gr.Blocks(title="政策问答 policy-qa") as demo:
        gr.Markdown("## 政策文件问答\n回答只摘自已收录的文件，每句都注明出处。")
        with gr.Tab("问答"):
            with gr.Row():
                with gr.Column(scale=3):
                    chat = gr.Chatbot(
                        label="对话", height=480, render_markdown=False, sanitize_html=True, line_breaks=True,
                        elem_id="chat",
                    )
                    last_id = gr.State(None)  # the last answer's id in the question log (rag.logbook)
                    staff = gr.State("")  # the staff token this browser session signed in with ("" = public)
                    feedback_bar(pipe, last_id, limiter)
                    box = gr.Textbox(label="问题", placeholder=f"输入问题（不超过 {max_chars} 字）", max_length=max_chars,
                                     elem_id="question")
                    with gr.Row():
                        send = gr.Button("提问", variant="primary", elem_id="send")
                        clear = gr.Button("清空", elem_id="clear")
                    if examples:
                        gr.Examples(examples=[[q] for q in examples], inputs=[box], label="示例问题",
                                    elem_id="examples")
                    with gr.Accordion("筛选", open=False):
                        doc_type = gr.Dropdown(
                            choices=[(DOC_TYPES.get(t, t), t) for t in ["", *types]], value="", label="文件类型"
                        )
                        issuer = gr.Dropdown(choices=[("全部", ""), *[(i, i) for i in issuers]], value="", label="发文机关")
                        with gr.Row():
                            y_from = gr.Number(label="起始年份", precision=0)
                            y_to = gr.Number(label="截止年份", precision=0)
                        current = gr.Checkbox(label="只看现行有效（不含已失效、已废止的文件）", value=False,
                                              elem_id="current-only")
                    with gr.Accordion("工作人员登录", open=False, elem_id="staff-login"):
                        staff_box = gr.Textbox(label="工作人员口令", type="password", elem_id="staff-token")
                        with gr.Row():
                            signin = gr.Button("登录", elem_id="staff-signin")
                            signout = gr.Button("退出", elem_id="staff-signout")
                        staff_status = gr.Markdown(SIGNED_OUT, elem_id="staff-status")
                with gr.Column(scale=2):
                    gr.Markdown("### 引用来源")
                    sources = gr.HTML("<p>提问后在这里显示引用的原文段落。</p>", elem_id="sources")
                    doc_pick = gr.Dropdown(label="引用的文件", choices=[], elem_id="doc-pick")
                    view = gr.Button("查看全文", elem_id="view-doc")
            doc_view = gr.HTML(elem_id="doc-view", js_on_load=DOC_VIEW_JS)
            ins = [box, chat, doc_type, issuer, y_from, y_to, current, staff]
            outs = [chat, sources, doc_pick, box, last_id]
            # Both triggers share one concurrency group, so the limit holds for questions however asked.
            send.click(respond, ins, outs, api_visibility="private", concurrency_id="answer",
                       concurrency_limit=answer_slots)
            box.submit(respond, ins, outs, api_visibility="private", concurrency_id="answer",
                       concurrency_limit=answer_slots)
            # A suggested follow-up, clicked under an answer, is asked at once.
            chat.option_select(picked, None, [box], api_visibility="private").then(
                respond, ins, outs, api_visibility="private", concurrency_id="answer", concurrency_limit=answer_slots)
            clear.click(lambda: ([], "", gr.update(choices=[], value=None), ""), None, [chat, sources, doc_pick, doc_view],
                        api_visibility="private")
            view.click(open_doc, [doc_pick, staff], [doc_view], api_visibility="private")
            doc_view.click(open_linked, [staff], [doc_view], api_visibility="private")
            signin.click(sign_in, [staff_box], [staff, staff_status, staff_box], api_visibility="private")
            staff_box.submit(sign_in, [staff_box], [staff, staff_status, staff_box], api_visibility="private")
            signout.click(sign_out, None, [staff, staff_status], api_visibility="private")
        with gr.Tab("政策匹配"):
            build_match_tab(pipe, limiter, staff)
        with gr.Tab("答复档案"):
            build_replies_tab(pipe, open_doc, limiter, staff)
        with gr.Tab("管理"):
            build_admin_tab(pipe)
    # Under load the chat queues rather than fails: at most answer_slots questions are answered at once (the
    # model's slots in generative mode, which take seconds each), the rest wait in Gradio's queue with their
    # position shown; past queue_max_size waiting events Gradio answers "Queue is full" (HTTP 503) at once.
    # Other events (open a document, admin) are short: up to 8 at once.
    demo.queue(default_concurrency_limit=8, max_size=settings.queue_max_size, api_open=False)
    return demo


def _plain(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) if isinstance(p, dict) else str(p) for p in content)
    return str(content or "")


def build_app(pipe: Pipeline) -> tuple[Any, gr.Blocks]:
    """The FastAPI app serving the JSON API with the chat mounted at ``/``, and the chat's Blocks."""
    from .api import create_app

    api = create_app(pipe)
    demo = build_ui(pipe, api.state.limiter)  # the chat spends from the API's per-address budget
    return gr.mount_gradio_app(api, demo, path="/", css=CSS + MATCH_CSS + LINKS_CSS, footer_links=[]), demo


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Where and how uvicorn serves. uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise,
    which would let any local process (or a proxy passing the header through) choose its client address and
    dodge the per-client rate limit: proxy headers are read only when RAG_TRUSTED_PROXIES names proxies."""
    trusted = settings.trusted_proxies.strip()
    return {"host": settings.host, "port": settings.port, "log_level": "warning", "proxy_headers": bool(trusted),
            "forwarded_allow_ips": trusted or None}


def serve(pipe: Pipeline) -> None:
    import uvicorn

    app, _ = build_app(pipe)
    s = pipe.settings
    pipe.warm_up()  # the model, jieba and the indexes load now, not on the first question
    print(f"policy-qa listening on http://{s.host}:{s.port}", flush=True)
    uvicorn.run(app, **uvicorn_options(s))
