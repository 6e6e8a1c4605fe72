// The networks (Cytoscape.js, bundled). A stance network is drawn in camps: one column per stance
// value (a compound node), actors and their conditions inside, reporters in a last column; on a
// narrow screen the columns become rows. Any other network (two IRI columns) gets a force layout.
// Tapping a node opens its entity page. Cytoscape injects a <style> unless the page already has an
// element with the id __________cytoscape_stylesheet: the templates put an empty <template> with that
// id in <head>, and tregua.css gives the container the `position: relative` that style would.
import cytoscape from "cytoscape";

const COLOURS = { reject: "#a4262c", notRuledOut: "#8a5a00", conditional: "#8a5a00", favourable: "#1e7b34",
  sceptical: "#4a5560", reporters: "#0b5cad" };

const STYLE = [
  { selector: "node", style: { label: "data(label)", "font-size": 12, "text-wrap": "wrap", "text-max-width": 150,
    "text-valign": "center", "text-halign": "center", color: "#1d2125", width: 160, height: 34, shape: "round-rectangle",
    "background-color": "#ffffff", "border-width": 2, "border-color": "#5b636b" } },
  { selector: "node[role = 'camp']", style: { "text-valign": "top", "text-halign": "center", "font-size": 15,
    "font-weight": 700, "background-color": "#f5f6f7", "border-width": 0, padding: 14, color: "#1d2125" } },
  { selector: "node[role = 'condition']", style: { shape: "rectangle", "font-size": 12, height: 52,
    "background-color": "#fdf3df", "border-color": "#8a5a00", "border-style": "dashed" } },
  { selector: "node[role = 'reporter']", style: { shape: "ellipse", "background-color": "#eef4fb", "border-color": "#0b5cad" } },
  { selector: "edge", style: { width: 1.5, "line-color": "#9aa3ab", "target-arrow-shape": "triangle",
    "target-arrow-color": "#9aa3ab", "curve-style": "bezier", opacity: 0.8 } },
  { selector: "edge[role = 'reported']", style: { "line-style": "dotted", opacity: 0.5 } },
  { selector: "edge[label]", style: { label: "data(label)", "font-size": 12, "text-rotation": "autorotate" } },
];

// Camps side by side as long as they fit at zoom 1 (a column is 200px), in bands of columns below
// each other when they do not, so that labels keep their 12px at the zoom the page opens with.
const COLUMN = 200;

function campLayout(elements, width) {
  const camps = elements.filter((e) => e.data.role === "camp");
  const children = (id) => elements.filter((e) => e.data.parent === id && !e.data.source);
  const positions = {};
  const perBand = Math.max(1, Math.floor((width - 24) / COLUMN));
  const narrow = perBand < 2;
  let y0 = 0, bandRows = 0;
  camps.forEach((camp, index) => {
    const column = index % perBand;
    if (!narrow && column === 0 && index > 0) { y0 += bandRows * 66 + 110; bandRows = 0; }
    let row = 0;
    for (const child of children(camp.data.id)) {
      const tall = child.data.role === "condition" ? 56 : 46;
      if (narrow) {
        positions[child.data.id] = { x: (row % 2) * 180, y: y0 + Math.floor(row / 2) * 60 };
      } else {
        positions[child.data.id] = { x: column * COLUMN, y: y0 + row * 66 + (tall - 46) };
      }
      row += 1;
    }
    if (narrow) y0 += Math.ceil(row / 2) * 60 + 80;
    else bandRows = Math.max(bandRows, row);
  });
  return positions;
}

export function drawNetwork(container, elements, { camps = true } = {}) {
  const cy = cytoscape({
    container, elements, style: STYLE, minZoom: 0.2, maxZoom: 2.5,
    boxSelectionEnabled: false, autoungrabify: camps,
  });
  cy.nodes("[role = 'camp']").forEach((n) => {
    n.style("border-width", 3).style("border-color", COLOURS[n.data("camp")] || "#5b636b");
  });
  cy.nodes("[role = 'actor']").forEach((n) => n.style("border-color", COLOURS[n.data("camp")] || "#5b636b"));
  const lay = () => {
    if (camps) {
      const positions = campLayout(elements, container.clientWidth);
      cy.layout({ name: "preset", positions: (n) => positions[n.id()], fit: false }).run();
      // the frame as tall as the camps at zoom 1 (never zoomed out below legibility)
      const box = cy.elements().boundingBox();
      container.style.height = Math.min(Math.max(box.h + 40, 240), 3000) + "px";
      cy.resize();
      cy.fit(undefined, 12);
      if (cy.zoom() > 1) { cy.zoom(1); cy.center(); }
    } else {
      cy.layout({ name: "cose", animate: false, fit: true, padding: 20 }).run();
    }
  };
  lay();
  let width = container.clientWidth;
  new ResizeObserver(() => {
    if (Math.abs(container.clientWidth - width) > 40) { width = container.clientWidth; lay(); }
  }).observe(container);
  cy.on("tap", "node[href]", (event) => {
    const href = event.target.data("href");
    if (href) window.top.location.href = new URL(href, location.href).href;
  });
  return cy;
}
