"""The keyword channel: BM25 (bm25s) over jieba tokens that know the domain, derived from the store.

Local Chroma has no sparse search, so this index is ours. It is built from the store's complete documents
only (the manifest), persisted beside the Chroma data with the store's fingerprint, rebuilt after every
ingest, and rebuilt from the store whenever another process (another replica, an admin upload, a server
store) changed it: the store is the truth.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from array import array
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .access import PUBLIC_AUDIENCE, Audience, visibility_of
from .metadata import find_doc_numbers, find_proposal_numbers
from .store import ChromaStore

# --- tokenisation -----------------------------------------------------------------------------------

# Function words, question words and greetings: they must not drag in passages (你好 retrieves nothing).
STOPWORDS = frozenset(
    """
的 了 和 与 及 或 是 在 对 为 以 等 中 上 下 就 都 而 及其 以及 并 并且 其 该 此 这 那 这个 那个 这些 那些 之 于 由 从 向 把 被
将 给 让 也 又 还 再 很 更 最 吗 呢 吧 啊 呀 哦 嘛 么 个 些 有 没有 无 不 没 要 会 能 可 可以 可否 能否 是否 应 应该 需要 需
怎么 怎么样 怎样 如何 什么 哪些 哪个 哪里 哪儿 哪 谁 几 多少 多久 何时 为何 为什么 啥 咋 怎 请问 请 问 一下 一些 我 我们 你 你们 您
他 她 它 他们 她们 它们 自己 大家 想 知道 告诉 了解 关于 有关 相关 情况 问题 内容 方面 具体 主要 一般 目前 现在 今天 今年 那么 这么
你好 您好 早上好 上午好 中午好 下午好 晚上好 早安 午安 晚安 早上 上午 中午 下午 晚上 在吗 在不在 在么 喂 嗨 哈喽 哈哈 呵呵 嘿
谢谢 多谢 感谢 辛苦 辛苦了 再见 拜拜 麻烦 打扰 打扰了 请教 hello hi hey thanks thank you ok 好 好的 嗯 嗯嗯 行 可以吗 呢 在
""".split()
)
_PUNCT = re.compile(r"^[\W_]+$")
# Greetings and courtesies are cut out before segmentation: jieba would otherwise make content-looking
# words of them (早上好 → 早上/上好).
_GREETING = re.compile(
    r"(?:你好|您好|早上好|上午好|中午好|下午好|晚上好|早安|午安|晚安|在吗|在不在|在么|谢谢|多谢|辛苦了?|打扰了?|请问)"
    r"[呀啊哈啦]?[，,。！!？?~\s]*"
)
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
# Characters of function and question words: a character bigram containing one carries no topic.
_FUNCTION_CHARS = frozenset("的了和与及或是在对为以等就都而并其该此这那之于由从向把被将给让也又还再很更最吗呢吧啊呀哦嘛么个些有没无不要会能可应需怎什哪谁几多少何啥咋请问我你您他她它们想知道告诉好")
# 500万元, 5229.3万元, 1.7亿元, 20万元: amounts stay whole tokens (and their number is a token too).
_AMOUNT = re.compile(r"\d+(?:\.\d+)?(?:[万亿千百]+)?元")
_NUMBER_HAO = re.compile(r"(\d+)号")
_QUOTED = re.compile(r"《([^《》]{2,60})》|“([^“”]{2,40})”|「([^「」]{2,40})」|\"([^\"]{2,40})\"")


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@lru_cache(maxsize=1)
def _posseg() -> Any:
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict" chatter
    return jieba.posseg


def pos_words(text: str) -> list[tuple[str, str, int]]:
    """(word, POS tag, start offset) by jieba."""
    out: list[tuple[str, str, int]] = []
    pos = 0
    for w in _posseg().cut(text):
        out.append((w.word, w.flag, pos))
        pos += len(w.word)
    return out


def _special(text: str) -> list[str]:
    """Whole tokens for the things users type exactly: 文号, proposal numbers, amounts, quoted names."""
    out: list[str] = []
    for dn in find_doc_numbers(text):
        out.append(dn)
        m = re.match(r"(.+?)〔(\d{4})〕(\d+)号", dn)
        if m:  # 鄂建提复字〔2025〕334号 is also found as 鄂建提复字, 334号
            out += [m.group(1), f"{m.group(3)}号"]
    for pn in find_proposal_numbers(text):
        out += [pn, f"第{pn}号"]
    out += [m.group(0) for m in _AMOUNT.finditer(text)]
    out += [f"{m.group(1)}号" for m in _NUMBER_HAO.finditer(text)]
    for m in _QUOTED.finditer(text):
        out.append(next(g for g in m.groups() if g))
    return out


def bigrams(text: str) -> list[str]:
    """Overlapping CJK character bigrams, minus those holding a function/question character. They make the
    keyword channel robust to jieba cutting a question and a passage differently (减税抗疫贷 → 减税/抗疫/贷
    in one, 减税抗疫/贷 in the other): +4.7 points recall@1 on the dev questions (README)."""
    out: list[str] = []
    for m in _CJK_RUN.finditer(text):
        run = m.group(0)
        out += [b for i in range(len(run) - 1) if not (_FUNCTION_CHARS & set(b := run[i : i + 2]))]
    return [b for b in out if b not in STOPWORDS]


def tokenize(text: str) -> list[str]:
    """jieba search-mode words (sub-words too) + character bigrams + whole special tokens, minus stop words
    and punctuation."""
    jb = _jieba()
    text = _GREETING.sub(" ", text)
    words = [w.strip().lower() for w in jb.cut_for_search(text)]
    words = [w for w in words if w and w not in STOPWORDS and not _PUNCT.match(w)]
    return words + bigrams(text) + [t.lower() for t in _special(text)]


@lru_cache(maxsize=1024)
def query_tokens(query: str) -> tuple[str, ...]:
    """``tokenize`` for a question, memoised: one retrieval tokenises its question for the keyword search,
    the exact-document ranking and the relevance floor of each top passage."""
    return tuple(tokenize(query))


# --- the index --------------------------------------------------------------------------------------


@dataclass
class _Loaded:
    """The keyword index as a serving process holds it. Sized for ~100k passages: no per-passage Python
    objects (ids are one fixed-width string array, filter fields small integer codes into their distinct
    values), and the BM25 matrices are memory-mapped from disk, so only the postings of the words queries
    use become resident."""

    fingerprint: str
    ids: np.ndarray  # chunk ids, fixed-width strings
    docs: list[str]  # the complete documents, in doc_bm25's row order
    chunk_doc: np.ndarray  # row of each chunk's document in doc_bm25
    codes: dict[str, np.ndarray]  # per-chunk filter field (source, doc_type, issuer) as a code into values
    values: dict[str, dict[Any, int]]  # field → {value: code}
    year: np.ndarray  # per-chunk year, -1 when unknown
    public: np.ndarray  # per chunk: its document is public (rag.access); internal ones only staff see
    doc_public: np.ndarray  # the same per row of doc_bm25
    bm25: Any  # over passages
    doc_bm25: Any  # over whole documents
    doc_set: set[str] | None = None  # the complete documents, built on first use
    doc_row: dict[str, int] | None = None  # document id → its row in docs, built on first use


def index_text(text: str, m: dict[str, Any]) -> str:
    """What the keyword channel indexes for a chunk: the passage plus the document's title and 文号, so
    any passage of a document can be found by them."""
    head = " ".join(str(m[k]) for k in ("title" if m.get("title") else "lead", "doc_number", "section") if m.get(k))
    return f"{head}\n{text}"


_FORMAT = 3  # on-disk layout of the index directory; another one is rebuilt from the store (3: public.npy)
_CODED = ("source", "doc_type", "issuer")


class LexicalIndex:
    FILTER_FIELDS = ("source", "doc_type", "issuer", "year")
    # Measured on the dev questions (README, "Retrieval"): k1=1.2 over bm25s' default 1.5; a passage's score
    # gets DOC_WEIGHT × its whole document's score, so the passage of the right document wins over a
    # similar passage of another city's notice.
    K1, B = 1.2, 0.75
    DOC_WEIGHT = 0.5

    def __init__(self, index_dir: Path, store: ChromaStore, check_every: float = 5.0) -> None:
        self.dir = Path(index_dir)
        self.store = store
        self.check_every = check_every  # seconds between staleness checks against the store
        self._loaded: _Loaded | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    # building -------------------------------------------------------------------------------------------
    def rebuild(self) -> None:
        import bm25s

        with self._lock:
            fingerprint = self.store.fingerprint()
            manifest = self.store.manifest()
            ids: list[str] = []
            # Token ids in compact int arrays, one vocabulary for the build: at 100k passages the token
            # lists as Python strings (~800 per passage, every bigram its own object) took ~5 GB.
            vocab: dict[str, int] = {"": 0}
            corpus: list[array[int]] = []
            fields: dict[str, list[Any]] = {f: [] for f in self.FILTER_FIELDS}
            doc_ids: list[str] = []
            public: list[bool] = []
            for cid, text, m in self.store.chunk_rows():
                rec = manifest.get(str(m.get("doc_id")))
                if rec is None or rec.file_hash != m.get("file_hash"):
                    continue  # a chunk of an interrupted ingest: not part of the store's truth
                ids.append(cid)
                doc_ids.append(str(m["doc_id"]))
                public.append(visibility_of(m) == "public")
                corpus.append(_token_ids(tokenize(index_text(text, m)), vocab))
                for f in self.FILTER_FIELDS:
                    fields[f].append(m.get(f, -1 if f == "year" else ""))
            doc_order = sorted(set(doc_ids))
            doc_row = {d: i for i, d in enumerate(doc_order)}
            doc_vocab: dict[str, int] = {"": 0}
            doc_corpus: list[array[int]] = [array("i", [0])] * len(doc_order)
            for did, text, m in self.store.doc_rows():
                if did in doc_row:
                    doc_corpus[doc_row[did]] = _token_ids(tokenize(index_text(text, m)), doc_vocab)
            self.dir.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".index-", dir=self.dir.parent))
            if corpus:
                # Index, save and drop one matrix at a time: the token lists are the big part of the build.
                for name, toks, voc in (("bm25", corpus, vocab), ("doc_bm25", doc_corpus, doc_vocab)):
                    bm = bm25s.BM25(k1=self.K1, b=self.B)
                    bm.index((toks, voc), show_progress=False)
                    bm.save(str(tmp / name), show_progress=False)
                    del bm
                corpus.clear()
                doc_corpus.clear()
            meta: dict[str, Any] = {"version": _FORMAT, "fingerprint": fingerprint, "docs": doc_order, "values": {}}
            np.save(tmp / "ids.npy", np.asarray(ids, dtype=str))
            np.save(tmp / "chunk_doc.npy", np.asarray([doc_row[d] for d in doc_ids], dtype=np.int32))
            np.save(tmp / "year.npy", np.asarray(fields["year"], dtype=np.int32))
            np.save(tmp / "public.npy", np.asarray(public, dtype=bool))
            for f in _CODED:
                distinct = sorted(set(fields[f]), key=str)
                code = {v: i for i, v in enumerate(distinct)}
                np.save(tmp / f"{f}.npy", np.asarray([code[v] for v in fields[f]], dtype=np.int32))
                meta["values"][f] = distinct
            (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
            # Swap in atomically: a reader (or another replica) sees the old index or the new one.
            old = self.dir.with_name(self.dir.name + f".old-{os.getpid()}-{time.monotonic_ns()}")
            if self.dir.exists():
                os.replace(self.dir, old)
            os.replace(tmp, self.dir)
            shutil.rmtree(old, ignore_errors=True)
            # Serve from the saved files, exactly as another process loading this index would.
            loaded = self._load_from_disk()
            if loaded is None:
                raise OSError(f"the keyword index just written to {self.dir} cannot be read back")
            self._loaded = loaded
            self._checked_at = time.monotonic()

    def _load_from_disk(self) -> _Loaded | None:
        import bm25s

        d = self.dir
        try:
            meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
            if meta.get("version") != _FORMAT:
                return None  # an index written by an older version: rebuilt from the store
            ids = np.load(d / "ids.npy")
            bm25 = doc_bm25 = None
            if len(ids):
                # mmap: the matrices stay in the page cache, shared by every process serving this data dir.
                bm25 = bm25s.BM25.load(str(d / "bm25"), mmap=True, show_progress=False)
                doc_bm25 = bm25s.BM25.load(str(d / "doc_bm25"), mmap=True, show_progress=False)
            chunk_doc = np.load(d / "chunk_doc.npy")
            public = np.load(d / "public.npy")
            # A document is public when its passages are (all of a document's passages share its visibility).
            doc_public = np.ones(len(meta["docs"]), dtype=bool)
            doc_public[chunk_doc[~public]] = False
            return _Loaded(
                fingerprint=meta["fingerprint"],
                ids=ids,
                docs=meta["docs"],
                chunk_doc=chunk_doc,
                codes={f: np.load(d / f"{f}.npy") for f in _CODED},
                values={f: {v: i for i, v in enumerate(meta["values"][f])} for f in _CODED},
                year=np.load(d / "year.npy"),
                public=public,
                doc_public=doc_public,
                bm25=bm25,
                doc_bm25=doc_bm25,
            )
        except (OSError, ValueError, KeyError):
            return None

    def ensure_fresh(self, force: bool = False) -> _Loaded:
        """The index matching the store now. Checked against the store at most every ``check_every``
        seconds; reloaded from disk if another process rebuilt it, rebuilt from the store otherwise."""
        now = time.monotonic()
        if self._loaded is not None and not force and now - self._checked_at < self.check_every:
            return self._loaded
        fp = self.store.fingerprint()
        if self._loaded is None or self._loaded.fingerprint != fp:
            disk = self._load_from_disk()
            if disk is not None and disk.fingerprint == fp:
                self._loaded = disk
            else:
                self.rebuild()
        self._checked_at = time.monotonic()
        assert self._loaded is not None
        return self._loaded

    # searching ------------------------------------------------------------------------------------------
    def search(self, query: str, k: int, mask: np.ndarray | None = None,
               audience: Audience = PUBLIC_AUDIENCE) -> list[tuple[str, float]]:
        """Top ``k`` (chunk id, BM25 score) for the query, among the chunks where ``mask`` is True and that
        ``audience`` may see. Passages it may not see are zeroed before scaling and before the top-k is taken:
        k visible passages come back whatever the hidden ones score."""
        idx = self.ensure_fresh()
        if idx.bm25 is None:
            return []
        qtoks = query_tokens(query)
        toks = [t for t in qtoks if t in idx.bm25.vocab_dict]
        if not toks:
            return []
        raw = _bm25_scores(idx.bm25, toks)
        if not audience.staff:
            raw = np.where(idx.public, raw, 0.0)
        scores = _unit(raw)
        dtoks = [t for t in qtoks if t in idx.doc_bm25.vocab_dict]
        if dtoks and self.DOC_WEIGHT:
            draw = _bm25_scores(idx.doc_bm25, dtoks)
            if not audience.staff:
                draw = np.where(idx.doc_public, draw, 0.0)
            scores += self.DOC_WEIGHT * _unit(draw)[idx.chunk_doc]
        if not audience.staff:
            scores = np.where(idx.public, scores, 0.0)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        if k < len(scores):  # top-k without sorting the whole corpus (100k passages: ~10× faster)
            part = np.argpartition(-scores, k)[:k]
            top = part[np.argsort(-scores[part], kind="stable")]
        else:
            top = np.argsort(-scores, kind="stable")
        return [(str(idx.ids[i]), float(scores[i])) for i in top if scores[i] > 0]

    def search_docs(self, query: str, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """Top ``k`` (doc id, BM25 score) over whole documents, among ``allowed`` ones (None: all)."""
        idx = self.ensure_fresh()
        if idx.doc_bm25 is None:
            return []
        toks = [t for t in query_tokens(query) if t in idx.doc_bm25.vocab_dict]
        if not toks:
            return []
        scores = _bm25_scores(idx.doc_bm25, toks)
        if allowed is not None:
            scores = np.where(np.isin(np.asarray(idx.docs), list(allowed)), scores, 0.0)
        top = np.argsort(-scores, kind="stable")[:k]
        return [(idx.docs[i], float(scores[i])) for i in top if scores[i] > 0]

    def mask(self, **conds: Any) -> np.ndarray | None:
        """Boolean mask of chunks whose filter fields match: source/doc_type/issuer by equality, year by
        (year_from, year_to); none of ``exclude_sources``."""
        idx = self.ensure_fresh()
        n = len(idx.ids)
        m = np.ones(n, dtype=bool)
        used = False
        for f in _CODED:
            if conds.get(f):
                code = idx.values[f].get(conds[f])
                if code is None:
                    m[:] = False  # a value no passage has
                else:
                    m &= idx.codes[f] == code
                used = True
        if conds.get("year_from") is not None:
            m &= idx.year >= int(conds["year_from"])
            used = True
        if conds.get("year_to") is not None:
            m &= (idx.year <= int(conds["year_to"])) & (idx.year >= 0)
            used = True
        if conds.get("exclude_sources"):
            gone = [c for v in conds["exclude_sources"] if (c := idx.values["source"].get(v)) is not None]
            if gone:
                m &= ~np.isin(idx.codes["source"], gone)
                used = True
        return m if used else None

    def doc_chunk_ids(self, doc_id: str) -> list[str]:
        """The passages of one complete document, in store order (none for an unknown document)."""
        idx = self.ensure_fresh()
        if idx.doc_row is None:
            idx.doc_row = {d: i for i, d in enumerate(idx.docs)}
        row = idx.doc_row.get(doc_id)
        if row is None:
            return []
        return [str(c) for c in idx.ids[np.flatnonzero(idx.chunk_doc == row)]]

    def doc_ids(self) -> set[str]:
        idx = self.ensure_fresh()
        if idx.doc_set is None:
            idx.doc_set = set(idx.docs)
        return idx.doc_set

    def knows(self, term: str, audience: Audience = PUBLIC_AUDIENCE) -> bool:
        """Whether any passage ``audience`` may see holds ``term``: each of its character bigrams is an indexed
        token (a vocabulary lookup, no search; for the public, a token of some public passage)."""
        idx = self.ensure_fresh()
        if idx.bm25 is None:
            return False
        grams = bigrams(term.lower()) or [term.lower()]
        return all(self._seen_by(idx, g, audience) for g in grams)

    def has_token(self, token: str, audience: Audience = PUBLIC_AUDIENCE) -> bool:
        """Whether ``token`` is itself an indexed token (a 文号 or proposal number is one, whole) of a passage
        ``audience`` may see."""
        idx = self.ensure_fresh()
        return idx.bm25 is not None and self._seen_by(idx, token.lower(), audience)

    @staticmethod
    def _seen_by(idx: _Loaded, token: str, audience: Audience) -> bool:
        vocab = idx.bm25.vocab_dict
        if token not in vocab:
            return False
        if audience.staff or bool(idx.public.all()):
            return True
        indptr = idx.bm25.scores["indptr"]
        t = vocab[token]
        rows = idx.bm25.scores["indices"][int(indptr[t]) : int(indptr[t + 1])]
        return bool(idx.public[rows].any())

    def idf_coverage(self, query: str, passage: str) -> float:
        """Share of the query's IDF mass found in a passage: a keyword-side relevance signal. A query token
        counts as found when the passage contains it (every token is a substring of the text it came
        from, so this matches tokenising the passage, without running jieba over it at query time)."""
        idx = self.ensure_fresh()
        # Single characters (度, 换) are inside almost any passage: they say nothing about relevance.
        toks = {t for t in query_tokens(query) if len(t) > 1}
        if not toks or idx.bm25 is None:
            return 0.0
        text = passage.lower()
        n = max(1, len(idx.ids))
        vocab = idx.bm25.vocab_dict
        df = _doc_freqs(idx.bm25)
        total = found = 0.0
        for t in toks:
            d = df[vocab[t]] if t in vocab else 0
            w = float(np.log(1 + (n - d + 0.5) / (d + 0.5)))
            total += w
            if _contains(text, t):
                found += w
        return found / total if total else 0.0


def _bm25_scores(bm25: Any, tokens: list[str]) -> np.ndarray:
    """BM25 score of every passage for the query tokens (each in the vocabulary; repeats count again), as
    bm25s' get_scores computes it, with one bincount over the tokens' postings instead of one np.add.at
    per token: np.add.at is unbuffered and slow, and at 100k passages a common word has tens of thousands
    of postings."""
    s = bm25.scores
    data, indices, indptr = s["data"], s["indices"], s["indptr"]
    vocab = bm25.vocab_dict
    spans = [(int(indptr[t]), int(indptr[t + 1])) for t in (vocab[w] for w in tokens)]
    rows = np.concatenate([indices[a:b] for a, b in spans])
    weights = np.concatenate([data[a:b] for a, b in spans])
    return np.bincount(rows, weights=weights, minlength=int(s["num_docs"]))


_ASCII_TOKEN = re.compile(r"^[0-9a-z.%]+$")


def _contains(text: str, token: str) -> bool:
    """Whether a tokeniser would find ``token`` in ``text``: CJK by containment; numbers and latin words
    only whole (80 is not in 2800)."""
    if _ASCII_TOKEN.match(token):
        return re.search(rf"(?<![0-9a-z.]){re.escape(token)}(?![0-9a-z])", text) is not None
    return token in text


def _token_ids(tokens: list[str], vocab: dict[str, int]) -> array[int]:
    """A passage's tokens as ids of ``vocab`` (grown as new tokens come; "" is 0: a passage without tokens)."""
    return array("i", [vocab.setdefault(t, len(vocab)) for t in tokens] or [0])


def _unit(scores: np.ndarray) -> np.ndarray:
    """Scale to max 1 (BM25 scores are not comparable across queries or indexes, their ratios are)."""
    top = float(scores.max()) if len(scores) else 0.0
    return scores / top if top > 0 else scores


def _doc_freqs(bm25: Any) -> np.ndarray:
    cached = getattr(bm25, "_policy_qa_df", None)
    if cached is None:
        # bm25s stores a CSC matrix (docs × vocab) as data/indices/indptr: a column's length is its df.
        cached = np.diff(bm25.scores["indptr"])
        bm25._policy_qa_df = cached
    return cached
