// Launches the real Till through tauri-driver with its own TILL_HOME, and finds its tray
// item. The WebDriver session completes only once Till creates its first webview, which
// a tray-first Till does when Open Till is clicked: `openWindow()` does that.
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { remote } from "webdriverio";
import { ARTIFACTS } from "./artifacts.mjs";
import { isRunning } from "./desktop.mjs";
import { startDriver } from "./driver.mjs";
import { clickTrayMenu, registeredTrayItems, trayProps } from "./tray.mjs";
import { waitFor } from "./wait.mjs";

export const APP = process.env.TILL_E2E_APP;
export const CLI = APP && join(APP, "..", "till");
export { ARTIFACTS };

/** Starts Till; resolves once its tray item is registered. */
export async function launchTill({ now = "2026-11-27T09:00:00Z", extraEnv = {}, logName }) {
  if (!APP) throw new Error("TILL_E2E_APP must point at the built till-desktop");
  const home = mkdtempSync(join(tmpdir(), "till-e2e-home-"));
  const env = {
    ...process.env,
    TILL_HOME: home,
    TILL_NOW: now,
    // WebKitWebDriver drives the first web view Till builds; where quick search is a
    // prewarmed web window (not on Linux) it would be that one, so tests start without it.
    TILL_QUICK_PREWARM: "0",
    // A closed window is torn down at once, so each suite's reopen builds a fresh page;
    // tray-and-window.test.mjs covers the keep-warm time itself.
    TILL_WINDOW_KEEP_WARM_SECONDS: "0",
    // WebKitWebDriver's screenshots hang when GDK has no OpenGL or WebKit does not
    // composite, which Till sets for itself to stay small (src-tauri/src/webengine.rs);
    // set either way here, Till leaves them alone. scripts/bench runs the shipped setup.
    GDK_GL: "",
    WEBKIT_DISABLE_COMPOSITING_MODE: "0",
    TMPDIR: mkdtempSync(join(tmpdir(), "till-e2e-tmp-")),
    ...extraEnv,
  };
  mkdirSync(ARTIFACTS, { recursive: true });
  const driver = await startDriver({ env, logFile: join(ARTIFACTS, logName) });
  const itemsBefore = new Set(registeredTrayItems());
  const session = remote({
    hostname: "127.0.0.1",
    port: driver.port,
    // A session still waiting for a window when Till stops fails loudly; the tests
    // report their own failures.
    logLevel: "silent",
    connectionRetryTimeout: 120_000,
    connectionRetryCount: 0,
    capabilities: { "tauri:options": { application: APP } },
  });
  session.catch(() => {}); // reported by whoever awaits it
  const item = await waitFor(
    "Till's tray item to register",
    () => registeredTrayItems().find((candidate) => !itemsBefore.has(candidate)),
    { timeoutMs: 60_000 },
  );
  const pid = trayProps(item).Pid;
  let browser;
  return {
    home,
    env,
    item,
    pid,
    session,
    /** The WebDriver session on the first window Till opens, however it was opened
     *  (a notification click, the tray's Due menu). */
    async attach() {
      browser = await session;
      return browser;
    },
    /** Clicks Open Till in the tray and returns the WebDriver session on its window. */
    async openWindow() {
      clickTrayMenu(item, "Open Till");
      browser = await session;
      return browser;
    },
    async stop() {
      await browser?.deleteSession().catch(() => {});
      await driver.stop();
      if (isRunning(pid)) process.kill(pid, "SIGKILL");
    },
  };
}
