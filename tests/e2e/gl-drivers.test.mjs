// Till as shipped keeps GL drivers (Mesa, and with it all of LLVM: 8 MiB that stays
// dirty) out of its own process, while its web process still gets them and the page
// paints (crates/till-quiet-gl, src-tauri/src/webengine.rs).
//
// Runs the real debug app without tauri-driver: WebKitWebDriver needs compositing on,
// and with compositing on Till leaves the drivers to WebKit. So this suite starts Till
// with its own settings and watches it from outside, through the tray and X11.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { APP, ARTIFACTS } from "./support/app.mjs";
import {
  childProcesses,
  glDriversMapped,
  isRunning,
  screenshotWindow,
  visibleWindows,
  waitForSettledPaint,
} from "./support/desktop.mjs";
import { clickTrayMenu, registeredTrayItems, trayProps } from "./support/tray.mjs";
import { waitFor } from "./support/wait.mjs";

const WEB_PROCESS = /^WebKitWebProces/;

describe("GL drivers with Till's own settings", () => {
  let home;
  let till;
  let item;
  let pid;

  before(async () => {
    if (!APP) throw new Error("TILL_E2E_APP must point at the built till-desktop");
    home = mkdtempSync(join(tmpdir(), "till-e2e-home-"));
    mkdirSync(ARTIFACTS, { recursive: true });
    const env = { ...process.env, TILL_HOME: home };
    // Whatever the calling shell set, Till's own GL settings apply here.
    delete env.GDK_GL;
    delete env.WEBKIT_DISABLE_COMPOSITING_MODE;
    delete env.__EGL_VENDOR_LIBRARY_FILENAMES;
    const itemsBefore = new Set(registeredTrayItems());
    till = spawn(APP, [], { env, stdio: "ignore" });
    item = await waitFor("Till's tray item", () =>
      registeredTrayItems().find((i) => !itemsBefore.has(i)),
    );
    pid = trayProps(item).Pid;
  });

  after(async () => {
    if (!isRunning(till.pid)) return;
    clickTrayMenu(item, "Quit");
    await waitFor("Till to exit", () => !isRunning(till.pid), { timeoutMs: 10_000 });
  });

  it("the window paints its page, and only the web process loads GL drivers", async () => {
    clickTrayMenu(item, "Open Till");
    await waitFor("the window", () => visibleWindows("Till").length === 1);
    const [windowId] = visibleWindows("Till");
    await waitForSettledPaint(windowId);
    screenshotWindow(windowId, join(ARTIFACTS, "gl-01-window-without-drivers-in-till.png"));

    assert.deepEqual(glDriversMapped(pid), [], "Till's own process maps no GL driver");
    const webProcess = childProcesses(pid).find((p) => WEB_PROCESS.test(p.name));
    assert.ok(webProcess, "the page has its web process");
    assert.notDeepEqual(
      glDriversMapped(webProcess.pid),
      [],
      "the web process, started after Till's start-up, still gets the drivers",
    );
    const log = readFileSync(join(home, "state", "till-desktop.log"), "utf8");
    assert.match(log, /GL drivers kept out of Till's process/);
  });
});
