// Shared by the view pages and the embeds: the model and the words the server wrote into the page
// as <script type="application/json"> blocks (data, not code: the CSP allows them).
export function readJson(id) {
  const el = document.getElementById(id);
  return el ? JSON.parse(el.textContent || "null") : null;
}
