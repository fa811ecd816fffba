"""The chat's pieces of the links between documents (rag.links) and similar past replies (rag.similar): under
the document viewer, the documents it cites (those in the corpus as links that open them in the viewer, the
others marked 未收录), those citing it (被引用) and the other replies to the same proposal; in the admin tab,
a box to paste a new proposal into and the table of similar past replies and policies. Every piece of text
is escaped."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import gradio as gr

from .access import STAFF_AUDIENCE
from .api import public_message
from .errors import BusyError, RagError
from .pipeline import Pipeline
from .similar import draft_outline, find_similar

CSS = """
.doc-links {border-top:1px solid #ddd;margin-top:10px;padding-top:6px;font-size:14px}
.doc-links li {margin:4px 0} .doc-links .sentence {color:#555;font-size:12px;display:block}
.doc-links .absent {color:#888;border:1px solid #bbb;border-radius:4px;padding:0 4px;font-size:12px}
.doc-links a.doc-link {cursor:pointer;color:#1a56db}
table.similar {border-collapse:collapse;font-size:13px} table.similar td, table.similar th {border:1px solid #ddd;padding:4px 6px}
"""
# The viewer opens a linked document in place: a click on <a data-doc=…> sends its id to the server.
DOC_VIEW_JS = (
    "element.addEventListener('click', function (e) {"
    " const a = e.target.closest('a[data-doc]'); if (!a) return; e.preventDefault();"
    " trigger('click', {doc: a.dataset.doc}); });"
)
SECTIONS = (("cites", "引用文件"), ("cited_by", "被引用"), ("same_proposal", "同一提案的其他答复"))


def _e(x: object) -> str:
    return html.escape("" if x is None else str(x))


def _item(link: dict[str, Any], section: str) -> str:
    ref = link["ref"] if section == "cites" else ""
    if link["in_corpus"]:
        head = f'<a class="doc-link" href="#" data-doc="{_e(link["doc_id"])}">{_e(link["title"])}</a>'
        head = f"{_e(ref)} {head}" if ref and not ref.startswith("《") else head
    else:
        shown = ref if ref.startswith("《") or not link["title"] else f"{ref} 《{link['title']}》"
        head = f'{_e(shown)} <span class="absent">未收录</span>'
    sentence = f'<span class="sentence">{_e(link["sentence"])}</span>' if link.get("sentence") else ""
    return f"<li>{head}{sentence}</li>"


def links_html(links: dict[str, list[dict[str, Any]]] | None) -> str:
    """The links under a document in the viewer ('' when it has none)."""
    if not links:
        return ""
    parts = [
        f"<div class='{key}'><b>{label}</b><ul>{''.join(_item(x, key) for x in links[key])}</ul></div>"
        for key, label in SECTIONS
        if links.get(key)
    ]
    return f"<div class='doc-links'>{''.join(parts)}</div>" if parts else ""


def similar_html(res: dict[str, Any]) -> str:
    rows = [("答复函", s) for s in res["replies"]] + [("政策文件", s) for s in res["policies"]]
    if not rows:
        return "<p>没有找到相近的答复或文件。</p>"
    body = "".join(
        f"<tr><td>{kind}</td><td>{_e(s['title'])}</td><td>{_e(s['doc_number'] or '')}</td><td>{_e(s['date'] or '')}</td>"
        f"<td>{s['score']:.2f}</td><td>{_e(s['why'])}</td></tr>"
        for kind, s in rows
    )
    words = "、".join(res["keywords"])
    return (
        f"<p>主题词：{_e(words)}</p><table class='similar'><tr><th>类别</th><th>标题</th><th>文号</th>"
        f"<th>日期</th><th>相似度</th><th>理由</th></tr>{body}</table>"
    )


def outline_html(out: dict[str, Any]) -> str:
    """The draft outline (草稿) with the passages it cites, all escaped."""
    if out["refused"]:
        return f"<p>未能起草提纲：{_e('；'.join(out['warnings']) or '资料不足')}</p>"
    cites = "".join(
        f"<li>[{c['n']}] {_e(c['title'])} {_e(c['doc_number'] or '')} {_e(c['section'] or '')}</li>"
        for c in out["citations"]
    )
    return f"<h4>答复函提纲（草稿，须人工核对）</h4><div class='doc-view'>{_e(out['text'])}</div><ul>{cites}</ul>"


def build_similar_section(pipe: Pipeline, token: gr.Textbox, check: Callable[[str], None]) -> None:
    """The admin tab's 相似答复 section (``check`` raises unless the admin token was entered; the admin sees
    internal documents too). In generative mode it can also draft an outline of the reply."""
    gr.Markdown(
        "### 相似答复\n粘贴新提案（或建议）的正文：列出最相近的以往答复函和相关政策文件，并说明理由。"
    )
    text = gr.Textbox(label="提案正文", lines=6, max_length=20_000, elem_id="similar-text")
    generative = pipe.settings.llm != "none"
    draft = gr.Checkbox(
        label="同时起草答复函提纲（草稿，由模型生成，逐条注明出处）",
        value=False,
        visible=generative,
        elem_id="similar-outline",
    )
    run = gr.Button("查找相似答复", elem_id="similar-run")
    out = gr.HTML(elem_id="similar-out")

    def show(tok: str, pasted: str, want_outline: bool) -> str:
        check(tok)
        if not (pasted or "").strip():
            raise gr.Error("请粘贴提案正文")
        try:
            res = find_similar(pasted, pipe.lexical, pipe.links, pipe.store, audience=STAFF_AUDIENCE)
            page = similar_html(res)
            chat = pipe.chat
            if want_outline and chat.generative is not None and chat.gate is not None:
                with chat.gate.hold():
                    page += outline_html(
                        draft_outline(
                            pasted,
                            res["keywords"],
                            pipe.retriever,
                            chat.generative,
                            audience=STAFF_AUDIENCE,
                        )
                    )
        except BusyError:
            raise gr.Error("系统繁忙：等待模型的请求太多，请稍后再试") from None
        except RagError as e:
            raise gr.Error(public_message(e)) from None
        return page

    run.click(show, [token, text, draft], [out], api_visibility="private")
