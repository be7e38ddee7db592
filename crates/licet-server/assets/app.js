// Settings → License. Vanilla JS over the JSON API under /v1/license; no build step.
// Every error shown is the server's own sentence ({code, message}); the code goes into data-code for tests.
"use strict";

const API = "/v1/license";
const TOKEN_KEY = "licet.token";

const STATES = {
  active: ["Active", "green"],
  expiring_soon: ["Expiring soon", "amber"],
  grace: ["Grace period", "amber"],
  expired: ["Expired", "red"],
  invalid: ["Invalid", "red"],
  missing: ["No license", "gray"],
  activation_pending: ["Activation pending", "gray"],
  free_tier: ["Free tier", "gray"],
};

const $ = (id) => document.getElementById(id);
let auditBefore = null;

function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

function headers(extra) {
  const h = Object.assign({}, extra || {});
  const t = token();
  if (t) h["Authorization"] = "Bearer " + t;
  return h;
}

async function call(method, path, body, contentType) {
  const opts = { method, headers: headers(contentType ? { "Content-Type": contentType } : {}) };
  if (body !== undefined) opts.body = body;
  const res = await fetch(API + path, opts);
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
  if (!res.ok) {
    const err = new Error((data && data.message) || ("The server answered " + res.status + "."));
    err.code = (data && data.code) || "http_" + res.status;
    err.changes = (data && data.changes) || [];
    throw err;
  }
  return data;
}

function showError(err) {
  const box = $("error");
  box.textContent = err.message;
  box.dataset.code = err.code || "";
  box.hidden = false;
  $("notice").hidden = true;
}

function showNotice(text) {
  $("error").hidden = true;
  const box = $("notice");
  box.textContent = text;
  box.hidden = false;
}

function text(id, value) {
  $(id).textContent = value === null || value === undefined || value === "" ? "—" : String(value);
}

function fmtTime(s) {
  if (!s) return "—";
  const d = new Date(s);
  return isNaN(d) ? s : d.toISOString().replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, " UTC");
}

function cell(row, value) {
  const td = document.createElement("td");
  td.textContent = value === null || value === undefined || value === "" ? "—" : String(value);
  row.appendChild(td);
  return td;
}

function emptyRow(body, cols, words) {
  const tr = document.createElement("tr");
  const td = cell(tr, words);
  td.colSpan = cols;
  td.className = "empty";
  body.appendChild(tr);
}

function renderStatus(s) {
  const [label, colour] = STATES[s.state] || [s.state, "gray"];
  const badge = $("badge");
  badge.textContent = label;
  badge.className = "badge " + colour;
  badge.dataset.state = s.state;
  $("message").textContent = s.sentence || (s.reason ? s.reason.message : "");
  $("message").dataset.code = s.reason ? s.reason.code : "";
  $("pending").hidden = s.state !== "activation_pending";
  document.body.classList.toggle("activation-pending", s.state === "activation_pending");

  text("days", s.days_remaining);
  text("expires", s.expires_at ? fmtTime(s.expires_at) : (s.customer ? "never (perpetual)" : ""));
  text("customer", s.customer ? s.customer.name + " (" + s.customer.id + ")" : "");
  text("tier", s.tier);
  text("products", (s.products || []).join(", "));
  text("features", s.all_features ? "all features" : (s.features || []).join(", "));
  // A broken source keeps the license in force; the page says what is wrong with it.
  text("source", s.source_error
    ? (s.source || "none") + " — problem: " + s.source_error.code + ": " + s.source_error.message
    : s.source);
  text("last-refresh", refreshWords(s.last_refresh));
  text("fingerprint", s.fingerprint);
  text("install-id", s.install_id);

  const limits = $("limits-body");
  limits.replaceChildren();
  for (const l of s.limits || []) {
    const tr = document.createElement("tr");
    tr.dataset.kind = l.kind;
    cell(tr, l.kind);
    cell(tr, l.used);
    cell(tr, l.limit);
    limits.appendChild(tr);
  }
  if (!limits.children.length) emptyRow(limits, 3, "No limits.");

  const orgs = $("orgs-body");
  orgs.replaceChildren();
  for (const o of s.orgs || []) {
    const tr = document.createElement("tr");
    tr.dataset.org = o.id;
    cell(tr, o.id + (o.own_license ? " (own license)" : ""));
    cell(tr, (STATES[o.state] || [o.state])[0]);
    cell(tr, o.plan);
    cell(tr, fmtTime(o.valid_from));
    cell(tr, fmtTime(o.valid_until));
    // An org with its own license renews on its own; one without renews with the instance.
    const renewal = cell(tr, o.own_license ? refreshWords(o.last_refresh) : "with the instance");
    if (o.own_license) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "Renew now";
      button.dataset.testid = "org-refresh";
      button.addEventListener("click", () =>
        simple("POST", "/orgs/" + encodeURIComponent(o.id) + "/refresh", "Organization " + o.id + " renewed from the vendor."));
      renewal.append(" ", button);
    }
    orgs.appendChild(tr);
  }
  if (!orgs.children.length) emptyRow(orgs, 6, "No organizations.");
}

function refreshWords(r) {
  return r ? fmtTime(r.at) + " — " + (r.ok ? "ok" : "failed") + ": " + r.message : "";
}

function renderAudit(page, append) {
  const body = $("audit-body");
  if (!append) body.replaceChildren();
  for (const e of page.entries) {
    const tr = document.createElement("tr");
    tr.dataset.testid = "audit-row";
    tr.setAttribute("data-testid", "audit-row");
    tr.dataset.action = e.action;
    cell(tr, e.id);
    cell(tr, fmtTime(e.at));
    cell(tr, e.actor);
    cell(tr, e.source ? e.action + " (" + e.source + ")" : e.action);
    cell(tr, e.scope);
    cell(tr, e.reason);
    const changes = (e.changes || []).map(describeChange).join("; ");
    cell(tr, changes ? e.outcome + " — " + changes : e.outcome);
    body.appendChild(tr);
  }
  if (!body.children.length) emptyRow(body, 7, "Nothing recorded yet.");
  auditBefore = page.next_before;
  $("audit-more").hidden = page.next_before === null || page.next_before === undefined;
}

async function load() {
  try {
    renderStatus(await call("GET", "/status"));
    renderAudit(await call("GET", "/audit?limit=20"), false);
  } catch (err) {
    showError(err);
  }
}

function afterChange(result, words) {
  if (result && result.owner_token) {
    sessionStorage.setItem(TOKEN_KEY, result.owner_token.token);
    $("token").value = result.owner_token.token;
    $("owner-token-value").textContent = result.owner_token.token;
    $("owner-token").hidden = false;
  }
  showNotice(words);
  return load();
}

async function readFile(input) {
  const f = input.files && input.files[0];
  return f ? await f.text() : null;
}

// One change a license would make, in the words licet-core's Loss uses (`limit users 500 → 50`).
function describeChange(c) {
  const where = c.org ? "organization " + c.org + ": " : "";
  switch (c.what) {
    case "state": return where + "state " + c.from + " → " + c.to;
    case "customer": return where + "customer " + c.from + " → " + c.to;
    case "product": return where + "product " + c.removed + " removed";
    case "feature": return where + "feature " + c.removed + " removed";
    case "all_features": return where + "no longer every feature";
    case "limit": return where + "limit " + c.kind + " " + c.from + " → " + c.to;
    case "org": return where + "organization " + c.removed + " no longer named";
    case "max_orgs": return where + "maximum organizations " + c.from + " → " + c.to;
    default: return where + JSON.stringify(c);
  }
}

// The server refused a license that takes something away (license_change_needs_ack): show what, and resolve
// true only if the operator confirms. Nothing is installed until then.
function confirmChanges(err) {
  const dialog = $("ack-dialog");
  $("ack-message").textContent = err.message;
  const list = $("ack-changes");
  list.replaceChildren();
  for (const c of err.changes) {
    const li = document.createElement("li");
    li.textContent = describeChange(c);
    li.dataset.what = c.what;
    list.appendChild(li);
  }
  return new Promise((resolve) => {
    const done = (ok) => {
      $("ack-confirm").onclick = null;
      $("ack-cancel").onclick = null;
      dialog.onclose = null;
      if (dialog.open) dialog.close();
      resolve(ok);
    };
    $("ack-confirm").onclick = () => done(true);
    $("ack-cancel").onclick = () => done(false);
    dialog.onclose = () => done(false);
    dialog.showModal();
  });
}

// Sends once; a refused change is shown for confirmation and, if confirmed, sent again acknowledged.
async function withAcknowledgement(send) {
  try {
    return await send(false);
  } catch (err) {
    if (err.code !== "license_change_needs_ack") throw err;
    if (!(await confirmChanges(err))) {
      throw Object.assign(new Error("Nothing was changed: the license in force is kept."), { code: "not_acknowledged" });
    }
    return await send(true);
  }
}

async function install() {
  try {
    const pasted = $("paste").value.trim();
    const license = pasted || (await readFile($("install-file")));
    if (!license) throw Object.assign(new Error("Paste a license or choose a license file first."), { code: "no_input" });
    const result = await withAcknowledgement((ack) =>
      call("POST", ack ? "?acknowledge=true" : "", license, "text/plain"));
    $("paste").value = "";
    await afterChange(result, "License installed.");
  } catch (err) {
    showError(err);
  }
}

async function importOffline() {
  try {
    const file = $("import-file").files && $("import-file").files[0];
    if (!file) throw Object.assign(new Error("Choose the license file to import first."), { code: "no_input" });
    const data = await withAcknowledgement(async (ack) => {
      const form = new FormData();
      form.append("license", file);
      form.append("reason", $("import-reason").value);
      if (ack) form.append("acknowledge", "true");
      const res = await fetch(API + "/import", { method: "POST", headers: headers(), body: form });
      const body = await res.json().catch(() => null);
      if (!res.ok) {
        throw Object.assign(new Error((body && body.message) || "Import failed."), {
          code: body && body.code,
          changes: (body && body.changes) || [],
        });
      }
      return body;
    });
    $("import-reason").value = "";
    await afterChange(data, "License imported.");
  } catch (err) {
    showError(err);
  }
}

async function simple(method, path, words) {
  try {
    await afterChange(await call(method, path), words);
  } catch (err) {
    showError(err);
  }
}

function copy(ev) {
  const id = ev.currentTarget.dataset.copy;
  const value = $(id).textContent;
  const done = () => { ev.currentTarget.textContent = "Copied"; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(value).then(done, () => selectText(id));
  } else {
    selectText(id);
  }
}

function selectText(id) {
  const range = document.createRange();
  range.selectNodeContents($(id));
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
}

document.addEventListener("DOMContentLoaded", () => {
  $("token").value = token();
  $("token").addEventListener("input", (e) => sessionStorage.setItem(TOKEN_KEY, e.target.value.trim()));
  $("install").addEventListener("click", install);
  $("import").addEventListener("click", importOffline);
  $("refresh").addEventListener("click", () => simple("POST", "/refresh", "License refreshed from the vendor."));
  $("clear").addEventListener("click", () => {
    if (confirm("Remove the installed license? The product falls back to its unlicensed mode.")) {
      simple("DELETE", "", "License removed.");
    }
  });
  $("audit-more").addEventListener("click", async () => {
    try {
      renderAudit(await call("GET", "/audit?limit=20&before=" + encodeURIComponent(auditBefore)), true);
    } catch (err) {
      showError(err);
    }
  });
  for (const b of document.querySelectorAll("button.copy")) b.addEventListener("click", copy);
  load();
});
