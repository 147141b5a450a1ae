// Runs axe-core in the window under test. The page's CSP forbids inline script, so axe's
// source goes in through WebDriver's execute (which the CSP does not govern), then
// `axe.run()` checks the page as it is.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** axe's violations on the current page, as `{id, impact, help, nodes}`. */
export async function axeViolations(browser) {
  const loaded = await browser.execute(() => typeof window.axe === "object");
  if (!loaded) await browser.execute(AXE_SOURCE);
  const json = await browser.executeAsync((done) => {
    window.axe
      .run(document, { resultTypes: ["violations"] })
      .then((result) =>
        done(
          JSON.stringify(
            result.violations.map((v) => ({
              id: v.id,
              impact: v.impact,
              help: v.help,
              nodes: v.nodes.slice(0, 4).map((n) => `${n.target.join(" ")}: ${n.failureSummary}`),
            })),
          ),
        ),
      )
      .catch((error) => done(JSON.stringify({ error: String(error) })));
  });
  const parsed = JSON.parse(json);
  if (parsed.error) throw new Error(`axe failed: ${parsed.error}`);
  return parsed;
}

/** Fails on any serious or critical violation on the page; prints the lesser ones. */
export async function assertAccessible(browser, view) {
  const violations = await axeViolations(browser);
  const blocking = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of violations.filter((v) => !blocking.includes(v))) {
    console.log(`# axe (${view}, ${v.impact}): ${v.id}: ${v.help}`);
  }
  if (blocking.length > 0) {
    const detail = blocking
      .map((v) => `${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.join("\n    ")}`)
      .join("\n  ");
    throw new Error(`axe found on ${view}:\n  ${detail}`);
  }
}
