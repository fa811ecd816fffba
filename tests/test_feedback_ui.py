"""👍/👎 under the chat's answer and the admin tab's 知识缺口 in a real headless Chromium (Debian's
/usr/bin/chromium through Playwright), against the real app."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import SEED
from .test_api import start_app
from .test_ui import CHROMIUM, open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TOKEN = "ui-gaps-token"
COMMENT = "我问的是天气<b>粗体</b>，希望说明服务范围"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (make test installs it with apt-get when it can)")
    tmp = tmp_path_factory.mktemp("fbui")
    corpus = tmp / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    (tmp / "block.txt").write_text("赌博\n", encoding="utf-8")
    proc, url = start_app(tmp, corpus, RAG_ADMIN_TOKEN=TOKEN, RAG_BLOCKLIST=str(tmp / "block.txt"))
    try:
        yield url, tmp / "data"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def page(app: tuple[str, Path]) -> Iterator[Any]:
    with open_page(app[0]) as pg:
        yield pg


def _ask(page: Any, question: str, expect_in_chat: str) -> None:
    n = page.locator("#chat").inner_text().count(expect_in_chat)
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    page.wait_for_function(
        "([t, n]) => document.querySelector('#chat').innerText.split(t).length - 1 > n", arg=[expect_in_chat, n])


def test_thumb_down_with_a_comment_then_the_gap_report(page: Any, app: tuple[str, Path]) -> None:
    _, data = app
    status = page.locator("#fb-status")
    page.locator("#fb-down").click()  # nothing answered yet
    status.get_by_text("回答显示完后", exact=False).wait_for()

    _ask(page, "今天天气怎么样", "未在已收录文件中找到")
    _ask(page, "今天天气怎么样", "未在已收录文件中找到")
    page.locator("#sources").get_by_text("无引用", exact=False).wait_for()
    page.locator("#fb-comment textarea, #fb-comment input").first.fill(COMMENT)
    page.locator("#fb-down").click()
    status.get_by_text("已记录 👎", exact=False).wait_for()
    assert "意见已收到" in status.inner_text()

    _ask(page, "赌博有补贴吗", "不在本服务的答复范围内")
    # a new answer clears the last thanks
    page.wait_for_function("() => !document.querySelector('#fb-status').innerText.includes('已记录')")

    with closing(sqlite3.connect(data / "logbook.sqlite3")) as db:
        rows = db.execute("SELECT channel, question, refused, blocked FROM answers ORDER BY ts").fetchall()
        fb = db.execute("SELECT rating, comment FROM feedback").fetchall()
    assert rows == [("chat", "今天天气怎么样", 1, 0), ("chat", "今天天气怎么样", 1, 0), ("chat", "赌博有补贴吗", 1, 1)]
    assert fb == [(-1, COMMENT)]

    page.get_by_role("tab", name="管理").click()
    page.locator("#gaps-run").click()
    page.get_by_text("管理口令不正确", exact=False).first.wait_for()
    assert "今天天气" not in page.locator("#gaps").inner_text()
    page.get_by_label("管理口令").fill(TOKEN)
    page.locator("#gaps-run").click()
    page.locator("#gaps-gaps").wait_for()
    gaps = page.locator("#gaps-gaps").inner_text()
    assert "今天天气怎么样" in gaps and "\t2\t" in gaps, gaps
    down = page.locator("#gaps-downvotes").inner_text()
    assert COMMENT in down, "the comment is shown as the text typed (<b> escaped)"
    assert page.locator("#gaps-downvotes b").count() == 0
    assert "赌博" not in gaps, "a blocked question is no knowledge gap"
    assert "000_4f56bf1c4842e0b1.txt" in page.locator("#gaps-uncited").inner_text(), "nothing was cited yet"
    link = page.locator('#gaps-csv a[download="policy-qa-gaps.csv"]')
    link.wait_for()
    csv = httpx.get(link.get_attribute("href") or "", timeout=30).content.decode("utf-8-sig")
    assert csv.startswith("问题,次数,最后提问,同组问法") and "今天天气怎么样,2," in csv
    page.get_by_role("tab", name="问答").click()
