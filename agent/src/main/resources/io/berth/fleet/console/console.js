// Berth operator console: plain JS, no build step. Every string from the broker goes into the
// page as text (textContent), never as HTML.
"use strict";

const state = { devices: new Map(), rollouts: new Map(), selector: "", selected: null, selectorError: null,
                sort: { key: "id", asc: true }, device: null, logService: null, logLines: [] };

function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "class") e.className = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  return e;
}

async function api(path, options) {
  const r = await fetch(path, Object.assign({ headers: { "X-Berth": "1" } }, options || {}));
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
  return body;
}

const age = s => s === null || s === undefined ? "-" : s < 60 ? s + "s" : s < 3600 ? Math.floor(s / 60) + "m"
  : s < 86400 ? Math.floor(s / 3600) + "h" : Math.floor(s / 86400) + "d";
const labels = l => Object.entries(l || {}).map(([k, v]) => h("span", { class: "chip" }, k + "=" + v));
const online = d => h("span", { class: "dot " + (d.online ? "on" : "off"), title: d.online ? "online" : "offline" });
const cls = (prefix, v) => prefix + "-" + String(v || "none").replace(/[^a-z-]/g, "");

// ---------------------------------------------------------------- the fleet table

async function applySelector(value) {
  state.selector = value;
  if (!value.trim()) { state.selected = null; state.selectorError = null; render(); return; }
  try {
    const list = await api("/api/devices?selector=" + encodeURIComponent(value));
    state.selected = new Set(list.map(d => d.id));
    state.selectorError = null;
  } catch (e) {
    state.selectorError = e.message;
  }
  render();
}

// the agent's version, and where an update is under way or failed, what it is going to
function agentVersion(d) {
  const a = d.agent || {};
  return (a.version || "-") + (a.update ? " \u2192 " + a.update.version + " " + a.update.state : "");
}

function fleetView() {
  const all = [...state.devices.values()];
  let rows = state.selected ? all.filter(d => state.selected.has(d.id)) : all;
  const k = state.sort.key;
  const val = d => k === "desired" || k === "applied" ? (d.revision || {})[k] || 0
    : k === "agent" ? agentVersion(d)
    : k === "online" ? (d.online ? 1 : 0) : k === "reported" ? -(d.reportAgeSeconds ?? 1e12) : String(d[k] ?? "");
  rows.sort((a, b) => (val(a) < val(b) ? -1 : val(a) > val(b) ? 1 : 0) * (state.sort.asc ? 1 : -1));
  const onlineCount = rows.filter(d => d.online).length;
  const failing = rows.filter(d => (d.failing || []).length || ["failed", "rolled-back", "degraded"].includes(d.phase)).length;
  const th = (key, text) => h("th", { class: state.sort.key === key ? "sorted" + (state.sort.asc ? " asc" : "") : "",
    onclick: () => { state.sort = { key, asc: state.sort.key === key ? !state.sort.asc : true }; render(); } }, text);
  // one input for the page's life: a render moves it, so what is being typed and the caret stay
  const input = state.selectorInput || (state.selectorInput = h("input", { id: "selector",
    placeholder: "selector, e.g. tier=canary,site in (a,b)", value: state.selector,
    oninput: e => { state.selector = e.target.value; }, onchange: e => applySelector(e.target.value) }));
  return [
    h("h1", {}, "Fleet"),
    h("div", { class: "summary" },
      h("div", {}, h("b", { id: "count-devices" }, rows.length), "devices"),
      h("div", {}, h("b", { id: "count-online" }, onlineCount), "online"),
      h("div", {}, h("b", { id: "count-failing" }, failing), "failing")),
    h("div", { class: "toolbar" }, input, state.selectorError ? h("span", { class: "error", id: "selector-error" }, state.selectorError) : null),
    h("table", { id: "fleet" },
      h("thead", {}, h("tr", {}, th("id", "Device"), th("online", "Online"), th("phase", "Phase"), th("desired", "Desired"),
        th("applied", "Applied"), th("agent", "Agent"), h("th", {}, "Failing"), h("th", {}, "Labels"), th("reported", "Reported"))),
      h("tbody", {}, rows.map(d => h("tr", { class: "row", "data-device": d.id, onclick: () => location.hash = "#/device/" + encodeURIComponent(d.id) },
        h("td", {}, h("b", {}, d.id)), h("td", {}, online(d), d.online ? "yes" : d.online === false ? "no" : "?"),
        h("td", { class: "phase " + cls("phase", d.phase) }, d.phase || "-"),
        h("td", {}, (d.revision || {}).desired || "-"), h("td", {}, (d.revision || {}).applied || "-"),
        h("td", { class: "agent" }, agentVersion(d)),
        h("td", { class: "error" }, (d.failing || []).join(", ") || ""), h("td", {}, labels(d.labels)),
        h("td", { class: "muted" }, d.reportAgeSeconds === null ? "-" : age(d.reportAgeSeconds) + " ago"))))),
    rows.length ? null : h("p", { class: "muted" }, all.length ? "No device matches the selector." : "No device has reported on this broker yet.")
  ];
}

// ---------------------------------------------------------------- one device

async function loadDevice(id) {
  try {
    state.device = await api("/api/devices/" + encodeURIComponent(id));
  } catch (e) {
    state.device = { id, error: e.message };
  }
  render();
}

async function openLogs(id, service) {
  state.logService = service;
  state.logLines = [];
  if (service) {
    try {
      state.logLines = (await api("/api/devices/" + encodeURIComponent(id) + "/logs/" + encodeURIComponent(service))).lines;
    } catch (e) {
      state.logLines = [{ line: "(" + e.message + ")", stream: "stderr" }];
    }
  }
  render();
}

function logLine(l) {
  if (l.dropped) return h("div", { class: "dropped" }, "… " + l.dropped + " line(s) dropped by the device's rate limit");
  return h("div", { class: l.stream === "stderr" ? "stderr" : "" }, (l.t ? l.t.substring(11, 19) + " " : "") + l.line);
}

function deviceView(id) {
  const d = state.device && state.device.id === id ? state.device : null;
  if (!d) return [h("p", { class: "muted" }, "Loading " + id + "…")];
  if (d.error) return [h("h1", {}, id), h("p", { class: "error" }, d.error)];
  const services = Object.entries(d.services || {});
  const select = h("select", { id: "log-service", onchange: e => openLogs(id, e.target.value) },
    h("option", { value: "" }, "choose a service…"),
    services.map(([name]) => h("option", { value: name, selected: state.logService === name }, name)));
  const box = h("div", { class: "logs", id: "log-tail" }, state.logLines.map(logLine));
  setTimeout(() => { box.scrollTop = box.scrollHeight; }, 0);
  return [
    h("h1", {}, online(d), d.id, " ", h("span", { class: "phase " + cls("phase", d.phase), id: "device-phase" }, d.phase || "-")),
    h("p", {}, labels(d.labels), " ", h("span", { class: "muted" },
      "revision " + ((d.revision || {}).applied || "-") + " applied, " + ((d.revision || {}).desired || "-") + " desired · reported "
      + age(d.reportAgeSeconds) + " ago" + (d.agent ? " · agent " + d.agent.version : ""))),
    d.rejected ? h("p", { class: "error" }, "Rejected revision " + d.rejected.revision + ": " + d.rejected.reason) : null,
    d.rollback ? h("p", { class: "error" }, "Rolled back revision " + d.rollback.revision + ": " + d.rollback.reason) : null,
    h("h2", {}, "Services"),
    h("table", { id: "services" }, h("thead", {}, h("tr", {}, ["Service", "State", "Health", "Restarts", "Image", "Error"].map(t => h("th", {}, t)))),
      h("tbody", {}, services.map(([name, s]) => h("tr", { "data-service": name }, h("td", {}, h("b", {}, name)),
        h("td", { class: "state " + cls("state", s.state) }, s.state || "-"), h("td", { class: cls("state", s.health) }, s.health || "-"),
        h("td", {}, s.restarts ?? "-"), h("td", { class: "muted" }, s.image || "-"), h("td", { class: "error" }, s.error || ""))))),
    h("div", { class: "grid2" },
      h("div", {}, h("h2", {}, "Recent events"), h("table", { id: "events" }, h("tbody", {}, (d.events || []).slice(0, 20).map(e =>
        h("tr", {}, h("td", { class: "muted" }, (e.time || "").substring(11, 19)), h("td", {}, h("b", {}, e.type || "")),
        h("td", {}, e.service || ""), h("td", {}, e.message || "")))))),
      h("div", {}, h("h2", {}, "Log tail"), h("div", { class: "toolbar" }, select), box)),
  ];
}

// ---------------------------------------------------------------- rollouts

async function act(id, action, revert) {
  if (action === "abort" && !confirm("Abort rollout " + id + (revert ? " and give its devices their previous document back?" : "?"))) return;
  try {
    await api("/api/rollouts/" + encodeURIComponent(id) + "/" + action + (revert ? "?revert=true" : ""), { method: "POST" });
  } catch (e) {
    alert(action + " failed: " + e.message);
  }
}

function rolloutsView() {
  const list = [...state.rollouts.values()].sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)));
  return [h("h1", {}, "Rollouts"),
    h("table", { id: "rollouts" }, h("thead", {}, h("tr", {}, ["Rollout", "Status", "Target", "Wave", "Devices", "Updated"].map(t => h("th", {}, t)))),
      h("tbody", {}, list.map(r => h("tr", { class: "row", "data-rollout": r.id, onclick: () => location.hash = "#/rollout/" + encodeURIComponent(r.id) },
        h("td", {}, h("b", {}, r.id)), h("td", { class: "state " + cls("status", r.status) }, r.status),
        h("td", {}, r.selector || (r.devices || []).join(", ")), h("td", {}, (r.wave || 0) + " / " + r.waves),
        h("td", {}, Object.entries(r.devicesByState || {}).map(([k, v]) => h("span", { class: "chip " + cls("state", k) }, k + " " + v))),
        h("td", { class: "muted" }, (r.updatedAt || "").replace("T", " ").substring(0, 19)))))),
    list.length ? null : h("p", { class: "muted" }, "No rollout on this broker. Start one with: berth fleet rollout start --selector S FILE")];
}

function rolloutView(id) {
  const r = state.rollouts.get(id);
  if (!r) return [h("h1", {}, id), h("p", { class: "muted" }, "No such rollout (yet).")];
  const open = r.status === "running" || r.status === "paused";
  const targets = r.targets || {};
  return [
    h("h1", {}, "Rollout ", r.id, " ", h("span", { class: "state " + cls("status", r.status), id: "rollout-status" }, r.status)),
    h("p", { class: "muted" }, (r.selector ? "selector " + r.selector : "devices " + (r.devices || []).join(", "))
      + (r.agent ? " · agent update to " + r.agent.version : "") + " · max failures "
      + r.maxFailures + " · wave timeout " + (r.waveTimeoutSeconds ? r.waveTimeoutSeconds + " s" : r.waveTimeout)
      + (r.lease ? " · driven by " + r.lease.owner : "")),
    r.reason ? h("p", { class: r.status === "halted" || r.status === "aborted" ? "error" : "muted", id: "rollout-reason" }, r.reason) : null,
    h("div", { class: "toolbar" },
      h("button", { id: "pause", disabled: r.status !== "running", onclick: () => act(id, "pause") }, "Pause"),
      h("button", { id: "resume", disabled: r.status !== "paused", onclick: () => act(id, "resume") }, "Resume"),
      h("button", { id: "abort", class: "danger", disabled: !open, onclick: () => act(id, "abort") }, "Abort"),
      h("button", { id: "abort-revert", class: "danger", disabled: r.status === "aborted", onclick: () => act(id, "abort", true) }, "Abort and revert")),
    h("div", { class: "waves" }, (r.waveList || []).map((w, i) => h("div", { class: "card", "data-wave": i + 1 },
      h("b", {}, "Wave " + (i + 1) + " (" + w.size + ")"), " ",
      h("span", { class: "muted" }, w.doneAt ? "done" : w.startedAt ? "started" : "waiting"),
      h("table", {}, h("tbody", {}, (w.devices || []).map(dev => {
        const t = targets[dev] || {};
        return h("tr", { "data-target": dev }, h("td", {}, h("a", { href: "#/device/" + encodeURIComponent(dev) }, dev)),
          h("td", { class: "state " + cls("state", t.state) }, t.state || "-"), h("td", { class: "muted" }, t.result || ""));
      })))))),
  ];
}

// ---------------------------------------------------------------- routing and the live stream

function route() {
  const [, page, arg] = (location.hash || "#/").split("/").map(decodeURIComponent);
  return { page: page || "fleet", arg };
}

function render() {
  const { page, arg } = route();
  document.getElementById("nav-fleet").className = page === "fleet" || page === "device" ? "active" : "";
  document.getElementById("nav-rollouts").className = page.startsWith("rollout") ? "active" : "";
  const view = page === "device" ? deviceView(arg) : page === "rollouts" ? rolloutsView() : page === "rollout" ? rolloutView(arg) : fleetView();
  const main = document.getElementById("main");
  const active = document.activeElement;
  const focused = active && active.id, caret = active && active.selectionStart;
  main.replaceChildren(...view.filter(Boolean));
  const again = focused && document.getElementById(focused);
  if (again) { again.focus(); if (caret !== undefined && again.setSelectionRange) again.setSelectionRange(caret, caret); }
}

window.addEventListener("hashchange", () => {
  const { page, arg } = route();
  if (page === "device") { state.device = null; state.logService = null; state.logLines = []; loadDevice(arg); }
  render();
});

let reloadDevice = null, reselect = null;
function connect() {
  const live = document.getElementById("live");
  const es = new EventSource("/api/stream");
  es.addEventListener("ready", () => { live.className = "live on"; live.textContent = "live"; render(); });
  es.addEventListener("device", m => {
    const d = JSON.parse(m.data);
    state.devices.set(d.id, d);
    const { page, arg } = route();
    if (page === "device" && arg === d.id) {
      clearTimeout(reloadDevice);
      reloadDevice = setTimeout(() => loadDevice(d.id), 150);
    } else if (live.className === "live on") {
      if (state.selector.trim()) { clearTimeout(reselect); reselect = setTimeout(() => applySelector(state.selector), 300); }
      render();
    }
  });
  es.addEventListener("rollout", m => { const r = JSON.parse(m.data); state.rollouts.set(r.id, r); if (live.className === "live on") render(); });
  es.addEventListener("event", m => {
    const e = JSON.parse(m.data);
    const { page, arg } = route();
    if (page === "device" && arg === e.device && state.device) { (state.device.events = state.device.events || []).unshift(e.event); render(); }
  });
  es.addEventListener("log", m => {
    const b = JSON.parse(m.data);
    const { page, arg } = route();
    if (page === "device" && arg === b.device && state.logService === b.service) {
      state.logLines.push(...b.lines);
      if (state.logLines.length > 500) state.logLines.splice(0, state.logLines.length - 500);
      render();
    }
  });
  es.addEventListener("resync", () => { es.close(); state.devices.clear(); state.rollouts.clear(); connect(); });
  es.onerror = () => { live.className = "live off"; live.textContent = "reconnecting…"; };
}

connect();
if (route().page === "device") loadDevice(route().arg);
