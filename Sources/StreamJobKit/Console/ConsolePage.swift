/// The console's web page, compiled into the binary (no CDN, no network): one HTML document
/// with its styles and script inline. The script reads the JSON API every second and draws the
/// job graph, each step's records in and out per second, the sources' partitions, the window
/// steps with what holds their watermark, the checkpoint history, and two charts (throughput and
/// event-time lag over the last five minutes) as inline SVG.
enum ConsolePage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>stream-job console</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1d2430; background: #f7f8fa; }
  h1 { font-size: 1.4em; margin: 0 0 .2em; } h2 { font-size: 1.1em; margin: 1.4em 0 .4em; }
  .figures span { display: inline-block; margin-right: 1.6em; } .figures b { font-size: 1.2em; }
  table { border-collapse: collapse; background: #fff; } th, td { padding: .25em .8em; border-bottom: 1px solid #e3e6eb; text-align: left; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .idle { color: #a15c00; font-weight: 600; } .silent { color: #b42318; font-weight: 600; } .active { color: #067647; }
  .failed { color: #b42318; } svg { background: #fff; border: 1px solid #e3e6eb; }
  .step rect { fill: #eef4ff; stroke: #4a6fd1; } .step text { font-size: 11px; } .edge { stroke: #8a94a6; marker-end: url(#arrow); }
  .charts { display: flex; gap: 1.5em; flex-wrap: wrap; } .chart h3 { font-size: .95em; margin: 0 0 .2em; }
  ul.explanation { margin: .3em 0 .8em; } #error { color: #b42318; }
</style>
</head>
<body>
<h1 id="job-name">stream-job</h1>
<div id="error"></div>
<div class="figures">
  <span>in <b id="records-in">–</b></span><span>out <b id="records-out">–</b></span>
  <span>late <b id="late-records">–</b></span><span>watermark <b id="watermark">–</b></span>
  <span>back-pressure <b id="back-pressure">–</b></span><span>open windows <b id="open-windows">–</b></span>
</div>
<h2>Job graph</h2>
<svg id="graph" width="900" height="160"></svg>
<h2>Throughput and event-time lag (last 5 minutes)</h2>
<div class="charts">
  <div class="chart"><h3>records in per second</h3><svg id="chart-throughput" width="420" height="120"></svg></div>
  <div class="chart"><h3>event-time lag (s)</h3><svg id="chart-lag" width="420" height="120"></svg></div>
</div>
<h2>Window steps: why they fire or not</h2>
<div id="windows"></div>
<h2>Source partitions</h2>
<table id="partitions"><thead><tr><th>partition</th><th>source</th><th>latest event time</th><th>last record</th><th>state</th></tr></thead><tbody></tbody></table>
<h2>Checkpoints</h2>
<table id="checkpoints"><thead><tr><th>checkpoint</th><th>taken</th><th>bytes</th><th>duration</th><th>result</th></tr></thead><tbody></tbody></table>
<script>
"use strict";
const $ = (selector) => document.querySelector(selector);
const text = (value) => document.createTextNode(String(value));
const element = (tag, attributes = {}, ...children) => {
  const made = document.createElementNS(tag === "svg" || attributes.svg ? "http://www.w3.org/2000/svg" : "http://www.w3.org/1999/xhtml", tag);
  for (const [name, value] of Object.entries(attributes)) if (name !== "svg") made.setAttribute(name, value);
  for (const child of children) made.appendChild(typeof child === "object" ? child : text(child));
  return made;
};
const svg = (tag, attributes = {}, ...children) => element(tag, { ...attributes, svg: true }, ...children);
const rate = (value) => value >= 10000 ? (value / 1000).toFixed(0) + " k/s" : value.toFixed(0) + "/s";
const ago = (ms) => ms < 1000 ? ms + " ms ago" : (ms / 1000).toFixed(1) + " s ago";
let previous = null;
const history = [];

async function api(path) {
  const answer = await fetch("/api/v1/" + path, { cache: "no-store" });
  if (!answer.ok) throw new Error(path + ": " + answer.status);
  return answer.json();
}

function drawGraph(steps, rates) {
  const graph = $("#graph");
  graph.replaceChildren(svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "6", markerHeight: "6", orient: "auto" },
    svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#8a94a6" }))));
  const depth = {}, rows = {};
  for (const step of steps) depth[step.id] = step.inputs.length ? 1 + Math.max(...step.inputs.map((input) => depth[input])) : 0;
  const place = {};
  for (const step of steps) { const row = rows[depth[step.id]] || 0; rows[depth[step.id]] = row + 1; place[step.id] = { x: 10 + depth[step.id] * 150, y: 10 + row * 74 }; }
  graph.setAttribute("width", Math.max(900, 20 + (Math.max(...Object.values(depth)) + 1) * 150));
  graph.setAttribute("height", Math.max(80, 20 + Math.max(...Object.values(rows)) * 74));
  for (const step of steps) for (const input of step.inputs)
    graph.appendChild(svg("line", { class: "edge", x1: place[input].x + 130, y1: place[input].y + 31, x2: place[step.id].x, y2: place[step.id].y + 31 }));
  for (const step of steps) {
    const at = place[step.id], speed = rates[step.id];
    graph.appendChild(svg("g", { class: "step", "data-step": step.name || step.kind, transform: `translate(${at.x},${at.y})` },
      svg("rect", { width: "130", height: "62", rx: "6" }),
      svg("text", { x: "6", y: "15" }, (step.name || step.kind).slice(0, 22)),
      svg("text", { x: "6", y: "29" }, step.kind === (step.name || step.kind) ? "" : step.kind + (step.window ? " " + step.window : "")),
      svg("text", { x: "6", y: "43", class: "rates" }, speed ? "in " + rate(speed.in) + " out " + rate(speed.out) : ""),
      svg("text", { x: "6", y: "57", class: "troubles" }, [step.lateRecords ? step.lateRecords + " late" : "", step.deadLetters ? step.deadLetters + " dead letters" : "",
        step.backPressureSeconds >= 0.1 ? "waited " + step.backPressureSeconds.toFixed(1) + " s" : ""].filter((part) => part).join(", "))));
  }
}

function drawChart(id, points, value) {
  const chart = $(id), width = +chart.getAttribute("width"), height = +chart.getAttribute("height");
  const shown = points.filter((point) => value(point) !== null);
  chart.replaceChildren();
  if (shown.length < 2) return;
  const first = shown[0].t, last = shown[shown.length - 1].t, top = Math.max(1, ...shown.map(value));
  const coordinates = shown.map((point) => `${(5 + (point.t - first) / Math.max(1, last - first) * (width - 10)).toFixed(1)},${(height - 15 - value(point) / top * (height - 30)).toFixed(1)}`);
  chart.appendChild(svg("polyline", { points: coordinates.join(" "), fill: "none", stroke: "#4a6fd1", "stroke-width": "2" }));
  chart.appendChild(svg("text", { x: "5", y: "12", "font-size": "10" }, "max " + top.toFixed(top < 10 ? 1 : 0)));
}

async function refresh() {
  try {
    const [job, steps, watermarks, checkpoints] = await Promise.all([api("job"), api("steps"), api("watermarks"), api("checkpoints")]);
    $("#error").textContent = "";
    document.title = "stream-job: " + job.name;
    $("#job-name").textContent = job.name + (job.pipeline ? " (pipeline " + job.pipeline + ")" : "");
    $("#records-in").textContent = job.recordsIn; $("#records-out").textContent = job.recordsOut;
    $("#late-records").textContent = job.lateRecords; $("#open-windows").textContent = job.openWindows;
    $("#watermark").textContent = job.watermark === undefined || job.watermark === null ? "none" : job.watermark;
    $("#back-pressure").textContent = job.backPressureSeconds.toFixed(1) + " s";
    const rates = {};
    if (previous) {
      const seconds = (job.now - previous.now) / 1000;
      for (const step of steps) {
        const before = previous.steps[step.id];
        if (before && seconds > 0 && step.recordsIn !== undefined) rates[step.id] = { in: (step.recordsIn - before.recordsIn) / seconds, out: (step.recordsOut - before.recordsOut) / seconds };
      }
      history.push({ t: job.now, rate: seconds > 0 ? (job.recordsIn - previous.recordsIn) / seconds : null, lag: job.watermark ? (job.now - job.watermark) / 1000 : null });
      while (history.length && job.now - history[0].t > 300000) history.shift();
    }
    previous = { now: job.now, recordsIn: job.recordsIn, steps: Object.fromEntries(steps.map((step) => [step.id, step])) };
    drawGraph(steps, rates);
    drawChart("#chart-throughput", history, (point) => point.rate);
    drawChart("#chart-lag", history, (point) => point.lag);
    $("#windows").replaceChildren(...watermarks.windows.map((window) => element("div", { "data-window": window.progress.step },
      element("b", {}, window.progress.step), text(" — watermark " + (window.progress.watermark ?? "none") + ", next window ends " + (window.progress.nextWindowEnd ?? "–")),
      element("ul", { class: "explanation" }, ...window.explanation.map((sentence) => element("li", {}, sentence))))));
    if (!watermarks.windows.length) $("#windows").textContent = "No window step has seen a batch yet.";
    $("#partitions tbody").replaceChildren(...watermarks.partitions.map((partition) => {
      const state = partition.isIdle ? "idle" : (partition.maxTimestamp === undefined || partition.maxTimestamp === null ? "silent" : "active");
      return element("tr", { "data-partition": partition.partition }, element("td", {}, partition.partition), element("td", {}, partition.source),
        element("td", { class: "num" }, partition.maxTimestamp ?? "nothing yet"),
        element("td", {}, partition.lastRecordAt ? ago(watermarks.now - partition.lastRecordAt) : "never"),
        element("td", { class: "state " + state }, state + (partition.idleTimeout ? " (idle after " + partition.idleTimeout / 1000 + " s)" : " (no idleness)")));
    }));
    $("#checkpoints tbody").replaceChildren(...checkpoints.slice(-10).reverse().map((checkpoint) =>
      element("tr", { class: checkpoint.error ? "failed" : "" }, element("td", {}, "chk-" + checkpoint.id),
        element("td", {}, new Date(checkpoint.createdAt).toLocaleTimeString()), element("td", { class: "num" }, checkpoint.bytes),
        element("td", { class: "num" }, checkpoint.durationMs + " ms"),
        element("td", {}, checkpoint.error ? "failed: " + checkpoint.error + " (not restorable)" : "ok, restorable"))));
    document.body.dataset.refreshed = String(job.now);
  } catch (error) {
    $("#error").textContent = "The job does not answer: " + error.message;
  }
}
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
"""#
}
