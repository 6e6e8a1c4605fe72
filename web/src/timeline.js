// The /timeline page: draws the timeline and wires the filters to it and to the list below it.
import { readJson } from "./_data.js";
import { drawTimeline, keep } from "./_timeline.js";

const model = readJson("view-data");
const strings = readJson("view-strings") || {};
const view = drawTimeline(document.getElementById("timeline"), model, strings);
const form = document.getElementById("timeline-filters");
const count = document.getElementById("timeline-count");

function apply() {
  const filter = {
    actor: form.elements.actor.value,
    stance: form.elements.stance.value,
    events: form.elements.events.checked,
  };
  const ids = view.filter(filter);
  document.querySelectorAll("#timeline-list > li").forEach((li) => {
    li.hidden = !ids.has(Number(li.dataset.id));
  });
  count.textContent = ids.size + " " + (strings.shown || "items shown");
  const params = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries({ actor: filter.actor, stance: filter.stance })) {
    if (v) params.set(k, v); else params.delete(k);
  }
  if (filter.events) params.delete("events"); else params.set("events", "off");
  history.replaceState(null, "", location.pathname + (params.toString() ? "?" + params : ""));
  followFilter(params);
  // The language switch keeps the filters too (the server wrote its links before they were chosen).
  for (const link of document.querySelectorAll(".lang-switch a[hreflang]")) {
    const other = new URLSearchParams(params);
    other.set("lang", link.getAttribute("hreflang"));
    link.href = location.pathname + "?" + other;
  }
}

/** The snippet, the embed link and the oEmbed link follow the chosen filter: the embed applies the
 * same `actor`, `stance` and `events` parameters as this page. */
function followFilter(params) {
  const retarget = (url) => {
    const target = new URL(url, location.href);
    for (const k of ["actor", "stance", "events"]) {
      if (params.get(k)) target.searchParams.set(k, params.get(k)); else target.searchParams.delete(k);
    }
    return target.href;
  };
  const snippet = document.getElementById("embed-snippet");
  if (snippet) {
    snippet.value = snippet.value.replace(/src="([^"]*\/embed\/[^"]*)"/, (_, src) =>
      'src="' + retarget(src.replaceAll("&amp;", "&")).replaceAll("&", "&amp;") + '"');
  }
  const open = document.querySelector(".embed-box a[data-embed]");
  if (open) open.href = retarget(open.href);
}

const start = new URLSearchParams(location.search);
if (start.get("actor")) form.elements.actor.value = start.get("actor");
if (start.get("stance")) form.elements.stance.value = start.get("stance");
if (start.get("events") === "off") form.elements.events.checked = false;
form.addEventListener("change", apply);
form.addEventListener("submit", (e) => e.preventDefault());
apply();
window.treguaTimeline = view.timeline;
