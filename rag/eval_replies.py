"""Reply letters against hand labels: `python -m rag.eval --replies FILE [FILE...] [--json]`.

A label file is JSON Lines, one reply letter per line::

    {"file": "corpus/000_4f56bf1c4842e0b1.txt", "number": "0261", "kind": "提案", "session": "五届四次会议",
     "proposers": ["白夜明"], "body": "政协", "level": "市", "replying_body": "鄂尔多斯市人民政府",
     "doc_number": "鄂建提复字〔2025〕334号", "date": "2025-09-03"}

- ``file``: relative to the working directory, the repository root, or ``../shared`` beside it (also
  ``../shared/corpus``); absolute paths work too.
- ``number``: the proposal's number as written (leading zeros kept); ``kind``: 建议 / 提案 / 议案;
  ``session``: 五届四次会议 (compared by its 届 and 次 numbers: 十届全国人大四次会议, 第十届…第四次会议 and
  十届四次会议 are the same); ``proposers``: every name (等 kept on the last: ["李四等"]; compared as a set, 等
  ignored); ``body``: 人大 / 政协; ``level``: 全国 / 省 / 市 / 区县; ``replying_body``: the organ that replies;
  ``doc_number``: its 文号 (brackets normalised); ``date``: the letter's date (ISO or 2025年9月3日).
- ``null`` means the letter does not say (the extractor must say None too); a key left out is not scored.
- Compared leniently where a labeller may write it otherwise: 第0261号 = 0261 (leading zeros count), 全国政协 =
  政协, 代表建议 = 建议, 县 / 区 = 区县, "张三、李四" = ["张三", "李四"], [] = null; spaces never count.
- Extra keys (``proposal_title``, ``contact``, ``recipients_cc``, ``commitments``, ``note`` …) are ignored.

Printed: per-field accuracy (correct / labelled) and overall (all field comparisons), for ``read_reply`` and
for the baseline ``metadata_only`` (what rag.metadata alone reads: proposal number, proposer, issuer, 文号,
date; it has no kind, session, body or level).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .clean import clean_text
from .errors import ConfigError
from .ingest import load
from .metadata import cn_number, extract_metadata, normalise_doc_number, parse_cn_date
from .records import DocMeta
from .replies import read_reply
from .settings import Settings

FIELDS = ("number", "kind", "session", "proposers", "body", "level", "replying_body", "doc_number", "date")
_REPO = Path(__file__).resolve().parent.parent
_WS = re.compile(r"\s+")
_SESSION = re.compile(r"第?([一二三四五六七八九十〇零\d]{1,4})届.*?第?([一二三四五六七八九十\d]{1,3})次")


def load_labels(paths: Iterable[Path]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in paths:
        try:
            lines = p.read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise ConfigError(f"{p}: cannot read the label file ({e.strerror})") from None
        for i, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as e:
                raise ConfigError(f"{p}:{i}: not JSON ({e})") from None
            if not isinstance(item, dict) or not isinstance(item.get("file"), str):
                raise ConfigError(f'{p}:{i}: a label needs "file" (a path string)')
            out.append({**item, "_label_file": str(p)})
    return out


def resolve(file: str, label_file: Path | None = None) -> Path:
    """Where a label's ``file`` is: as given, under the repository, under ../shared (and its corpus)."""
    p = Path(file)
    bases = [
        Path.cwd(),
        _REPO,
        _REPO.parent / "shared",
        _REPO.parent / "shared" / "corpus",
        Path.cwd() / ".." / "shared",
        Path.cwd() / ".." / "shared" / "corpus",
    ]
    if label_file is not None:
        bases.append(label_file.parent)
    for base in [Path("/")] if p.is_absolute() else bases:
        if (base / p).is_file():
            return base / p
    raise ConfigError(f"{file}: no such file (looked in {', '.join(str(b) for b in bases)})")


def _session_key(s: str) -> tuple[int | None, int | None] | str:
    m = _SESSION.search(_WS.sub("", s))
    return (cn_number(m.group(1)), cn_number(m.group(2))) if m else _WS.sub("", s)


def _names(v: Any) -> set[str]:
    items = re.split(r"[、，,；;]", v) if isinstance(v, str) else list(v)
    return {_WS.sub("", str(x)).rstrip("等") for x in items if str(x).strip()}


def _norm(field: str, v: Any) -> str:
    """A labelled or extracted value in the one form compared: 第0261号 → 0261, 全国政协 → 政协, 县 → 区县."""
    s = _WS.sub("", str(v))
    if field == "number":
        m = re.search(r"[A-Za-z]?\d+", s)
        return m.group(0) if m else s
    if field == "kind":
        m = re.search(r"议案|提案|建议", s)
        return m.group(0) if m else s
    if field == "body":
        return "人大" if re.search(r"人大|人民代表大会", s) else "政协" if re.search(r"政协|政治协商", s) else s
    if field == "level":
        return {"区": "区县", "县": "区县", "旗": "区县", "国家": "全国", "自治区": "省", "直辖市": "省", "州": "市"}.get(s, s)
    return s


def same(field: str, got: Any, want: Any) -> bool:
    """Whether an extracted value is the labelled one (None only equals None)."""
    if want is None or got is None or want == [] or got == []:
        return not want and not got
    if field == "proposers":
        return _names(got) == _names(want)
    if field == "session":
        return _session_key(str(got)) == _session_key(str(want))
    if field == "doc_number":
        return normalise_doc_number(str(got)) == normalise_doc_number(str(want))
    if field == "date":
        return (parse_cn_date(str(got)) or str(got)) == (parse_cn_date(str(want)) or str(want))
    return _norm(field, got) == _norm(field, want)


def _metadata_only(meta: DocMeta) -> dict[str, Any]:
    proposers = meta.proposer.split("、") if meta.proposer else None
    return {
        "number": meta.proposal_number,
        "kind": None,
        "session": None,
        "proposers": proposers,
        "body": None,
        "level": None,
        "replying_body": meta.issuer,
        "doc_number": meta.doc_number,
        "date": meta.date,
    }


def read(path: Path, settings: Settings) -> tuple[dict[str, Any], dict[str, Any]]:
    """(read_reply's fields, metadata_only's fields) of one file; all None when it is not read as a reply.
    read_reply's also hold its ``commitments`` (scored apart: :func:`commitment_score`)."""
    text = clean_text(load(path, settings).text)
    meta = extract_metadata(text)
    reply = read_reply(text, meta)
    got: dict[str, Any] = {f: None for f in FIELDS} if reply is None else {f: getattr(reply, f) for f in FIELDS}
    got["commitments"] = list(reply.commitments) if reply is not None else []
    return got, _metadata_only(meta)


_NOT_TEXT = re.compile(r"[\s，。；、,.;:：！!？?“”\"'（）()]")


def _same_sentence(a: str, b: str) -> bool:
    """One commitment sentence is the other, or holds it (a labeller may take a clause, we the sentence, or
    the reverse), punctuation and spaces aside."""
    ka, kb = _NOT_TEXT.sub("", a), _NOT_TEXT.sub("", b)
    return bool(ka and kb) and (ka in kb or kb in ka)


def commitment_score(rows: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    """Over the letters whose label lists its commitments (an empty list too): recall = labelled sentences
    found among the extracted ones, precision = extracted ones that are a labelled one."""
    found = labelled = right = extracted = 0
    for got, want in rows:
        if not isinstance(want.get("commitments"), list):
            continue
        gold, ours = [str(x) for x in want["commitments"]], [str(x) for x in got.get("commitments") or []]
        labelled += len(gold)
        found += sum(any(_same_sentence(w, g) for g in ours) for w in gold)
        extracted += len(ours)
        right += sum(any(_same_sentence(g, w) for w in gold) for g in ours)
    return {
        "labelled": labelled, "found": found, "extracted": extracted, "right": right,
        "recall": round(found / labelled, 3) if labelled else None,
        "precision": round(right / extracted, 3) if extracted else None,
    }


def _score(rows: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    per: dict[str, dict[str, int]] = {f: {"correct": 0, "labelled": 0} for f in FIELDS}
    for got, want in rows:
        for f in FIELDS:
            if f in want:
                per[f]["labelled"] += 1
                per[f]["correct"] += same(f, got.get(f), want[f])
    total = sum(v["labelled"] for v in per.values())
    correct = sum(v["correct"] for v in per.values())
    return {
        "fields": {
            f: {**v, "accuracy": round(v["correct"] / v["labelled"], 3) if v["labelled"] else None}
            for f, v in per.items()
        },
        "overall": round(correct / total, 3) if total else None,
        "letters_all_right": sum(all(same(f, g.get(f), w[f]) for f in FIELDS if f in w) for g, w in rows),
    }


def evaluate(label_files: Sequence[Path], settings: Settings) -> dict[str, Any]:
    labels = load_labels(label_files)
    ours: list[tuple[dict[str, Any], dict[str, Any]]] = []
    base: list[tuple[dict[str, Any], dict[str, Any]]] = []
    misses: list[dict[str, Any]] = []
    for item in labels:
        path = resolve(item["file"], Path(item["_label_file"]))
        got, meta_only = read(path, settings)
        ours.append((got, item))
        base.append((meta_only, item))
        wrong = {
            f: {"got": got.get(f), "want": item[f]}
            for f in FIELDS
            if f in item and not same(f, got.get(f), item[f])
        }
        if wrong:
            misses.append({"file": item["file"], "wrong": wrong})
    return {
        "n": len(labels),
        "read_reply": {**_score(ours), "commitments": commitment_score(ours)},
        "baselines": {"metadata_only": _score(base)},
        "misses": misses,
    }


def render(res: dict[str, Any]) -> str:
    rows = [("read_reply", res["read_reply"]), *res["baselines"].items()]
    out = [f"{'field':<14}" + "".join(f"{name:>16}" for name, _ in rows)]
    for f in FIELDS:
        cells = []
        for _, r in rows:
            v = r["fields"][f]
            cells.append(
                f"{v['correct']}/{v['labelled']}" + (f" {v['accuracy']:.3f}" if v["labelled"] else "")
            )
        out.append(f"{f:<14}" + "".join(f"{c:>16}" for c in cells))
    out.append(
        f"{'overall':<14}"
        + "".join(f"{r['overall'] if r['overall'] is not None else '—':>16}" for _, r in rows)
    )
    out.append(
        f"{'all fields ok':<14}"
        + "".join(f"{str(r['letters_all_right']) + '/' + str(res['n']):>16}" for _, r in rows)
    )
    c = res["read_reply"]["commitments"]
    if c["labelled"] or c["extracted"]:
        out.append(f"{'commitments':<14}  read_reply: recall {c['found']}/{c['labelled']} {c['recall']}, "
                   f"precision {c['right']}/{c['extracted']} {c['precision']} (metadata_only reads none)")
    for m in res["misses"]:
        out.append(
            f"\n✗ {m['file']}: "
            + "; ".join(f"{f} got {v['got']!r} want {v['want']!r}" for f, v in m["wrong"].items())
        )
    return "\n".join(out)
