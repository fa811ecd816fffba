"""The embeddable chat (rag.widget): ``/embed`` and ``/widget.js``.

Fast: the Content-Security-Policy of /embed from RAG_EMBED_ORIGINS (through ``create_app``, the real hook),
bad origins refused, the page running only its own inline code (hashes), no external resources, no HTML
insertion, the scripts parse (node, when installed).

Browser (Debian's chromium via Playwright): the real app (real model, real Chroma, the seed corpus) with
RAG_EMBED_ORIGINS naming a second local HTTP server whose page carries the one-line snippet. In that page the
button opens the chat, a question asked inside the iframe gets its cited answer — on a desktop and on a
375×667 phone viewport; a page served from a third port, not allowed, cannot frame the chat.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import ROOT, SEED
from .test_api import start_app
from .test_matching import RENT
from .test_ui import ARGS, CHROMIUM, XSS_DOC


def browser_test(f: Any) -> Any:
    return pytest.mark.browser(pytest.mark.slow(f))


# fast ----------------------------------------------------------------------------------------------------

def _client(tmp_path: Path, origins: str) -> TestClient:
    from rag.api import create_app
    from rag.pipeline import build
    from rag.settings import Settings

    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus", embed_origins=origins)
    return TestClient(create_app(build(settings)))  # nothing heavy opens: the store and model load on first use


def _csp(r: Any) -> dict[str, str]:
    return {d.split(" ", 1)[0]: d.strip() for d in (x.strip() for x in r.headers["content-security-policy"].split(";"))}


def test_parse_origins() -> None:
    from rag.errors import ConfigError
    from rag.widget import parse_origins

    assert parse_origins("") == [] and parse_origins("  ,\n ") == []
    assert parse_origins("https://www.Example.gov.cn/, http://127.0.0.1:8080 https://www.example.gov.cn") == [
        "https://www.example.gov.cn", "http://127.0.0.1:8080"]
    assert parse_origins("https://*.gov.cn http://[::1]:9000 http://localhost:*") == [
        "https://*.gov.cn", "http://[::1]:9000", "http://localhost:*"]
    assert parse_origins("*") == ["*"]
    for bad in ("www.example.gov.cn", "https://a.gov.cn/path", "javascript:alert(1)", "'none'", "'self'",
                "https://a.gov.cn;script-src", "ftp://a.gov.cn", "https://", "https://a..cn", "data:"):
        with pytest.raises(ConfigError) as e:
            parse_origins(f"https://ok.gov.cn {bad}")
        assert repr(bad) in str(e.value), (bad, str(e.value))


def test_embed_default_is_framed_by_its_own_origin_only(tmp_path: Path) -> None:
    r = _client(tmp_path, "").get("/embed")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert _csp(r)["frame-ancestors"] == "frame-ancestors 'self'"
    assert "x-frame-options" not in r.headers, "an X-Frame-Options header would contradict frame-ancestors"
    assert "研发" not in r.text and "<title>政策问答</title>" in r.text  # the page holds no corpus text


def test_embed_names_the_allowed_origins(tmp_path: Path) -> None:
    c = _client(tmp_path, "https://www.ordos.gov.cn, http://127.0.0.1:8081\nhttps://*.nmg.gov.cn")
    r = c.get("/embed")
    assert _csp(r)["frame-ancestors"] == (
        "frame-ancestors 'self' https://www.ordos.gov.cn http://127.0.0.1:8081 https://*.nmg.gov.cn")
    assert "x-frame-options" not in r.headers
    # only /embed says who may frame it; the rest of the app is not changed by this setting
    assert "content-security-policy" not in c.get("/widget.js").headers


def test_embed_star_means_any_site(tmp_path: Path) -> None:
    r = _client(tmp_path, "*").get("/embed")
    assert _csp(r)["frame-ancestors"] == "frame-ancestors *"


def test_a_bad_origin_stops_the_app_with_a_config_error(tmp_path: Path) -> None:
    from rag.errors import ConfigError

    with pytest.raises(ConfigError, match=r"RAG_EMBED_ORIGINS: 'https://portal\.gov\.cn/chat' is not an origin"):
        _client(tmp_path, "https://portal.gov.cn/chat")


@pytest.mark.slow
def test_app_py_exits_2_naming_a_bad_origin(tmp_path: Path) -> None:
    import os
    import sys

    (tmp_path / "corpus").mkdir()
    env = {**os.environ, "RAG_DATA_DIR": str(tmp_path / "data"), "RAG_CORPUS_DIR": str(tmp_path / "corpus"),
           "RAG_PORT": "1", "RAG_EMBED_ORIGINS": "https://ok.gov.cn portal.gov.cn"}
    r = subprocess.run([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=240)
    assert r.returncode == 2 and "RAG_EMBED_ORIGINS: 'portal.gov.cn' is not an origin" in r.stderr, r.stderr


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_embed_page_runs_only_its_own_inline_code(tmp_path: Path) -> None:
    r = _client(tmp_path, "").get("/embed")
    page, csp = r.text, _csp(r)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    styles = re.findall(r"<style>(.*?)</style>", page, re.S)
    assert len(scripts) == 1 and scripts[0][0] == "" and len(styles) == 1, "one inline script, one inline style"
    assert csp["default-src"] == "default-src 'none'" and csp["connect-src"] == "connect-src 'self'"
    assert csp["script-src"] == f"script-src {_sha(scripts[0][1])}", "the script runs by its hash, nothing else"
    assert csp["style-src"] == f"style-src {_sha(styles[0])}"
    assert not re.search(r"https?://|//[a-z]", page.replace("http://127.0.0.1", "")), "no external resource"
    assert not re.search(r"\son[a-z]+=", page), "no inline event handlers (the CSP would block them)"
    js = scripts[0][1]
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in js, sink
    assert 'fetch("api/ask"' in js, "posts to the same origin's /api/ask (relative: works under a path prefix)"
    assert 'maxlength="500"' in page  # RAG_MAX_QUESTION_CHARS


def test_widget_script(tmp_path: Path) -> None:
    r = _client(tmp_path, "").get("/widget.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    js = r.text
    assert "document.currentScript" in js and 'new URL(".", me.src)' in js, "finds the app from its own src"
    assert 'new URL("embed", base)' in js and "data-title" in js
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in js, sink
    assert not re.search(r"https?://", js), "no host is baked into the script"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed (used only to parse the scripts)")
def test_scripts_parse(tmp_path: Path) -> None:
    c = _client(tmp_path, "")
    js = re.findall(r"<script>(.*?)</script>", c.get("/embed").text, re.S)[0]
    for name, text in (("embed.js", js), ("widget.js", c.get("/widget.js").text)):
        f = tmp_path / name
        f.write_text(text, encoding="utf-8")
        r = subprocess.run(["node", "--check", str(f)], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, (name, r.stderr)


# browser -------------------------------------------------------------------------------------------------

HOST_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>示例市人民政府门户网站</title>
<style>
body{margin:0;font:15px/1.7 system-ui,"Noto Sans CJK SC",sans-serif;color:#222;background:#fff}
.top{background:#c62828;color:#fff;padding:18px 24px;font-size:22px;font-weight:bold}
nav{background:#a31f1f;padding:0 24px}
nav a{color:#fff;text-decoration:none;display:inline-block;padding:8px 12px;font-size:14px}
main{max-width:880px;padding:16px 24px}
li{margin:6px 0}
/* a site's own rules for buttons must not restyle the widget */
button{background:yellow;font-size:30px;border:5px solid green}
</style></head>
<body>
<div class="top">示例市人民政府</div>
<nav><a href="#">首页</a><a href="#">政务公开</a><a href="#">政策文件</a><a href="#">政务服务</a><a href="#">互动交流</a></nav>
<main><h2>政策文件</h2><ul>
<li>关于进一步优化营商环境的若干措施</li><li>关于支持科技型中小企业发展的实施意见</li>
<li>关于做好2025年高校毕业生就业创业工作的通知</li><li>关于印发《示例市促进消费若干措施》的通知</li>
</ul><p>（本页是 policy-qa 嵌入测试用的示例页面。）</p></main>
<script src="__APP__/widget.js" data-title="政策问答" async></script>
</body></html>
"""


class HostSite:
    """A tiny web site on its own 127.0.0.1 port (so its own origin) whose page carries the snippet."""

    def __init__(self) -> None:
        self.page = b""
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body, status = (site.page, 200) if self.path.split("?")[0] == "/" else (b"", 404)
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, HostSite, HostSite]]:
    """(app url, an allowed site, a site not allowed)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (make test installs it with apt-get when it can)")
    allowed, other = HostSite(), HostSite()
    tmp = tmp_path_factory.mktemp("widget")
    corpus = tmp / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    (corpus / "rent.txt").write_text(RENT, encoding="utf-8")  # valid to 2020-12-31: 已失效
    (corpus / "xss.txt").write_text(XSS_DOC, encoding="utf-8")
    proc, url = start_app(tmp, corpus, RAG_EMBED_ORIGINS=allowed.origin, RAG_AS_OF="2026-01-15")
    for s in (allowed, other):
        s.page = HOST_PAGE.replace("__APP__", url).encode()
    try:
        yield url, allowed, other
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        allowed.close()
        other.close()


@pytest.fixture(scope="module")
def chromium(sites: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _open(browser: Any, url: str, **context: Any) -> tuple[Any, list[str]]:
    ctx = browser.new_context(**(context or {"viewport": {"width": 1280, "height": 800}}))
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    messages: list[str] = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    page.goto(url)
    page.locator("#policy-qa-button").click()
    return page, messages


def _ask(frame: Any, question: str) -> Any:
    """Ask inside the chat; the answer's bubble once it is there."""
    n = frame.locator(".msg.bot").count()  # the greeting and the answers so far, none pending
    frame.locator("#q").fill(question)
    frame.locator("#send").click()
    done = frame.locator(".msg.bot:not(.pending)").nth(n)
    done.wait_for()
    return done


def _errors(messages: list[str]) -> list[str]:
    return [m for m in messages if m.startswith(("pageerror", "error")) and "favicon" not in m
            and "404" not in m]


@browser_test
def test_a_page_on_another_origin_embeds_the_chat_and_gets_a_cited_answer(sites: Any, chromium: Any) -> None:
    url, allowed, _other = sites
    page, messages = _open(chromium, allowed.origin + "/")
    button = page.locator("#policy-qa-button")
    assert button.inner_text() == "政策问答", "data-title names the button"
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(183, 28, 28)", "the site's CSS did not restyle it"
    page.locator("#policy-qa-panel").wait_for(state="visible")
    frame = page.frame_locator("#policy-qa-frame")
    answer = _ask(frame, "研发投入有哪些支持？")
    text = answer.inner_text()
    assert "500万元" in text and "[1]" in text and "一是" in text
    cite = answer.locator(".cite").first
    meta = cite.locator(".meta").inner_text()
    assert "鄂建提复字〔2025〕334号" in meta and "二、强化研发投入攻坚行动" in meta and "2025-09-03" in meta
    assert "鄂尔多斯市人民政府关于市政协五届四次会议第0261号提案的答复函" in cite.locator(".t").inner_text()
    passage = cite.locator(".passage")
    assert not passage.is_visible(), "the passage shows on a click"
    cite.locator("summary").click()
    assert passage.is_visible() and "最高500万元科研经费支持" in passage.inner_text()
    iframe = page.locator("#policy-qa-frame").element_handle().content_frame()
    assert iframe.url.startswith(url + "/embed?"), iframe.url
    iframe.evaluate("() => { const log = document.getElementById('log'); "
                    "log.scrollTop = [...log.querySelectorAll('.msg.user')].pop().offsetTop - 8; }")
    page.screenshot(path=str(ROOT / "docs" / "embed.png"))  # the README's: the question and its cited answer

    # a follow-up: the conversation's history went with it (the stand-alone question is shown)
    follow = _ask(frame, "最高多少钱？")
    assert "检索问题：" in follow.inner_text() and "最高500万元" in follow.inner_text()
    # 👎 with a comment under that answer: the real POST /api/feedback accepts it (an unknown id would be 404)
    follow.locator(".fb-down").click()
    follow.locator(".fb-comment").fill("想看<b>申报条件</b>")
    follow.locator(".fb-send").click()
    follow.locator(".fb-done").get_by_text("谢谢反馈", exact=False).wait_for()

    # close and open again: the conversation is still there
    page.locator("#policy-qa-close").click()
    page.locator("#policy-qa-panel").wait_for(state="hidden")
    button.click()
    assert "最高多少钱？" in frame.locator("#log").inner_text()
    assert _errors(messages) == [], messages
    page.context.close()


@browser_test
def test_expired_documents_are_marked_and_measure_tables_are_tables(sites: Any, chromium: Any) -> None:
    _url, allowed, _other = sites
    page, messages = _open(chromium, allowed.origin + "/")
    frame = page.frame_locator("#policy-qa-frame")
    answer = _ask(frame, "东城区对中小微企业房租减免有什么政策？")
    rent = answer.locator(".cite", has_text="东政发〔2020〕2号").first
    assert rent.locator(".status.bad").inner_text() == "已失效，有效期至2020-12-31"
    heads = answer.locator("table th").all_inner_texts()
    assert heads[:6] == ["地区", "措施", "金额", "对象", "有效期", "出处"], heads
    assert "| 地区 |" not in answer.inner_text(), "the table's Markdown is not shown as such"
    assert _errors(messages) == [], messages
    page.context.close()


@browser_test
def test_markup_in_documents_and_questions_is_text(sites: Any, chromium: Any) -> None:
    _url, allowed, _other = sites
    page, _messages = _open(chromium, allowed.origin + "/")
    frame = page.frame_locator("#policy-qa-frame")
    answer = _ask(frame, "跨站脚本防护演练补贴多少钱？")
    assert "<script>window.__xss=1</script>" in answer.inner_text(), "the payload is shown as text"
    cite = answer.locator(".cite", has_text="跨站脚本").first
    assert '关于<img src=x onerror="window.__xss=4">跨站脚本' in cite.locator(".t").inner_text()
    cite.locator("summary").click()
    question = '<img src=x onerror="window.__xss=3">研发投入有哪些支持？'
    _ask(frame, question)
    assert question in frame.locator(".msg.user").last.inner_text()
    assert frame.locator("#log img, #log script").count() == 0
    chat = page.locator("#policy-qa-frame").element_handle().content_frame()
    assert chat.evaluate("typeof window.__xss") == "undefined" and page.evaluate("typeof window.__xss") == "undefined"
    page.context.close()


@browser_test
def test_phone_viewport(sites: Any, chromium: Any) -> None:
    _url, allowed, _other = sites
    page, messages = _open(chromium, allowed.origin + "/", viewport={"width": 375, "height": 667}, is_mobile=True,
                           has_touch=True, device_scale_factor=2)
    panel = page.locator("#policy-qa-panel")
    panel.wait_for(state="visible")
    assert panel.bounding_box() == {"x": 0, "y": 0, "width": 375, "height": 667}, "full screen on a phone"
    assert not page.locator("#policy-qa-button").is_visible(), "the button is under the panel"
    frame = page.frame_locator("#policy-qa-frame")
    answer = _ask(frame, "研发投入有哪些支持？")
    assert "500万元" in answer.inner_text() and "鄂建提复字〔2025〕334号" in answer.locator(".cite .meta").first.inner_text()
    answer.locator(".cite summary").first.click()
    chat = page.locator("#policy-qa-frame").element_handle().content_frame()
    width, inner, height = chat.evaluate("[document.documentElement.scrollWidth, innerWidth, innerHeight]")
    assert (inner, height) == (375, 667) and width <= inner, "nothing wider than the phone"
    for sel in ("#q", "#send", "#new"):
        box = frame.locator(sel).bounding_box()
        assert box and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= 375 and box["y"] + box["height"] <= 667, (sel, box)
    close = page.locator("#policy-qa-close").bounding_box()
    assert close and close["x"] + close["width"] <= 375 and close["y"] >= 0
    page.screenshot(path=str(ROOT / "docs" / "embed-phone.png"))
    page.locator("#policy-qa-close").click()
    panel.wait_for(state="hidden")
    assert page.locator("#policy-qa-button").is_visible()
    assert _errors(messages) == [], messages
    page.context.close()


@browser_test
def test_a_site_not_allowed_cannot_frame_the_chat(sites: Any, chromium: Any) -> None:
    url, allowed, other = sites
    page, messages = _open(chromium, other.origin + "/")
    assert page.locator("#policy-qa-button").is_visible(), "the script itself loads anywhere"
    iframe = page.locator("#policy-qa-frame").element_handle().content_frame()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any("frame-ancestors" in m for m in messages):
        page.wait_for_timeout(200)
    blocked = [m for m in messages if "frame-ancestors" in m]
    assert blocked and f"frame-ancestors 'self' {allowed.origin}" in blocked[0], messages
    assert not iframe.url.startswith(url), f"the chat loaded in a frame it may not: {iframe.url}"
    assert iframe.locator("#q").count() == 0 and iframe.locator("#log").count() == 0
    # the page's own close button still works (the chat's would be gone with it)
    page.locator("#policy-qa-close").click()
    page.locator("#policy-qa-panel").wait_for(state="hidden")
    page.context.close()
