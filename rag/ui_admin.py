"""The 管理 tab (admin token, RAG_ADMIN_TOKEN): upload (public or internal), re-ingest, list and delete files,
the knowledge-gap report (rag.ui_logbook) and similar past replies for a pasted proposal (rag.ui_links)."""

from __future__ import annotations

import hmac
import re
import shutil
from pathlib import Path
from typing import Any

import gradio as gr

from .api import public_message
from .errors import IngestLockedError, RagError
from .ingest import delete_document
from .load import SUPPORTED
from .pipeline import Pipeline
from .ui_links import build_similar_section
from .ui_logbook import build_gaps_section


def _safe_name(name: str) -> str:
    """An uploaded file's name without directories or traversal; Chinese and spaces are kept."""
    base = Path(name.replace("\\", "/")).name
    base = re.sub(r"[\x00-\x1f/]", "", base).strip().lstrip(".")
    if not base:
        raise gr.Error("文件名无效")
    return base[:120]


def build_admin_tab(pipe: Pipeline) -> None:
    """The tab's components and events (call inside a ``gr.Tab`` of a ``gr.Blocks``)."""
    settings = pipe.settings

    def _check(token: str) -> None:
        want = settings.admin_token
        if not want or not hmac.compare_digest((token or "").encode(), want.encode()):
            raise gr.Error("管理口令不正确（或未启用管理功能：设置 RAG_ADMIN_TOKEN）")

    def _doc_choices() -> list[tuple[str, str]]:
        recs = sorted(pipe.store.manifest().values(), key=lambda r: r.source)
        return [(f"{'（内部）' if r.meta.visibility == 'internal' else ''}{r.source} — {r.meta.title or r.meta.lead or ''}"[:80],
                 r.doc_id) for r in recs]

    def admin_list(token: str) -> Any:
        _check(token)
        return gr.update(choices=_doc_choices(), value=None)

    def admin_upload(token: str, files: list[Any] | None, internal: bool = False,
                     progress: gr.Progress = gr.Progress()) -> tuple[str, Any]:  # noqa: B008 (Gradio injects it)
        _check(token)
        # An internal upload goes to the corpus's internal/ folder: internal by where it lies (rag.access).
        corpus = settings.corpus_dir / "internal" if internal else settings.corpus_dir
        corpus.mkdir(parents=True, exist_ok=True)
        for f in files or []:
            src = Path(f if isinstance(f, str) else f.name)
            shutil.copyfile(src, corpus / _safe_name(getattr(f, "orig_name", None) or src.name))
        return _reingest(progress)

    def admin_reingest(token: str, progress: gr.Progress = gr.Progress()) -> tuple[str, Any]:  # noqa: B008 (Gradio injects it)
        _check(token)
        return _reingest(progress)

    def _reingest(progress: gr.Progress) -> tuple[str, Any]:
        try:
            rep = pipe.ingest([settings.corpus_dir], lambda d, t, n: progress((d, t), desc=n))
        except RagError as e:
            raise gr.Error(public_message(e)) from None
        lines = [f"新增 {rep.docs_added}，更新 {rep.docs_replaced}，删除 {rep.docs_removed}，未变 {rep.skipped_unchanged}"]
        lines += [f"✗ {e['file']}: {e['error']}" for e in rep.errors]
        lines += [f"! {w['file']}: {w['warning']}" for w in rep.warnings]
        return "\n".join(lines), gr.update(choices=_doc_choices())

    def admin_delete(token: str, doc_id: str | None) -> tuple[str, Any]:
        _check(token)
        try:  # under the ingest lock and server lease, like an ingest
            done = delete_document(doc_id or "", settings=settings, store=pipe.store, on_change=pipe.store_changed)
        except IngestLockedError:
            raise gr.Error("正在导入文件，请导入完成后再删除") from None
        except RagError as e:
            raise gr.Error(public_message(e)) from None
        if done is None:
            raise gr.Error("请选择要删除的文件")
        rec, n = done
        return f"已删除 {rec.source}（{n} 个段落）", gr.update(choices=_doc_choices(), value=None)

    gr.Markdown("上传、重新导入或删除文件。需要管理口令（`RAG_ADMIN_TOKEN`）。")
    token = gr.Textbox(label="管理口令", type="password")
    files = gr.File(label="上传文件", file_count="multiple", file_types=sorted(SUPPORTED))
    up_internal = gr.Checkbox(label="作为内部文件上传（存入 internal/ 文件夹，仅工作人员可见）", value=False,
                              elem_id="upload-internal")
    with gr.Row():
        up = gr.Button("上传并导入")
        re_in = gr.Button("重新导入语料")
        ls = gr.Button("列出文件")
    docs = gr.Dropdown(label="文件", choices=[])
    rm = gr.Button("删除所选文件", variant="stop")
    status = gr.Textbox(label="结果", interactive=False)
    up.click(admin_upload, [token, files, up_internal], [status, docs], api_visibility="private")
    re_in.click(admin_reingest, [token], [status, docs], api_visibility="private")
    ls.click(admin_list, [token], [docs], api_visibility="private")
    rm.click(admin_delete, [token, docs], [status, docs], api_visibility="private")
    build_gaps_section(pipe, token, _check)
    build_similar_section(pipe, token, _check)
