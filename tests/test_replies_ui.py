"""The 答复档案 tab in a real headless Chromium (Debian's chromium driven by Playwright) over the seed and three
State Council reply letters: the register filters by proposer, a row opens the letter, the CSV downloads;
and the chat answers 王超斌委员提过哪些提案？ with his letter."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .conftest import ROOT
from .test_api import seed_app
from .test_ui import CHROMIUM, open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (make test installs it with apt-get when it can)")
    if not (ROOT.parent / "shared" / "corpus" / "state-council" / "sc_26.txt").exists():
        pytest.skip("../shared/corpus/state-council is not present (laid beside the checkout in CI)")
    yield from seed_app(tmp_path_factory, "replies-ui", state_council=True)


@pytest.fixture(scope="module")
def page(url: str) -> Iterator[Any]:
    with open_page(url) as pg:
        yield pg


def test_register_tab_filters_by_proposer_and_opens_a_letter(page: Any) -> None:
    page.get_by_role("tab", name="答复档案").click()
    table = page.locator("#r-table")
    table.locator("span:visible", has_text="国办函〔2006〕82号").first.wait_for()
    text = table.inner_text()
    assert "鄂建提复字〔2025〕334号" in text and "国办函〔2005〕69号" in text  # all four letters at first
    page.locator("#r-proposer textarea, #r-proposer input").first.fill("王超斌")
    page.locator("#r-run").click()
    page.locator("#r-note").get_by_text("共 1 件答复").wait_for()
    text = table.inner_text()
    assert "国办函〔2006〕82号" in text and "4626" in text and "王超斌" in text
    assert "鄂建提复字〔2025〕334号" not in text and "石英" not in text
    page.screenshot(path=str(ROOT / "docs" / "replies.png"), full_page=True)
    table.locator("span:visible", has_text="国办函〔2006〕82号").first.click()  # the cell, not its hidden copy
    letter = page.locator("#r-letter")
    letter.get_by_text("总理热线电话", exact=False).first.wait_for()
    assert "王超斌委员" in letter.inner_text() and "国务院办公厅" in letter.inner_text()
    link = page.locator('#r-csv a[download="policy-qa-replies.csv"]')
    link.wait_for()
    csv = httpx.get(link.get_attribute("href") or "", timeout=30).content.decode("utf-8-sig")
    assert csv.startswith("日期,文号,标题") and "王超斌" in csv and "白夜明" not in csv


def test_register_tab_filters_by_kind(page: Any) -> None:
    page.get_by_role("tab", name="答复档案").click()
    page.locator("#r-proposer textarea, #r-proposer input").first.fill("")
    page.locator("#r-run").click()
    page.locator("#r-note").get_by_text("共 4 件答复").wait_for()  # the previous test's filter is gone
    page.locator("#r-kind input").first.click()
    page.get_by_role("option", name="建议").click()
    page.locator("#r-note").get_by_text("共 1 件答复").wait_for()
    page.wait_for_function("() => !document.querySelector('#r-table').innerText.includes('王超斌')")
    assert "石英" in page.locator("#r-table").inner_text()


def test_chat_lists_the_letters_of_a_member(page: Any) -> None:
    page.get_by_role("tab", name="问答").click()
    page.locator("#question textarea").fill("王超斌委员提过哪些提案？")
    page.locator("#send").click()
    page.locator("#sources").get_by_text("国办函〔2006〕82号", exact=False).first.wait_for()
    chat = page.locator("#chat").inner_text()
    assert "王超斌委员提出的提案、建议共 1 件" in chat and "[1]" in chat
