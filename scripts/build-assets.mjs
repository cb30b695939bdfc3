// Builds the third-party front-end assets into build/static/, which Django's staticfiles finds.
// Nothing here is committed: `npm ci && npm run build` recreates it from package-lock.json.
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "build", "static");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "css"), { recursive: true });
mkdirSync(join(out, "js"), { recursive: true });

const css = sass.compile(join(root, "scss", "app.scss"), {
  style: "compressed",
  importers: [new sass.NodePackageImporter()],
  quietDeps: true,
  silenceDeprecations: ["import"],
});
if (css.css.includes("GDS Transport")) throw new Error("the compiled CSS still names the GDS Transport font");
writeFileSync(join(out, "css", "app.css"), css.css);

cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "js", "govuk-frontend.min.js"));

// Every asset the compiled CSS refers to is copied, or collectstatic's manifest (DEBUG off) stops on
// the missing file and every page answers 500. The favicons are referred to by templates instead.
// Images only: the GDS Transport fonts are for GOV.UK, not for a council service.
const assetsUrl = "/static/assets/";
const referenced = new Set(["images/favicon.ico", "images/favicon.svg"]);
for (const [, url] of css.css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)) {
  if (url.startsWith("data:")) continue;
  if (!url.startsWith(assetsUrl)) throw new Error(`the compiled CSS refers to ${url}, outside ${assetsUrl}`);
  referenced.add(url.slice(assetsUrl.length).split(/[?#]/)[0]);
}
for (const asset of referenced) {
  if (!asset.startsWith("images/")) throw new Error(`the compiled CSS refers to ${asset}, which is not an image`);
  const target = join(out, "assets", asset);
  mkdirSync(dirname(target), { recursive: true });
  cpSync(join(govuk, "assets", asset), target);
}
cpSync(
  join(root, "node_modules", "plotly.js-basic-dist-min", "plotly-basic.min.js"),
  join(out, "js", "plotly-basic.min.js"),
);
console.log(`front-end assets built in ${out}`);
