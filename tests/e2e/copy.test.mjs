// Copying the narrowest key, as a person does it: from the tray's Copy menu and from the
// quick-search window on its global shortcut. The key lands on the real X11 clipboard,
// marked so clipboard history skips it, and is cleared after the timeout or on lock.
import assert from "node:assert/strict";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { ARTIFACTS, launchTill } from "./support/app.mjs";
import { addKey, homeWithVault, till, writeSettings } from "./support/cli.mjs";
import { clipboardTargets, clipboardText } from "./support/clipboard.mjs";
import { screenshotWindow, visibleWindows, waitForSettledPaint } from "./support/desktop.mjs";
import { clickTrayMenu, trayMenu } from "./support/tray.mjs";
import { waitFor } from "./support/wait.mjs";
import { clearNotifications, closeAllAndReadHistory } from "./support/notifications.mjs";
import { execFileSync } from "node:child_process";

const NOW = "2026-11-27T09:00:00Z";
const ADMIN = `ghp_${"A".repeat(36)}`;
const READER = `github_pat_11${"R".repeat(80)}`;

/** A vault with a broad and a narrow GitHub key, the narrow one pinned, and a purpose. */
function homeWithGitHubKeys() {
  const home = homeWithVault(NOW);
  addKey(home, NOW, {
    name: "GitHub admin",
    provider: "github",
    env: "prod",
    value: ADMIN,
    extra: ["--scope", "github:*:*"],
  });
  addKey(home, NOW, {
    name: "GitHub reader",
    provider: "github",
    env: "prod",
    value: READER,
    extra: ["--scope", "github:contents:read"],
  });
  till(home, NOW, ["edit", "GitHub reader", "--pin"]);
  till(home, NOW, ["purpose", "set", "CI deploy", "--scope", "github:contents:read"]);
  writeSettings(home, "[clipboard]\nclear_after_seconds = 3\n");
  return home;
}

const copyMenu = (item) => trayMenu(item).find((entry) => entry.label === "Copy key");

describe("copying a scoped key", () => {
  let app;

  afterEach(async () => {
    await app?.stop();
    app = undefined;
    clearNotifications();
  });

  it("copies from the tray's Copy menu, marked as a password, and clears it", async () => {
    const home = homeWithGitHubKeys();
    app = await launchTill({
      now: NOW,
      logName: "tauri-driver-copy-tray.log",
      extraEnv: { TILL_HOME: home },
    });
    await waitFor("the Copy menu to list the pinned key and the purpose", () => {
      const labels = copyMenu(app.item)?.children.map((child) => child.label) ?? [];
      return labels.includes("GitHub reader") && labels.includes("For CI deploy");
    });

    clickTrayMenu(app.item, "For CI deploy");
    await waitFor("the narrowest key on the clipboard", () => clipboardText() === READER);
    assert.match(clipboardTargets(), /x-kde-passwordManagerHint/);
    await waitFor("the clipboard to be cleared after 3 s", () => clipboardText() === "", {
      timeoutMs: 10_000,
    });
    const said = closeAllAndReadHistory().find((n) => n.summary === "Copied 'GitHub reader'");
    assert.match(said?.body ?? "", /narrowest key for github:contents:read/);

    // Lock clears a copied key at once.
    clickTrayMenu(app.item, "GitHub reader");
    await waitFor("the key on the clipboard", () => clipboardText() === READER);
    clickTrayMenu(app.item, "Lock");
    await waitFor("lock to clear the clipboard", () => clipboardText() === "", {
      timeoutMs: 2000,
    });
    const log = till(home, NOW, ["log"]);
    assert.match(log, /copy .*for github:contents:read: least privilege/);
    assert.match(log, /copy .*by name/);
  });

  it("copies from the window: a row by name, and a broader key only after asking", async () => {
    const home = homeWithGitHubKeys();
    till(home, NOW, ["purpose", "set", "Admin tasks", "--scope", "github:secrets:write"]);
    app = await launchTill({
      now: NOW,
      logName: "tauri-driver-copy-window.log",
      extraEnv: { TILL_HOME: home },
    });
    const browser = await app.openWindow();
    const $ = (testid) => browser.$(`[data-testid="${testid}"]`);
    await $("inventory").waitForDisplayed({ timeout: 20_000 });

    const [adminRow] = await browser.$$('[data-testid="row-copy"]');
    await adminRow.click();
    await waitFor("the admin key on the clipboard", () => clipboardText() === ADMIN);

    await $("tab-copy").click();
    await $("copy-panel").waitForDisplayed();
    const [admin] = await browser.$$('[data-testid="purpose"]'); // sorted: Admin tasks first
    assert.match(await admin.getText(), /Admin tasks/);
    await (await admin.$('[data-testid="purpose-copy"]')).click();
    await $("copy-confirm").waitForDisplayed();
    assert.match(await $("copy-confirm").getText(), /Only 'GitHub admin' covers/);
    await $("copy-narrower").click();
    await $("narrower-walkthrough").waitForDisplayed();
    assert.match(await $("narrower-walkthrough").getText(), /github:secrets:write/);
    // X11's picture of the window: WebDriver's screenshot can lag behind the page.
    const [windowId] = visibleWindows("Till");
    await waitForSettledPaint(windowId);
    screenshotWindow(windowId, join(ARTIFACTS, "52-copy-broader.png"));
    await $("copy-anyway").click();
    await $("copy-message").waitForDisplayed();
    assert.match(till(home, NOW, ["log"]), /for github:secrets:write: over-privileged/);
  });

  it("opens quick search on its shortcut, and Enter copies the least-privileged key", async () => {
    const home = homeWithGitHubKeys();
    writeSettings(home, "[clipboard]\nclear_after_seconds = 30\n");
    // Listed first when nothing is typed, and only the admin key covers it.
    till(home, NOW, ["purpose", "set", "Admin tasks", "--scope", "github:secrets:write"]);
    app = await launchTill({
      now: NOW,
      logName: "tauri-driver-quick.log",
      extraEnv: { TILL_HOME: home, TILL_QUICK_PREWARM: "1" },
    });
    // Wait for the vault to be open (the Copy menu lists the pinned key).
    await waitFor("the vault to open", () =>
      (copyMenu(app.item)?.children ?? []).some((child) => child.label === "GitHub reader"),
    );
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the hidden window loads
    const started = performance.now();
    execFileSync("xdotool", ["key", "--clearmodifiers", "ctrl+shift+k"]);
    const [window] = await waitFor(
      "the quick search window",
      () => {
        const found = visibleWindows("Till quick search");
        return found.length > 0 ? found : false;
      },
      { intervalMs: 10 },
    );
    const openedMs = performance.now() - started;
    console.log(`quick search visible ${openedMs.toFixed(0)} ms after the shortcut`);

    execFileSync("xdotool", ["type", "--delay", "40", "ci deploy"]);
    await waitForSettledPaint(window);
    screenshotWindow(window, join(ARTIFACTS, "50-quick-search.png"));
    execFileSync("xdotool", ["key", "Return"]);
    await waitFor("the narrowest key on the clipboard", () => clipboardText() === READER);
    await waitFor("quick search to close", () => visibleWindows("Till quick search").length === 0);
    assert.match(till(home, NOW, ["log"]), /copy .*for github:contents:read: least privilege/);

    // A broader key takes a second Enter, and the log says it was over-privileged.
    execFileSync("xdotool", ["key", "--clearmodifiers", "ctrl+shift+k"]);
    await waitFor("quick search again", () => visibleWindows("Till quick search").length > 0);
    execFileSync("xdotool", ["type", "--delay", "40", "admin tasks"]);
    execFileSync("xdotool", ["key", "Return"]);
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.equal(clipboardText(), READER, "one Enter only asks");
    screenshotWindow(window, join(ARTIFACTS, "51-quick-search-broader.png"));
    execFileSync("xdotool", ["key", "Return"]);
    await waitFor("the admin key on the clipboard", () => clipboardText() === ADMIN);
    assert.match(till(home, NOW, ["log"]), /for github:secrets:write: over-privileged/);
  });
});
