// Bundles every entry point web/src/*.js (files whose name starts with "_" are shared modules,
// not entry points) into api/static/dist/NAME.js, and copies the stylesheets the components ship
// (vis-timeline's) beside them, each with a gzip copy (NAME.gz). The app serves these files
// itself (GET /static/dist/NAME): no page loads anything from a CDN. Run by `make install` (the Makefile's web target); `node build.mjs`
// by hand after editing web/src.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { constants, gzipSync } from "node:zlib";

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
// A gzip copy of each file beside it (NAME.gz), made once here rather than on every request: the
// app sends it to browsers that accept gzip (the query page's bundle: ~2 MB, ~0.6 MB gzipped).
for (const name of readdirSync(out).filter((f) => f.endsWith(".js") || f.endsWith(".css"))) {
  const data = readFileSync(join(out, name));
  writeFileSync(join(out, name + ".gz"), gzipSync(data, { level: constants.Z_BEST_COMPRESSION }));
}
writeFileSync(join(out, ".built"), new Date().toISOString() + "\n");
console.log(`web: ${entries.length} bundles in api/static/dist/`);
