// Talking to the endpoint, shared by the pages that run queries: run a query (or a canned query
// with its parameters), read the answer into one shape whatever its form, build download links,
// and map our IRIs onto this server's pages. No library: fetch and JSON are enough.

const XSD = "http://www.w3.org/2001/XMLSchema#";
export const NUMERIC = new Set(["integer", "decimal", "double", "float", "long", "int", "short",
  "nonNegativeInteger", "positiveInteger", "unsignedInt"].map((t) => XSD + t));
export const DATES = new Set(["date", "dateTime", "gYear", "gYearMonth", "dateTimeStamp"].map((t) => XSD + t));

// The path on this server that shows `iri` (as api/templating.py's local_href does), or `iri`.
export function localHref(iri, base) {
  if (!base || !iri.startsWith(base)) return iri;
  const tail = iri.slice(base.length);
  if (tail.startsWith("id/") || tail.startsWith("ontology") || tail.startsWith("shapes")) return "/" + tail;
  if (tail.startsWith("graph/")) return "/rdf-graph-store?graph=" + encodeURIComponent(iri);
  return iri;
}

// A short name for an IRI: a prefixed name when a prefix fits, else the last path segment.
export function shortName(iri, prefixes) {
  for (const [p, ns] of Object.entries(prefixes || {})) {
    if (iri.startsWith(ns) && iri.length > ns.length) return p + ":" + iri.slice(ns.length);
  }
  const m = /[^/#]+$/.exec(iri);
  return m ? decodeURIComponent(m[0]) : iri;
}

// SELECT, ASK, CONSTRUCT or DESCRIBE, read past the prologue and comments; "" when unclear.
export function queryForm(text) {
  const body = text.replace(/#[^\n]*/g, " ")
    .replace(/\b(PREFIX\s+[\w-]*:\s*<[^>]*>|BASE\s*<[^>]*>)/gi, " ");
  const m = /\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i.exec(body);
  return m ? m[1].toUpperCase() : "";
}

// Where a request goes: a canned query left unedited runs at /queries/NAME (the server binds its
// parameters); anything else at /sparql. `format` is a download format, or null to read it here.
export function requestUrl(req, format) {
  if (req.canned) {
    const params = new URLSearchParams(Object.entries(req.params || {}).filter(([, v]) => v !== ""));
    params.set("format", format || "sparql-json");
    return "/queries/" + encodeURIComponent(req.canned) + "?" + params;
  }
  const params = new URLSearchParams({ query: req.query });
  if (format) params.set("format", format);
  return "/sparql?" + params;
}

// Runs `req`; resolves to {kind: "select", vars, rows} | {kind: "ask", boolean} |
// {kind: "graph", triples: [{s, p, o}]}, terms as SPARQL JSON terms. A failure rejects with
// {status, message, hint, line, column} read from the server's JSON error.
export async function run(req) {
  let response;
  if (req.canned) {
    response = await fetch(requestUrl(req, null), { headers: { Accept: "application/sparql-results+json" } });
  } else {
    response = await fetch("/sparql", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded",
                 Accept: "application/sparql-results+json, application/ld+json;q=0.9" },
      body: new URLSearchParams({ query: req.query }),
    });
  }
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok) {
    const text = await response.text();
    let error = { status: response.status, message: text };
    try { error = { ...JSON.parse(text), status: response.status }; } catch (e) { /* plain text */ }
    throw error;
  }
  if (type.includes("ld+json")) return { kind: "graph", triples: fromJsonLd(await response.json()) };
  const data = await response.json();
  if (typeof data.boolean === "boolean") return { kind: "ask", boolean: data.boolean };
  return { kind: "select", vars: data.head.vars || [], rows: data.results.bindings };
}

// Expanded JSON-LD (what the endpoint writes for a graph) into triples of SPARQL JSON terms.
function fromJsonLd(doc) {
  const nodes = Array.isArray(doc) ? doc : doc["@graph"] || [doc];
  const term = (id) => (id.startsWith("_:") ? { type: "bnode", value: id.slice(2) } : { type: "uri", value: id });
  const triples = [];
  for (const node of nodes) {
    if (node["@graph"]) { triples.push(...fromJsonLd(node["@graph"])); continue; }
    const s = term(node["@id"] || "_:" + triples.length);
    for (const [p, values] of Object.entries(node)) {
      if (p.startsWith("@") && p !== "@type") continue;
      for (const v of [].concat(values)) {
        if (p === "@type") {
          triples.push({ s, p: { type: "uri", value: "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" }, o: term(v) });
        } else if (v["@id"] !== undefined) {
          triples.push({ s, p: { type: "uri", value: p }, o: term(v["@id"]) });
        } else {
          const o = { type: "literal", value: String(v["@value"]) };
          if (v["@language"]) o["xml:lang"] = v["@language"];
          if (v["@type"]) o.datatype = v["@type"];
          triples.push({ s, p: { type: "uri", value: p }, o });
        }
      }
    }
  }
  return triples;
}

// A graph result as rows of ?subject ?predicate ?object, so that every result fits a table.
export function asRows(result) {
  if (result.kind !== "graph") return result;
  return { kind: "select", vars: ["subject", "predicate", "object"],
           rows: result.triples.map((t) => ({ subject: t.s, predicate: t.p, object: t.o })) };
}
