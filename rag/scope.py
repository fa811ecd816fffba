"""What the corpus cannot answer, decided after retrieval and before an answer is written: everyday
questions (天气 / 笑话 / 股票) and questions about a place none of the found documents is about (银川市的
购房补贴政策是什么？ over a corpus without 银川). Such a question is refused — ``refused: true`` — and,
for a missing place, the documents that were found are offered apart, as related documents, never as
citations of an answer."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import markers
from .lexical import pos_words
from .records import Hit, RelatedDoc

_OFF_TOPIC = re.compile(markers.OFF_TOPIC, re.IGNORECASE)
_POLICY = re.compile(markers.POLICY_WORDS)
_SUFFIX = re.compile(markers.PLACE_SUFFIX)
_PLACE_TAGS = frozenset({"ns"})


def everyday(question: str) -> bool:
    """An everyday question, not one about policy (a policy word anywhere keeps it in)."""
    return bool(_OFF_TOPIC.search(question)) and not _POLICY.search(question)


def places(question: str) -> list[str]:
    """The places a question names (jieba's place tag), generic ones (全国 / 本市) left out."""
    import jieba

    freq = jieba.dt.FREQ  # a place tag on a word the dictionary lacks is the tagger guessing (会议上提的 → 上提)
    out = [w for w, tag, _ in pos_words(question)
           if tag in _PLACE_TAGS and w not in markers.GENERIC_PLACES and freq.get(w)]
    return list(dict.fromkeys(w for w in out if len(w) >= 2))


def _stems(place: str) -> set[str]:
    stem = _SUFFIX.sub("", place)
    return {place, stem} if len(stem) >= 2 else {place}


def missing_places(question: str, hits: Sequence[Hit], texts: Callable[[list[str]], dict[str, str]]) -> list[str]:
    """Places the question names that none of the found documents mentions anywhere (``texts``: doc id →
    whole text, for the documents of ``hits``)."""
    named = places(question)
    if not named:
        return []
    docs = texts(list(dict.fromkeys(h.chunk.doc_id for h in hits)))
    corpus = [*docs.values(), *(h.chunk.text for h in hits if h.chunk.doc_id not in docs)]
    return [p for p in named if not any(s in t for s in _stems(p) for t in corpus)]


@dataclass
class Verdict:
    refused: bool
    reason: str = ""  # everyday · place
    missing: tuple[str, ...] = ()
    related: tuple[RelatedDoc, ...] = ()


def judge(question: str, hits: Sequence[Hit], texts: Callable[[list[str]], dict[str, str]],
          max_related: int = 3) -> Verdict:
    if everyday(question):
        return Verdict(True, "everyday")
    if not hits:
        return Verdict(False)
    missing = missing_places(question, hits, texts)
    if missing:
        related: dict[str, RelatedDoc] = {}
        for h in hits:
            if len(related) < max_related:
                related.setdefault(h.chunk.doc_id, RelatedDoc.from_hit(h))
        return Verdict(True, "place", tuple(missing), tuple(related.values()))
    return Verdict(False)
