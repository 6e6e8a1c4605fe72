// The /query page: a CodeMirror editor, a menu of canned queries and examples, results drawn in
// the page (table, timeline, graph, chart), downloads, and a share link carrying the query and
// the view. Everything it needs from the server is in the page's JSON blocks (qp-config,
// qp-menu-data, qp-strings); without JavaScript the form still submits to /sparql.
import { makeEditor, addPrefixes } from "./_editor.js";
import { run, requestUrl } from "./_sparql.js";
import { VIEWS, autoView, draw, fill, viewsFor } from "./_views.js";

const $ = (id) => document.getElementById(id);
const json = (id) => JSON.parse($(id).textContent);

function start() {
  const config = json("qp-config"), menu = json("qp-menu-data"), strings = json("qp-strings");
  const ctx = { base: document.documentElement.dataset.baseIri || "", prefixes: config.prefixes,
                strings, lang: document.documentElement.lang };
  const form = $("query-form"), status = $("query-status"), errorBox = $("qp-error");
  const results = $("qp-results"), box = $("query-results"), share = $("qp-share");
  const pageParams = new URLSearchParams(window.location.search);
  // `view` is the view asked for by hand (a button, or the share link), "auto" until then.
  const state = { canned: null, cannedText: "", view: config.view, shown: null, result: null, request: null, cleanup: null };

  const editor = makeEditor({
    textarea: $("query"), parent: $("qp-editor"), nonce: config.nonce, terms: config.terms,
    prefixes: config.prefixes, label: strings.editor_label, onRun: () => runNow(), onChange: () => noteEdits(),
  });
  for (const node of document.querySelectorAll(".qp-nojs")) node.hidden = true;
  $("qp-keys").hidden = false;
  $("qp-prefixes").hidden = false;
  $("qp-prefixes").addEventListener("click", () => { addPrefixes(editor, config.prefixes); editor.focus(); });

  // ------------------------------------------------------------------ the menu and parameters
  function chooseCanned(name, values) {
    const entry = menu.canned.find((c) => c.name === name);
    if (!entry) return;
    state.canned = entry.name;
    state.cannedText = entry.query;
    if (editor.get() !== entry.query) editor.set(entry.query);
    $("qp-canned-name").textContent = entry.name;
    const fields = $("qp-param-fields");
    fields.textContent = "";
    for (const p of entry.parameters) {
      const id = "qp-p-" + p.name;
      const wrap = document.createElement("div");
      const label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = p.name + (p.required ? " (" + strings.required + ")" : "");
      const input = document.createElement("input");
      Object.assign(input, { id, name: "p." + p.name, type: "text", placeholder: p.example || "" });
      input.dataset.param = p.name;
      // A query whose labels come in a `lang` speaks the page's language unless told otherwise.
      const pageLang = p.name === "lang" && ["en", "es"].includes(ctx.lang) ? ctx.lang : "";
      input.value = values && values[p.name] !== undefined ? values[p.name] : pageLang || (p.required ? p.example || p.default || "" : "");
      input.setAttribute("aria-describedby", id + "-help");
      const help = document.createElement("span");
      help.id = id + "-help";
      help.className = "muted";
      help.textContent = [p.description, p.expected].filter(Boolean).join(" — ");
      if (ctx.lang !== "en") help.lang = "en";  // from the query's .rq header, written in English
      wrap.append(label, input, help);
      fields.appendChild(wrap);
    }
    $("qp-params").hidden = false;
    noteEdits();
  }

  function clearCanned() {
    state.canned = null;
    $("qp-params").hidden = true;
  }

  function cannedLive() { return state.canned && editor.get() === state.cannedText; }

  function noteEdits() {
    if (!state.canned) return;
    $("qp-canned-note").textContent = cannedLive() ? fill(strings.canned_note, { name: state.canned }) : strings.canned_edited;
    for (const input of $("qp-param-fields").querySelectorAll("input")) input.disabled = !cannedLive();
  }

  $("qp-menu").addEventListener("change", (event) => {
    const [kind, key] = event.target.value.split(/:(.*)/s);
    state.view = "auto";  // a new query: its view is chosen again
    if (kind === "canned") chooseCanned(key);
    else if (kind === "example") { clearCanned(); editor.set(menu.examples[Number(key)].query.trim() + "\n"); }
  });

  function currentRequest() {
    if (cannedLive()) {
      const params = {};
      for (const input of $("qp-param-fields").querySelectorAll("input")) params[input.dataset.param] = input.value.trim();
      return { canned: state.canned, params };
    }
    return { query: editor.get() };
  }

  // ------------------------------------------------------------------ running and showing
  async function runNow() {
    const request = currentRequest();
    // The address bar holds the state as soon as a run starts, not only once its answer is drawn.
    state.request = request;
    updateShare();
    status.className = "status";
    status.textContent = strings.running;
    errorBox.hidden = true;
    errorBox.textContent = "";
    const started = performance.now();
    let result;
    try {
      result = await run(request);
    } catch (error) {
      showError(error);
      return;
    }
    const ms = Math.round(performance.now() - started);
    state.result = result;
    state.request = request;
    if (result.kind === "ask") status.textContent = fill(strings.ask_status, { ms });
    else if (result.kind === "graph") status.textContent = fill(strings.triples, { n: result.triples.length, ms });
    else status.textContent = fill(result.rows.length === 1 ? strings.rows_one : strings.rows_many, { n: result.rows.length, ms });
    results.hidden = false;
    const fits = viewsFor(result);
    for (const button of $("qp-views").querySelectorAll("button")) button.disabled = !fits.includes(button.dataset.view);
    show(fits.includes(state.view) ? state.view : autoView(result), false);
    downloads(result, request);
  }

  function showError(error) {
    status.className = "status error";
    status.textContent = fill(strings.error, { status: error.status || "" });
    errorBox.hidden = false;
    errorBox.textContent = "";
    const message = document.createElement("p");
    message.textContent = error.status ? fill(strings.error, { status: error.status }) + ": " + (error.message || "") : fill(strings.failed, { reason: String(error) });
    errorBox.appendChild(message);
    if (error.hint) { const hint = document.createElement("p"); hint.className = "muted"; hint.textContent = error.hint; errorBox.appendChild(hint); }
    if (error.line) {
      const go = document.createElement("button");
      go.type = "button";
      go.textContent = fill(strings.at, { line: error.line, column: error.column || 1 });
      go.addEventListener("click", () => { editor.goTo(error.line, error.column); editor.focus(); });
      errorBox.appendChild(go);
    }
  }

  function show(view, byHand) {
    if (state.cleanup) { try { state.cleanup(); } catch (e) { /* already gone */ } state.cleanup = null; }
    if (byHand) state.view = view;
    state.shown = view;
    for (const button of $("qp-views").querySelectorAll("button")) button.setAttribute("aria-pressed", String(button.dataset.view === view));
    updateShare();  // first: the address bar holds this run's state even if drawing fails
    state.cleanup = draw(view, box, state.result, ctx) || null;
  }

  $("qp-views").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-view]");
    if (button && !button.disabled && state.result) show(button.dataset.view, true);
  });

  function downloads(result, request) {
    const graph = result.kind === "graph";
    const links = { csv: graph ? null : "csv", json: graph ? "jsonld" : request.canned ? "json" : "json", ttl: graph ? "ttl" : null };
    for (const [name, format] of Object.entries(links)) {
      const a = $("qp-dl-" + name);
      a.parentElement.hidden = !format;
      if (format) a.href = requestUrl(request, format);
    }
  }

  // ------------------------------------------------------------------ share links
  function shareUrl() {
    const url = new URL("/query", window.location.origin);
    const request = state.request || currentRequest();
    if (request.canned) {
      url.searchParams.set("canned", request.canned);
      for (const [k, v] of Object.entries(request.params)) if (v !== "") url.searchParams.set("p." + k, v);
    } else {
      url.searchParams.set("query", request.query);
    }
    if (VIEWS.includes(state.shown)) url.searchParams.set("view", state.shown);
    if (pageParams.get("lang")) url.searchParams.set("lang", pageParams.get("lang"));
    return url.toString();
  }

  function updateShare() {
    share.value = shareUrl();
    window.history.replaceState(null, "", share.value);
    // The language switch keeps the query and the view too.
    for (const link of document.querySelectorAll(".lang-switch a[hreflang]")) {
      const url = new URL(share.value);
      url.searchParams.set("lang", link.getAttribute("hreflang"));
      link.href = url.pathname + url.search;
    }
  }

  $("qp-copy").addEventListener("click", async () => {
    share.select();
    try { await navigator.clipboard.writeText(share.value); } catch (e) { document.execCommand && document.execCommand("copy"); }
    status.className = "status";
    status.textContent = strings.copied;
  });

  form.addEventListener("submit", (event) => { event.preventDefault(); runNow(); });

  // ------------------------------------------------------------------ a share link's state
  if (config.canned) {
    const values = {};
    for (const [k, v] of pageParams) if (k.startsWith("p.")) values[k.slice(2)] = v;
    chooseCanned(config.canned, values);
    $("qp-menu").value = "canned:" + config.canned;
  }
  if (config.run) runNow();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
