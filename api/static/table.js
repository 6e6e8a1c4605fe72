// The embeddable canned-query table (queries_result.html): a file, not inline, so the page's
// Content-Security-Policy can allow scripts from 'self' only.
// Click a heading to sort by that column; numbers sort as numbers, the rest by locale.
document.querySelectorAll("#results th button").forEach(function (button) {
  button.addEventListener("click", function () {
    var th = button.parentElement, col = +button.dataset.col;
    var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    document.querySelectorAll("#results th").forEach(function (h) { h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", dir);
    var body = document.querySelector("#results tbody");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col].textContent, y = b.cells[col].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny) && String(nx) === x.trim() && String(ny) === y.trim())
        ? nx - ny : x.localeCompare(y);
      return dir === "ascending" ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
