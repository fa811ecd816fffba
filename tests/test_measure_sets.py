"""The hand labels of support measures (tests/data/measures_dev.jsonl) and what the extractor scores on them.

The labels are checked against the documents (every labelled text is in its file, yuan values are numbers,
roles and splits are known), and `python -m rag.eval --measures` must keep the issue's bar on the dev split and pooled:
amount recall and precision ≥ 0.90 and valid_to exact ≥ 0.90 where labelled. The documents are read from
../shared/corpus at run time (never copied here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.eval_measures import MEASURE_ROLES, evaluate, load_labels, resolve
from rag.settings import load_settings

from .conftest import ROOT, shared_or_skip

LABELS = ROOT / "tests" / "data" / "measures_dev.jsonl"
ROLES = MEASURE_ROLES | {"threshold", "statistic", "estimate", "price", "fine", "other"}


@pytest.fixture(scope="module")
def labels(monkeypatch_module: pytest.MonkeyPatch) -> list[dict]:
    shared_or_skip("corpus", "ncp")
    monkeypatch_module.chdir(ROOT)  # label paths are relative to the project or ../shared/corpus
    return load_labels([LABELS])


@pytest.fixture(scope="module")
def monkeypatch_module() -> pytest.MonkeyPatch:
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_labels_are_well_formed_and_verbatim(labels: list[dict]) -> None:
    files = [lab["file"] for lab in labels]
    assert len(files) == len(set(files))
    ncp = [f for f in files if f.startswith("ncp/")]
    assert len(ncp) >= 40 and "corpus/000_4f56bf1c4842e0b1.txt" in files
    splits = [lab["split"] for lab in labels]
    assert splits.count("holdout") >= 10 and splits.count("dev") >= 30
    for lab in labels:
        text = resolve(lab["file"]).read_text(encoding="utf-8")
        for a in lab["amounts"]:
            assert a["role"] in ROLES, (lab["file"], a)
            assert isinstance(a["yuan"], (int, float)) and a["yuan"] > 0, (lab["file"], a)
            assert a["text"] in text, (lab["file"], a["text"])
        if lab.get("valid_to"):
            assert Path(lab["file"]).suffix == ".txt" and len(lab["valid_to"]) == 10
    # statistics-only documents are in the set (their amounts must not become measures)
    assert sum(1 for lab in labels if lab["amounts"] and not any(a["role"] in MEASURE_ROLES for a in lab["amounts"])) >= 5


def test_extractor_keeps_the_bar(labels: list[dict]) -> None:
    """The issue's bar on the dev split and on all labels pooled; the holdouts' own numbers (a few amounts
    each) are reported in the README, first runs included, not asserted here."""
    res = evaluate([LABELS], load_settings())
    for name, r in (("all", res), ("dev", res["by_split"]["dev"])):
        assert r["amount_recall"] >= 0.9, (name, r["missed"])
        assert r["amount_precision"] >= 0.9, (name, r["extra"])
        assert r["valid_to_accuracy"] >= 0.9, name
        assert r["valid_to_false"] <= 1, name
    # the baseline (every money expression taken for a measure) is far below on precision
    assert res["baselines"]["all_money"]["amount_precision"] < res["amount_precision"] - 0.3
    json.dumps(res, ensure_ascii=False)  # what --json prints
