"use strict";
// The logpipe console's page: plain JS over the JSON API under /api/ (see the README). No library, no build.

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
let csrfToken = null;

function el(tag, attrs, ...children) {
  const e = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.setAttribute("class", v);
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined) e.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

async function api(path, options) {
  const r = await fetch(path, options);
  if (r.status === 401) { location.href = "/login.html"; throw new Error("log in first"); }
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

function post(path, body) {
  return api(path, {method: "POST", headers: {"Content-Type": "application/json", "X-CSRF-Token": csrfToken},
                    body: JSON.stringify(body)});
}

function showProblem(message) {
  const p = $("problem");
  p.textContent = message || "";
  p.hidden = !message;
}

const fmt = {
  num: (n) => n === null || n === undefined ? "—" : Number(n).toLocaleString("en-US"),
  rate: (n) => n === null || n === undefined ? "—" : (n >= 100 ? Math.round(n) : Number(n).toFixed(1)).toLocaleString("en-US"),
  bytes: (n) => { if (n === null || n === undefined) return "—"; const u = ["B", "KB", "MB", "GB", "TB"]; let i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; } return (i ? n.toFixed(1) : n) + " " + u[i]; },
  time: (iso) => iso ? iso.replace("T", " ").replace("Z", "") : "",
  ms: (ms) => { if (ms === null || ms === undefined || ms === "") return "—"; ms = Number(ms); if (ms < 0) return "forever";
    const h = ms / 3600000; return h >= 48 ? (h / 24).toFixed(0) + " d" : h >= 1 ? h.toFixed(0) + " h" : (ms / 60000).toFixed(0) + " min"; }
};

// ---------- pages ----------
const pages = {search: initSearch, pipeline: loadPipeline, queue: loadQueue, indices: loadIndices, "dead-letters": loadDeadLetters};
let refreshTimer = null;

function show() {
  const page = (location.hash || "#search").slice(1);
  for (const s of document.querySelectorAll(".page")) s.hidden = s.id !== "page-" + page;
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.page === page);
  clearInterval(refreshTimer);
  showProblem(null);
  const load = pages[page] || initSearch;
  const run = () => Promise.resolve(load()).catch((e) => showProblem(e.message));
  run();
  if (page === "pipeline") refreshTimer = setInterval(run, 5000);
}

// ---------- search ----------
let searchReady = false;
let lastSearch = null;

async function initSearch() {
  if (searchReady) return;
  searchReady = true;
  const patterns = await api("/api/index-patterns");
  for (const p of patterns.patterns) $("index").append(el("option", {value: p}, p));
  $("index").value = patterns.default;
  $("search-form").addEventListener("submit", (e) => { e.preventDefault(); runSearch(); });
  $("quick").addEventListener("change", () => {
    $("absolute").hidden = $("quick").value !== "absolute";
    if ($("quick").value === "absolute" && lastSearch) { setAbsolute(lastSearch.from, lastSearch.to); }
    else runSearch();
  });
  $("index").addEventListener("change", runSearch);
  $("tail-button").addEventListener("click", toggleTail);
  $("pause-button").addEventListener("click", togglePause);
  brush($("histogram"));
  await runSearch();
}

function range() {
  if ($("quick").value === "absolute") {
    return {from: new Date($("from").value + "Z").toISOString(), to: new Date($("to").value + "Z").toISOString()};
  }
  return {from: $("quick").value, to: "now"};
}

function setAbsolute(fromIso, toIso) {
  $("quick").value = "absolute";
  $("absolute").hidden = false;
  $("from").value = fromIso.slice(0, 19);
  $("to").value = toIso.slice(0, 19);
}

async function runSearch() {
  const r = range();
  const params = new URLSearchParams({index: $("index").value, q: $("query").value, from: r.from, to: r.to, size: 100});
  try {
    const result = await api("/api/search?" + params);
    showProblem(result.warning || null);
    lastSearch = result;
    $("hit-count").textContent = fmt.num(result.total) + " hits in " + result.took_ms + " ms, "
      + fmt.time(result.from) + " → " + fmt.time(result.to) + " UTC";
    drawHistogram(result);
    const body = $("hits");
    body.replaceChildren();
    for (const hit of result.hits) body.append(...hitRows(hit));
    if (!result.hits.length) body.append(el("tr", {}, el("td", {colspan: 4, class: "empty"}, "No lines match.")));
  } catch (e) {
    showProblem(e.message);
  }
}

function hitRows(hit, isNew) {
  const row = el("tr", {class: "hit" + (isNew ? " new" : ""), "data-id": hit._id},
    el("td", {class: "time"}, fmt.time(hit["@timestamp"])), el("td", {}, hit.host || ""),
    el("td", {}, hit.file || ""), el("td", {class: "message"}, hit.message === null ? JSON.stringify(hit._source) : hit.message));
  const details = el("tr", {class: "details", hidden: ""});
  row.addEventListener("click", () => {
    if (!details.firstChild) details.append(el("td", {colspan: 4}, detailView(hit)));
    details.hidden = !details.hidden;
  });
  return [row, details];
}

function flatten(obj, prefix, out) {
  for (const [k, v] of Object.entries(obj || {})) {
    const key = prefix ? prefix + "." + k : k;
    if (v && typeof v === "object" && !Array.isArray(v)) flatten(v, key, out);
    else out.push([key, Array.isArray(v) ? JSON.stringify(v) : String(v)]);
  }
  return out;
}

function detailView(hit) {
  const fields = el("table", {class: "fields"},
    flatten(hit._source, "", [["_index", hit._index], ["_id", hit._id]]).sort((a, b) => a[0].localeCompare(b[0]))
      .map(([k, v]) => el("tr", {}, el("td", {}, el("b", {}, k)), el("td", {}, v))));
  const json = el("pre", {hidden: ""}, JSON.stringify(hit._source, null, 2));
  const around = el("div", {class: "surrounding"});
  const tabs = el("div", {class: "tabs"},
    el("button", {type: "button", onclick: (e) => { e.stopPropagation(); fields.hidden = false; json.hidden = true; }}, "Table"),
    el("button", {type: "button", onclick: (e) => { e.stopPropagation(); fields.hidden = true; json.hidden = false; }}, "JSON"),
    el("button", {type: "button", class: "surrounding-button", onclick: (e) => { e.stopPropagation(); surrounding(hit, around); }},
      "Surrounding lines"));
  return el("div", {onclick: (e) => e.stopPropagation()}, tabs, fields, json, around);
}

async function surrounding(hit, into) {
  into.replaceChildren(el("p", {class: "hint"}, "loading…"));
  try {
    const params = new URLSearchParams({index: $("index").value, doc_index: hit._index, id: hit._id, size: 10});
    const ctx = await api("/api/surrounding?" + params);
    into.replaceChildren(el("h3", {}, "Lines around offset " + ctx.offset + " of " + ctx.file + " on " + ctx.host),
      el("table", {class: "hits"}, el("tbody", {}, ctx.lines.map((l) => el("tr", {class: l.anchor ? "anchor" : ""},
        el("td", {class: "time"}, fmt.time(l["@timestamp"])), el("td", {}, String(l.offset)),
        el("td", {class: "message"}, l.message || ""))))));
  } catch (e) {
    into.replaceChildren(el("p", {class: "bad"}, e.message));
  }
}

function drawHistogram(result) {
  const svg = $("histogram");
  svg.replaceChildren();
  const width = svg.clientWidth || 800, height = svg.clientHeight || 130, bottom = 18, left = 40;
  const buckets = result.buckets;
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const t0 = Date.parse(result.from), t1 = Date.parse(result.to);
  const x = (t) => left + (width - left) * (t - t0) / Math.max(1, t1 - t0);
  svg.dataset.t0 = t0; svg.dataset.t1 = t1; svg.dataset.left = left;
  svg.append(el("svg:line", {x1: left, x2: width, y1: height - bottom, y2: height - bottom}));
  svg.append(el("svg:text", {class: "axis", x: 2, y: 12}, fmt.num(max)));
  svg.append(el("svg:text", {class: "axis", x: 2, y: height - bottom}, "0"));
  const barWidth = Math.max(1, (width - left) * result.interval_ms / Math.max(1, t1 - t0) - 1);
  for (const b of buckets) {
    if (!b.count) continue;
    const h = (height - bottom - 16) * b.count / max;
    svg.append(el("svg:rect", {class: "bar", x: Math.max(left, x(b.t)), y: height - bottom - h, width: barWidth, height: h},
      el("svg:title", {}, fmt.time(new Date(b.t).toISOString()) + ": " + fmt.num(b.count))));
  }
  for (let i = 0; i <= 4; i++) {
    const t = t0 + (t1 - t0) * i / 4;
    svg.append(el("svg:text", {class: "axis", x: x(t), y: height - 4, "text-anchor": i === 0 ? "start" : i === 4 ? "end" : "middle"},
      fmt.time(new Date(t).toISOString()).slice(0, 19)));
  }
}

/** Dragging across the histogram zooms the search to that range. */
function brush(svg) {
  let start = null, box = null;
  const time = (px) => { const d = svg.dataset, w = svg.clientWidth, left = Number(d.left);
    return Number(d.t0) + (Number(d.t1) - Number(d.t0)) * Math.min(1, Math.max(0, (px - left) / (w - left))); };
  svg.addEventListener("mousedown", (e) => {
    start = e.offsetX;
    box = el("svg:rect", {class: "brush", x: start, y: 0, width: 0, height: svg.clientHeight - 18});
    svg.append(box);
  });
  svg.addEventListener("mousemove", (e) => {
    if (start === null) return;
    box.setAttribute("x", Math.min(start, e.offsetX));
    box.setAttribute("width", Math.abs(e.offsetX - start));
  });
  svg.addEventListener("mouseup", (e) => {
    if (start === null) return;
    const a = Math.min(start, e.offsetX), b = Math.max(start, e.offsetX);
    start = null;
    box.remove();
    if (b - a < 3) return;
    setAbsolute(new Date(time(a)).toISOString(), new Date(time(b)).toISOString());
    runSearch();
  });
}

// live tail: an EventSource on /api/tail; paused, new lines wait in a buffer
let tail = null, paused = false, waiting = [];

function toggleTail() {
  if (tail) {
    tail.close(); tail = null; waiting = []; paused = false;
    $("tail-button").classList.remove("on"); $("tail-button").textContent = "Live tail";
    $("pause-button").hidden = true; $("tail-status").textContent = "";
    return;
  }
  const params = new URLSearchParams({index: $("index").value, q: $("query").value});
  tail = new EventSource("/api/tail?" + params);
  tail.onmessage = (e) => {
    const hit = JSON.parse(e.data);
    if (paused) { waiting.push(hit); $("tail-status").textContent = "paused, " + waiting.length + " new"; return; }
    addTailed(hit);
  };
  tail.addEventListener("problem", (e) => showProblem("live tail: " + JSON.parse(e.data)));
  // from "ready" on, every line indexed is shown (the server has noted where each index stands)
  tail.addEventListener("ready", () => { if (!paused) $("tail-status").textContent = "tailing: new lines appear on top"; });
  $("tail-button").classList.add("on"); $("tail-button").textContent = "Stop tail";
  $("pause-button").hidden = false; $("pause-button").textContent = "Pause";
  $("tail-status").textContent = "starting the tail…";
}

function togglePause() {
  paused = !paused;
  $("pause-button").textContent = paused ? "Resume" : "Pause";
  if (!paused) {
    waiting.forEach(addTailed); waiting = [];
    $("tail-status").textContent = "tailing: new lines appear on top";
  } else {
    $("tail-status").textContent = "paused, 0 new";
  }
}

function addTailed(hit) {
  const body = $("hits");
  const empty = body.querySelector("td.empty");
  if (empty) empty.parentElement.remove();
  body.prepend(...hitRows(hit, true));
  while (body.children.length > 1000) body.lastChild.remove();
}

// ---------- pipeline ----------
async function loadPipeline() {
  const p = await api("/api/pipeline");
  $("pipeline-at").textContent = "at " + fmt.time(p.at) + " UTC" + (p.config_problem ? " — " + p.config_problem : "");
  const flow = $("flow");
  flow.replaceChildren();
  const metrics = {
    shipper: (s) => [["lines/s in", fmt.rate(s.lines_per_s)], ["lines shipped", fmt.num(s.lines)]].concat(!s.own ? []
      : s.own.reachable ? [["this host's shipper", fmt.rate(s.own.lines_per_s) + "/s"], ["acked", fmt.num(s.own.acked)],
        ["in flight", fmt.num(s.own.active)], ["files open", fmt.num(s.own.open_files)]]
      : [["this host's shipper", "not reachable"]]),
    topic: (s) => [["partitions", s.partitions.length], ["messages", fmt.num(s.messages)]],
    group: (s) => [["state", s.state || "—"], ["lag", fmt.num(s.lag)]],
    indexer: (s) => [["events/s out", fmt.rate(s.events_per_s)], ["in / out", fmt.num(s.events_in) + " / " + fmt.num(s.events_out)],
      ["dead letters", fmt.num(s.dead_letters)]],
    indices: (s) => [["documents", fmt.num(s.documents)], ["cluster", s.cluster_status || "—"]]
  };
  // The figures on each arrow: totals since the component that counts them started, nonzero ones in warning colour.
  const hop = {
    "shipper-topic": (a) => a.failed_sends === undefined ? [] : [["failed sends (retried)", a.failed_sends],
      ["client errors", a.write_errors], ["dropped", a.dropped]],
    "indexer-indices": (a) => a.retries === undefined ? [] : [["retried docs", a.retries], ["failed docs (DLQ)", a.failures]]
  };
  const arrows = new Map((p.arrows || []).map((a) => [a.to, a]));
  for (const s of p.stages) {
    const a = arrows.get(s.id);
    if (a) {
      const figures = hop[a.from + "-" + a.to] ? hop[a.from + "-" + a.to](a) : [];
      const reasons = (a.outputs || []).filter((o) => o.last_failure).map((o) =>
        el("div", {class: "reason", title: o.last_failure}, "last at " + o.id + ": " + (o.last_failure.length > 90
          ? o.last_failure.slice(0, 90) + "…" : o.last_failure)));
      flow.append(el("div", {class: "arrow " + a.status + (figures.length ? " figures" : ""), id: "arrow-" + a.from + "-" + a.to},
        el("div", {class: "glyph"}, "→"),
        figures.map(([k, v]) => el("div", {class: "metric" + (v > 0 ? " nonzero" : "")}, k + " ", el("b", {}, fmt.num(v)))),
        reasons));
    } else if (flow.firstChild) {
      flow.append(el("div", {class: "arrow"}, "→"));
    }
    flow.append(el("div", {class: "stage " + s.status, id: "stage-" + s.id}, el("h4", {}, s.title),
      (metrics[s.id] ? metrics[s.id](s) : []).map(([k, v]) => el("div", {class: "metric"}, k + " ", el("b", {}, v))),
      s.reason ? el("div", {class: "reason"}, s.reason) : null));
  }
  const shipperPoints = p.history.filter((h) => h.shipper !== null && h.shipper !== undefined).map((h) => [h.t, h.shipper]);
  sparkline($("chart-shipper"), shipperPoints, p.history.length >= 2 && shipperPoints.length < 2
    ? "this host's shipper: no stats endpoint answering" : null);
  sparkline($("chart-in"), p.history.map((h) => [h.t, h.in]));
  sparkline($("chart-out"), p.history.map((h) => [h.t, h.out]));
  sparkline($("chart-lag"), p.history.map((h) => [h.t, h.lag]));
  const group = p.stages.find((s) => s.id === "group");
  $("pipeline-lag").replaceChildren(...((group && group.lag_per_partition) || []).map((r) =>
    el("tr", {}, el("td", {}, r.topic), el("td", {}, r.partition), el("td", {}, fmt.num(r.committed)),
      el("td", {}, fmt.num(r.latest)), el("td", {}, fmt.num(r.lag)), el("td", {}, r.owner || "—"))));
  $("pipeline-disks").replaceChildren(...(p.disks || []).map((d) => el("tr", {id: "disk-" + d.name},
    el("td", {}, d.name), el("td", {}, d.path),
    ...(d.error ? [el("td", {colspan: 3}, d.error)] : [el("td", {}, fmt.bytes(d.used_bytes)),
      el("td", {class: d.free_bytes < d.total_bytes * 0.1 ? "low" : ""}, fmt.bytes(d.free_bytes) + " ("
        + Math.round(100 * d.free_bytes / Math.max(1, d.total_bytes)) + "%)"),
      el("td", {}, fmt.bytes(d.total_bytes))]))));
}

function sparkline(svg, points, missing) {
  svg.replaceChildren();
  const w = svg.clientWidth || 300, h = svg.clientHeight || 90;
  if (points.length < 2) {
    svg.append(el("svg:text", {x: 6, y: 16}, missing || "collecting samples (every 10 s)…"));
    return;
  }
  const t0 = points[0][0], t1 = points[points.length - 1][0], max = Math.max(1, ...points.map((p) => p[1]));
  svg.append(el("svg:polyline", {points: points.map(([t, v]) =>
    (4 + (w - 8) * (t - t0) / Math.max(1, t1 - t0)).toFixed(1) + "," + (h - 14 - (h - 28) * v / max).toFixed(1)).join(" ")}));
  svg.append(el("svg:text", {x: 4, y: 11}, "max " + fmt.rate(max)));
  svg.append(el("svg:text", {x: 4, y: h - 3}, fmt.time(new Date(t0).toISOString()).slice(11, 16)));
  svg.append(el("svg:text", {x: w - 34, y: h - 3}, fmt.time(new Date(t1).toISOString()).slice(11, 16)));
}

// ---------- queue ----------
let queueReady = false;

async function loadQueue() {
  if (!queueReady) {
    queueReady = true;
    $("browse-form").addEventListener("submit", (e) => { e.preventDefault(); browse(); });
    $("reset-form").addEventListener("submit", (e) => { e.preventDefault(); previewReset(); });
    $("reset-apply").addEventListener("click", applyReset);
  }
  const [topics, groups] = await Promise.all([api("/api/queue/topics"), api("/api/queue/groups")]);
  $("topics").replaceChildren(...topics.filter((t) => !t.internal).map((t) => el("tr", {},
    el("td", {}, el("a", {href: "#queue", onclick: () => { $("browse-topic").value = t.name; }}, t.name)),
    el("td", {}, t.partitions.length), el("td", {}, fmt.num(t.messages)),
    el("td", {}, fmt.ms(t.retention_ms) + (t.retention_bytes && t.retention_bytes !== "-1" ? ", " + fmt.bytes(Number(t.retention_bytes)) : "")),
    el("td", {}, t.cleanup_policy || "—"),
    el("td", {}, t.partitions.map((p) => p.partition + ": " + fmt.num(p.earliest) + "–" + fmt.num(p.latest)).join("; ")))));
  $("groups").replaceChildren(...groups.map((g) => el("tr", {},
    el("td", {}, el("a", {href: "#queue", onclick: () => { $("reset-group").value = g.group; }}, g.group)),
    el("td", {class: "state-" + g.state}, g.state),
    el("td", {}, g.members.length ? g.members.map((m) => m.client_id + "@" + m.host + " [" + m.partitions.join(", ") + "]").join("; ") : "none"),
    el("td", {}, g.topics.join(", ")), el("td", {}, fmt.num(g.lag)),
    el("td", {}, g.partitions.map((p) => p.topic + "-" + p.partition + ": " + fmt.num(p.lag)).join("; ")))));
}

async function browse() {
  const params = new URLSearchParams({topic: $("browse-topic").value, partition: $("browse-partition").value || 0, limit: 50});
  if ($("browse-offset").value) params.set("offset", $("browse-offset").value);
  if ($("browse-time").value) params.set("time", $("browse-time").value);
  try {
    const r = await api("/api/queue/messages?" + params);
    $("messages").replaceChildren(el("h3", {}, r.topic + "-" + r.partition + " from offset " + r.from + " (latest " + r.latest + ")"),
      el("table", {class: "grid"}, el("thead", {}, el("tr", {}, ["Offset", "Time", "Key", "Headers", "Value"].map((h) => el("th", {}, h)))),
        el("tbody", {}, r.messages.map((m) => el("tr", {}, el("td", {}, m.offset), el("td", {}, fmt.time(m.timestamp)),
          el("td", {}, m.key || ""), el("td", {}, Object.keys(m.headers).length ? JSON.stringify(m.headers) : ""),
          el("td", {}, el("pre", {}, m.json ? JSON.stringify(m.json, null, 2) : m.value)))))));
  } catch (e) { showProblem(e.message); }
}

function resetRequest() {
  return {group: $("reset-group").value, topic: $("reset-topic").value || null, target: $("reset-target").value,
          time: $("reset-time").value || null};
}

function showReset(r, applied) {
  $("reset-preview").replaceChildren(el("h3", {}, (applied ? "Applied: " : "Preview: ") + "group " + r.group + " to "
      + r.target + (r.time ? " " + r.time : "") + ", lag after " + fmt.num(r.lag_after)),
    el("table", {class: "grid", id: "reset-table"}, el("thead", {}, el("tr", {}, ["Topic", "Partition", "Current", "New", "Latest", "Lag after"].map((h) => el("th", {}, h)))),
      el("tbody", {}, r.partitions.map((p) => el("tr", {}, el("td", {}, p.topic), el("td", {}, p.partition),
        el("td", {}, fmt.num(p.current)), el("td", {}, fmt.num(p.new)), el("td", {}, fmt.num(p.latest)),
        el("td", {class: "lag-after"}, fmt.num(p.lag_after)))))));
}

async function previewReset() {
  const q = resetRequest();
  const params = new URLSearchParams({group: q.group, target: q.target});
  if (q.topic) params.set("topic", q.topic);
  if (q.time) params.set("time", q.time);
  try {
    showReset(await api("/api/queue/reset-preview?" + params), false);
    $("reset-apply").disabled = false;
    showProblem(null);
  } catch (e) { showProblem(e.message); $("reset-apply").disabled = true; }
}

async function applyReset() {
  try {
    showReset(await post("/api/queue/reset", resetRequest()), true);
    $("reset-apply").disabled = true;
    await loadQueue();
  } catch (e) { showProblem(e.message); }
}

// ---------- indices ----------
async function loadIndices() {
  const r = await api("/api/indices");
  $("indices").replaceChildren(...r.indices.map((i) => el("tr", {}, el("td", {}, i.index), el("td", {class: i.health === "red" ? "bad" : ""}, i.health),
    el("td", {}, fmt.num(i.docs)), el("td", {}, fmt.bytes(i.bytes)), el("td", {}, i.date ? i.date.slice(0, 16) : "—"),
    el("td", {}, i.rule || "—"), el("td", {}, i.deleted_at ? fmt.time(i.deleted_at).slice(0, 16) : "kept"))));
  const problem = $("retention-problem");
  problem.textContent = r.retention_problem || ""; problem.hidden = !r.retention_problem;
  $("rules").replaceChildren(...r.rules.map((x) => el("tr", {}, el("td", {}, x.describe),
    el("td", {}, x.next_at ? fmt.time(x.next_at).slice(0, 16) + " UTC" : "nothing to delete"), el("td", {}, x.next.join(", ") || "—"))));
  $("disks").replaceChildren(...r.data_paths.map((d) => el("tr", {}, el("td", {}, d.node), el("td", {}, d.path),
    el("td", {}, fmt.bytes(d.total_bytes - d.free_bytes) + " of " + fmt.bytes(d.total_bytes)), el("td", {}, fmt.bytes(d.free_bytes)))));
}

// ---------- dead letters ----------
let dlqReady = false;

async function loadDeadLetters() {
  if (!dlqReady) {
    dlqReady = true;
    $("dlq-all").addEventListener("change", () => document.querySelectorAll(".dlq-pick").forEach((c) => { c.checked = $("dlq-all").checked; }));
    $("dlq-retry").addEventListener("click", () => dlqAction("retry"));
    $("dlq-purge").addEventListener("click", () => dlqAction("purge"));
  }
  const r = await api("/api/dead-letters");
  $("dlq-dir").textContent = r.count + " in " + r.directory;
  $("dead-letters").replaceChildren(...r.entries.map((d) => el("tr", {}, el("td", {}, el("input", {type: "checkbox", class: "dlq-pick", value: d.id})),
    el("td", {}, fmt.time(d.at)), el("td", {}, d.index), el("td", {}, d.status), el("td", {}, d.reason),
    el("td", {}, el("pre", {}, JSON.stringify(d.event))))));
  if (!r.entries.length) $("dead-letters").append(el("tr", {}, el("td", {colspan: 6}, "No dead letters.")));
}

async function dlqAction(action) {
  const ids = [...document.querySelectorAll(".dlq-pick:checked")].map((c) => c.value);
  if (!ids.length) return;
  if (action === "purge" && !confirm("Purge " + ids.length + " dead letters? They are not written anywhere.")) return;
  try {
    const r = await post("/api/dead-letters/" + action, {ids});
    $("dlq-result").textContent = action === "purge" ? r.purged + " purged"
      : r.results.filter((x) => x.retried).length + " retried" + r.results.filter((x) => x.error).map((x) => "; " + x.id + ": " + x.error).join("");
    await loadDeadLetters();
  } catch (e) { showProblem(e.message); }
}

// ---------- start ----------
(async () => {
  try {
    const s = await api("/api/session");
    csrfToken = s.csrf_token;
    $("who").textContent = s.login_required ? s.user : "";
  } catch (e) { showProblem(e.message); }
  window.addEventListener("hashchange", show);
  show();
})();
