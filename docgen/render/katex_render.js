// Render TeX formulas to HTML with KaTeX: one JSON request line in, one JSON answer line out.
// Shared by both engines of docgen/render/katex.py:
//   Node:        node katex_render.js /path/to/katex.min.js   (the stdin/stdout loop at the end)
//   mini-racer:  docgen/render/katex_v8.py evaluates KaTeX, then this file, and calls answer()
// request: {"formulas": [["\\frac{a}{b}", true], ...]}
// answer:  {"version": "...", "results": [{"html": "..."} | {"error": "..."}, ...]}
// A process serves requests until its standard input ends, so that a build starts the engine
// (and loads KaTeX) once, possibly before it knows the first formula.
"use strict";

// Characters without KaTeX font metrics (e.g. Chinese inside \text{...}) fall back to the page's
// fonts: allowed. Every other strict-mode complaint is an error, so sloppy TeX fails the build.
function strict(code) {
  return code === "unknownSymbol" ? "ignore" : "error";
}

// The answer to one request line, as one line (JSON.stringify escapes newlines inside strings).
function answer(katex, line) {
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
  return JSON.stringify({ version: katex.version, results });
}

if (typeof module === "object" && typeof require === "function" && require.main === module) {
  const katex = require(process.argv[2]);
  let pending = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => {
    pending += chunk;
    let end;
    while ((end = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      if (line.trim()) process.stdout.write(answer(katex, line) + "\n");
    }
  });
  process.stdin.on("end", () => {
    if (pending.trim()) process.stdout.write(answer(katex, pending) + "\n");
  });
}
