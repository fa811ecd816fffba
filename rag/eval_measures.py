"""Support measures against hand labels: `python -m rag.eval --measures FILE [FILE...] [--json]`.

A label file is JSON Lines, one document per line::

    {"file": "ncp/….txt", "split": "dev" | "holdout", "valid_to": "2020-06-30" | null,
     "amounts": [{"text": "最高500万元", "yuan": 5000000, "role": "cap", "kind": "subsidy", "beneficiary": "…"}]}

Every 元 amount of the document is labelled with its role; the measure roles are ``grant``, ``cap``, ``loan``
and ``fund`` (what is granted); ``threshold``, ``statistic``, ``estimate``, ``price``, ``fine``, ``other`` are
not measures. ``file`` is relative to the working directory or to ``../shared/corpus``.

- amount_recall: labelled measure amounts (document, yuan) that an extracted measure carries;
- amount_precision: extracted measure amounts (document, yuan) that are labelled measure amounts;
- valid_to_accuracy: documents with a labelled ``valid_to`` whose extracted end is that day;
- valid_to_false: documents without one for which an end was extracted (a guess would show here);
- kind_accuracy: of the matched amounts, the share whose measure has the labelled kind.

Reported for all documents and per split, with the baseline ``all_money``: every money expression jionlp
finds in the document taken as a measure amount (what a reader of amounts without roles would get).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .amounts import amounts
from .errors import ConfigError
from .ingest import load, prepare
from .settings import Settings

MEASURE_ROLES = frozenset({"grant", "cap", "loan", "fund"})
SHARED_CORPUS = Path("../shared/corpus")


def load_labels(paths: Iterable[Path]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in paths:
        for i, line in enumerate(Path(p).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise ConfigError(f"{p}:{i}: not JSON: {e}") from e
            if "file" not in row or "amounts" not in row:
                raise ConfigError(f"{p}:{i}: a label needs 'file' and 'amounts'")
            out.append(row)
    return out


def resolve(file: str) -> Path:
    for base in (Path("."), SHARED_CORPUS):
        if (base / file).is_file():
            return base / file
    raise ConfigError(f"labelled file not found: {file} (looked in . and {SHARED_CORPUS})")


def _key(y: float) -> int:
    return round(float(y))


def extracted(path: Path, settings: Settings) -> dict[str, Any]:
    prep = prepare(load(path, settings), settings)
    values: dict[int, str] = {}
    for m in prep.measures:
        for a in m.amounts:
            values.setdefault(_key(a["yuan"]), m.kind)
            if a.get("low") is not None:
                values.setdefault(_key(a["low"]), m.kind)
    all_money: set[int] = set()
    for x in amounts(prep.text.replace("\n", "")):
        all_money.add(_key(x.yuan))
        if x.low is not None:
            all_money.add(_key(x.low))
    return {"values": values, "all_money": all_money, "valid_to": prep.chunks[0].meta.valid_to}


def score(rows: Sequence[tuple[dict[str, Any], dict[str, Any]]], which: str) -> dict[str, Any]:
    tp = n_gold = n_pred = kind_ok = 0
    vt_n = vt_ok = vt_false = 0
    misses: list[dict[str, Any]] = []
    extras: list[dict[str, Any]] = []
    for label, got in rows:
        gold: dict[int, dict[str, Any]] = {}
        for a in label["amounts"]:
            if a.get("role") in MEASURE_ROLES:
                gold.setdefault(_key(a["yuan"]), a)
        pred = set(got["values"]) if which == "measures" else got["all_money"]
        n_gold += len(gold)
        n_pred += len(pred)
        hit = pred & set(gold)
        tp += len(hit)
        if which == "measures":
            kind_ok += sum(got["values"][y] == gold[y].get("kind") for y in hit)
            misses += [{"file": label["file"], "text": gold[y]["text"], "yuan": y} for y in sorted(set(gold) - pred)]
            others = {_key(a["yuan"]): a.get("role") for a in label["amounts"]}
            extras += [{"file": label["file"], "yuan": y, "labelled_as": others.get(y)} for y in sorted(pred - set(gold))]
        if label.get("valid_to"):
            vt_n += 1
            vt_ok += got["valid_to"] == label["valid_to"]
        elif got["valid_to"]:
            vt_false += 1
    out: dict[str, Any] = {
        "documents": len(rows),
        "amounts_labelled": n_gold,
        "amounts_extracted": n_pred,
        "amount_recall": round(tp / n_gold, 3) if n_gold else None,
        "amount_precision": round(tp / n_pred, 3) if n_pred else None,
    }
    if which == "measures":
        out.update({
            "kind_accuracy": round(kind_ok / tp, 3) if tp else None,
            "valid_to_labelled": vt_n,
            "valid_to_accuracy": round(vt_ok / vt_n, 3) if vt_n else None,
            "valid_to_false": vt_false,
            "missed": misses,
            "extra": extras,
        })
    return out


def evaluate(label_files: Sequence[Path], settings: Settings) -> dict[str, Any]:
    labels = load_labels(label_files)
    rows = [(lab, extracted(resolve(lab["file"]), settings)) for lab in labels]
    res = score(rows, "measures")
    res["by_split"] = {
        split: score([r for r in rows if r[0].get("split", "dev") == split], "measures")
        for split in sorted({r[0].get("split", "dev") for r in rows})
    }
    res["by_genre"] = {  # policy = grants things; news = reports on policy; statistics = amounts of past work only
        g: score([r for r in rows if r[0].get("genre", "policy") == g], "measures")
        for g in sorted({r[0].get("genre", "policy") for r in rows})
    }
    res["baselines"] = {"all_money": score(rows, "all_money")}
    for split in res["by_split"]:
        sub = [r for r in rows if r[0].get("split", "dev") == split]
        res["baselines"][f"all_money_{split}"] = score(sub, "all_money")
    return res


def render(res: dict[str, Any]) -> str:
    keys = ["documents", "amounts_labelled", "amount_recall", "amount_precision", "kind_accuracy",
            "valid_to_labelled", "valid_to_accuracy", "valid_to_false"]
    lines = [f"{'set':<20}" + "".join(f"{k:>19}" for k in keys)]
    rows = [("all", res), *res["by_split"].items(), *((f"genre:{g}", r) for g, r in res["by_genre"].items()),
            *res["baselines"].items()]
    for name, r in rows:
        lines.append(f"{name:<20}" + "".join(f"{'' if r.get(k) is None else r.get(k)!s:>19}" for k in keys))
    for m in res["missed"][:30]:
        lines.append(f"missed  {m['file']}: {m['text']} ({m['yuan']})")
    for x in res["extra"][:30]:
        lines.append(f"extra   {x['file']}: {x['yuan']} (labelled {x['labelled_as']})")
    return "\n".join(lines)
