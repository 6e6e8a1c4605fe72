// The network embed: camps for a stance network, a force layout for any other pair of IRI columns.
import { readJson } from "./_data.js";
import { drawNetwork } from "./_network.js";

const model = readJson("view-data");
window.treguaView = drawNetwork(document.getElementById("view"), model.elements,
  { camps: model.elements.some((e) => e.data.role === "camp") });
