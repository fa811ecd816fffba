"""What the corpus cannot answer, decided after retrieval and before an answer is written: everyday
questions (天气 / 笑话 / 股票) and questions about a place none of the found documents is about (银川市的
购房补贴政策是什么？ over a corpus without 银川). Such a question is refused — ``refused: true`` — and,
for a missing place, the documents that were found are offered apart, as related documents, never as
citations of an answer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

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

    words = pos_words(question)  # loads jieba's dictionary first: FREQ is replaced when it loads
    freq = jieba.dt.FREQ  # a place tag on a word the dictionary lacks is the tagger guessing (会议上提的 → 上提)
    out = [w for w, tag, _ in words if tag in _PLACE_TAGS and w not in markers.GENERIC_PLACES and freq.get(w)]
    return list(dict.fromkeys(w for w in out if len(w) >= 2))


_ORGAN_PLACE = re.compile(markers.ORGAN_PLACE)


def own_places(head: str) -> list[str]:
    """The places a document's title or opening words name, also inside an organ's name (北京市人民政府 is
    one word to jieba, tagged as an organisation)."""
    found = places(head)
    found += [m.group(1) for w, tag, _ in pos_words(head) if tag == "nt" and (m := _ORGAN_PLACE.match(w))]
    return list(dict.fromkeys(found))


def _stems(place: str) -> set[str]:
    stem = _SUFFIX.sub("", place)
    return {place, stem} if len(stem) >= 2 else {place}


class Corpus(Protocol):
    """What the checks read of the corpus (the retriever provides both)."""

    def knows(self, term: str) -> bool: ...

    def unknown_identifiers(self, query: str) -> list[str]: ...

    def document_texts(self, doc_ids: Sequence[str]) -> dict[str, str]: ...


def missing_places(question: str, hits: Sequence[Hit], corpus: Corpus) -> list[str]:
    """Places the question names that the answer could not be about: absent from the whole corpus (银川), or
    absent from every found document while each of those names another place in its title or opening
    words (海口 asked, only Beijing notices found). A document that names no place of its own (本市职工…)
    may be about the asked one: it is no reason to refuse."""
    named = places(question)
    if not named:
        return []
    missing = [p for p in named if not any(corpus.knows(s) for s in _stems(p))]
    rest = [p for p in named if p not in missing]
    if rest:
        doc_ids = list(dict.fromkeys(h.chunk.doc_id for h in hits))
        docs = corpus.document_texts(doc_ids)
        heads = {h.chunk.doc_id: " ".join(x for x in (h.chunk.meta.title, h.chunk.meta.lead, h.chunk.meta.issuer)
                                          if x) for h in hits}
        owned = [own_places(heads[d]) for d in doc_ids]
        for p in rest:
            mentioned = any(s in t for s in _stems(p) for t in docs.values())
            if not mentioned and owned and all(owned):
                missing.append(p)
    return missing


@dataclass
class Verdict:
    refused: bool
    reason: str = ""  # everyday · missing (a place or identifier no found document is about)
    missing: tuple[str, ...] = ()
    related: tuple[RelatedDoc, ...] = ()


def judge(question: str, hits: Sequence[Hit], corpus: Corpus, max_related: int = 3) -> Verdict:
    if everyday(question):
        return Verdict(True, "everyday")
    if not hits:
        return Verdict(False)
    # A 文号 or proposal number nothing in the corpus carries (国办函〔2007〕15号): say so, never answer from
    # the document with the nearest number.
    missing = corpus.unknown_identifiers(question) or missing_places(question, hits, corpus)
    if missing:
        related: dict[str, RelatedDoc] = {}
        for h in hits:
            if len(related) < max_related:
                related.setdefault(h.chunk.doc_id, RelatedDoc.from_hit(h))
        return Verdict(True, "missing", tuple(missing), tuple(related.values()))
    return Verdict(False)
