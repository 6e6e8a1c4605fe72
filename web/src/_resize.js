// The embedded page's half of the resizing: tell the page that frames us how tall we are, each time
// that changes. The other half is embed-resize.js, the script the copy-paste snippet loads.
export function reportHeight() {
  if (window.parent === window) return;
  let last = 0;
  const send = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ "tregua-embed": { height, href: location.href } }, "*");
  };
  new ResizeObserver(send).observe(document.documentElement);
  window.addEventListener("load", send);
  send();
}
