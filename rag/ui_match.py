"""The 政策匹配 tab: an enterprise profile form → the support measures for it (rag.matching) as a table
(结论 · 地区 · 措施 · 金额 · 对象 · 有效期 · 出处) with the reasons, and the same as a CSV file. Every cell is
escaped text; money is entered in 万元 (what enterprises think in) and passed on in 元.
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from .access import audience_of_token
from .api import RateLimiter, client_address, public_message
from .errors import RagError
from .matching import CSV_COLUMNS, NEEDS, VERDICT_LABEL, Profile, match, match_json, row, to_csv
from .pipeline import Pipeline

TAGS = ["高新技术企业", "科技型中小企业", "规上企业", "专精特新", "个体工商户", "小规模纳税人", "外贸企业"]
CSS = """
.match-table {border-collapse:collapse;font-size:13px;width:100%}
.match-table th,.match-table td {border:1px solid #ddd;padding:4px 6px;vertical-align:top;text-align:left}
.match-table .v-eligible {color:#0a7a2f;font-weight:bold} .match-table .v-likely {color:#2f6fb3;font-weight:bold}
.match-table .v-need_more_info {color:#b36b00;font-weight:bold} .match-table .v-not_eligible {color:#999}
.match-table .v-expired {color:#999;text-decoration:line-through}
.match-table .why {color:#666;font-size:12px}
"""
SHOWN = ("地区", "措施", "金额", "对象", "有效期", "出处")


def _e(x: object) -> str:
    return html.escape("" if x is None else str(x))


def table_html(res: dict[str, Any]) -> str:
    results = res["results"]
    counts = "，".join(f"{VERDICT_LABEL[k]} {v}" for k, v in sorted(res["counts"].items()))
    left = res["left_out"]
    head = (f"<p>共 {len(results)} 条措施（{_e(counts) or '无'}）；另有 {left['other_region']} 条属其他地区、"
            f"{left['off_need']} 条与所选需求无关，未列出。有效性以 {_e(res['as_of'])} 为准。</p>")
    if not results:
        return head + "<p>没有找到适用的措施。</p>"
    cols = "".join(f"<th>{c}</th>" for c in ("结论", *SHOWN))
    body = []
    for m in results:
        cells = dict(zip(CSV_COLUMNS, row(m), strict=True))
        why = f'<div class="why">{_e(cells["理由"])}</div>'
        where = _e(cells["出处"]) + (f"<br>{_e(cells['文号'])}" if cells["文号"] else "")
        body.append(
            f'<tr><td class="v-{_e(m["verdict"])}">{_e(cells["结论"])}{why}</td>'
            f"<td>{_e(cells['地区'])}</td><td>{_e(cells['措施'])}</td><td>{_e(cells['金额'])}</td>"
            f"<td>{_e(cells['对象'])}</td><td>{_e(cells['有效期'])}</td><td>{where}</td></tr>"
        )
    return f'{head}<table class="match-table" id="match-result"><tr>{cols}</tr>{"".join(body)}</table>'


def _number(label: str, text: str | None, scale: float, whole: bool = False) -> float | int | None:
    """A number typed in a form box (万元 scaled to 元); empty = not given; anything else is named."""
    t = (text or "").strip().replace(",", "").replace("，", "")
    if not t:
        return None
    try:
        v = float(t)
    except ValueError:
        raise gr.Error(f"{label}应为数字，收到“{t}”") from None
    if v < 0:
        raise gr.Error(f"{label}不能为负数")
    return int(v) if whole else v * scale


def build_match_tab(pipe: Pipeline, limiter: RateLimiter | None = None, staff: gr.State | None = None) -> None:
    """The tab's components and events (call inside a ``gr.Blocks`` context). ``staff``: the chat's staff
    sign-in state (a token, rag.access); without it, or signed out, only public documents' measures."""

    def run(region: str, industry: str, size: str, tags: list[str], employees: str, revenue: str, rd: str,
            needs: list[str], staff_token: str | None, request: gr.Request) -> tuple[str, Any]:
        if limiter is not None and not limiter.allow(client_address(request)):
            raise gr.Error("操作太频繁，请一分钟后再试")
        raw: dict[str, Any] = {
            "region": region, "industry": industry, "size": size or None, "tags": tags or [], "needs": needs or [],
            "employees": _number("职工人数", employees, 1, whole=True),
            "revenue": _number("上年营业收入", revenue, 10_000),
            "rd_spend": _number("上年研发投入", rd, 10_000),
        }
        try:
            profile = Profile.from_dict(raw)
            who = audience_of_token(staff_token, pipe.settings.staff_tokens)
            res = match(pipe.book, profile, audience=who)
        except RagError as e:
            raise gr.Error(public_message(e)) from None
        out = match_json(res, profile, pipe.book.as_of)
        path = Path(tempfile.mkdtemp(prefix="policy-match-")) / "policy-match.csv"
        path.write_text(to_csv(res, pipe.book.as_of), encoding="utf-8")
        return table_html(out), gr.update(value=str(path), visible=True)

    gr.Markdown("填写企业情况，列出适用的支持措施及依据。未填写的信息会标为“需补充信息”，不会被当作不符合。")
    with gr.Row():
        region = gr.Textbox(label="所在地区", placeholder="如：鄂尔多斯市、海淀区", elem_id="m-region")
        industry = gr.Textbox(label="行业", placeholder="如：制造业、软件", elem_id="m-industry")
        size = gr.Dropdown(choices=[("未填", ""), "大型", "中型", "小型", "微型"], value="", label="企业规模",
                           elem_id="m-size")
    tags = gr.CheckboxGroup(TAGS, label="资质", elem_id="m-tags")
    with gr.Row():
        # Text, not gr.Number: an empty number box arrives as 0, and "not filled" must stay missing, not 0
        employees = gr.Textbox(label="职工人数", placeholder="未填", elem_id="m-employees")
        revenue = gr.Textbox(label="上年营业收入（万元）", placeholder="未填", elem_id="m-revenue")
        rd = gr.Textbox(label="上年研发投入（万元）", placeholder="未填", elem_id="m-rd")
    needs = gr.CheckboxGroup(list(NEEDS), label="需求", elem_id="m-needs")
    go = gr.Button("匹配政策", variant="primary", elem_id="m-run")
    table = gr.HTML(elem_id="m-table")
    csv_file = gr.File(label="导出 CSV", visible=False, elem_id="m-csv")
    staff = staff if staff is not None else gr.State("")
    go.click(run, [region, industry, size, tags, employees, revenue, rd, needs, staff], [table, csv_file],
             api_visibility="private")
