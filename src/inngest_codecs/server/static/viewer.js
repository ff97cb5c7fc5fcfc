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

// Appends ``value`` to ``parent`` as indented JSON, wrapping marked paths.
function render(parent, value, path, marks, depth) {
  const mark = marks.get(path);
  let target = parent;
  if (mark) {
    target = element("span", `mark ${mark.kind}`);
    target.title = mark.title;
    target.dataset.path = path;
    target.append(element("span", "badge", mark.label));
    parent.append(target);
  }
  const pad = "  ".repeat(depth);
  if (Array.isArray(value) || (value !== null && typeof value === "object")) {
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
    if (entries.length === 0) {
      target.append(open + close);
      return;
    }
    target.append(open + "\n");
    entries.forEach(([key, item], index) => {
      target.append(pad + "  ");
      if (!Array.isArray(value)) {
        target.append(element("span", "key", JSON.stringify(key)), ": ");
      }
      render(target, item, childPath(path, key), marks, depth + 1);
      target.append(index < entries.length - 1 ? ",\n" : "\n");
    });
    target.append(pad + close);
    return;
  }
  const kind = value === null ? "null" : typeof value;
  target.append(element("span", kind, JSON.stringify(value)));
}

function show(pre, value, marks) {
  pre.replaceChildren();
  render(pre, value, "$", marks, 0);
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

function showResult(stored, result) {
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
  show($("stored"), stored === undefined ? "(not JSON this page can show)" : stored, storedMarks);
  show($("decrypted"), result.document, decryptedMarks);
  decrypted = result.document;
  $("copy").disabled = false;
  const opened = result.opened.length;
  const failed = result.failures.length;
  if (opened === 0 && failed === 0) {
    setStatus("No envelope in this document: nothing was encrypted.", false);
  } else {
    setStatus(`${opened} envelope(s) opened` + (failed ? `, ${failed} left encrypted.` : "."), failed > 0);
  }
}

async function call(method, url, body) {
  const options = { method, headers: { accept: "application/json" }, credentials: "same-origin" };
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
    stored = undefined;
  }
  setStatus("Decrypting…", false);
  try {
    showResult(stored, await call("POST", "/decode", text));
  } catch (error) {
    setStatus(error.message, true);
  }
}

async function lookUp(event) {
  event.preventDefault();
  const id = $("lookup-id").value.trim();
  if (!id) {
    setStatus("Enter a run id or an event id.", true);
    return;
  }
  const kind = $("lookup-kind").value;
  let url = `/api/${kind}s/${encodeURIComponent(id)}`;
  if (kind === "event" && $("lookup-runs").checked) url += "?runs=true";
  setStatus("Looking up…", false);
  try {
    const result = await call("GET", url);
    showResult(result.stored, result);
  } catch (error) {
    setStatus(error.message, true);
  }
}

async function copyDecrypted() {
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

async function start() {
  $("paste-form").addEventListener("submit", decryptPasted);
  $("lookup-form").addEventListener("submit", lookUp);
  $("copy").addEventListener("click", copyDecrypted);
  try {
    const info = await call("GET", "/api/info");
    $("codec").textContent = `encrypts with ${info.codec} (${info.strategy}); opens every installed codec's envelopes`;
    if (!info.lookup) {
      $("lookup").disabled = true;
      $("lookup-note").textContent = "Lookups are off: start the server with INNGEST_SIGNING_KEY (or INNGEST_DEV) set.";
    }
  } catch (error) {
    setStatus(error.message, true);
  }
}

start();
