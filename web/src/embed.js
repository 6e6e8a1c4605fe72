// Every embed (/embed/NAME?view=...) loads this: it reports the page's height to the page that
// frames it (see embed-resize.js). A table needs nothing else; the pictures load their own bundle
// (embed-timeline.js, embed-network.js, embed-chart.js), so a table never downloads ECharts.
import { reportHeight } from "./_resize.js";

reportHeight();
