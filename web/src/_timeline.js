// The timeline (vis-timeline, bundled): events and statements on one axis, links to entity pages,
// filtered by actor, stance and kind. Items are DOM nodes built here, never HTML strings.
import { DataSet } from "vis-data/peer";
import { Timeline } from "vis-timeline/peer";

function content(item, strings) {
  const box = document.createElement("span");
  box.className = "tl-item";
  if (item.speaker) {
    const who = document.createElement("strong");
    who.textContent = item.speaker + ": ";
    box.append(who);
  }
  const link = document.createElement(item.href ? "a" : "span");
  if (item.href) { link.href = item.href; link.target = "_top"; }
  const text = item.label.length > 48 ? item.label.slice(0, 46) + "…" : item.label;
  link.textContent = text;
  const notes = (item.stance_notes || []).map((s) => s.text).join("; ");
  link.title = (strings[item.kind] || item.kind) + " · " + item.date + " · " + item.label + (notes ? " · " + notes : "");
  box.append(link);
  return box;
}

export function drawTimeline(container, model, strings) {
  const items = new DataSet(model.items.map((item) => ({
    id: item.id,
    content: content(item, strings),
    start: item.start,
    end: item.end || undefined, // a month or a year is a point at its start: see `until` in the title
    type: item.end ? "range" : "point",
    className: "tl-" + item.kind + (item.stances.length ? " tl-stance-" + item.stances[0] : ""),
    kind: item.kind,
  })));
  const starts = model.items.map((i) => Date.parse(i.start));
  const ends = model.items.map((i) => Date.parse(i.until || i.start));
  const month = 1000 * 60 * 60 * 24 * 30;
  // room on the right for the labels of the last points, which vis-timeline draws right of their dot
  const first = Math.min(...starts), last = Math.max(...ends);
  const range = starts.length ? { start: first - 2 * month, end: last + Math.max(3 * month, (last - first) * 0.45) } : {};
  const timeline = new Timeline(container, items, {
    ...range,
    stack: true, zoomable: true, horizontalScroll: false, verticalScroll: true, maxHeight: 620,
    margin: { item: { horizontal: 4, vertical: 6 } }, orientation: { axis: "both", item: "top" },
    zoomMin: 1000 * 60 * 60 * 24 * 20, tooltip: { followMouse: false },
    // Stacking order: the events first, then by date, so the story's anchors (the 2012 truce, the
    // January 2017 proposal) sit at the top, in view in a frame of any height, and the many
    // statements of one month stack under them rather than pushing them out of sight.
    order: (a, b) => (a.kind === "event" ? 0 : 1) - (b.kind === "event" ? 0 : 1)
      || Date.parse(a.start) - Date.parse(b.start),
  });
  if (range.start) timeline.setWindow(range.start, range.end, { animation: false }); // draws the items now
  let current = model.items;
  return {
    timeline,
    filter(filter) {
      current = model.items.filter((item) => keep(item, filter));
      const ids = new Set(current.map((i) => i.id));
      timeline.setItems(new DataSet(model.items.filter((i) => ids.has(i.id)).map((item) => items.get(item.id))));
      if (range.start) timeline.setWindow(range.start, range.end, { animation: false });
      return ids;
    },
    shown: () => current.length,
  };
}

/** Which items a filter keeps: events when events are shown (and no stance is asked: events have
 * none) or when the actor took part; statements by the actor and with the stance. */
export function keep(item, filter) {
  if (item.kind === "event") {
    if (!filter.events || filter.stance) return false;
    return !filter.actor || item.actors.includes(filter.actor);
  }
  if (filter.actor && !item.actors.includes(filter.actor)) return false;
  if (filter.stance && !item.stances.includes(filter.stance)) return false;
  return true;
}
