// Bundles every entry point web/src/*.js (files whose name starts with "_" are shared modules,
// not entry points) into api/static/dist/NAME.js, and copies the stylesheets the components ship
// (vis-timeline's) beside them. The app serves these files itself (GET /static/dist/NAME): no page
// loads anything from a CDN. Run by `make install` (the Makefile's web target); `node build.mjs`
// by hand after editing web/src.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, "src");
const out = join(here, "..", "api", "static", "dist");
mkdirSync(out, { recursive: true });

const entries = readdirSync(src).filter((f) => f.endsWith(".js") && !f.startsWith("_"));
await build({
  entryPoints: entries.map((f) => join(src, f)),
  outdir: out,
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "linked",
  logLevel: "warning",
});

const copies = {
  "vis-timeline.css": "node_modules/vis-timeline/styles/vis-timeline-graph2d.min.css",
};
for (const [name, from] of Object.entries(copies)) copyFileSync(join(here, from), join(out, name));
writeFileSync(join(out, ".built"), new Date().toISOString() + "\n");
console.log(`web: ${entries.length} bundles in api/static/dist/`);
