// Bundles src/sparql-editor.js into ../web/static/editor/ and writes the licence of every package
// that went into the bundle beside it (LICENSES.txt), with its version.
import { build } from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "web", "static", "editor");

const result = await build({
  entryPoints: [join(here, "src", "sparql-editor.js")],
  outfile: join(out, "sparql-editor.js"),
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "none", // the licences are in LICENSES.txt
  metafile: true,
});

const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (match) packages.add(match[1]);
}
const sections = [...packages].sort().map((name) => {
  const folder = join(here, "node_modules", name);
  const meta = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
  const licence = readFileSync(join(folder, "LICENSE"), "utf8").trim();
  return `${name} ${meta.version} (${meta.license})\n${"-".repeat(72)}\n${licence}\n`;
});
writeFileSync(
  join(out, "LICENSES.txt"),
  "Packages bundled into sparql-editor.js (built by editor/build.mjs from npm):\n\n" + sections.join("\n"),
);
console.log(`sparql-editor.js: ${[...packages].sort().join(", ")}`);
