"""The answer-level evaluation sets ``tests/data/answers_{dev,holdout}.jsonl`` (used by ``rag.eval --answers``)
are valid.

Checks (the ids are the ones the sets were written against):
  E1 schema: single = {question, source, expect, kind}; conversation = {turns: [2..4 singles], kind: "conversation"};
     kind in KINDS; source null <=> expect == [] <=> kind in {offtopic, nearmiss} (a conversation turn may be offtopic).
  E2 every source file exists in the corpus (seed in corpus/, sc_*.txt in state-council/, the rest in ncp/).
  E3 every expect string, whitespace removed, is a substring of the source text, whitespace removed -- except
     a normalised date "YYYY年M月D日", which passes when the document has that date in any written form
     (Arabic with/without leading zeros, Chinese numerals with 〇/○/零, or YYYY-MM-DD).
  E4 expect strings are short: 2..60 characters after whitespace removal (warning above 30).
  E5 no duplicate question inside a file, no question shared between dev and holdout, and no question equal
     (whitespace/punctuation-insensitive) to one in ../shared/qa/ncp_dev.jsonl, tests/data/qa_dev.jsonl or
     qa_holdout.jsonl. Close paraphrases of ncp_dev questions on the same source (char-bigram Dice >= 0.7) are errors.
  E6 off-topic / near-miss questions: each listed key term (ABSENT_TERMS below) must be absent from every corpus
     file, and every offtopic/nearmiss question must have an entry in ABSENT_TERMS.
  E7 minimum counts per kind (see MINIMUMS), dev >= 80 distinct ncp documents.
  E8 holdout never overlaps dev: for items on the same source, no expect string is shared and the questions are
     not near-paraphrases (char-bigram Dice >= 0.6).
  W1 ambiguity: an expect (non-date) that also occurs in another corpus document is reported as a warning; an item
     whose expects ALL occur elsewhere is an error unless its kind is docfact (the question names the document).

Schema, count, duplicate and overlap checks always run. The checks that need the documents (E2, E3, E6's corpus
part, W1) read ``<repo>/corpus`` (the seed) and ``../shared/corpus/{state-council,ncp}`` once per module and skip
when ../shared is absent; the ncp_dev part of E5 skips when ../shared/qa/ncp_dev.jsonl is absent.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, shared_or_skip

DATA = Path(__file__).parent / "data"
FILES = {"dev": DATA / "answers_dev.jsonl", "holdout": DATA / "answers_holdout.jsonl"}
RETRIEVAL_SETS = (DATA / "qa_dev.jsonl", DATA / "qa_holdout.jsonl")
SEED_DIR = ROOT / "corpus"

KINDS = {"docfact", "outline", "list", "fact", "procedure", "offtopic", "nearmiss"}
UNSOURCED = {"offtopic", "nearmiss"}
SINGLE_KEYS = {"question", "source", "expect", "kind"}

# Key terms of each off-topic / near-miss question: none of them may occur in any corpus document, or the
# question is not off-topic after all (E6).
ABSENT_TERMS: dict[str, list[str]] = {
    # dev, off-topic
    "护照过期了怎么换新的？": ["护照"], "帮我讲个笑话吧": ["笑话"], "可乐鸡翅怎么做？": ["鸡翅"],
    "昨晚的欧冠决赛谁赢了？": ["欧冠"], "现在买哪只股票能赚钱？": ["哪只股票"],
    "帮我用Python写一个快速排序": ["Python", "快速排序"], "“谢谢你的帮助”用英语怎么说？": ["谢谢你的帮助"],
    "北京到上海的高铁要坐几个小时？": ["北京到上海"], "推荐几本适合小学生看的课外书": ["课外书"],
    "iPhone和华为手机哪个拍照更好？": ["iPhone", "华为手机"], "怎么煮出好吃的米饭？": ["米饭"],
    "周杰伦最新的专辑叫什么名字？": ["周杰伦"], "圣诞节送女朋友什么礼物好？": ["圣诞"], "怎么提高跑步的耐力？": ["跑步"],
    "猫粮和狗粮可以混着喂吗？": ["猫粮", "狗粮"], "雅思口语怎么备考？": ["雅思"], "微信聊天记录删了还能恢复吗？": ["聊天记录"],
    "汽车多久做一次保养？": ["汽车保养", "做一次保养"], "地球到月球有多远？": ["月球"], "帮我把“明天见”翻译成日语": ["日语"],
    "学吉他应该先练什么？": ["吉他"], "世界上最高的山是哪座？": ["最高的山"], "写一首关于春天的诗": ["写一首"],
    "明天广州天气怎么样？": ["天气怎么样"], "好的，顺便问一下今天天气怎么样？": ["天气怎么样"],
    "谢谢。对了，明天杭州会下雨吗？": ["会下雨", "下雨"],
    # dev, near-miss (places / documents the corpus lacks)
    "银川买房有购房补贴吗？": ["银川", "购房补贴"], "海口市疫情期间对中小企业房租怎么减免？": ["海口"],
    "日本东京的新冠疫情防控措施有哪些？": ["东京"], "意大利疫情期间对中国留学生有什么政策？": ["意大利"],
    "韩国大邱的疫情现在怎么样了？": ["大邱"], "昆明市对餐饮企业有什么疫情补贴？": ["昆明"],
    "鄂尔多斯的新能源汽车购车补贴是多少？": ["新能源汽车", "购车补贴"], "无锡市企业复工复产有哪些奖补政策？": ["无锡"],
    "舟山市渔船复工有什么补贴？": ["舟山"], "扬州疫情期间的稳岗返还政策是什么？": ["扬州"],
    "南通市的住房公积金可以缓缴吗？": ["南通"], "盐城市的社保费减免政策是什么？": ["盐城"], "伊朗的疫情严重吗？": ["伊朗"],
    "国办函〔2007〕15号是关于什么的复函？": ["国办函〔2007〕15号"], "全国政协第1234号提案的答复是什么？": ["第1234号"],
    "鄂建提复字〔2025〕335号答复的是哪个提案？": ["〔2025〕335号"], "遵义市对小微企业有什么贷款贴息政策？": ["遵义"],
    "洛阳市疫情期间发放消费券吗？": ["洛阳", "消费券"],
    # holdout, off-topic
    "今晚有什么好看的电视剧？": ["电视剧"], "狗狗掉毛严重怎么办？": ["狗狗", "掉毛"], "1加到100等于多少？": ["1加到100"],
    "宫保鸡丁怎么做？": ["宫保"], "护肤品的正确使用顺序是什么？": ["护肤"], "手机流量套餐哪个最划算？": ["流量套餐"],
    "怎么用Excel做数据透视表？": ["Excel", "透视表"], "明年春节是几月几号？": ["明年春节"], "今天股市行情如何？": ["股市"],
    # holdout, near-miss
    "印度的新冠疫情防控措施有哪些？": ["印度"], "国办函〔2006〕99号答复的是什么？": ["国办函〔2006〕99号"],
    "宿迁市疫情期间对中小企业房租减免吗？": ["宿迁"], "三亚的酒店疫情期间有什么补贴？": ["三亚"],
    "国务院对全国政协第5000号提案是怎么答复的？": ["第5000号"], "镇江市疫情期间的稳岗补贴怎么申请？": ["镇江"],
}

# E7: (label, file, what is counted, minimum). "kinds" count single questions (not conversation turns).
MINIMUMS: list[tuple[str, str, tuple[str, ...], int]] = [
    ("dev docfact", "dev", ("docfact",), 30),
    ("dev outline", "dev", ("outline",), 20),
    ("dev list", "dev", ("list",), 25),
    ("dev fact", "dev", ("fact",), 30),
    ("dev procedure", "dev", ("procedure",), 15),
    ("dev offtopic+nearmiss", "dev", ("offtopic", "nearmiss"), 40),
    ("holdout offtopic+nearmiss", "holdout", ("offtopic", "nearmiss"), 12),
]
MIN_SINGLES = {"dev": 150, "holdout": 45}
MIN_CONVERSATIONS = {"dev": 25, "holdout": 8}
MIN_DEV_NCP_DOCS = 80

WS = re.compile(r"\s+")
PUNCT = re.compile(r"[\s，。？！、：；“”‘’（）《》,.?!:;\"'()]+")
DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
CN = "〇一二三四五六七八九"


def norm(s: str) -> str:
    return WS.sub("", s)


def qkey(s: str) -> str:
    """A question compared whitespace- and punctuation-insensitively."""
    return PUNCT.sub("", s)


def cn_num(n: int) -> str:
    """1..31 -> 一 .. 三十一"""
    if n < 10:
        return CN[n]
    t, u = divmod(n, 10)
    return ("" if t == 1 else CN[t]) + "十" + ("" if u == 0 else CN[u])


def date_variants(y: str, m: int, d: int) -> set[str]:
    cn_year = "".join(CN[int(c)] for c in y)
    years = [cn_year, cn_year.replace("〇", "○"), cn_year.replace("〇", "零")]
    out = {f"{y}年{m}月{d}日", f"{y}年{m:02d}月{d:02d}日", f"{y}-{m:02d}-{d:02d}"}
    out |= {f"{yy}年{cn_num(m)}月{cn_num(d)}日" for yy in years}
    return out


def is_date(e: str) -> bool:
    return DATE.match(norm(e)) is not None


def expect_in(e: str, text: str) -> bool:
    """``e`` occurs in the (whitespace-free) ``text``; a normalised date matches any written form of it."""
    e = norm(e)
    if e in text:
        return True
    m = DATE.match(e)
    if m:
        y, mo, d = m.group(1), int(m.group(2)), int(m.group(3))
        if f"{y}年{mo}月{d}日" != e:  # the normalised form has no leading zeros
            return False
        return any(v in text for v in date_variants(y, mo, d))
    return False


def bigrams(s: str) -> set[str]:
    s = qkey(s)
    return {s[i : i + 2] for i in range(len(s) - 1)}


def dice(a: str, b: str) -> float:
    x, y = bigrams(a), bigrams(b)
    return 2 * len(x & y) / (len(x) + len(y) or 1)


# ---------------------------------------------------------------------------------------------------------------
# Loading


@dataclass(frozen=True)
class Item:
    """One question: a single, or one turn of a conversation."""

    set_name: str  # "dev" | "holdout"
    line: int
    turn: int | None  # 0-based index in its conversation; None for a single
    data: dict[str, Any]

    @property
    def question(self) -> str:
        q = self.data.get("question")
        return q if isinstance(q, str) else repr(q)

    @property
    def where(self) -> str:
        turn = f" turn {self.turn + 1}" if self.turn is not None else ""
        return f"{FILES[self.set_name].name}:{self.line}{turn} {self.question!r}"


@dataclass
class AnswerSet:
    name: str
    rows: list[tuple[int, Any]]  # (line number, parsed JSON) of every non-empty line that parses
    bad_lines: list[str]  # lines that are not JSON
    items: list[Item]  # every single and every conversation turn, in file order

    def valid(self) -> Iterator[Item]:
        """The items that pass the item-level schema (E1); the other checks look only at these."""
        return (it for it in self.items if not item_schema_problems(it.data))


def load_set(name: str) -> AnswerSet:
    rows: list[tuple[int, Any]] = []
    bad: list[str] = []
    items: list[Item] = []
    path = FILES[name]
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            bad.append(f"{path.name}:{n}: not JSON ({e})")
            continue
        rows.append((n, r))
        if isinstance(r, dict) and isinstance(r.get("turns"), list):
            items += [Item(name, n, i, t if isinstance(t, dict) else {}) for i, t in enumerate(r["turns"])]
        else:
            items.append(Item(name, n, None, r if isinstance(r, dict) else {}))
    return AnswerSet(name, rows, bad, items)


def item_schema_problems(it: dict[str, Any]) -> list[str]:
    if set(it) != SINGLE_KEYS:
        return [f"keys must be {sorted(SINGLE_KEYS)}, got {sorted(it)}"]
    q, src, exp, kind = it["question"], it["source"], it["expect"], it["kind"]
    out = []
    if not isinstance(q, str) or not q.strip():
        out.append("question must be a non-empty string")
    if kind not in KINDS:
        out.append(f"unknown kind {kind!r} (one of {sorted(KINDS)})")
    if not isinstance(exp, list) or not all(isinstance(e, str) for e in exp):
        out.append(f"expect must be a list of strings, got {exp!r}")
    elif src is None:
        if exp != [] or kind not in UNSOURCED:
            out.append(f"a null source needs expect [] and kind offtopic/nearmiss (kind {kind!r}, expect {exp!r})")
    elif not isinstance(src, str) or not src:
        out.append(f"source must be a file name or null, got {src!r}")
    elif kind in UNSOURCED or not exp:
        out.append(f"a sourced item needs a non-empty expect and an answerable kind (kind {kind!r}, expect {exp!r})")
    return out


@pytest.fixture(scope="module")
def sets() -> dict[str, AnswerSet]:
    return {name: load_set(name) for name in FILES}


@dataclass
class Corpus:
    texts: dict[str, str]  # file name -> text with all whitespace removed
    folder: dict[str, Path]  # file name -> folder it was found in
    state_council: Path
    ncp: Path

    def expected_folder(self, source: str) -> Path:
        if source.startswith("000_"):
            return SEED_DIR
        return self.state_council if source.startswith("sc_") else self.ncp


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    """Every corpus file, read once: the seed in <repo>/corpus, the shared State Council and ncp documents."""
    sc = shared_or_skip("corpus", "state-council")
    ncp = shared_or_skip("corpus", "ncp")
    texts: dict[str, str] = {}
    folder: dict[str, Path] = {}
    for d in (SEED_DIR, sc, ncp):
        for p in sorted(d.glob("*.txt")):
            texts[p.name] = norm(p.read_text(encoding="utf-8"))
            folder[p.name] = d
    return Corpus(texts, folder, sc, ncp)


def fail_if(problems: list[str], what: str) -> None:
    assert not problems, f"{len(problems)} {what}:\n  " + "\n  ".join(problems)


# ---------------------------------------------------------------------------------------------------------------
# Checks that need only the question files


def test_e1_schema(sets: dict[str, AnswerSet]) -> None:
    problems: list[str] = []
    for s in sets.values():
        problems += s.bad_lines
        fname = FILES[s.name].name
        for n, r in s.rows:
            if not isinstance(r, dict):
                problems.append(f"{fname}:{n}: a line must be a JSON object, got {type(r).__name__}")
            elif "turns" in r:
                turns = r["turns"] if isinstance(r["turns"], list) else []
                first = turns[0].get("question") if turns and isinstance(turns[0], dict) else None
                tag = f"{fname}:{n} conversation {first!r}"
                if r.get("kind") != "conversation" or set(r) != {"turns", "kind"}:
                    problems.append(f'{tag}: a conversation is {{"turns": [...], "kind": "conversation"}}, '
                                    f"got keys {sorted(r)} kind {r.get('kind')!r}")
                if not isinstance(r["turns"], list) or not 2 <= len(r["turns"]) <= 4:
                    n_turns = len(r["turns"]) if isinstance(r["turns"], list) else r["turns"]
                    problems.append(f"{tag}: a conversation has 2-4 turns, got {n_turns}")
                elif not all(isinstance(t, dict) for t in r["turns"]):
                    problems.append(f"{tag}: every turn must be a JSON object")
        for it in s.items:
            problems += [f"{it.where}: {p}" for p in item_schema_problems(it.data)]
    fail_if(problems, "schema error(s)")


def test_e4_expect_strings_are_short(sets: dict[str, AnswerSet]) -> None:
    problems, long = [], []
    for s in sets.values():
        for it in s.valid():
            for e in it.data["expect"]:
                n = len(norm(e))
                if not 2 <= n <= 60:
                    problems.append(f"{it.where}: expect is {n} characters (2..60 allowed): {e!r}")
                elif n > 30:
                    long.append(f"{it.where}: long expect ({n}): {e!r}")
    if long:
        warnings.warn(f"{len(long)} expect string(s) over 30 characters:\n  " + "\n  ".join(long), stacklevel=1)
    fail_if(problems, "expect string(s) of the wrong length")


def test_e5_no_duplicate_questions(sets: dict[str, AnswerSet]) -> None:
    """No question twice in a file or in both files (short elliptic follow-ups like 那第四个方面呢？ may repeat)."""
    problems: list[str] = []
    first: dict[str, Item] = {}
    for s in sets.values():
        for it in s.valid():
            k = qkey(it.question)
            if it.turn is not None and it.turn > 0 and len(k) <= 12:  # a short follow-up turn: context-dependent, may repeat
                continue
            if k in first:
                problems.append(f"{it.where}: duplicate of {first[k].where}")
            else:
                first[k] = it
    fail_if(problems, "duplicate question(s)")


def test_e5_no_question_copied_from_retrieval_sets(sets: dict[str, AnswerSet]) -> None:
    banned: dict[str, str] = {}
    for path in RETRIEVAL_SETS:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                banned[qkey(json.loads(line)["question"])] = f"{path.name}:{n}"
    problems = [f"{it.where}: same question as {banned[qkey(it.question)]}"
                for s in sets.values() for it in s.valid() if qkey(it.question) in banned]
    fail_if(problems, "question(s) copied from the retrieval sets")


def test_e5_no_question_copied_or_paraphrased_from_ncp_dev(sets: dict[str, AnswerSet]) -> None:
    path = shared_or_skip("qa", "ncp_dev.jsonl")
    ncp_dev = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    banned = {qkey(d["question"]) for d in ncp_dev}
    problems: list[str] = []
    for s in sets.values():
        for it in s.valid():
            if qkey(it.question) in banned:
                problems.append(f"{it.where}: same question as in ncp_dev.jsonl")
            src = it.data["source"]
            for d in ncp_dev:
                if src is not None and d["source"] == src and dice(it.question, d["question"]) >= 0.7:
                    problems.append(f"{it.where}: too close to ncp_dev question {d['question']!r} on {src} "
                                    f"(Dice {dice(it.question, d['question']):.2f} >= 0.7)")
    fail_if(problems, "question(s) copied from ncp_dev")


def test_e6_every_unsourced_question_has_absent_terms(sets: dict[str, AnswerSet]) -> None:
    problems = [f"{it.where}: kind {it.data['kind']} but no ABSENT_TERMS entry (list its key terms in this module)"
                for s in sets.values() for it in s.valid()
                if it.data["source"] is None and not ABSENT_TERMS.get(it.question)]
    fail_if(problems, "off-topic/near-miss question(s) without key terms")


def test_e7_minimum_counts(sets: dict[str, AnswerSet]) -> None:
    kinds: dict[str, dict[str, int]] = {}
    sources: dict[str, set[str]] = {}
    for name, s in sets.items():
        kinds[name] = {}
        for it in s.valid():
            if it.turn is None:
                kinds[name][it.data["kind"]] = kinds[name].get(it.data["kind"], 0) + 1
        sources[name] = {it.data["source"] for it in s.valid() if it.data["source"] is not None}
    counted: list[tuple[str, int, int]] = [
        (label, sum(kinds[f].get(k, 0) for k in ks), need) for label, f, ks, need in MINIMUMS
    ]
    for name, s in sets.items():
        singles = sum(1 for _, r in s.rows if isinstance(r, dict) and "turns" not in r)
        convs = sum(1 for _, r in s.rows if isinstance(r, dict) and "turns" in r)
        counted += [(f"{name} singles", singles, MIN_SINGLES[name]),
                    (f"{name} conversations", convs, MIN_CONVERSATIONS[name])]
    ncp_docs = {src for src in sources["dev"] if not src.startswith(("sc_", "000_"))}
    counted.append(("dev distinct ncp documents", len(ncp_docs), MIN_DEV_NCP_DOCS))
    problems = [f"{label}: {n} < {need}" for label, n, need in counted if n < need]
    fail_if(problems, "minimum count(s) not met")


def test_e8_holdout_does_not_overlap_dev(sets: dict[str, AnswerSet]) -> None:
    problems: list[str] = []
    dev = list(sets["dev"].valid())
    for h in sets["holdout"].valid():
        if h.data["source"] is None:
            continue
        for d in dev:
            if d.data["source"] != h.data["source"]:
                continue
            common = {norm(e) for e in h.data["expect"]} & {norm(e) for e in d.data["expect"]}
            shared = {e for e in common if not DATE.match(e)}
            if not shared and h.data["kind"] == d.data["kind"] == "docfact":
                shared = common  # the same date asked of the same document is the same question
            sim = dice(h.question, d.question)
            if shared or sim >= 0.6:
                why = f"shared expect {sorted(shared)}" if shared else f"near-paraphrase (Dice {sim:.2f} >= 0.6)"
                problems.append(f"{h.where} overlaps {d.where} on {h.data['source']}: {why}")
    fail_if(problems, "holdout item(s) overlapping dev")


# ---------------------------------------------------------------------------------------------------------------
# Checks that need the corpus


def sourced(sets: dict[str, AnswerSet], corpus: Corpus) -> Iterator[tuple[Item, str]]:
    """Schema-valid sourced items whose source exists (E2 reports the others), with the source's text."""
    for s in sets.values():
        for it in s.valid():
            src = it.data["source"]
            if src is not None and src in corpus.texts:
                yield it, corpus.texts[src]


def test_e2_sources_exist(sets: dict[str, AnswerSet], corpus: Corpus) -> None:
    problems: list[str] = []
    for s in sets.values():
        for it in s.valid():
            src = it.data["source"]
            if src is None:
                continue
            want = corpus.expected_folder(src)
            if src not in corpus.texts:
                problems.append(f"{it.where}: source {src} is not in the corpus (looked for it in {want})")
            elif corpus.folder[src] != want:
                problems.append(f"{it.where}: source {src} is in {corpus.folder[src]}, expected in {want}")
    fail_if(problems, "unknown source(s)")


def test_e3_expect_strings_occur_in_their_source(sets: dict[str, AnswerSet], corpus: Corpus) -> None:
    problems = [f"{it.where}: expect {e!r} is not in {it.data['source']}"
                for it, text in sourced(sets, corpus) for e in it.data["expect"] if not expect_in(e, text)]
    fail_if(problems, "expect string(s) missing from their source")


def test_e6_absent_terms_are_absent_from_the_corpus(sets: dict[str, AnswerSet], corpus: Corpus) -> None:
    problems: list[str] = []
    for s in sets.values():
        for it in s.valid():
            if it.data["source"] is not None:
                continue
            for term in ABSENT_TERMS.get(it.question, []):
                hits = sorted(name for name, text in corpus.texts.items() if norm(term) in text)
                if hits:
                    problems.append(f"{it.where}: key term {term!r} occurs in {len(hits)} corpus file(s) {hits[:3]}")
    fail_if(problems, "off-topic/near-miss question(s) the corpus does answer")


def test_w1_expects_are_not_all_ambiguous(sets: dict[str, AnswerSet], corpus: Corpus) -> None:
    problems: list[str] = []
    shared_expects: list[str] = []
    for it, text in sourced(sets, corpus):
        src, exp = it.data["source"], it.data["expect"]
        unique = found = False
        for e in exp:
            ne = norm(e)
            if is_date(e) or not expect_in(e, text):  # dates are never unique; missing ones are E3's business
                continue
            found = True
            others = sorted(name for name, t in corpus.texts.items() if name != src and ne in t)
            if others:
                shared_expects.append(f"{it.where}: expect {e!r} also in {len(others)} other doc(s) {others[:2]}")
            else:
                unique = True
        if found and not unique and it.data["kind"] != "docfact":
            problems.append(f"{it.where}: every expect of this {it.data['kind']} item also occurs in documents "
                            f"other than {src} (ambiguous source): {exp}")
    if shared_expects:
        warnings.warn(f"{len(shared_expects)} expect string(s) also in other documents:\n  "
                      + "\n  ".join(shared_expects), stacklevel=1)
    fail_if(problems, "item(s) with an ambiguous source")
