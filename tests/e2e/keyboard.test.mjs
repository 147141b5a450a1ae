// The window without a pointer: WebDriver key presses only, from the unlock screen to a
// least-privilege copy. `/` searches, ↓ and Enter open, `c` copies, Alt+number changes
// view, `?` lists the shortcuts and Esc closes it.
import assert from "node:assert/strict";
import { describe, it, after } from "node:test";
import { join } from "node:path";
import { ARTIFACTS, launchTill } from "./support/app.mjs";
import { PASSWORD, addKey, homeWithVault, till, writeSettings } from "./support/cli.mjs";
import { clipboardText } from "./support/clipboard.mjs";
import { waitFor } from "./support/wait.mjs";

const NOW = "2026-11-27T09:00:00Z";
const ADMIN = `ghp_${"A".repeat(36)}`;
const READER = `github_pat_11${"R".repeat(80)}`;

describe("the keyboard alone", () => {
  let app;

  after(async () => {
    await app?.stop();
  });

  it("unlocks, finds and copies a key, then copies the narrowest key for a scope", async () => {
    const home = homeWithVault(NOW);
    for (const [name, value, scope] of [
      ["GitHub admin", ADMIN, "github:*:*"],
      ["GitHub reader", READER, "github:contents:read"],
    ]) {
      addKey(home, NOW, {
        name,
        provider: "github",
        env: "prod",
        value,
        extra: ["--scope", scope],
      });
    }
    writeSettings(home, "[clipboard]\nclear_after_seconds = 60\n");
    app = await launchTill({
      now: NOW,
      logName: "tauri-driver-keyboard.log",
      extraEnv: { TILL_HOME: home },
    });
    const browser = await app.openWindow();
    const $ = (testid) => browser.$(`[data-testid="${testid}"]`);
    const focused = () => browser.execute(() => document.activeElement?.dataset.testid ?? "");
    await $("inventory").waitForDisplayed({ timeout: 20_000 });

    // Ctrl+L locks; the password field has the focus; Enter unlocks.
    await browser.keys(["Control", "l"]);
    await $("unlock-view").waitForDisplayed();
    await waitFor(
      "the password field focused",
      async () => (await focused()) === "unlock-password",
    );
    await browser.keys(PASSWORD);
    await browser.keys("Enter");
    await $("inventory").waitForDisplayed({ timeout: 20_000 });

    // "/" searches; ↓ reaches the first match; Enter opens it; "c" copies it.
    await browser.keys("/");
    await waitFor("the search focused", async () => (await focused()) === "search");
    await browser.keys("admin");
    await waitFor(
      "one match",
      async () => (await browser.$$('[data-testid="key-row"]')).length === 1,
    );
    await browser.keys("ArrowDown");
    await waitFor("the row focused", async () => (await focused()) === "key-row");
    await browser.keys("Enter");
    await waitFor("the detail's heading focused", async () =>
      browser.execute(() => document.activeElement?.id === "detail-heading"),
    );
    assert.match(await $("key-detail").getText(), /GitHub admin/);
    await browser.keys(["Shift", "Tab"]); // back into the list, on the row
    await browser.keys("c");
    await waitFor("the admin key on the clipboard", () => clipboardText() === ADMIN);

    // "?" shows the shortcuts; Esc closes them.
    await browser.execute(() => document.activeElement?.blur());
    await browser.keys("?");
    await $("shortcuts-dialog").waitForDisplayed();
    await browser.keys("Escape");
    await $("shortcuts-dialog").waitForDisplayed({ reverse: true });

    // Alt+3: Copy for a task. Tab to the scope field, type, Enter: the narrowest key.
    await browser.keys(["Alt", "3"]);
    await $("copy-panel").waitForDisplayed();
    await browser.keys("Tab");
    await waitFor("the scope field focused", async () => (await focused()) === "copy-scope");
    await browser.keys("github:contents:read");
    await browser.saveScreenshot(join(ARTIFACTS, "92-keyboard-scope.png"));
    await browser.keys("Escape"); // closes the scope suggestions WebKitGTK may show
    await browser.keys("Enter");
    await waitFor("the narrow key on the clipboard", () => clipboardText() === READER);
    await $("copy-message").waitForDisplayed();
    assert.match(till(home, NOW, ["log"]), /copy .*for github:contents:read: least privilege/);
  });
});
