#include "actors/http/console_page.hpp"

namespace p2p {

namespace {

// The page as served. Metric names are matched by prefix, summing their
// labelled series, and missing ones show as a dash: the names may change.
constexpr std::string_view page = R"page(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>p2psync node</title>
<style>
body{font:14px system-ui,sans-serif;margin:1rem 2rem;color:#222;background:#fafafa}
h1{font-size:1.3rem;margin:.2rem 0}h2{font-size:1.05rem;margin:1.2rem 0 .4rem}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;margin:.6rem 0}
code,pre,textarea,input{font:13px ui-monospace,monospace}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:.2rem .4rem;text-align:left}
.up{color:#070}.down{color:#a00}.muted{color:#777}
.metrics{display:flex;gap:1rem;flex-wrap:wrap}.metrics div{min-width:8rem}
.metrics b{display:block;font-size:1.2rem}
#stream-log{max-height:18rem;overflow:auto;padding-left:1.2rem}
textarea{width:100%;height:5rem}input[type=text]{width:20rem}
</style></head><body>
<h1>p2psync node <code id="node-id">…</code></h1>
<div class="muted">version <span id="node-version">…</span>
 <span id="node-revision"></span> · health <span id="health-status">…</span>
 · ready <span id="ready-status">…</span></div>
<section><label>Bearer token (only if the node has one)
 <input id="token" type="password" autocomplete="off"></label>
 <span id="token-status" class="muted"></span></section>
<section><h2>Metrics</h2><div class="metrics">
 <div>entries<b id="metric-entries">–</b></div>
 <div>local writes<b id="metric-writes">–</b></div>
 <div>links up<b id="metric-links">–</b></div>
 <div>updates received<b id="metric-received">–</b></div>
 <div>HTTP requests<b id="metric-requests">–</b></div>
 <div>SSE clients<b id="metric-sse">–</b></div></div></section>
<section><h2>Links <span id="links-updated" class="muted"></span></h2>
<table><thead><tr><th>direction</th><th>url / address</th><th>state</th>
<th>remote id</th><th>sent</th><th>received</th><th>last error</th></tr></thead>
<tbody id="links-body"><tr><td colspan="7" class="muted">none</td></tr></tbody></table></section>
<section><h2>Read and write</h2>
 <label>path <input id="op-path" type="text" placeholder="users/alice"></label>
 <button id="op-get">GET</button> <button id="op-put">PUT</button>
 <button id="op-delete">DELETE</button> <span id="op-status" class="muted"></span>
 <p><label>value (JSON)<textarea id="op-value">{"name":"Alice"}</textarea></label></p>
 <pre id="op-result"></pre></section>
<section><h2>Live changes</h2>
 <label>prefix <input id="stream-prefix" type="text" placeholder="(everything)"></label>
 <button id="stream-start">watch</button> <button id="stream-stop">stop</button>
 <span id="stream-status" class="muted">stopped</span>
 <ol id="stream-log" reversed></ol></section>
<script>
"use strict";
const $ = id => document.getElementById(id);
const tokenInput = $("token");
tokenInput.value = sessionStorage.getItem("p2p-token") || "";
tokenInput.addEventListener("input", () => sessionStorage.setItem("p2p-token", tokenInput.value));
function headers(extra) {
  const h = Object.assign({}, extra || {});
  if (tokenInput.value) h["Authorization"] = "Bearer " + tokenInput.value.trim();
  return h;
}
async function call(method, target, body) {
  const init = {method, headers: headers(body === undefined ? {} : {"Content-Type": "application/json"})};
  if (body !== undefined) init.body = body;
  const res = await fetch(target, init);
  $("token-status").textContent = res.status === 401 ? "the node wants a token (401)" : "";
  return res;
}
const encodePath = p => p.split("/").map(encodeURIComponent).join("/");
const show = (id, text) => { $(id).textContent = text; };

async function refreshHealth() {
  try {
    const h = await (await call("GET", "/health")).json();
    show("node-id", h.id || "?"); show("node-version", h.version || "?");
    show("node-revision", h.revision ? "(" + h.revision + ")" : "");
    show("health-status", h.ok ? "ok" : "not ok");
  } catch (e) { show("health-status", "unreachable"); }
  try {
    const res = await call("GET", "/ready");
    const r = await res.json();
    show("ready-status", r.ready ? "yes" : "no: " + (r.reason || res.status));
  } catch (e) { show("ready-status", "?"); }
}

// Prometheus text: the sum of every series whose name is one of `names`,
// alone or with _total; null when none is there.
function metric(text, names) {
  let sum = null;
  for (const line of text.split("\n")) {
    if (!line || line[0] === "#") continue;
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const ok = names.some(n => m[1] === n || m[1] === n + "_total");
    const v = Number(m[3]);
    if (ok && !Number.isNaN(v)) sum = (sum || 0) + v;
  }
  return sum;
}
const fmt = v => v === null ? "–" : String(Math.round(v * 100) / 100);
async function refreshMetrics() {
  try {
    const res = await call("GET", "/metrics");
    if (!res.ok) return;
    const t = await res.text();
    show("metric-entries", fmt(metric(t, ["p2p_store_entries", "p2p_entries"])));
    show("metric-writes", fmt(metric(t, ["p2p_writes", "p2p_local_writes"])));
    show("metric-received", fmt(metric(t, ["p2p_updates_received"])));
    show("metric-requests", fmt(metric(t, ["p2p_http_requests"])));
    show("metric-sse", fmt(metric(t, ["p2p_sse_clients", "p2p_sse_streams"])));
  } catch (e) {}
}

function cell(row, text, cls) {
  const td = row.insertCell(); td.textContent = text == null ? "" : String(text);
  if (cls) td.className = cls;
}
async function refreshLinks() {
  try {
    const res = await call("GET", "/peers");
    if (!res.ok) return;
    const links = await res.json(), body = $("links-body");
    body.textContent = "";
    for (const l of links) {
      const row = body.insertRow();
      row.dataset.remoteId = l.remote_id || "";
      cell(row, l.direction); cell(row, l.url || l.address);
      cell(row, l.state, l.state === "up" ? "up" : "down"); cell(row, l.remote_id);
      cell(row, l.updates_sent); cell(row, l.updates_received); cell(row, l.last_error);
    }
    if (!links.length) cell(body.insertRow(), "none", "muted");
    show("metric-links", String(links.filter(l => l.state === "up").length));
    show("links-updated", "at " + new Date().toLocaleTimeString());
  } catch (e) {}
}

async function operate(method) {
  const path = $("op-path").value.trim().replace(/^\/+/, ""); // "/a/b" is a/b
  if (!path) return show("op-status", "give a path");
  let body;
  if (method === "PUT") {
    body = $("op-value").value;
    try { JSON.parse(body); } catch (e) { return show("op-status", "the value is not JSON: " + e.message); }
  }
  show("op-status", method + " …");
  try {
    const res = await call(method, "/api/" + encodePath(path), body);
    const text = await res.text();
    show("op-status", method + " " + res.status);
    let out = text;
    try { out = JSON.stringify(JSON.parse(text), null, 2); } catch (e) {}
    show("op-result", out);
  } catch (e) { show("op-status", method + " failed: " + e.message); }
}
$("op-get").addEventListener("click", () => operate("GET"));
$("op-put").addEventListener("click", () => operate("PUT"));
$("op-delete").addEventListener("click", () => operate("DELETE"));

// EventSource cannot send a header: with a token, the stream is read with
// fetch and parsed here instead.
let stream = null;
function addChange(data) {
  let d; try { d = JSON.parse(data); } catch (e) { return; }
  const li = document.createElement("li");
  li.dataset.path = d.path;
  li.textContent = d.path + " = " + JSON.stringify(d.value) + "  (" + new Date(d.timestamp).toLocaleTimeString() + ")";
  const log = $("stream-log");
  log.insertBefore(li, log.firstChild);
  while (log.children.length > 200) log.removeChild(log.lastChild);
}
function stopStream() {
  if (stream) stream.close();
  stream = null; show("stream-status", "stopped");
}
function startStream() {
  stopStream();
  const url = "/events/" + encodePath($("stream-prefix").value.trim());
  if (!tokenInput.value) {
    const es = new EventSource(url);
    es.onopen = () => show("stream-status", "live");
    es.onerror = () => show("stream-status", "reconnecting");
    es.onmessage = e => addChange(e.data);
    stream = es;
    return;
  }
  const ctl = new AbortController();
  stream = {close: () => ctl.abort()};
  (async () => {
    try {
      const res = await fetch(url, {headers: headers(), signal: ctl.signal});
      if (!res.ok) return show("stream-status", "refused: " + res.status);
      show("stream-status", "live");
      const reader = res.body.getReader(), dec = new TextDecoder();
      let buf = "";
      for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        buf += dec.decode(value, {stream: true});
        let end;
        while ((end = buf.indexOf("\n\n")) >= 0) {
          const ev = buf.slice(0, end); buf = buf.slice(end + 2);
          const data = ev.split("\n").filter(l => l.startsWith("data:")).map(l => l.slice(5).trimStart());
          if (data.length) addChange(data.join("\n"));
        }
      }
      show("stream-status", "ended");
    } catch (e) { if (!ctl.signal.aborted) show("stream-status", "ended: " + e.message); }
  })();
}
$("stream-start").addEventListener("click", startStream);
$("stream-stop").addEventListener("click", stopStream);

function refreshAll() { refreshHealth(); refreshMetrics(); refreshLinks(); }
refreshAll();
setInterval(refreshAll, 2000);
</script></body></html>
)page";

} // namespace

std::string_view console_page() {
  return page;
}

} // namespace p2p
