// Vision's "Try it": a form per function and class member, generated from the UGM embedded in
// the page, calling the gateway through a real client runtime (its browser entry, served under
// /vision/rt/) over WebSocket: what the page shows is what a client gets, and the gateway's
// origin check and auth apply. Without scripts none of this appears.
const data = JSON.parse(document.getElementById("tryit-data").textContent || "{}");
const decls = {};
for (const [name, m] of Object.entries(data.modules || {})) {
  decls[name] = Object.fromEntries(m.module.decls.map((d) => [d.name, d]));
}
let runtime; // the client runtime's module, imported on the first call
const clients = {}; // module name -> Client (one WebSocket connection each)
const instances = {}; // module name -> [{ref, label}]

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function typeText(t) {
  switch (t.node) {
    case "Primitive": return t.name;
    case "Named": return t.name;
    case "Optional": return `${typeText(t.inner)}?`;
    case "ListOf": return `list<${typeText(t.item)}>`;
    case "MapOf": return `map<${typeText(t.key)}, ${typeText(t.value)}>`;
    case "TupleOf": return `tuple<${t.items.map(typeText).join(", ")}>`;
    case "UnionOf": return t.members.map(typeText).join(" | ");
    case "LiteralOf": return t.values.map((v) => JSON.stringify(v.value)).join(" | ");
    case "StreamOf": return `stream<${typeText(t.item)}>`;
    default: return "?";
  }
}

function b64ToBytes(s) {
  const bin = atob(s);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function bytesToB64(b) {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}

// A field: {node, get()} where get() gives the wire value (or throws Error naming the problem).
function field(mod, t, path) {
  if (t.node === "Primitive") return primitive(t.name, path);
  if (t.node === "Optional") {
    const inner = field(mod, t.inner, path);
    const none = el("input", { type: "checkbox", class: "none", "aria-label": `${path}: none` });
    none.addEventListener("change", () => inner.node.classList.toggle("off", none.checked));
    return {
      node: el("span", { class: "optional" }, inner.node, el("label", {}, none, " none")),
      get: () => (none.checked ? null : inner.get()),
    };
  }
  if (t.node === "ListOf" || t.node === "MapOf") return collection(mod, t, path);
  // a client stream is edited as a list: its items are sent one by one after the call
  if (t.node === "StreamOf") return collection(mod, { node: "ListOf", item: t.item }, path);
  if (t.node === "TupleOf") {
    const items = t.items.map((it, i) => field(mod, it, `${path}[${i}]`));
    return { node: el("span", { class: "tuple" }, ...items.map((f) => f.node)), get: () => items.map((f) => f.get()) };
  }
  if (t.node === "LiteralOf") {
    const sel = el("select", { name: path }, ...t.values.map((v, i) => el("option", { value: String(i) }, JSON.stringify(v.value))));
    return { node: sel, get: () => t.values[Number(sel.value)].value };
  }
  if (t.node === "UnionOf") {
    const tags = t.members.map(typeText);
    const fields = t.members.map((m) => field(mod, m, path));
    const sel = el("select", { name: `${path}:type` }, ...tags.map((tag, i) => el("option", { value: String(i) }, tag)));
    const slot = el("span", {}, fields[0].node);
    sel.addEventListener("change", () => slot.replaceChildren(fields[Number(sel.value)].node));
    return { node: el("span", { class: "union" }, sel, slot), get: () => [tags[Number(sel.value)], fields[Number(sel.value)].get()] };
  }
  const d = decls[mod][t.name];
  if (d.node === "Enum") {
    const sel = el("select", { name: path }, ...d.members.map((m, i) => el("option", { value: String(i) }, `${m.name} (${JSON.stringify(m.value)})`)));
    return { node: sel, get: () => d.members[Number(sel.value)].value };
  }
  if (d.node === "Class") {
    const sel = el("select", { name: path, class: "instance-select", "data-class": d.name });
    fillInstances(mod, sel);
    return {
      node: sel,
      get: () => {
        const found = (instances[mod] || []).find((x) => String(x.ref.id) === sel.value);
        if (!found) throw new Error(`${path}: create a ${d.name} first`);
        return found.ref;
      },
    };
  }
  const fields = d.fields.map((f) => ({ f, input: field(mod, f.type, `${path}.${f.name}`) }));
  const box = el("fieldset", { class: "record" }, el("legend", {}, d.name));
  for (const { f, input } of fields) box.append(row(f.name, f.type, input, f.default !== null));
  return {
    node: box,
    get: () => {
      const out = {};
      for (const { f, input } of fields) {
        if (input.omitted && input.omitted()) continue;
        out[f.name] = input.get();
      }
      return out;
    },
  };
}

function primitive(kind, path) {
  if (kind === "none") return { node: el("span", {}, "none"), get: () => null };
  if (kind === "bool") {
    const box = el("input", { type: "checkbox", name: path });
    return { node: box, get: () => box.checked };
  }
  const attrs = { name: path, type: "text" };
  if (kind === "int" || kind === "float") Object.assign(attrs, { type: "number", step: kind === "int" ? "1" : "any" });
  if (kind === "date") attrs.type = "date";
  const hint = { bytes: "base64", datetime: "2026-01-31T12:00:00", time: "12:00:00", decimal: "12.50", uuid: "uuid" }[kind];
  if (hint) attrs.placeholder = hint;
  const input = el("input", attrs);
  return {
    node: input,
    get: () => {
      const v = input.value;
      if (kind === "int") {
        if (!/^-?\d+$/.test(v.trim())) throw new Error(`${path}: expected an integer`);
        const n = BigInt(v.trim());
        return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
      }
      if (kind === "float") {
        if (v.trim() === "" || Number.isNaN(Number(v))) throw new Error(`${path}: expected a number`);
        return new runtime.Float64(Number(v));
      }
      if (kind === "bytes") {
        try { return b64ToBytes(v.trim()); } catch { throw new Error(`${path}: expected base64`); }
      }
      return v;
    },
  };
}

function collection(mod, t, path) {
  const rows = [];
  const list = el("div", { class: "items" });
  const add = el("button", { type: "button", class: "add" }, t.node === "MapOf" ? "+ entry" : "+ item");
  add.addEventListener("click", () => {
    const key = t.node === "MapOf" ? field(mod, t.key, `${path} key`) : null;
    const value = field(mod, t.node === "MapOf" ? t.value : t.item, `${path}[${rows.length}]`);
    const entry = { key, value };
    const remove = el("button", { type: "button", class: "remove", "aria-label": "remove" }, "×");
    const line = el("div", { class: "item" }, ...(key ? [key.node, " → "] : []), value.node, remove);
    remove.addEventListener("click", () => { rows.splice(rows.indexOf(entry), 1); line.remove(); });
    rows.push(entry);
    list.append(line);
  });
  return {
    node: el("div", { class: "collection" }, list, add),
    get: () => (t.node === "MapOf"
      ? new Map(rows.map((r) => [r.key.get(), r.value.get()]))
      : rows.map((r) => r.value.get())),
  };
}

function row(name, type, input, hasDefault, defaultLabel = "default") {
  const line = el("div", { class: "param" }, el("label", { class: "pname" }, name, el("code", {}, `: ${typeText(type)}`)), input.node);
  if (hasDefault) {
    const def = el("input", { type: "checkbox", class: "use-default" });
    def.checked = true;
    input.node.classList.add("off");
    def.addEventListener("change", () => input.node.classList.toggle("off", def.checked));
    line.append(el("label", { class: "default" }, def, ` ${defaultLabel}`));
    input.omitted = () => def.checked;
  }
  return line;
}

function fillInstances(mod, sel) {
  const mine = (instances[mod] || []).filter((x) => x.ref.className === sel.dataset.class);
  sel.replaceChildren(...mine.map((x) => el("option", { value: String(x.ref.id) }, x.label)));
  if (mine.length === 0) sel.append(el("option", { value: "" }, `(create a ${sel.dataset.class} first)`));
}

function refreshInstances(mod) {
  document.querySelectorAll(`section.module[data-module="${CSS.escape(mod)}"] select.instance-select`).forEach((s) => fillInstances(mod, s));
  const list = document.querySelector(`section.module[data-module="${CSS.escape(mod)}"] .instances`);
  if (!list) return;
  list.replaceChildren(...(instances[mod] || []).map((x) => {
    const release = el("button", { type: "button", class: "release" }, "Release");
    release.addEventListener("click", async () => {
      const conn = await clients[mod].ensureConnected();
      conn.release(x.ref.id);
      instances[mod] = instances[mod].filter((y) => y !== x);
      refreshInstances(mod);
    });
    return el("li", {}, el("code", {}, x.label), " ", release);
  }));
}

// Wire values as JSON for display; instances become {"$instance": "Class#id"} and are kept.
function shown(mod, v) {
  if (v instanceof runtime.InstanceRef) {
    const label = `${v.className}#${v.id}`;
    if (!(instances[mod] || []).some((x) => x.ref.id === v.id)) (instances[mod] ||= []).push({ ref: v, label });
    return { $instance: label };
  }
  if (v instanceof Uint8Array) return { $bytes: bytesToB64(v) };
  if (typeof v === "bigint") return v.toString();
  if (v instanceof runtime.Float64) return v.value;
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), shown(mod, x)]));
  if (v instanceof runtime.WireMap) return Object.fromEntries(v.entries.map(([k, x]) => [String(k), shown(mod, x)]));
  if (Array.isArray(v)) return v.map((x) => shown(mod, x));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shown(mod, x)]));
  return v;
}

async function client(mod) {
  runtime ||= await import(data.runtime);
  if (!clients[mod]) {
    const m = data.modules[mod];
    const binding = { module: mod, version: m.module.version || "", schemaHash: m.schema_hash, errors: {}, classes: {} };
    const token = document.getElementById("tryit-token")?.value || undefined;
    clients[mod] = await runtime.Client.connect(binding, { url: data.ws, ...(token ? { auth: token } : {}) });
  }
  return clients[mod];
}

function form(li) {
  const [mod, declName, memberName] = li.dataset.member.split(".");
  const d = decls[mod] && decls[mod][declName];
  if (!d || (d.node !== "Service" && d.node !== "Class")) return null;
  let kind = "call", params = [], target = declName, member = memberName, needsInstance = false;
  let streaming = false; // a `stream<T>` result: Start/Stop and the items as they arrive
  if (memberName === "constructor") {
    kind = "new"; params = d.constructor.params; member = "";
  } else {
    const method = (d.methods || []).find((x) => x.name === memberName);
    const prop = (d.properties || []).find((x) => x.name === memberName);
    if (method) {
      params = method.params; needsInstance = d.node === "Class" && !method.static;
      streaming = method.returns.node === "StreamOf";
    }
    else if (prop) {
      kind = "get"; needsInstance = true;
      // a mutable property: giving a value (unticking "default") sets it instead
      if (!prop.readonly) params = [{ name: "value", type: prop.type, kind: "positional", default: {}, setter: true }];
    }
    else return null;
  }
  const inputs = params.map((p) => ({ p, input: field(mod, p.type, p.name) }));
  const box = el("form", { class: "tryit", "data-member": li.dataset.member });
  const instance = needsInstance ? field(mod, { node: "Named", name: declName }, "instance") : null;
  if (instance) box.append(el("div", { class: "param" }, el("label", { class: "pname" }, "instance"), instance.node));
  for (const { p, input } of inputs) box.append(row(p.name, p.type, input, p.default !== null, p.setter ? "get only" : "default"));
  const json = el("textarea", { class: "json", rows: "3", placeholder: '{"args": [], "kwargs": {}} (JSON entry: used instead of the fields when filled)' });
  const call = el("button", { type: "submit", class: "call" }, streaming ? "Start" : kind === "new" ? "Create" : kind === "get" ? (params.length ? "Get / Set" : "Get") : "Call");
  const stop = el("button", { type: "button", class: "stop", disabled: "" }, "Stop");
  const out = el("div", { class: "outcome", "aria-live": "polite" });
  box.append(el("details", { class: "json-entry" }, el("summary", {}, "JSON"), json), call, ...(streaming ? [stop] : []), out);
  let running = null; // the AbortController of the stream this form runs
  stop.addEventListener("click", () => running && running.abort());
  box.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (running) return; // one stream per form at a time
    out.className = "outcome";
    out.textContent = "…";
    let spec;
    const t0 = performance.now();
    try {
      const c = await client(mod);
      // a stream parameter's place holds null; its items are sent as the client stream (`input`)
      let args = [], kwargs = {}, input;
      if (json.value.trim()) {
        const parsed = JSON.parse(json.value);
        args = parsed.args || []; kwargs = parsed.kwargs || {}; input = parsed.input;
      } else {
        for (const { p, input: f } of inputs) {
          if (f.omitted && f.omitted()) continue;
          let v = f.get();
          if (p.type.node === "StreamOf") { input = v; v = null; }
          if (p.kind === "positional") args.push(v); else kwargs[p.name] = v;
        }
      }
      const setting = kind === "get" && args.length > 0;
      spec = { kind: setting ? "set" : kind, target, member, args, kwargs, instance: instance ? instance.get() : null };
      if (streaming) {
        running = new AbortController();
        call.disabled = true; stop.disabled = false;
        try { await showStream(mod, c.invokeStream(spec, { signal: running.signal, ...(input ? { input } : {}) }), running.signal, out); }
        finally { running = null; call.disabled = false; stop.disabled = true; refreshInstances(mod); }
        return;
      }
      const started = performance.now();
      const value = await c.invoke(spec, input ? { stream: { input } } : {});
      const ms = (performance.now() - started).toFixed(1);
      const result = shown(mod, value);
      out.classList.add("ok");
      out.replaceChildren(el("div", { class: "status" }, `OK (status 0) in ${ms} ms`), el("pre", { class: "result" }, JSON.stringify(result, null, 2)));
      refreshInstances(mod);
    } catch (e) {
      out.className = "outcome error";
      out.replaceChildren(...errorParts(mod, e, `in ${(performance.now() - t0).toFixed(1)} ms`));
    }
  });
  return box;
}

function errorParts(mod, e, when) {
  const code = typeof e.code === "number" ? `${runtime ? runtime.statusName(e.code) : ""} (status ${e.code})` : "not sent";
  const parts = [el("div", { class: "status" }, `${code} ${when}`)];
  if (e.typeName) parts.push(el("div", { class: "error-type" }, e.typeName));
  parts.push(el("div", { class: "error-message" }, String(e.message)));
  if (e.fields && Object.keys(e.fields).length) parts.push(el("pre", { class: "error-fields" }, JSON.stringify(shown(mod, e.fields), null, 2)));
  return parts;
}

const SHOWN_ITEMS = 20; // a long stream keeps only its last items on the page

// Consume a streamed result as it arrives: a counter, the last items, then how it ended (the
// outcome's class becomes ok, error or cancelled). Leaving the loop (Stop aborts `signal`)
// closes the stream, so the gateway's generator is closed too.
async function showStream(mod, stream, signal, out) {
  const t0 = performance.now();
  const count = el("span", { class: "count" }, "0");
  const status = el("div", { class: "status" }, "streaming… ", count, " items");
  const items = el("ol", { class: "stream-items" });
  out.className = "outcome streaming";
  out.replaceChildren(status, items);
  let n = 0;
  const after = () => `after ${n} item${n === 1 ? "" : "s"} in ${(performance.now() - t0).toFixed(1)} ms`;
  try {
    for await (const v of stream) {
      if (signal.aborted) break;
      count.textContent = String(++n);
      items.append(el("li", { value: String(n - 1) }, el("pre", { class: "result" }, JSON.stringify(shown(mod, v), null, 2))));
      while (items.children.length > SHOWN_ITEMS) items.firstChild.remove();
    }
    if (signal.aborted) throw new runtime.Cancelled("stopped from this page");
    out.className = "outcome ok";
    status.replaceChildren(`ended (status 0) ${after()}`);
  } catch (e) {
    const cancelled = e instanceof runtime.Cancelled;
    out.className = cancelled ? "outcome cancelled" : "outcome error";
    if (cancelled) status.replaceChildren(`cancelled ${after()}`);
    else out.replaceChildren(...errorParts(mod, e, after()), items);
  }
}

for (const li of document.querySelectorAll("li.member[data-member]")) {
  const open = el("button", { type: "button", class: "try" }, "Try it");
  open.addEventListener("click", (ev) => {
    ev.stopPropagation();
    const existing = li.querySelector("form.tryit");
    if (existing) { existing.hidden = !existing.hidden; return; }
    const f = form(li);
    if (f) li.append(f);
  });
  if (form(li)) li.querySelector("code.sig").after(open);
}
document.querySelectorAll(".tryit-panel").forEach((p) => { p.hidden = false; });
for (const mod of Object.keys(data.modules || {})) refreshInstances(mod);
