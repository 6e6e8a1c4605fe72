// The timeline (vis-timeline, bundled): events and statements on one axis, links to entity pages,
// filtered by actor, stance and kind. Items are DOM nodes built here, never HTML strings.
import { DataSet } from "vis-data/peer";
import { Timeline } from "vis-timeline/peer";

// Short labels keep every item inside the panel (the full text is the link's title, a tooltip):
// fewer characters on a phone, where the panel is narrow.
function limit(container) {
  return container.clientWidth < 600 ? 22 : 40;
}

function shorten(text, max) {
  return text.length > max ? text.slice(0, max - 1).trimEnd() + "…" : text;
}

function content(item, strings, max) {
  const box = document.createElement("span");
  box.className = "tl-item";
  if (item.speaker) {
    const who = document.createElement("strong");
    who.textContent = shorten(item.speaker, Math.ceil(max / 2)) + ": ";
    box.append(who);
  }
  const link = document.createElement(item.href ? "a" : "span");
  if (item.href) { link.href = item.href; link.target = "_top"; }
  // the speaker's name counts towards the limit: the whole item fits right of its date
  link.textContent = shorten(item.label, Math.max(10, max - (item.speaker ? Math.min(item.speaker.length, Math.ceil(max / 2)) + 2 : 0)));
  const notes = (item.stance_notes || []).map((s) => s.text).join("; ");
  const full = (item.speaker ? item.speaker + ": " : "") + item.label;
  link.title = (strings[item.kind] || item.kind) + " · " + item.date + " · " + full + (notes ? " · " + notes : "");
  box.title = link.title;
  box.append(link);
  return box;
}

export function drawTimeline(container, model, strings) {
  const items = new DataSet(model.items.map((item) => ({
    id: item.id,
    content: content(item, strings, limit(container)),
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
  // On a phone the whole span leaves no room for labels: the window opens on the last months
  // (where most statements are), with room right of them for their labels; a drag reaches the rest.
  const narrow = container.clientWidth < 600;
  const range = !starts.length ? {}
    : narrow ? { start: last - 8 * month, end: last + 22 * month }
    : { start: first - 2 * month, end: last + Math.max(3 * month, (last - first) * 0.6) };
  const timeline = new Timeline(container, items, {
    ...range,
    // no maxHeight: the panel grows to fit every stacked item (a fixed height hid the last ones
    // below it, with no scrollbar to reach them)
    stack: true, zoomable: true, horizontalScroll: false,
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
