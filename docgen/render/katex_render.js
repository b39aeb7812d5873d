// Render TeX formulas to HTML with KaTeX in one Node process (used by docgen/katex.py).
// Usage: node katex_render.js /path/to/node_modules/katex/dist/katex.js
// stdin:  one request per line: {"formulas": [["\\frac{a}{b}", true], ...]}
// stdout: one answer per line:  {"results": [{"html": "..."} | {"error": "..."}, ...]}
// The process serves requests until its standard input ends, so that a build starts Node (and
// loads KaTeX) once, possibly before it knows the first formula.
"use strict";

const katex = require(process.argv[2]);

// Characters without KaTeX font metrics (e.g. Chinese inside \text{...}) fall back to the page's
// fonts: allowed. Every other strict-mode complaint is an error, so sloppy TeX fails the build.
function strict(code) {
  return code === "unknownSymbol" ? "ignore" : "error";
}

function answer(line) {
  const { formulas } = JSON.parse(line);
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
  // JSON.stringify escapes newlines inside strings: the answer is one line
  process.stdout.write(JSON.stringify({ version: katex.version, results }) + "\n");
}

let pending = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  pending += chunk;
  let end;
  while ((end = pending.indexOf("\n")) >= 0) {
    const line = pending.slice(0, end);
    pending = pending.slice(end + 1);
    if (line.trim()) answer(line);
  }
});
process.stdin.on("end", () => {
  if (pending.trim()) answer(pending);
});
