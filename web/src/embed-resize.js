// Loaded by the embed snippet on the newsroom's page: sets the height of each Tregua iframe to the
// height its page reports (postMessage {"tregua-embed": {height}}), only for frames from the
// origin this script came from. Tiny and dependency-free on purpose.
(function () {
  if (window.__treguaResize) return;
  window.__treguaResize = true;
  var me = document.currentScript && document.currentScript.src;
  var origin = me ? new URL(me).origin : null;
  window.addEventListener("message", function (event) {
    var data = event.data && event.data["tregua-embed"];
    if (!data || typeof data.height !== "number" || (origin && event.origin !== origin)) return;
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.height = Math.max(80, Math.min(5000, data.height)) + "px";
        frames[i].setAttribute("data-tregua-height", String(data.height));
      }
    }
  });
})();
