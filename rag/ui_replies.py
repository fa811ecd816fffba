"""The 答复档案 tab: the register of past replies (rag.registry) as a sortable table — 日期 · 文号 · 标题 · 类别 ·
会议 · 提案人 · 答复单位 · 要点 — filtered by year, session, kind, proposer, replying body and words; a click on a
row opens the letter in the document viewer the chat uses; 导出 CSV writes the filtered list. Public-readable
like the chat: it lists what the public audience may see (internal letters are for staff: rag.access).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from .access import PUBLIC_AUDIENCE, audience_of_token
from .api import RateLimiter, client_address, public_message
from .errors import RagError
from .pipeline import Pipeline
from .registry import Entry, ReplyFilters, to_csv

COLUMNS = ["日期", "文号", "标题", "类别", "编号", "会议", "提案人", "答复单位", "要点", "doc_id"]
ALL = ("全部", "")


def table_rows(entries: list[Entry]) -> list[list[str]]:
    out = []
    for e in entries:
        r = e.reply
        session = f"{r.level or ''}{r.body or ''}{r.session or ''}" if r.session else (r.body or "")
        out.append([r.date or "", r.doc_number or "", e.title, r.kind or "", r.number or "", session,
                    "、".join(r.proposers or []), r.replying_body or "", e.gist, e.doc_id])
    return out


def build_replies_tab(pipe: Pipeline, open_doc: Callable[[str | None, str | None], str],
                      limiter: RateLimiter | None = None, staff: gr.State | None = None) -> None:
    """The tab's components and events (call inside a ``gr.Blocks`` context). ``open_doc`` renders a document
    by id for a staff token (the chat's viewer); ``staff``: the chat's staff sign-in (rag.access) — a signed-in
    session lists internal letters too. The table shown on page load is the public one."""
    choices = pipe.registry.choices(PUBLIC_AUDIENCE)

    def _filters(year: str, session: str, kind: str, proposer: str, body: str, words: str) -> ReplyFilters:
        try:
            return ReplyFilters.from_dict({"year": year or None, "session": session or None, "kind": kind or None,
                                           "proposer": proposer or None, "replying_body": body or None,
                                           "words": words or ""})
        except RagError as e:
            raise gr.Error(public_message(e)) from None

    def run(year: str, session: str, kind: str, proposer: str, body: str, words: str, staff_token: str | None,
            request: gr.Request) -> tuple[Any, str, Any]:
        if limiter is not None and not limiter.allow(client_address(request)):
            raise gr.Error("操作太频繁，请一分钟后再试")
        who = audience_of_token(staff_token, pipe.settings.staff_tokens)
        entries = pipe.registry.select(_filters(year, session, kind, proposer, body, words), who)
        path = Path(tempfile.mkdtemp(prefix="policy-replies-")) / "policy-qa-replies.csv"
        path.write_text(to_csv(entries), encoding="utf-8")
        note = f"共 {len(entries)} 件答复（按日期由近及远；点击表头排序，点击一行查看原文）。"
        return gr.update(value=table_rows(entries)), note, gr.update(value=str(path), visible=bool(entries))

    def opened(staff_token: str | None, evt: gr.SelectData) -> str:
        row = evt.row_value or []
        return open_doc(str(row[-1]) if row else None, staff_token)

    gr.Markdown("历年建议、提案答复函的档案：按年份、会议、类别、提案人、答复单位或关键词筛选。")
    with gr.Row():
        year = gr.Dropdown(choices=[ALL, *[(y, y) for y in choices["year"]]], value="", label="年份", elem_id="r-year")
        session = gr.Dropdown(choices=[ALL, *[(s, s) for s in choices["session"]]], value="", label="会议",
                              elem_id="r-session")
        kind = gr.Dropdown(choices=[ALL, *[(k, k) for k in choices["kind"]]], value="", label="类别", elem_id="r-kind")
        body = gr.Dropdown(choices=[ALL, *[(b, b) for b in choices["replying_body"]]], value="", label="答复单位",
                           elem_id="r-body")
    with gr.Row():
        proposer = gr.Textbox(label="提案人", placeholder="如：王超斌", elem_id="r-proposer")
        words = gr.Textbox(label="关键词", placeholder="标题或要点中的词，如：科技 融资", elem_id="r-words")
        go = gr.Button("查询", variant="primary", elem_id="r-run")
    note = gr.Markdown(elem_id="r-note")
    # a callable value is read again on every page load: the register as the store holds it now
    table = gr.Dataframe(headers=COLUMNS, value=lambda: table_rows(pipe.registry.select(None, PUBLIC_AUDIENCE)),
                         type="array", interactive=False, wrap=True, elem_id="r-table", max_height=520,
                         column_widths=["90px", "140px", "260px", "50px", "60px", "140px", "100px", "120px",
                                        "320px", "80px"])
    csv_file = gr.File(label="导出 CSV", visible=False, elem_id="r-csv")
    letter = gr.HTML(elem_id="r-letter")
    staff = staff if staff is not None else gr.State("")
    ins = [year, session, kind, proposer, body, words, staff]
    go.click(run, ins, [table, note, csv_file], api_visibility="private")
    for box in (proposer, words):
        box.submit(run, ins, [table, note, csv_file], api_visibility="private")
    for dd in (year, session, kind, body):
        dd.change(run, ins, [table, note, csv_file], api_visibility="private")
    table.select(opened, [staff], [letter], api_visibility="private")
