// The /network page: the stance network in camps.
import { readJson } from "./_data.js";
import { drawNetwork } from "./_network.js";

const model = readJson("view-data");
window.treguaNetwork = drawNetwork(document.getElementById("network"), model.elements, { camps: true });
