// The SPARQL editor (CodeMirror 6 with codemirror-lang-sparql), with completion of the
// ontology's terms (handed over by the server, labels in the page's language) and of prefixes.
// CodeMirror writes its styles into <style> elements: they carry the page's CSP nonce.
import { EditorView, basicSetup } from "codemirror";
import { keymap } from "@codemirror/view";
import { Prec } from "@codemirror/state";
import { autocompletion } from "@codemirror/autocomplete";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { tags as t } from "@lezer/highlight";
import { sparql } from "codemirror-lang-sparql";

const KEYWORDS = ["SELECT", "DISTINCT", "WHERE", "OPTIONAL", "FILTER", "BIND", "VALUES", "GRAPH",
  "UNION", "MINUS", "GROUP BY", "ORDER BY", "LIMIT", "OFFSET", "COUNT", "CONSTRUCT", "DESCRIBE",
  "ASK", "PREFIX", "LANG", "LANGMATCHES", "STR", "CONTAINS", "REGEX", "COALESCE", "BOUND"];

// Token colours with a contrast of at least 4.5:1 on the editor's background and its active line
// (CodeMirror's default green for IRIs falls short of WCAG AA there).
const colours = HighlightStyle.define([
  { tag: [t.keyword, t.operatorKeyword, t.definitionKeyword, t.modifier], color: "#6a1b7a" },
  { tag: [t.url, t.link], color: "#0a5c36" },
  { tag: [t.string, t.special(t.string)], color: "#9b1c1c" },
  { tag: [t.number, t.bool, t.literal], color: "#7a3e00" },
  { tag: [t.variableName, t.special(t.variableName)], color: "#0b4a8a" },
  { tag: [t.comment, t.lineComment], color: "#5b636b", fontStyle: "italic" },
  { tag: [t.typeName, t.namespace, t.propertyName], color: "#1d5c63" },
]);

// Completion of `tg:` terms (each with its label and kind), of declared prefixes, and of keywords.
// Picking a term whose prefix the query does not declare adds the PREFIX line at the top.
function completions(terms, prefixes) {
  const declare = (view, prefix) => {
    const text = view.state.doc.toString();
    if (new RegExp("PREFIX\\s+" + prefix + ":", "i").test(text) || !prefixes[prefix]) return null;
    return { from: 0, insert: `PREFIX ${prefix}: <${prefixes[prefix]}>\n` };
  };
  const termOptions = terms.map((t) => ({
    label: t.curie, detail: t.label, info: t.iri, type: t.kind === "class" ? "class" : t.kind.includes("property") ? "property" : "constant",
    apply: (view, completion, from, to) => {
      const changes = [{ from, to, insert: t.curie }];
      const prefixLine = declare(view, "tg");
      if (prefixLine) changes.push(prefixLine);
      view.dispatch({ changes, selection: { anchor: from + t.curie.length + (prefixLine ? prefixLine.insert.length : 0) } });
    },
  }));
  const prefixOptions = Object.keys(prefixes).map((p) => ({ label: p + ":", detail: prefixes[p], type: "namespace" }));
  const keywordOptions = KEYWORDS.map((k) => ({ label: k, type: "keyword" }));
  return (context) => {
    const word = context.matchBefore(/[A-Za-z_][\w-]*:?[\w-]*/);
    if (!word && !context.explicit) return null;
    const from = word ? word.from : context.pos;
    const typed = word ? word.text : "";
    if (typed.includes(":")) {
      return typed.startsWith("tg:") ? { from, options: termOptions, validFor: /^[\w-]*:?[\w-]*$/ } : null;
    }
    if (!context.explicit && typed.length < 2) return null;
    return { from, options: [...prefixOptions, ...termOptions, ...keywordOptions], validFor: /^[\w-]*:?[\w-]*$/ };
  };
}

// Replaces `textarea` (kept in the form, in sync, for submitting without JavaScript) by an editor.
export function makeEditor({ textarea, parent, nonce, terms, prefixes, label, onRun, onChange }) {
  const view = new EditorView({
    doc: textarea.value,
    parent,
    extensions: [
      basicSetup,
      sparql(),
      syntaxHighlighting(colours),
      EditorView.cspNonce.of(nonce || ""),
      EditorView.lineWrapping,
      autocompletion({ override: [completions(terms || [], prefixes || {})], activateOnTyping: true }),
      Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => { onRun(); return true; } }])),
      EditorView.contentAttributes.of({ "aria-label": label, "aria-multiline": "true", id: "qp-code" }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) { textarea.value = update.state.doc.toString(); if (onChange) onChange(); }
      }),
    ],
  });
  textarea.hidden = true;
  parent.hidden = false;
  return {
    view,
    get: () => view.state.doc.toString(),
    set: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    // Puts the cursor at a 1-based line and column (a syntax error's position), and focuses.
    goTo: (line, column) => {
      const doc = view.state.doc;
      if (!line || line > doc.lines) return;
      const l = doc.line(line);
      view.dispatch({ selection: { anchor: Math.min(l.from + Math.max(0, (column || 1) - 1), l.to) }, scrollIntoView: true });
    },
    focus: () => view.focus(),
  };
}

export function addPrefixes(editor, prefixes) {
  const text = editor.get();
  const missing = Object.entries(prefixes).filter(([p]) => !new RegExp("PREFIX\\s+" + p + ":", "i").test(text));
  if (missing.length) editor.view.dispatch({ changes: { from: 0, insert: missing.map(([p, ns]) => `PREFIX ${p}: <${ns}>\n`).join("") } });
}
