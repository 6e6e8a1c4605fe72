// Entity pages (/id/{kind}/{slug}): the small graph of what the entity is linked to, drawn by
// Cytoscape from the JSON the page carries (<script type="application/json" id="entity-graph-data">,
// built by kg.pages.entity_view.Neighbourhood). The same links are listed in the page as text
// (#entity-graph-list), so the picture is never the only way to read them; a node opens its page.
import cytoscape from "cytoscape";

// Colours by kind, each dark enough for white text (WCAG AA) and told apart by shape as well.
const KINDS = {
  person: ["#0b5cad", "ellipse"],
  organization: ["#1e6b34", "round-rectangle"],
  issue: ["#8a4b00", "diamond"],
  event: ["#6b2d8a", "round-hexagon"],
  post: ["#4a5560", "round-tag"],
  place: ["#006d75", "round-triangle"],
  source: ["#5b4a00", "rectangle"],
};
const OTHER = ["#4a5560", "ellipse"];

// Cytoscape adds a <style> element for one rule (its container is position: relative) unless an
// element with this id exists; the CSP forbids inline <style>, so the rule lives in tregua.css
// (.entity-graph) and this marker tells Cytoscape it is there.
const CYTOSCAPE_STYLESHEET = "__________cytoscape_stylesheet";

function draw(container, data) {
  if (!document.getElementById(CYTOSCAPE_STYLESHEET)) {
    const marker = document.createElement("meta");
    marker.id = CYTOSCAPE_STYLESHEET;
    document.head.prepend(marker);
  }
  const elements = [
    ...data.nodes.map((n) => ({
      data: { id: n.id, label: n.label, href: n.href, colour: (KINDS[n.kind] || OTHER)[0],
              shape: (KINDS[n.kind] || OTHER)[1] },
      classes: n.centre ? "centre" : "",
    })),
    ...data.edges.map((e, i) => ({ data: { id: "e" + i, source: e.source, target: e.target, label: e.label } })),
  ];
  const cy = cytoscape({
    container,
    elements,
    // the entity in the middle, its neighbours on a ring around it, spaced for their labels
    layout: { name: "concentric", concentric: (n) => (n.hasClass("centre") ? 2 : 1), levelWidth: () => 1,
              minNodeSpacing: 70, spacingFactor: 1.4, padding: 20, animate: false },
    style: [
      { selector: "node", style: {
        "background-color": "data(colour)", shape: "data(shape)", label: "data(label)", color: "#1d2125",
        "font-size": 11, "text-valign": "bottom", "text-margin-y": 4, "text-wrap": "wrap", "text-max-width": 120,
        width: 18, height: 18 } },
      { selector: "node.centre", style: { width: 30, height: 30, "font-weight": "bold", "font-size": 13 } },
      { selector: "edge", style: {
        width: 1.5, "line-color": "#8c959e", "target-arrow-color": "#8c959e", "target-arrow-shape": "triangle",
        "curve-style": "bezier", label: "data(label)", "font-size": 9, color: "#444b52",
        "text-background-color": "#ffffff", "text-background-opacity": 0.85, "text-background-padding": 2,
        "text-rotation": "autorotate" } },
    ],
  });
  cy.on("tap", "node", (event) => {
    const href = event.target.data("href");
    if (href && !event.target.hasClass("centre")) window.location.assign(href);
  });
  cy.on("mouseover", "node", () => { container.style.cursor = "pointer"; });
  cy.on("mouseout", "node", () => { container.style.cursor = ""; });
  container.dataset.nodes = String(cy.nodes().length);
  container.dataset.edges = String(cy.edges().length);
  return cy;
}

function start() {
  const container = document.getElementById("entity-graph");
  const source = document.getElementById("entity-graph-data");
  if (!container || !source) return;
  try {
    window.treguaEntityGraph = draw(container, JSON.parse(source.textContent));
  } catch (error) {
    // The list of links below the graph stays: the page loses only its picture.
    container.hidden = true;
    console.error("entity graph:", error);
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
