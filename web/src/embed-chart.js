// The chart embed: a bar chart of the answer's first count column.
import { readJson } from "./_data.js";
import { drawChart } from "./_chart.js";

window.treguaView = drawChart(document.getElementById("view"), readJson("view-data").chart);
