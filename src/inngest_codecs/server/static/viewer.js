// The viewer: sends what you paste (or an id) to this server, which decrypts it
// with keys that never leave it, and shows the stored and decrypted forms side
// by side. Data is only ever placed in the page as text, never as markup.
"use strict";

const $ = (id) => document.getElementById(id);
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
let decrypted = null;

// Paths are written as the server writes them: $.a[0], and $["a.b"] for keys
// that are not plain names, escaped to ASCII.
function asciiEscape(text) {
  return text.replace(/[\u0080-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

function childPath(path, key) {
  if (typeof key === "number") return `${path}[${key}]`;
  return PLAIN_KEY.test(key) ? `${path}.${key}` : `${path}[${asciiEscape(JSON.stringify(key))}]`;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function isEnvelope(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value) && value.__ENCRYPTED__ === true;
}

function label(info) {
  const codec = info.codec || info.strategy || "v0";
  return info.key_id ? `${codec} · key ${info.key_id}` : codec;
}

// Documents larger than this are shown without syntax colours: one text node per
// stretch between marks keeps thousands of envelopes fast to render.
const COLOUR_LIMIT = 200000;

// Appends ``value`` to ``parent`` as indented JSON, wrapping marked paths. Text
// between elements is gathered into one node, so large documents render fast.
function render(parent, value, path, marks, depth, stepNames) {
  const colour = JSON.stringify(value).length <= COLOUR_LIMIT;
  let text = "";
  const flush = (target) => {
    if (text) target.append(text);
    text = "";
  };
  const walk = (target, item, where, level, inMark) => {
    const mark = inMark ? undefined : marks.get(where);
    if (mark) {
      flush(target);
      const wrapper = element("span", `mark ${mark.kind}`);
      wrapper.title = mark.title;
      wrapper.dataset.path = where;
      wrapper.append(element("span", "badge", mark.label));
      target.append(wrapper);
      if (mark.kind === "opened") {
        walk(wrapper, item, where, level, true);
      } else {  // ciphertext: one plain text node, nothing in it worth colouring
        text += JSON.stringify(item, null, 2).replaceAll("\n", "\n" + "  ".repeat(level));
      }
      flush(wrapper);
      return;
    }
    const pad = "  ".repeat(level);
    if (item !== null && typeof item === "object") {
      const isArray = Array.isArray(item);
      const entries = isArray ? item.map((v, i) => [i, v]) : Object.entries(item);
      const [open, close] = isArray ? ["[", "]"] : ["{", "}"];
      if (entries.length === 0) {
        text += open + close;
        return;
      }
      text += open + "\n";
      entries.forEach(([key, child], index) => {
        text += pad + "  ";
        if (!isArray && colour) {
          flush(target);
          target.append(element("span", "key", JSON.stringify(key)));
        } else if (!isArray) {
          text += JSON.stringify(key);
        }
        if (!isArray && stepNames && Object.hasOwn(stepNames, key)) {
          flush(target);  // a hashed step id, shown with the step id it is the hash of
          target.append(element("span", "step", `step ${JSON.stringify(stepNames[key])}`));
        }
        if (!isArray) text += ": ";
        walk(target, child, childPath(where, key), level + 1, false);
        text += index < entries.length - 1 ? ",\n" : "\n";
      });
      text += pad + close;
      return;
    }
    if (!colour) {
      text += scalar(item, pad);
      return;
    }
    flush(target);
    target.append(element("span", item === null ? "null" : typeof item, scalar(item, pad)));
  };
  walk(parent, value, path, depth, false);
  flush(parent);
}

// A string with line breaks (a stack trace) is shown on real lines, each escaped
// as JSON would escape it; everything else exactly as JSON writes it.
function scalar(value, pad) {
  if (typeof value !== "string" || !value.includes("\n")) return JSON.stringify(value);
  const lines = value.split("\n").map((line) => JSON.stringify(line).slice(1, -1));
  return '"' + lines.join("\\n\n" + pad + "   ") + '"';
}

function show(pre, value, marks, stepNames) {
  const fragment = document.createDocumentFragment();  // built detached, attached once
  render(fragment, value, "$", marks, 0, stepNames);
  pre.replaceChildren(fragment);
}

function findEnvelopes(value, path, found) {
  if (isEnvelope(value)) {
    found.push(path);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => findEnvelopes(item, childPath(path, i), found));
  } else if (value !== null && typeof value === "object") {
    Object.entries(value).forEach(([k, item]) => findEnvelopes(item, childPath(path, k), found));
  }
  return found;
}

function setStatus(text, isError) {
  const status = $("status");
  status.textContent = text;
  status.className = isError ? "error" : "";
}

// Whatever was shown before goes the moment anything new is asked for, and on
// any error: an old result must never pass for the answer to a new question.
function clearResult(heading) {
  decrypted = null;
  $("copy").disabled = true;
  $("stored").replaceChildren();
  $("decrypted").replaceChildren();
  $("failures").replaceChildren();
  $("shown").textContent = heading || "";
}

function fail(message) {
  clearResult("");
  setStatus(message, true);
}

function showResult(stored, result, heading) {
  const started = performance.now();
  const storedMarks = new Map();
  const decryptedMarks = new Map();
  if (stored !== undefined) {
    for (const path of findEnvelopes(stored, "$", [])) {
      storedMarks.set(path, { kind: "sealed", label: "encrypted", title: "an envelope" });
    }
  }
  for (const item of result.opened) {
    const text = label(item);
    storedMarks.set(item.path, { kind: "sealed", label: text, title: `encrypted with ${text}` });
    decryptedMarks.set(item.path, { kind: "opened", label: text, title: `decrypted; was encrypted with ${text}` });
  }
  const failures = $("failures");
  failures.replaceChildren();
  for (const item of result.failures) {
    const mark = { kind: "failed", label: "not opened", title: item.reason };
    storedMarks.set(item.path, mark);
    decryptedMarks.set(item.path, mark);
    failures.append(element("li", "", `${item.path}: ${item.reason}`));
  }
  const steps = result.step_names || {};
  show($("stored"), stored === undefined ? "(not JSON this page can show)" : stored, storedMarks, steps);
  show($("decrypted"), result.document, decryptedMarks, steps);
  decrypted = result.document;
  $("copy").disabled = false;
  $("shown").textContent = `${heading} · fetched ${new Date().toISOString().replace("T", " ").slice(0, 19)} UTC`;
  const opened = result.opened.length;
  const failed = result.failures.length;
  if (opened === 0 && failed === 0) {
    setStatus("No envelope in this document: nothing was encrypted.", false);
  } else {
    setStatus(`${opened} envelope(s) opened` + (failed ? `, ${failed} left encrypted.` : "."), failed > 0);
  }
  document.body.dataset.renderMs = String(Math.round(performance.now() - started));
}

async function call(method, url, body) {
  const options = {
    method,
    headers: { accept: "application/json", "x-inngest-codecs": "viewer" },
    credentials: "same-origin",
  };
  if (body !== undefined) {
    options.headers["content-type"] = "application/json";
    options.body = body;
  }
  const response = await fetch(url, options);
  let payload = null;
  try {
    payload = await response.json();
  } catch (error) {
    payload = null;
  }
  if (!response.ok) {
    throw new Error((payload && payload.error) || `the server answered ${response.status}`);
  }
  return payload;
}

async function decryptPasted(event) {
  event.preventDefault();
  const text = $("stored-input").value;
  let stored;
  try {
    stored = JSON.parse(text);
  } catch (error) {
    stored = text.trim() ? text.trim() : undefined; // sealed error text as displayed
  }
  clearResult("");
  setStatus("Decrypting…", false);
  try {
    showResult(stored, await call("POST", "/decode", text), "Pasted document");
  } catch (error) {
    fail(error.message);
  }
}

async function lookUp(event) {
  if (event) event.preventDefault();
  const id = $("lookup-id").value.trim();
  clearResult("");
  if (!id) {
    fail("Enter a run id or an event id.");
    return;
  }
  const kind = $("lookup-kind").value;
  const withRuns = kind === "event" && $("lookup-runs").checked;
  let url = `/api/${kind}s/${encodeURIComponent(id)}`;
  if (withRuns) url += "?runs=true";
  history.replaceState(null, "", `/?${kind}=${encodeURIComponent(id)}` + (withRuns ? "&runs=true" : ""));
  setStatus("Looking up…", false);
  try {
    const result = await call("GET", url);
    showResult(result.stored, result, `${kind === "run" ? "Run" : "Event"} ${id}` + (withRuns ? " with its runs" : ""));
  } catch (error) {
    fail(error.message);
  }
}

async function copyDecrypted() {
  if (decrypted === null) return;
  const text = JSON.stringify(decrypted, null, 2);
  try {
    await navigator.clipboard.writeText(text);
  } catch (error) {
    const area = element("textarea");
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  setStatus("Decrypted JSON copied.", false);
}

function syncKind() {
  $("runs-choice").hidden = $("lookup-kind").value !== "event";
}

async function start() {
  $("paste-form").addEventListener("submit", decryptPasted);
  $("lookup-form").addEventListener("submit", lookUp);
  $("lookup-kind").addEventListener("change", syncKind);
  $("copy").addEventListener("click", copyDecrypted);
  syncKind();
  try {
    const info = await call("GET", "/api/info");
    const who = info.tenants ? `${info.who} (tenants: ${info.tenants.join(", ")})` : info.who;
    $("codec").textContent = `signed in as ${who}; encrypts with ${info.codec} (${info.strategy})`;
    if (!info.lookup) {
      $("lookup").disabled = true;
      $("lookup-note").textContent = "Lookups are off: start the server with INNGEST_SIGNING_KEY (or INNGEST_DEV) set.";
      return;
    }
  } catch (error) {
    fail(error.message);
    return;
  }
  const params = new URLSearchParams(location.search);
  for (const kind of ["run", "event"]) {
    if (params.get(kind)) {
      $("lookup-kind").value = kind;
      $("lookup-id").value = params.get(kind);
      $("lookup-runs").checked = params.get("runs") === "true";
      syncKind();
      await lookUp();
      return;
    }
  }
}

start();
