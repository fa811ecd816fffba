"""The chat's pieces of the question log (rag.logbook): 👍/👎 with an optional comment under the answer, and
the admin tab's 知识缺口 section (refused questions grouped, 👎 answers with comments, the most asked
questions, documents never cited; each as a CSV file). Every cell is escaped text."""

from __future__ import annotations

import html
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from .api import RateLimiter, client_address, document_summary, public_message
from .errors import QueryError, RagError
from .logbook import CSV_COLUMNS, MAX_COMMENT, SECTIONS, report_csv
from .pipeline import Pipeline

TITLES = {"gaps": "未答出的问题（相近问法归为一组）", "downvotes": "👎 的回答及意见", "top": "最常问的问题",
          "uncited": "从未被引用的文件"}


def _e(x: object) -> str:
    return html.escape("" if x is None else str(x))


def feedback_bar(pipe: Pipeline, answer_id: gr.State, limiter: RateLimiter | None = None) -> None:
    """A comment box and 👍/👎 under the answer (call inside a ``gr.Blocks`` context). ``answer_id``: the
    state the chat sets to the last answer's id (None while one is being written)."""
    with gr.Row(equal_height=True):
        up = gr.Button("👍 有帮助", size="sm", scale=0, min_width=96, elem_id="fb-up")
        down = gr.Button("👎 没帮助", size="sm", scale=0, min_width=96, elem_id="fb-down")
        comment = gr.Textbox(label="意见（可选）", show_label=False, container=False, scale=4, lines=1,
                             placeholder=f"对这个回答的意见（可选，不超过 {MAX_COMMENT} 字），填写后点 👍 或 👎",
                             max_length=MAX_COMMENT, elem_id="fb-comment")
    status = gr.Markdown("", elem_id="fb-status")

    def rate(rating: str, aid: str | None, text: str, request: gr.Request) -> tuple[str, Any]:
        if not aid:
            return "（请在回答显示完后再评价）" if pipe.logbook.enabled else "（未开启反馈记录）", gr.update()
        if limiter is not None and not limiter.allow(client_address(request)):
            raise gr.Error("操作太频繁，请一分钟后再试")
        try:
            found = pipe.logbook.record_feedback(aid, rating, text)
        except QueryError as e:
            raise gr.Error(public_message(e)) from None
        except RagError:
            raise gr.Error("反馈暂时无法记录，请稍后再试") from None
        if not found:
            return "（这个回答已不在记录中）", gr.update()
        thanks = "已记录 👍，谢谢！" if rating == "up" else "已记录 👎，谢谢！我们会据此补充文件。"
        return thanks + ("（意见已收到）" if (text or "").strip() else ""), gr.update(value="")

    def rate_up(aid: str | None, text: str, request: gr.Request) -> tuple[str, Any]:
        return rate("up", aid, text, request)

    def rate_down(aid: str | None, text: str, request: gr.Request) -> tuple[str, Any]:
        return rate("down", aid, text, request)

    up.click(rate_up, [answer_id, comment], [status, comment], api_visibility="private")
    down.click(rate_down, [answer_id, comment], [status, comment], api_visibility="private")
    answer_id.change(lambda: "", None, [status], api_visibility="private")  # a new answer: a fresh bar


def report_html(rep: dict[str, Any]) -> str:
    """The report as escaped HTML tables, one per section."""
    if not rep["enabled"]:
        return "<p>未开启问答记录（RAG_LOG_DAYS=0），没有可分析的数据。</p>"
    s = rep["summary"]
    parts = [f"<p>近 {rep['log_days']} 天：回答 {s['answers']} 次，未答出 {s['refused']} 次，"
             f"拦截 {s['blocked']} 次；👍 {s['up']}，👎 {s['down']}。</p>"]
    for section in SECTIONS:
        rows = rep[section]
        parts.append(f"<h4>{_e(TITLES[section])}（{len(rows)}）</h4>")
        if not rows:
            parts.append("<p>无</p>")
            continue
        body = []
        for r in rows[:100]:
            if section == "gaps":
                cells = [r["question"], r["count"], r["last_asked"],
                         "<br>".join(f"{_e(q['question'])}（{q['count']}）" for q in r["questions"])]
            elif section == "downvotes":
                cells = [r["time"], r["question"], r["comment"], r["answer"][:200], "；".join(r["cited"])]
            elif section == "top":
                cells = [r["question"], r["count"], r["refused"], r["last_asked"]]
            else:
                cells = [r["title"], r["doc_number"], r["source"]]
            raw = {3} if section == "gaps" else set()  # already escaped
            body.append("<tr>" + "".join(f"<td>{c if i in raw else _e(c)}</td>" for i, c in enumerate(cells))
                        + "</tr>")
        heads = {"gaps": CSV_COLUMNS["gaps"], "downvotes": ("反馈时间", "问题", "意见", "回答", "引用文件"),
                 "top": CSV_COLUMNS["top"], "uncited": CSV_COLUMNS["uncited"][:3]}[section]
        parts.append(f'<table class="match-table" id="gaps-{section}"><tr>'
                     + "".join(f"<th>{_e(h)}</th>" for h in heads) + "</tr>" + "".join(body) + "</table>")
    return "".join(parts)


def build_gaps_section(pipe: Pipeline, token: gr.Textbox, check: Callable[[str], None]) -> None:
    """The admin tab's 知识缺口 section (``check`` raises unless the admin token was entered)."""
    gr.Markdown("### 知识缺口\n哪些问题没有答出、哪些回答被点了 👎、大家最常问什么、哪些文件从未被引用：据此补充文件。")
    run = gr.Button("查看知识缺口", elem_id="gaps-run")
    out = gr.HTML(elem_id="gaps")
    files = gr.File(label="导出 CSV", file_count="multiple", visible=False, elem_id="gaps-csv")

    def show(tok: str) -> tuple[str, Any]:
        check(tok)
        try:
            rep = pipe.logbook.report([document_summary(r) for r in pipe.store.manifest().values()])
        except RagError as e:
            raise gr.Error(public_message(e)) from None
        folder = Path(tempfile.mkdtemp(prefix="policy-qa-report-"))
        paths = []
        for section in SECTIONS:
            p = folder / f"policy-qa-{section}.csv"
            p.write_text(report_csv(rep, section), encoding="utf-8")
            paths.append(str(p))
        return report_html(rep), gr.update(value=paths, visible=rep["enabled"])

    run.click(show, [token], [out, files], api_visibility="private")
