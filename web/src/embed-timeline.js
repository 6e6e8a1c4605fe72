// The timeline embed: the same drawing as /timeline, without the filters.
import { readJson } from "./_data.js";
import { drawTimeline } from "./_timeline.js";

window.treguaView = drawTimeline(document.getElementById("view"), readJson("view-data"),
  readJson("view-strings") || {}).timeline;
