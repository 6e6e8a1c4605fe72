// Result views shared by the pages that draw query results: a sortable table, a timeline
// (vis-timeline), a graph (Cytoscape) and a bar chart (ECharts). Each takes a result as
// _sparql.js's run() gives it and a context {base, prefixes, strings}, and draws into a box.
import { Timeline } from "vis-timeline";
import { DataSet } from "vis-data";
import cytoscape from "cytoscape";
import * as echarts from "echarts/core";
import { BarChart } from "echarts/charts";
import { AriaComponent, GridComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";
import { DATES, NUMERIC, asRows, localHref, shortName } from "./_sparql.js";

echarts.use([BarChart, GridComponent, AriaComponent, SVGRenderer]);

export const VIEWS = ["table", "timeline", "graph", "chart"];
const RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label";
const DATE_RE = /^-?\d{4}(-\d{2}(-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

export function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
}

const isDate = (t) => t && t.type === "literal" && (DATES.has(t.datatype) || (!t.datatype && DATE_RE.test(t.value) && t.value.length >= 4 && /^\d{4}/.test(t.value) && t.value.includes("-")));
const isNumber = (t) => t && t.type === "literal" && NUMERIC.has(t.datatype);

// What a result holds: its columns of dates, of numbers, of IRIs, and of other text.
export function shape(result) {
  if (result.kind !== "select") return { dates: [], numbers: [], iris: [], texts: [] };
  const every = (v, test) => result.rows.some((r) => r[v]) && result.rows.every((r) => !r[v] || test(r[v]));
  const dates = result.vars.filter((v) => result.rows.some((r) => isDate(r[v])));
  const numbers = result.vars.filter((v) => every(v, isNumber));
  const iris = result.vars.filter((v) => every(v, (t) => t.type === "uri"));
  const texts = result.vars.filter((v) => !dates.includes(v) && !numbers.includes(v) && !iris.includes(v));
  return { dates, numbers, iris, texts };
}

// The views that can draw `result` (the table draws everything).
export function viewsFor(result) {
  if (result.kind === "ask") return ["table"];
  if (result.kind === "graph") return ["table", "graph"];
  const s = shape(result);
  const out = ["table"];
  if (s.dates.length) out.push("timeline");
  if (s.iris.length >= 2) out.push("graph");
  if (s.numbers.length && s.texts.length + s.iris.length >= 1) out.push("chart");
  return out;
}

// The view shown when none was asked for: a graph for a graph, or for rows relating entities
// (two IRI columns); a chart only for counts per label (one column naming things, each name
// once, the others numbers but for at most one, a few dozen rows at most); the table otherwise.
export function autoView(result) {
  if (result.kind === "graph") return "graph";
  if (result.kind !== "select" || !result.rows.length) return "table";
  const s = shape(result);
  if (s.iris.length >= 2) return "graph";
  if (chartable(result, s)) return "chart";
  return "table";
}

function chartable(result, s) {
  const naming = result.vars.find((v) => !s.numbers.includes(v));
  if (!naming || !s.numbers.length || s.numbers.includes(result.vars[0]) || result.rows.length > 40) return false;
  const others = result.vars.filter((v) => v !== naming && !s.numbers.includes(v));
  if (others.length > 1 || s.iris.length > 1) return false;
  const names = result.rows.map((r) => (r[naming] ? r[naming].value : ""));
  return new Set(names).size === names.length;
}

// A column of a few short words repeated (a kind, a type, a language): not a name.
function enumLike(result, v) {
  const values = result.rows.map((r) => r[v]).filter(Boolean).map((t) => t.value);
  if (!values.length) return true;
  const distinct = new Set(values);
  return values.every((x) => x.length <= 24 && !/\s/.test(x)) && distinct.size <= Math.max(2, values.length / 3);
}

// The column that names a row: one called label, name or title, else the first text column
// that is not an enum; null when there is none.
export function labelColumn(result, s) {
  const named = result.vars.find((v) => /^(label|name|title)$/i.test(v) && s.texts.includes(v));
  if (named) return named;
  const text = s.texts.find((v) => result.rows.some((r) => r[v] && r[v].type === "literal") && !enumLike(result, v));
  return text || s.texts[0] || null;
}

// The text column that names the IRIs of column `v` (?actor_iri → ?actor_name, ?actor_label,
// ?actor; the row's label column for its first IRI column), or null.
export function nameColumn(result, s, v) {
  const stem = v.replace(/_?(iri|uri)$/i, "");
  const candidates = ["", "_name", "_label", "Label", "Name"].map((suffix) => stem + suffix);
  const named = candidates.find((c) => c !== v && s.texts.includes(c));
  if (named) return named;
  if (v !== s.iris[0]) return null;
  return labelColumn(result, s);
}

export function draw(view, box, result, ctx) {
  box.textContent = "";
  box.dataset.view = view;
  const fn = { table: drawTable, timeline: drawTimeline, graph: drawGraph, chart: drawChart }[view];
  return fn(box, result, ctx);
}

// A cell: an IRI shown by the row's label for it (else its short name), the full IRI as the
// link's title; a literal with its language tag.
function termNode(term, ctx, label) {
  if (!term) return document.createTextNode("");
  if (term.type === "uri") return el("a", { href: localHref(term.value, ctx.base), title: term.value, class: "qp-iri" }, label || shortName(term.value, ctx.prefixes));
  if (term.type === "bnode") return document.createTextNode("_:" + term.value);
  const span = el("span", {}, term.value);
  if (term["xml:lang"]) span.appendChild(el("span", { class: "lang" }, term["xml:lang"]));
  return span;
}

function compareTerms(a, b) {
  if (!a || !b) return a ? -1 : b ? 1 : 0;
  if (isNumber(a) && isNumber(b)) return Number(a.value) - Number(b.value);
  return a.value.localeCompare(b.value, undefined, { numeric: true, sensitivity: "base" });
}

// The table: one column per variable, each header a button that sorts by it (then reverses).
export function drawTable(box, result, ctx) {
  if (result.kind === "ask") {
    box.appendChild(el("p", { class: "qp-answer" }, fill(ctx.strings.ask, { answer: result.boolean ? ctx.strings.yes : ctx.strings.no })));
    return;
  }
  const data = asRows(result);
  if (!data.rows.length) { box.appendChild(el("p", { class: "muted" }, ctx.strings.no_rows)); return; }
  // The table scrolls sideways rather than break words; a region that scrolls takes the focus.
  const wrap = el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": ctx.strings.table_label || "Results" });
  const s = result.kind === "select" ? shape(result) : { iris: [], texts: [], numbers: [], dates: [] };
  const namesOf = Object.fromEntries(s.iris.map((v) => [v, nameColumn(result, s, v)]));
  const table = el("table", { class: "qp-table" });
  const head = el("thead"), tr = el("tr"), body = el("tbody");
  let rows = data.rows.slice(), sorted = null, order = 1;
  const fillBody = () => {
    body.textContent = "";
    for (const row of rows) {
      const r = el("tr");
      for (const v of data.vars) {
        const td = el("td");
        const name = namesOf[v] && row[namesOf[v]] ? row[namesOf[v]].value : "";
        td.appendChild(termNode(row[v], ctx, name));
        r.appendChild(td);
      }
      body.appendChild(r);
    }
  };
  for (const v of data.vars) {
    const th = el("th", { scope: "col" });
    const button = el("button", { type: "button", class: "sort", title: fill(ctx.strings.sort, { column: v }) }, v);
    button.addEventListener("click", () => {
      order = sorted === v ? -order : 1;
      sorted = v;
      rows.sort((a, b) => order * compareTerms(a[v], b[v]));
      for (const other of tr.children) other.removeAttribute("aria-sort");
      th.setAttribute("aria-sort", order === 1 ? "ascending" : "descending");
      fillBody();
    });
    th.appendChild(button);
    tr.appendChild(th);
  }
  head.appendChild(tr);
  table.append(head, body);
  fillBody();
  wrap.appendChild(table);
  box.appendChild(wrap);
}

function toDate(term) {
  const v = term.value;
  if (/^-?\d{4}$/.test(v)) return new Date(v + "-01-01T00:00:00Z");
  if (/^-?\d{4}-\d{2}$/.test(v)) return new Date(v + "-01T00:00:00Z");
  const d = new Date(v);
  return isNaN(d) ? null : d;
}

function rowLabel(row, vars, s, ctx, label) {
  if (label && row[label]) return row[label].value;
  const text = s.texts.find((v) => row[v]);
  if (text) return row[text].value;
  const iri = s.iris.find((v) => row[v]);
  return iri ? shortName(row[iri].value, ctx.prefixes) : "";
}

// The timeline: one item per row with a date (the first date column starts it, a second ends
// it), named by the row's first text column and linked to the row's first IRI.
export function drawTimeline(box, result, ctx) {
  const s = shape(result);
  if (result.kind !== "select" || !s.dates.length) { box.appendChild(el("p", { class: "muted" }, ctx.strings.no_dates)); return; }
  const [startVar, endVar] = s.dates;
  const labelVar = labelColumn(result, s);
  const items = [];
  result.rows.forEach((row, i) => {
    const start = row[startVar] && toDate(row[startVar]);
    if (!start) return;
    const end = endVar && row[endVar] && toDate(row[endVar]);
    const iri = s.iris.find((v) => row[v]);
    const label = rowLabel(row, result.vars, s, ctx, labelVar) || row[startVar].value;
    const content = iri ? el("a", { href: localHref(row[iri].value, ctx.base) }, label) : el("span", {}, label);
    const item = { id: i, content, start, title: label + " · " + row[startVar].value + (end ? " – " + row[endVar].value : "") };
    if (end && end > start) { item.end = end; } else { item.type = "point"; }
    items.push(item);
  });
  if (!items.length) { box.appendChild(el("p", { class: "muted" }, ctx.strings.no_dates)); return; }
  const holder = el("div", { class: "qp-timeline", role: "region", "aria-label": ctx.strings.timeline_label });
  box.appendChild(holder);
  // The window: every item, with room on the right for the last one's label.
  const first = Math.min(...items.map((it) => it.start.getTime()));
  const last = Math.max(...items.map((it) => (it.end || it.start).getTime()));
  const span = Math.max(last - first, 1000 * 3600 * 24 * 365);
  const timeline = new Timeline(holder, new DataSet(items), {
    start: new Date(first - span * 0.05), end: new Date(last + span * 0.3), stack: true, zoomKey: "ctrlKey", horizontalScroll: false, verticalScroll: true, orientation: { axis: "top", item: "top" }, maxHeight: 600, margin: { item: 6 },
  });
  box.appendChild(listOf(items.map((it) => it.content.cloneNode(true)), ctx.strings.timeline_label));
  return () => timeline.destroy();
}

function listOf(nodes, summary) {
  const details = el("details", { class: "qp-list" });
  details.appendChild(el("summary", {}, summary));
  const ul = el("ul", { class: "plain" });
  for (const n of nodes) { const li = el("li"); li.appendChild(n); ul.appendChild(li); }
  details.appendChild(ul);
  return details;
}

// The graph: a CONSTRUCT/DESCRIBE result's resources and links (literals other than labels
// left out), or, for rows, an edge from the first IRI column to each other one.
export function drawGraph(box, result, ctx) {
  const nodes = new Map(), edges = [];
  const node = (term) => {
    if (!nodes.has(term.value)) nodes.set(term.value, { term, label: term.type === "uri" ? shortName(term.value, ctx.prefixes) : "_:" + term.value });
    return term.value;
  };
  if (result.kind === "graph") {
    for (const t of result.triples) {
      if (t.p.value === RDFS_LABEL && t.o.type === "literal") {
        const n = nodes.get(node(t.s));
        if (!n.named || (t.o["xml:lang"] || "en") === (ctx.lang || "en")) { n.label = t.o.value; n.named = true; }
      }
    }
    for (const t of result.triples) {
      if (t.o.type === "literal") continue;
      edges.push({ source: node(t.s), target: node(t.o), label: shortName(t.p.value, ctx.prefixes) });
    }
  } else if (result.kind === "select") {
    const s = shape(result);
    if (s.iris.length < 2) { box.appendChild(el("p", { class: "muted" }, ctx.strings.no_graph)); return; }
    const [first, ...others] = s.iris;
    const stem = (v) => v.replace(/_?(iri|uri)$/i, "");
    for (const row of result.rows) {
      if (!row[first]) continue;
      const from = node(row[first]);
      for (const v of others) if (row[v]) edges.push({ source: from, target: node(row[v]), label: stem(v) });
    }
    const nameOf = (v) => nameColumn(result, s, v);
    for (const v of s.iris) {
      const text = nameOf(v);
      if (!text) continue;
      for (const row of result.rows) {
        const n = row[v] && row[text] && nodes.get(row[v].value);
        if (n && !n.named) { n.label = row[text].value; n.named = true; }
      }
    }
  }
  if (!nodes.size) { box.appendChild(el("p", { class: "muted" }, ctx.strings.no_graph)); return; }
  // Cytoscape adds a <style> for its container unless an element with this id exists: the rule
  // is in tregua.css instead, so that the pages' CSP (style-src 'self') holds.
  if (!document.getElementById("__________cytoscape_stylesheet")) {
    document.head.appendChild(el("meta", { id: "__________cytoscape_stylesheet", name: "cytoscape-style", content: "tregua.css" }));
  }
  const holder = el("div", { class: "qp-graph", role: "img", "aria-label": ctx.strings.graph_label });
  box.appendChild(holder);
  const seen = new Set();
  const elements = [...nodes.entries()].map(([id, n]) => ({ data: { id, label: n.label, href: n.term.type === "uri" ? localHref(id, ctx.base) : "" } }));
  edges.forEach((e, i) => {
    const key = e.source + " " + e.label + " " + e.target;
    if (seen.has(key)) return;
    seen.add(key);
    elements.push({ data: { id: "e" + i, source: e.source, target: e.target, label: e.label } });
  });
  const cy = cytoscape({
    container: holder, elements,
    // Spaced out so that labels do not overlap: strong repulsion, long edges.
    layout: nodes.size > 1
      ? { name: "cose", animate: false, nodeRepulsion: () => 400000, idealEdgeLength: () => 120, nodeOverlap: 40, componentSpacing: 120, padding: 20, randomize: false }
      : { name: "grid" },
    style: [
      { selector: "node", style: { label: "data(label)", "font-size": 12, "text-wrap": "wrap", "text-max-width": 140, "text-valign": "bottom", "text-margin-y": 3, "background-color": "#3a6ea5", color: "#1b1b1b", width: 18, height: 18 } },
      { selector: "edge", style: { label: "data(label)", "font-size": 10, color: "#444", width: 1.5, "line-color": "#9aa7b4", "target-arrow-color": "#9aa7b4", "target-arrow-shape": "triangle", "curve-style": "bezier", "text-rotation": "autorotate" } },
    ],
  });
  // Labels no smaller than 12 px on screen however far the layout's fit zoomed out.
  const zoom = cy.zoom();
  if (zoom < 1) {
    cy.style().selector("node").style("font-size", Math.ceil(12 / zoom)).style("text-max-width", Math.ceil(140 / zoom))
      .selector("edge").style("font-size", Math.ceil(10 / zoom)).update();
  }
  cy.on("tap", "node", (event) => { const href = event.target.data("href"); if (href) window.location.assign(href); });
  box.appendChild(listOf([...nodes.entries()].map(([id, n]) => (n.term.type === "uri" ? el("a", { href: localHref(id, ctx.base) }, n.label) : el("span", {}, n.label))), ctx.strings.nodes));
  return () => cy.destroy();
}

// The bar chart: the first column that names things along one axis, the first number column
// as the bars (a second series would need explaining: the table shows every column); both axes
// named after their columns.
export function drawChart(box, result, ctx) {
  const s = shape(result);
  const naming = result.kind === "select" && result.vars.find((v) => !s.numbers.includes(v));
  if (!naming || !s.numbers.length) { box.appendChild(el("p", { class: "muted" }, ctx.strings.no_counts)); return; }
  const count = s.numbers[0];
  const namesOf = nameColumn(result, s, naming);
  const names = result.rows.map((r) => {
    const t = r[naming];
    if (!t) return "";
    if (t.type !== "uri") return t.value;
    return namesOf && r[namesOf] ? r[namesOf].value : shortName(t.value, ctx.prefixes);
  });
  const holder = el("div", { class: "qp-chart" });
  holder.style.height = Math.max(240, 28 * names.length + 90) + "px";
  box.appendChild(holder);
  const chart = echarts.init(holder, null, { renderer: "svg" });
  chart.setOption({
    aria: { enabled: true, label: { description: fill(ctx.strings.chart_label, { count, naming }) } },
    animation: false,
    grid: { left: 8, right: 40, top: 30, bottom: 30, containLabel: true },
    yAxis: { type: "category", data: names, inverse: true, name: naming, nameLocation: "start", nameTextStyle: { fontWeight: "bold", align: "left" }, axisLabel: { width: 220, overflow: "truncate" } },
    xAxis: { type: "value", name: count, nameLocation: "middle", nameGap: 24, nameTextStyle: { fontWeight: "bold" }, minInterval: 1 },
    series: [{ type: "bar", name: count, data: result.rows.map((r) => (r[count] ? Number(r[count].value) : 0)), label: { show: true, position: "right" } }],
  });
  const resize = () => chart.resize();
  window.addEventListener("resize", resize);
  return () => { window.removeEventListener("resize", resize); chart.dispose(); };
}
