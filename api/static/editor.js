// Home page: run SPARQL from the editor and show the rows; search as you type.
// Plain JavaScript, no library, no network beyond this server. Without it, both forms still
// submit normally (to /sparql and /search).
(function () {
  "use strict";
  var base = document.documentElement.getAttribute("data-base-iri") || "";
  var wordsBlock = document.getElementById("editor-strings");
  var words = wordsBlock ? JSON.parse(wordsBlock.textContent) : {};

  // A message in the page's language (the template's, from the .po file), its {names} filled in.
  function say(key, english, values) {
    return (words[key] || english).replace(/\{(\w+)\}/g, function (all, name) {
      return values && name in values ? String(values[name]) : all;
    });
  }

  function localHref(iri) {
    if (base && iri.indexOf(base) === 0) {
      var tail = iri.slice(base.length);
      if (tail.indexOf("id/") === 0 || tail.indexOf("ontology") === 0 || tail.indexOf("shapes") === 0) {
        return "/" + tail;
      }
    }
    return iri;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function cell(term) {
    var td = el("td");
    if (!term) { return td; }
    if (term.type === "uri") {
      td.appendChild(el("a", { href: localHref(term.value) }, term.value));
    } else {
      td.textContent = term.value;
      if (term["xml:lang"]) { td.appendChild(el("span", { "class": "lang" }, term["xml:lang"])); }
    }
    return td;
  }

  function showTable(box, data) {
    var vars = data.head.vars || [];
    var table = el("table");
    var head = el("thead"), tr = el("tr");
    vars.forEach(function (v) { tr.appendChild(el("th", { scope: "col" }, v)); });
    head.appendChild(tr); table.appendChild(head);
    var body = el("tbody");
    data.results.bindings.forEach(function (row) {
      var r = el("tr");
      vars.forEach(function (v) { r.appendChild(cell(row[v])); });
      body.appendChild(r);
    });
    table.appendChild(body);
    box.appendChild(table);
    return data.results.bindings.length;
  }

  function setupEditor() {
    var form = document.getElementById("query-form");
    if (!form) { return; }
    var textarea = document.getElementById("query");
    var status = document.getElementById("query-status");
    var box = document.getElementById("query-results");
    var select = document.getElementById("example");
    var examples = JSON.parse(document.getElementById("examples-data").textContent);
    select.addEventListener("change", function () { textarea.value = examples[select.value].query.trim() + "\n"; });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      status.className = "status";
      status.textContent = say("running", "Running…");
      box.hidden = true; box.textContent = "";
      var started = performance.now();
      fetch("/sparql", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded",
                   "Accept": "application/sparql-results+json, text/turtle;q=0.9" },
        body: new URLSearchParams({ query: textarea.value })
      }).then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        var ms = Math.round(performance.now() - started);
        if (!response.ok) {
          return response.text().then(function (text) {
            var message = text;
            try { var j = JSON.parse(text); message = j.message + (j.hint ? " (" + j.hint + ")" : ""); } catch (e) {}
            status.className = "status error";
            status.textContent = say("error", "Error {status}", { status: response.status }) + ": " + message;
          });
        }
        if (type.indexOf("json") >= 0) {
          return response.json().then(function (data) {
            box.hidden = false;
            if (typeof data.boolean === "boolean") {
              box.appendChild(el("p", {}, say("answer", "Answer: {answer}", { answer: data.boolean })));
              status.textContent = say("ask", "ASK answered in {ms} ms", { ms: ms });
            } else {
              var n = showTable(box, data);
              status.textContent = n === 1 ? say("row", "1 row in {ms} ms", { ms: ms })
                                          : say("rows", "{n} rows in {ms} ms", { n: n, ms: ms });
            }
          });
        }
        return response.text().then(function (text) {
          box.hidden = false;
          box.appendChild(el("pre", {}, text));
          status.textContent = say("graph", "Graph result in {ms} ms", { ms: ms });
        });
      }).catch(function (error) {
        status.className = "status error";
        status.textContent = say("failed", "The request failed: {reason}", { reason: error });
      });
    });
  }

  function setupSearch() {
    var input = document.getElementById("q");
    var list = document.getElementById("search-results");
    if (!input || !list) { return; }
    var timer = null, last = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (q === last) { return; }
        last = q;
        if (q.length < 2) { list.textContent = ""; return; }
        fetch("/search?format=json&limit=8&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) {
            if (input.value.trim() !== q) { return; }
            list.textContent = "";
            var ul = el("ul", { "class": "plain" });
            (data.results || []).forEach(function (hit) {
              var li = el("li");
              li.appendChild(el("a", { href: localHref(hit.iri) }, hit.name));
              li.appendChild(el("span", { "class": "badge" }, hit.kind));
              if (hit.field !== "label") { li.appendChild(el("span", { "class": "muted" }, " " + hit.matched)); }
              ul.appendChild(li);
            });
            if (!ul.children.length) { ul.appendChild(el("li", { "class": "muted" }, say("nomatch", "No match yet."))); }
            list.appendChild(ul);
          })
          .catch(function () { list.textContent = ""; });
      }, 200);
    });
  }

  setupEditor();
  setupSearch();
})();
