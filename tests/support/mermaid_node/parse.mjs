// Parse Mermaid diagrams with Mermaid's own parser, under Node. Reads a JSON list of diagram texts on standard
// input and prints a JSON list with, for each, null when Mermaid accepts it or the first line of its error.
// Mermaid sanitises labels with DOMPurify, which needs a window: jsdom provides one (no browser, no rendering).
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const text of JSON.parse(input)) {
  try {
    const parsed = await mermaid.parse(text);
    results.push(parsed && parsed.diagramType ? null : "not recognised as a diagram");
  } catch (error) {
    results.push(String(error && error.message ? error.message : error).split("\n").join(" | "));
  }
}
process.stdout.write(JSON.stringify(results));
