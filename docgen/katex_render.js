// Render many TeX formulas to HTML with KaTeX in one Node process (used by docgen/katex.py).
// Usage: node katex_render.js /path/to/node_modules/katex
// stdin:  {"formulas": [["\\frac{a}{b}", true], ...]}
// stdout: {"results": [{"html": "..."} | {"error": "..."}, ...]}
"use strict";

const katex = require(process.argv[2]);

// Characters without KaTeX font metrics (e.g. Chinese inside \text{...}) fall back to the page's
// fonts: allowed. Every other strict-mode complaint is an error, so sloppy TeX fails the build.
function strict(code) {
  return code === "unknownSymbol" ? "ignore" : "error";
}

const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {
  const { formulas } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const results = formulas.map(([tex, display]) => {
    try {
      return {
        html: katex.renderToString(tex, {
          displayMode: Boolean(display),
          output: "htmlAndMathml",
          throwOnError: true,
          trust: false,
          strict,
          maxExpand: 1000,
        }),
      };
    } catch (e) {
      return { error: String(e && e.message ? e.message : e) };
    }
  });
  process.stdout.write(JSON.stringify({ version: katex.version, results }));
});
