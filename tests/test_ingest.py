"""Integration tests of the incremental ingest: the real m3e-small model and a real Chroma store."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rag.errors import IngestLockedError
from rag.ingest import ingest_lock
from rag.pipeline import build

from .conftest import ROOT, SEED, CountingEmbedder, shared_or_skip

pytestmark = pytest.mark.slow

GOOD_A = "一、总体要求\n各地要加快推进中小企业复工复产，对承租国有房产的企业免收3个月房租。\n二、保障措施\n加强组织领导。"
GOOD_B = "关于延期缴纳社会保险费的通知\n受疫情影响的企业可申请缓缴社会保险费，缓缴期最长不超过6个月。"


def _pipe(settings: Any, emb: CountingEmbedder) -> Any:
    return build(settings, emb)  # type: ignore[arg-type]


def _store_ids(pipe: Any) -> list[str]:
    return [cid for cid, _, _ in pipe.store.chunk_rows()]


def test_ingest_twice_second_run_embeds_nothing(tmp_settings: Any, counting: CountingEmbedder) -> None:
    corpus = tmp_settings.corpus_dir
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    (corpus / "a.txt").write_text(GOOD_A, encoding="utf-8")
    pipe = _pipe(tmp_settings, counting)

    first = pipe.ingest([corpus])
    assert first.files == 2 and first.docs_added == 2 and not first.errors
    assert first.chunks_added == pipe.store.count() > 0
    embedded = counting.texts
    assert embedded == first.chunks_added

    second = pipe.ingest([corpus])
    assert counting.texts == embedded, "an unchanged corpus must not be embedded again"
    assert second.skipped_unchanged == 2 and second.chunks_added == 0 and second.chunks_removed == 0
    ids = _store_ids(pipe)
    assert len(ids) == len(set(ids)) == first.chunks_added

    # the keyword index was built from the store and finds the seed by its 文号
    hits = pipe.lexical.search("鄂建提复字〔2025〕334号", 3)
    assert hits and pipe.store.get_chunks([hits[0][0]])[0].source == SEED.name


def test_modified_and_deleted_files(tmp_settings: Any, counting: CountingEmbedder) -> None:
    corpus = tmp_settings.corpus_dir
    corpus.mkdir()
    a, b = corpus / "a.txt", corpus / "b.txt"
    a.write_text(GOOD_A, encoding="utf-8")
    b.write_text(GOOD_B, encoding="utf-8")
    pipe = _pipe(tmp_settings, counting)
    pipe.ingest([corpus])
    before = {m["source"]: m["file_hash"] for _, _, m in pipe.store.chunk_rows()}

    a.write_text(GOOD_A.replace("3个月", "6个月"), encoding="utf-8")
    b.unlink()
    counting.texts = 0
    rep = pipe.ingest([corpus])
    assert rep.docs_replaced == 1 and rep.docs_removed == 1
    assert counting.texts == rep.chunks_added > 0, "only the changed file is embedded"
    rows = list(pipe.store.chunk_rows())
    assert {m["source"] for _, _, m in rows} == {"a.txt"}
    assert all(m["file_hash"] != before["a.txt"] for _, _, m in rows)
    assert any("6个月" in t for _, t, _ in rows) and not any("3个月" in t for _, t, _ in rows)
    assert set(pipe.store.manifest()) == {r[2]["doc_id"] for r in rows}
    assert not pipe.lexical.search("缓缴社会保险费", 5), "the keyword index forgot the deleted file"


def test_broken_files_beside_good_ones(tmp_settings: Any, counting: CountingEmbedder) -> None:
    corpus = tmp_settings.corpus_dir
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD_A, encoding="utf-8")
    (corpus / "政策 文件.txt").write_bytes(GOOD_B.encode("gb18030"))
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "noise.txt").write_bytes(bytes(range(256)) * 20)
    (corpus / "fake.pdf").write_bytes(b"%PDF-1.4\n garbage")
    (corpus / "fake.docx").write_bytes(b"not a zip at all")
    (corpus / "table.xlsx").write_bytes(b"PK\x03\x04")
    pipe = _pipe(tmp_settings, counting)
    rep = pipe.ingest([corpus])
    bad = {e["file"] for e in rep.errors}
    assert bad == {"empty.txt", "noise.txt", "fake.pdf", "fake.docx", "table.xlsx"}
    assert all(e["error"] and str(corpus) not in e["error"] for e in rep.errors), "no paths in reasons"
    assert {r.source for r in pipe.store.manifest().values()} == {"good.txt", "政策 文件.txt"}
    assert pipe.lexical.search("缓缴社会保险费", 3), "the GB18030 file was decoded and indexed"


def test_interrupted_write_is_repaired(tmp_settings: Any, counting: CountingEmbedder) -> None:
    """A crash after a document's chunks were written but before its manifest record: the chunks are
    invisible to both channels, and the next ingest deletes them and ingests the file whole."""
    from rag.ingest import prepare
    from rag.load import load_file

    corpus = tmp_settings.corpus_dir
    corpus.mkdir()
    (corpus / "a.txt").write_text(GOOD_A, encoding="utf-8")
    pipe = _pipe(tmp_settings, counting)
    pipe.ingest([corpus])
    (corpus / "b.txt").write_text(GOOD_B, encoding="utf-8")
    prep = prepare(load_file(corpus / "b.txt"), tmp_settings)
    pipe.store.add_chunks(prep.chunks, counting.embed_texts([c.embed_text for c in prep.chunks]), "h")
    stray = {c.id for c in prep.chunks}

    pipe.lexical.rebuild()
    assert not stray & set(pipe.lexical.ensure_fresh().ids), "half-written document in the keyword index"
    assert not stray & {c.id for c, _ in pipe.retriever.dense("缓缴社会保险费", 10)}, "…or in the dense channel"

    rep = pipe.ingest([corpus])
    assert rep.repaired == len(stray) and rep.docs_added == 1 and rep.skipped_unchanged == 1
    ids = _store_ids(pipe)
    assert len(ids) == len(set(ids)) == sum(r.n_chunks for r in pipe.store.manifest().values())
    assert set(pipe.lexical.ensure_fresh(force=True).ids) == set(ids)


def test_concurrent_ingest_is_refused(tmp_settings: Any) -> None:
    with ingest_lock(tmp_settings.data_dir):
        with pytest.raises(IngestLockedError, match="another ingest"):
            with ingest_lock(tmp_settings.data_dir):
                pass
    with ingest_lock(tmp_settings.data_dir):  # released again
        pass


def _cli(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RAG_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, str(ROOT / "ingest.py"), *args], capture_output=True, text=True, env=env, cwd=ROOT,
        timeout=600,
    )


def test_cli_json_and_exit_codes(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    data = tmp_path / "data"
    r = _cli([str(corpus), "--json"], data)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == {"files", "skipped_unchanged", "chunks_added", "chunks_removed", "errors", "warnings"}
    assert out["files"] == 1 and out["chunks_added"] >= 5 and out["errors"] == []

    (corpus / "bad.docx").write_bytes(b"nope")
    r = _cli([str(corpus), "--json"], data)
    out = json.loads(r.stdout)
    assert r.returncode == 1
    assert out["skipped_unchanged"] == 1 and out["chunks_added"] == 0
    assert out["errors"][0]["file"] == "bad.docx"

    r = _cli([str(corpus)], data)  # table mode names the bad file too
    assert r.returncode == 1 and "bad.docx" in r.stdout and "files seen" in r.stdout

    env = {**os.environ, "RAG_DATA_DIR": str(data), "RAG_CHUNK_TOKENS": "zero"}
    r = subprocess.run([sys.executable, str(ROOT / "ingest.py"), str(corpus)], capture_output=True, text=True,
                       env=env, cwd=ROOT, timeout=120)
    assert r.returncode == 2 and "chunk_tokens" in r.stderr


def test_whole_shared_corpus_loads_and_chunks() -> None:
    """`python ingest.py ../shared/corpus` must work on all of it: every file loads, cleans and chunks (the
    embedding of all of it is exercised by the retrieval evaluation)."""
    from rag.ingest import prepare
    from rag.load import iter_files, load_file
    from rag.settings import Settings

    corpus = shared_or_skip("corpus")
    settings = Settings()
    n = 0
    for f in iter_files([corpus]):
        if f.suffix != ".txt":
            continue
        prep = prepare(load_file(f), settings)
        assert prep.chunks, f.name
        n += 1
    assert n >= 490


def test_same_file_named_twice_is_ingested_once(tmp_settings: Any, counting: CountingEmbedder) -> None:
    corpus = tmp_settings.corpus_dir
    corpus.mkdir()
    (corpus / "a.txt").write_text(GOOD_A, encoding="utf-8")
    pipe = _pipe(tmp_settings, counting)
    rep = pipe.ingest([corpus, corpus / "a.txt"])
    assert rep.docs_added == 1 and not rep.errors
    ids = _store_ids(pipe)
    assert len(ids) == len(set(ids)) == rep.chunks_added


def test_a_file_turned_unreadable_keeps_its_last_good_version(tmp_settings: Any, counting: CountingEmbedder) -> None:
    corpus = tmp_settings.corpus_dir
    corpus.mkdir()
    a = corpus / "a.txt"
    a.write_text(GOOD_A, encoding="utf-8")
    pipe = _pipe(tmp_settings, counting)
    first = pipe.ingest([corpus])
    a.write_bytes(bytes(range(256)) * 20)  # overwritten with binary garbage
    rep = pipe.ingest([corpus])
    assert rep.errors and rep.errors[0]["file"] == "a.txt"
    assert rep.docs_removed == 0 and rep.chunks_removed == 0
    assert pipe.store.count() == first.chunks_added


def _consistent(pipe: Any) -> list[str]:
    """Every stored passage belongs to a complete document, once, and the keyword index holds exactly them."""
    ids = _store_ids(pipe)
    assert len(ids) == len(set(ids)) == sum(r.n_chunks for r in pipe.store.manifest().values())
    assert set(pipe.lexical.ensure_fresh(force=True).ids) == set(ids)
    return ids


def _small_group_corpus(tmp_settings: Any, n: int) -> tuple[Path, Any]:
    """``n`` distinct small documents d0.txt … (GOOD_A with 1个月, 2个月, …) and a pipeline with the fake embedder."""
    from rag.embed import HashEmbedder

    corpus = tmp_settings.corpus_dir
    corpus.mkdir()
    for k in range(n):
        (corpus / f"d{k}.txt").write_text(GOOD_A.replace("3个月", f"{k + 1}个月"), encoding="utf-8")
    return corpus, build(tmp_settings, HashEmbedder())


def test_many_groups_with_writes_behind_encoding(tmp_settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny embed groups, so later groups are encoded while earlier ones are still being written: every
    document ends up whole, progress comes once per file in order, and changed files are replaced."""
    import rag.ingest as ingest_mod

    monkeypatch.setattr(ingest_mod, "_EMBED_GROUP", 2)
    corpus, pipe = _small_group_corpus(tmp_settings, 7)
    calls: list[tuple[int, int, str]] = []
    rep = pipe.ingest([corpus], progress=lambda done, total, name: calls.append((done, total, name)))
    assert [c[:2] for c in calls] == [(k + 1, 7) for k in range(7)]
    assert rep.docs_added == 7 and not rep.errors
    assert len(_consistent(pipe)) == rep.chunks_added

    for k in (0, 3, 6):
        (corpus / f"d{k}.txt").write_text(GOOD_A.replace("3个月", f"{k + 10}个月"), encoding="utf-8")
    rep = pipe.ingest([corpus])
    assert rep.docs_replaced == 3 and rep.skipped_unchanged == 4 and rep.chunks_removed == rep.chunks_added
    texts = [t for _, t, _ in pipe.store.chunk_rows()]
    assert any("16个月" in t for t in texts) and not any("7个月" in t for t in texts)
    _consistent(pipe)


def test_a_failed_store_write_stops_the_ingest_and_is_repaired(
    tmp_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store write failing on the writer thread reaches the caller; the group it was writing stays
    invisible (passages without manifest records), and the next ingest repairs it."""
    import rag.ingest as ingest_mod
    from rag.errors import StoreError

    monkeypatch.setattr(ingest_mod, "_EMBED_GROUP", 1)
    corpus, pipe = _small_group_corpus(tmp_settings, 3)
    real_put = pipe.store.put_docs
    puts = 0

    def failing_second_put(docs: Any) -> None:
        nonlocal puts
        puts += 1
        if puts == 2:
            raise StoreError("disk full")
        real_put(docs)

    pipe.store.put_docs = failing_second_put
    with pytest.raises(StoreError, match="disk full"):
        pipe.ingest([corpus])
    assert len(pipe.store.manifest()) == 1
    pipe.store.put_docs = real_put

    rep = pipe.ingest([corpus])
    assert rep.repaired > 0 and rep.docs_added == 2 and rep.skipped_unchanged == 1
    assert len(pipe.store.manifest()) == 3
    _consistent(pipe)
