"""The embeddable chat, for putting policy-qa on another site (a city portal):

- ``GET /embed``: a compact chat page that fits a phone — plain HTML and a little vanilla JavaScript, no
  external resources, no build step. It posts to ``POST /api/ask`` (same origin) with the conversation's
  history and shows each answer with its citations (title, 文号, section, date, validity; the passage on a
  tap). Everything that comes from a document or a user is inserted as text (``textContent``), never as HTML.
- ``GET /widget.js``: ``<script src="https://host/widget.js" async></script>`` on any page adds a floating
  button (bottom right) that opens ``/embed`` in an iframe panel. The script finds the app from its own
  ``src``; ``data-title="…"`` on the tag names the button and the panel.

Who may frame ``/embed`` is ``RAG_EMBED_ORIGINS``, sent as ``Content-Security-Policy: frame-ancestors``
(empty = the app's own origin only; ``*`` = any site). The page's own scripts and styles are allowed by
hash, nothing else may run in it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re

from fastapi import FastAPI
from fastapi.responses import Response

from .errors import ConfigError
from .settings import Settings
from .validity import STATUS_LABEL

# scheme://host[:port], host may start with a "*." wildcard label (CSP host-source syntax), port may be "*".
# No path, query, quotes, semicolons or spaces: a value must not be able to add a directive to the header.
_ORIGIN = re.compile(
    r"^https?://(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])"
    r"(?::(?:\d{1,5}|\*))?$"
)


def parse_origins(value: str) -> list[str]:
    """``RAG_EMBED_ORIGINS`` → its origins, in order, without duplicates. Space- or comma-separated;
    ``*`` means any site. A value that is not an origin (a path, a quote, no scheme) is a ``ConfigError``
    naming it."""
    out: list[str] = []
    for raw in re.split(r"[\s,]+", value.strip()):
        if not raw:
            continue
        o = raw.lower()
        if o != "*":
            o = o.rstrip("/")
            if not _ORIGIN.match(o):
                raise ConfigError(
                    f"RAG_EMBED_ORIGINS: {raw!r} is not an origin like https://www.example.gov.cn or "
                    "http://127.0.0.1:8080 (scheme and host, an optional port, no path), nor *"
                )
        if o not in out:
            out.append(o)
    return out


def frame_ancestors(origins: list[str]) -> str:
    """The ``frame-ancestors`` directive: the app's own origin and the ones allowed, or any with ``*``."""
    if "*" in origins:
        return "frame-ancestors *"
    return " ".join(["frame-ancestors", "'self'", *origins])


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


EMBED_CSS = """
*{box-sizing:border-box}
html,body{margin:0;height:100%}
body{display:flex;flex-direction:column;height:100vh;height:100dvh;background:#f4f5f7;color:#1f2328;
 font:15px/1.6 system-ui,-apple-system,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif}
header{display:flex;align-items:center;gap:8px;padding:8px 12px;background:#b71c1c;color:#fff;flex:none}
header h1{flex:1;margin:0;font-size:16px;font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
body.in-widget header{padding-right:52px}
header button{flex:none;font:inherit;font-size:13px;color:#fff;background:transparent;border:1px solid rgba(255,255,255,.6);
 border-radius:14px;padding:2px 10px;cursor:pointer}
#log{position:relative;flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:10px;-webkit-overflow-scrolling:touch}
.msg{max-width:92%;padding:8px 11px;border-radius:10px;overflow-wrap:anywhere;word-break:break-word}
.msg .text{white-space:pre-wrap}
.msg.user{align-self:flex-end;background:#b71c1c;color:#fff}
.msg.bot{align-self:flex-start;background:#fff;border:1px solid #e1e4e8;max-width:100%}
.msg.pending .text{color:#777}
.msg.refused .text{color:#555}
.msg.error{background:#fff5f5;border-color:#f1b0b7;color:#8a1c1c}
.table{overflow-x:auto;margin:4px 0 8px;white-space:normal}
table{border-collapse:collapse;font-size:12px;line-height:1.5;min-width:100%}
th,td{border:1px solid #e1e4e8;padding:3px 5px;text-align:left;vertical-align:top;min-width:4.5em}
th{background:#f6f7f9;white-space:nowrap}
.hint{font-size:12px;color:#666;margin:4px 0 0}
.searched{font-size:12px;color:#666;margin:0 0 4px}
.warn{font-size:12px;color:#8a5a00;margin:4px 0 0}
.feedback{margin:6px 0 0;font-size:12px;color:#555;display:flex;gap:6px;flex-wrap:wrap;align-items:center}
.feedback button{font-size:12px;padding:2px 8px;border:1px solid #ccc;border-radius:12px;background:#fff;cursor:pointer}
.feedback input{flex:1;min-width:120px;font-size:12px;padding:2px 6px}
.sources-label{font-size:12px;color:#666;margin:8px 0 0;padding-top:6px;border-top:1px solid #eee}
.cites,.related{list-style:none;margin:2px 0 0;padding:0}
.cite{border-top:1px dashed #eee}
.cite:first-child{border-top:0}
.cite summary{cursor:pointer;padding:5px 0;font-size:14px}
.cite .n{color:#b71c1c;font-weight:600;margin-right:4px}
.cite .t{font-weight:600}
.cite .meta,.related .meta{display:block;font-size:12px;color:#555;padding-left:1.2em}
.status{display:inline-block;font-size:12px;line-height:1.5;padding:0 6px;border-radius:8px;margin-left:4px}
.status.bad{background:#fdecea;color:#b00020;font-weight:600}
.status.ok{background:#e8f5e9;color:#0a7a2f}
.passage{white-space:pre-wrap;font-size:13px;line-height:1.7;background:#fafafa;border-left:3px solid #d0d4d9;
 padding:6px 8px;margin:0 0 6px}
.related li{font-size:13px;padding:3px 0}
form{display:flex;align-items:flex-end;gap:8px;flex:none;padding:8px 10px;padding-bottom:calc(8px + env(safe-area-inset-bottom));
 background:#fff;border-top:1px solid #e1e4e8}
textarea{flex:1;min-width:0;resize:none;font:inherit;font-size:16px;line-height:1.4;padding:8px 10px;border:1px solid #c8ccd1;
 border-radius:8px;min-height:40px;max-height:120px}
textarea:focus{outline:2px solid #e57373;border-color:#e57373}
#send{flex:none;font:inherit;font-size:15px;color:#fff;background:#b71c1c;border:0;border-radius:8px;padding:0 16px;height:40px;
 cursor:pointer}
#send:disabled{background:#d9a0a0;cursor:default}
"""

# One function renders an answer (renderAnswer): anything added under answers later (feedback buttons) goes
# there. __LABELS__ and __MAX_CHARS__ are filled in below.
EMBED_JS = r"""
(function () {
  "use strict";
  var LABELS = __LABELS__;
  var MAX_CHARS = __MAX_CHARS__;
  var MAX_TURNS = 20, MAX_TURN_CHARS = 4000;  // what /api/ask accepts as history
  var log = document.getElementById("log");
  var form = document.getElementById("ask");
  var box = document.getElementById("q");
  var send = document.getElementById("send");
  var history = [];
  var busy = false;

  var params = new URLSearchParams(location.search);
  var title = params.get("title");
  if (params.get("widget") === "1") document.body.classList.add("in-widget");  // room for the widget's close button
  if (title) {
    document.getElementById("title").textContent = title.slice(0, 40);
    document.title = title.slice(0, 40);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }
  function scrollTo(node) { log.scrollTop = Math.max(0, node.offsetTop - 8); }

  function bubble(cls, text) {
    var b = el("div", "msg " + cls);
    b.appendChild(el("div", "text", text));
    log.appendChild(b);
    scrollDown();
    return b;
  }

  function statusBadge(c) {
    if (c.status === "expired" || c.status === "repealed") {
      return el("span", "status bad", LABELS[c.status] + (c.valid_to ? "，有效期至" + c.valid_to : ""));
    }
    if (c.status === "current") return el("span", "status ok", LABELS.current);
    return null;
  }

  function citation(c) {
    var li = el("li", "cite");
    var d = el("details");
    var s = el("summary");
    s.appendChild(el("span", "n", "[" + c.n + "]"));
    s.appendChild(el("span", "t", c.title || c.source || ""));
    var badge = statusBadge(c);
    if (badge) s.appendChild(badge);
    var meta = [c.doc_number, c.section, c.date].filter(function (x) { return x; }).join(" · ");
    if (meta) s.appendChild(el("span", "meta", meta));
    d.appendChild(s);
    d.appendChild(el("div", "passage", c.text || ""));
    li.appendChild(d);
    return li;
  }

  // The answer text; a Markdown table in it (the measure tables: 地区 | 措施 | 金额 …) as a table, cell by cell
  // as text. Anything else stays the text it is.
  var ROW = /^\|.*\|$/, RULE = /^\|[\s:|-]+\|$/;
  function cells(line) { return line.slice(1, -1).split("|").map(function (x) { return x.trim(); }); }
  function answerBody(text) {
    var out = el("div", "text"), lines = text.split("\n"), buf = [];
    function flush() { if (buf.length) { out.appendChild(document.createTextNode(buf.join("\n").replace(/\n+$/, ""))); buf = []; } }
    for (var i = 0; i < lines.length; i++) {
      if (ROW.test(lines[i]) && i + 1 < lines.length && RULE.test(lines[i + 1])) {
        flush();
        var wrap = el("div", "table"), table = el("table"), tr = el("tr");
        cells(lines[i]).forEach(function (c) { tr.appendChild(el("th", null, c)); });
        table.appendChild(tr);
        for (i += 2; i < lines.length && ROW.test(lines[i]); i++) {
          tr = el("tr");
          cells(lines[i]).forEach(function (c) { tr.appendChild(el("td", null, c)); });
          table.appendChild(tr);
        }
        i--;
        wrap.appendChild(table);
        out.appendChild(wrap);
      } else {
        buf.push(lines[i]);
      }
    }
    flush();
    return out;
  }

  // An answer of /api/ask into its bubble: the text, the stand-alone question searched when it differs,
  // warnings, the citations (passage on a tap) or, beside a refusal, the related documents.
  function renderAnswer(node, data, asked) {
    node.textContent = "";
    node.className = "msg bot" + (data.refused ? " refused" : "");
    var sq = data.standalone_question || "";
    if (sq && sq.trim() !== asked.trim()) node.appendChild(el("p", "searched", "检索问题：" + sq));
    node.appendChild(answerBody(String(data.answer || "")));
    (data.warnings || []).forEach(function (w) { node.appendChild(el("p", "warn", "提示：" + w)); });
    var cites = data.citations || [];
    if (cites.length) {
      node.appendChild(el("p", "sources-label", "参考文件（点击查看原文）"));
      var ol = el("ol", "cites");
      cites.forEach(function (c) { ol.appendChild(citation(c)); });
      node.appendChild(ol);
    } else if ((data.related || []).length) {
      node.appendChild(el("p", "sources-label", "相关文件（未找到直接依据，仅供参考）"));
      var ul = el("ul", "related");
      data.related.forEach(function (r) {
        var li = el("li", null, r.title || r.source || "");
        var meta = [r.doc_number, r.date].filter(function (x) { return x; }).join(" · ");
        if (meta) li.appendChild(el("span", "meta", meta));
        ul.appendChild(li);
      });
      node.appendChild(ul);
    }
    if (data.answer_id) node.appendChild(feedbackBar(String(data.answer_id)));
    scrollTo(node.previousSibling || node);  // the question and the start of its answer in view
  }

  // 👍 / 👎 (with an optional comment) under an answer → POST api/feedback {answer_id, rating, comment}.
  function feedbackBar(answerId) {
    var bar = el("div", "feedback");
    bar.appendChild(el("span", null, "这个回答有帮助吗？"));
    var up = el("button", "fb-up", "👍 有用"), down = el("button", "fb-down", "👎 没用");
    up.type = down.type = "button";
    function send(rating, comment) {
      var body = { answer_id: answerId, rating: rating };
      if (comment) body.comment = comment.slice(0, 500);
      fetch("api/feedback", { method: "POST", headers: { "Content-Type": "application/json" },
                              body: JSON.stringify(body), credentials: "same-origin" })
        .then(function (r) {
          bar.textContent = "";
          bar.appendChild(el("span", "fb-done", r.ok ? "谢谢反馈！" : "反馈未能提交，请稍后再试。"));
        })
        .catch(function () { bar.textContent = ""; bar.appendChild(el("span", "fb-done", "网络错误，反馈未提交。")); });
    }
    up.addEventListener("click", function () { send("up"); });
    down.addEventListener("click", function () {
      bar.textContent = "";
      var input = el("input", "fb-comment");
      input.placeholder = "哪里不对？（可不填）";
      input.maxLength = 500;
      var ok = el("button", "fb-send", "提交");
      ok.type = "button";
      ok.addEventListener("click", function () { send("down", input.value.trim()); });
      bar.appendChild(input);
      bar.appendChild(ok);
      input.focus();
    });
    bar.appendChild(up);
    bar.appendChild(down);
    return bar;
  }

  function showError(node, message) {
    node.textContent = "";
    node.className = "msg bot error";
    node.appendChild(el("div", "text", message));
    scrollDown();
  }

  function errorMessage(status, data) {
    var detail = data && typeof data.detail === "string" ? data.detail : "";
    if (status === 429) return "提问太频繁，请一分钟后再试。";
    if (status === 503) return "系统繁忙或暂时不可用，请稍后再试。";
    if (status === 413) return "问题太长，请精简到 " + MAX_CHARS + " 字以内。";
    if (status >= 400 && status < 500) return "无法处理这个问题" + (detail ? "：" + detail : "。");
    return "服务出错，请稍后再试。";
  }

  function ask(question) {
    busy = true;
    send.disabled = true;
    bubble("user", question);
    var pending = bubble("bot pending", "正在查找相关文件…");
    var body = JSON.stringify({ question: question, history: history.slice(-MAX_TURNS) });
    fetch("api/ask", { method: "POST", headers: { "Content-Type": "application/json" }, body: body,
                       credentials: "same-origin" })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (d) { return { status: r.status, data: d }; });
      })
      .then(function (res) {
        if (res.status !== 200) { showError(pending, errorMessage(res.status, res.data)); return; }
        renderAnswer(pending, res.data, question);
        history.push({ role: "user", content: question.slice(0, MAX_TURN_CHARS) },
                     { role: "assistant", content: String(res.data.answer || "").slice(0, MAX_TURN_CHARS) });
      })
      .catch(function () { showError(pending, "网络错误，请检查连接后重试。"); })
      .then(function () { busy = false; send.disabled = false; });
  }

  function grow() {
    box.style.height = "auto";
    box.style.height = Math.min(box.scrollHeight + 2, 120) + "px";
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = box.value.trim();
    if (!q || busy) return;
    if (q.length > MAX_CHARS) { bubble("bot error", "问题太长，请精简到 " + MAX_CHARS + " 字以内。"); return; }
    box.value = "";
    grow();
    ask(q);
  });
  box.addEventListener("keydown", function (ev) {
    // Enter sends, Shift+Enter is a new line; an Enter that ends an input-method composition (拼音) does not send.
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      form.requestSubmit ? form.requestSubmit() : send.click();
    }
  });
  box.addEventListener("input", grow);
  document.getElementById("new").addEventListener("click", function () {
    history = [];
    while (log.children.length > 1) log.removeChild(log.lastChild);
    box.focus();
  });
})();
"""

EMBED_HTML = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="referrer" content="same-origin">
<title>政策问答</title>
<style>__CSS__</style>
</head>
<body>
<header><h1 id="title">政策问答</h1><button type="button" id="new" title="清空对话，重新开始">新对话</button></header>
<main id="log" aria-live="polite">
<div class="msg bot"><div class="text">您好！请输入关于政策文件的问题，例如某项扶持政策的内容、条件或金额。</div>
<p class="hint">回答只摘自已收录的政府文件，每句注明出处，仅供参考，以原文为准。</p></div>
</main>
<form id="ask" autocomplete="off">
<textarea id="q" rows="1" maxlength="__MAX_CHARS__" placeholder="输入问题（不超过 __MAX_CHARS__ 字）" aria-label="问题"
 enterkeyhint="send"></textarea>
<button type="submit" id="send">发送</button>
</form>
<script>__JS__</script>
</body>
</html>
"""

WIDGET_JS = r"""
(function () {
  "use strict";
  if (window.__policyQaWidget) return;
  // The app's base URL from this script's own src (works for async scripts; the fallback finds the tag).
  var me = document.currentScript;
  if (!me || !/widget\.js(\?|#|$)/.test(me.src || "")) {
    var tags = document.querySelectorAll("script[src*='widget.js']");
    me = tags[tags.length - 1];
  }
  if (!me || !me.src) return;
  window.__policyQaWidget = true;
  var base = new URL(".", me.src);
  var label = (me.getAttribute("data-title") || "政策问答").slice(0, 40);
  var embed = new URL("embed", base);
  embed.searchParams.set("title", label);
  embed.searchParams.set("widget", "1");
  var Z = "2147483000";
  var FONT = 'system-ui,-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif';

  function css(node, style) { for (var k in style) node.style[k] = style[k]; return node; }
  function make(tag, id, style) { var n = document.createElement(tag); if (id) n.id = id; return css(n, style || {}); }

  function start() {
    var button = make("button", "policy-qa-button", {
      position: "fixed", right: "20px", bottom: "20px", zIndex: Z, margin: "0", padding: "0 18px", height: "48px",
      border: "0", borderRadius: "24px", background: "#b71c1c", color: "#fff", font: "600 15px/48px " + FONT,
      boxShadow: "0 4px 14px rgba(0,0,0,.25)", cursor: "pointer", letterSpacing: "1px"
    });
    button.type = "button";
    button.textContent = label;
    button.setAttribute("aria-label", "打开" + label);
    button.setAttribute("aria-expanded", "false");

    var panel = make("div", "policy-qa-panel", {
      position: "fixed", zIndex: Z, display: "none", flexDirection: "column", background: "#fff", overflow: "hidden",
      boxShadow: "0 8px 30px rgba(0,0,0,.3)", boxSizing: "border-box"
    });
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", label);
    // The close button is the page's own (not the chat's): it works even when the chat cannot load.
    var close = make("button", "policy-qa-close", {
      position: "absolute", top: "5px", right: "6px", width: "32px", height: "32px", margin: "0", padding: "0",
      border: "0", borderRadius: "16px", background: "rgba(0,0,0,.28)", color: "#fff", font: "22px/32px " + FONT,
      textAlign: "center", cursor: "pointer", zIndex: "1"
    });
    close.type = "button";
    close.textContent = "×";
    close.setAttribute("aria-label", "关闭");
    close.title = "关闭";
    panel.appendChild(close);
    var frame = null;

    function place() {
      var phone = window.innerWidth <= 480;
      css(panel, phone
        ? { left: "0", top: "0", right: "0", bottom: "0", width: "100%", height: "100%", borderRadius: "0" }
        : { left: "auto", top: "auto", right: "20px", bottom: "80px", width: "380px",
            height: Math.max(320, Math.min(640, window.innerHeight - 100)) + "px", borderRadius: "12px" });
      button.style.display = phone && panel.style.display !== "none" ? "none" : "block";
    }
    function open() {
      if (!frame) {  // the chat loads on the first open, not with every page view
        frame = make("iframe", "policy-qa-frame", { flex: "1", width: "100%", border: "0", display: "block" });
        frame.title = label;
        frame.src = embed.href;
        panel.appendChild(frame);
      }
      panel.style.display = "flex";
      button.setAttribute("aria-expanded", "true");
      place();
    }
    function hide() {
      panel.style.display = "none";
      button.setAttribute("aria-expanded", "false");
      place();
      button.focus();
    }
    button.addEventListener("click", function () { panel.style.display === "none" ? open() : hide(); });
    close.addEventListener("click", hide);
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && panel.style.display !== "none") hide();
    });
    window.addEventListener("resize", place);
    document.body.appendChild(panel);
    document.body.appendChild(button);
    place();
  }

  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
"""


def embed_page(settings: Settings) -> tuple[str, str]:
    """The /embed page and its Content-Security-Policy (inline script and style allowed by hash only)."""
    labels = json.dumps(STATUS_LABEL, ensure_ascii=False).replace("<", "\\u003c")
    script = EMBED_JS.replace("__LABELS__", labels).replace("__MAX_CHARS__", str(settings.max_question_chars))
    page = (
        EMBED_HTML.replace("__CSS__", EMBED_CSS)
        .replace("__MAX_CHARS__", html.escape(str(settings.max_question_chars)))
        .replace("__JS__", script)
    )
    csp = "; ".join([
        "default-src 'none'", f"script-src {_sha256(script)}", f"style-src {_sha256(EMBED_CSS)}",
        "connect-src 'self'", "img-src 'self' data:", "base-uri 'none'", "form-action 'none'",
        frame_ancestors(parse_origins(settings.embed_origins)),
    ])
    return page, csp


def mount_widget(app: FastAPI, settings: Settings) -> None:
    """Add ``GET /embed`` and ``GET /widget.js`` to the app. ``ConfigError`` when RAG_EMBED_ORIGINS is bad."""
    page, csp = embed_page(settings)
    embed_headers = {
        "Content-Security-Policy": csp, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    # Any site may load the script (that is its point); whether the chat shows in its frame is /embed's CSP.
    script_headers = {
        "Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Resource-Policy": "cross-origin",
    }

    @app.get("/embed", include_in_schema=False)
    async def embed() -> Response:
        return Response(page, media_type="text/html; charset=utf-8", headers=embed_headers)

    @app.get("/widget.js", include_in_schema=False)
    async def widget() -> Response:
        return Response(WIDGET_JS, media_type="text/javascript; charset=utf-8", headers=script_headers)


__all__ = ["embed_page", "frame_ancestors", "mount_widget", "parse_origins"]
