// Where the time goes between "Open Till" in the tray and the painted page: reads the
// page's own timeline (navigation and paint timing) through WebDriver and lines
// it up with the moment of the click. WebDriver's automation mode adds a little; the
// footprint bench (no WebDriver) gives the figures to quote, this gives their parts.
//
//   TILL_E2E_APP=target/release/till-desktop TILL_E2E_DRIVER=tools/bin/tauri-driver \
//     scripts/lib/desktop-session.sh node tests/bench/open-breakdown.mjs
import { launchTill } from "../e2e/support/app.mjs";
import { homeWithVault } from "../e2e/support/cli.mjs";
import { clickTrayMenu } from "../e2e/support/tray.mjs";
import { childProcesses } from "../e2e/support/desktop.mjs";
import { sleep, waitFor } from "../e2e/support/wait.mjs";

const NOW = "2026-11-27T09:00:00Z";
const app = await launchTill({
  now: NOW,
  logName: "tauri-driver-breakdown.log",
  extraEnv: { TILL_HOME: homeWithVault(NOW) },
});
try {
  await sleep(2_000);
  const clickedAt = Date.now();
  clickTrayMenu(app.item, "Open Till");
  const webProcessAt = await waitFor(
    "the web process",
    () => childProcesses(app.pid).some((p) => p.name.startsWith("WebKitWebProces")) && Date.now(),
    { intervalMs: 2 },
  );
  const browser = await app.attach();
  // The first view past "Opening Till…" (a new vault starts with the walkthrough).
  await browser.waitUntil(
    () =>
      browser.execute(
        () =>
          document.querySelector("main") !== null &&
          document.querySelector('[data-testid="status-loading"]') === null,
      ),
    { timeout: 20_000, interval: 20 },
  );
  const page = await browser.execute(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    return {
      origin: performance.timeOrigin,
      nav: nav?.toJSON(),
      paints: performance.getEntriesByType("paint").map((p) => [p.name, p.startTime]),
      now: performance.now(),
    };
  });
  const at = (ms) => `${Math.round(page.origin + ms - clickedAt)} ms`.padStart(8);
  console.log("\nOpen Till → page, from the click (one run):");
  console.log(`${`${webProcessAt - clickedAt} ms`.padStart(8)}  web process running`);
  console.log(`${at(0)}  navigation starts (web view built, page requested)`);
  if (page.nav) {
    console.log(`${at(page.nav.responseEnd)}  index.html received (custom protocol)`);
    console.log(`${at(page.nav.domInteractive)}  HTML parsed`);
    console.log(`${at(page.nav.domContentLoadedEventEnd)}  scripts run (DOMContentLoaded)`);
  }
  for (const [name, time] of page.paints) console.log(`${at(time)}  ${name}`);
  console.log(`${at(page.now)}  first view past loading (status fetched; as WebDriver saw it)`);
} finally {
  await app.stop();
}
