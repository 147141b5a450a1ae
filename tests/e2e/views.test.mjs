// Every view of the window, in light and in dark: a screenshot of each for a person to
// look at, and axe-core on each, failing on any serious or critical violation. Then the
// Settings page's round trip, which keeps a hand-written comment in settings.toml.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { ARTIFACTS, launchTill } from "./support/app.mjs";
import { assertAccessible } from "./support/axe.mjs";
import { PASSWORD, addKey, homeWithVault, till, writeSettings } from "./support/cli.mjs";
import { screenshotWindow, visibleWindows, waitForSettledPaint } from "./support/desktop.mjs";
import { trayMenu } from "./support/tray.mjs";
import { waitFor } from "./support/wait.mjs";

const CREATED = "2026-06-01T09:00:00Z";
const NOW = "2026-11-27T09:00:00Z";
const THEMES = ["light", "dark"];
const themeSettings = (theme) => `[appearance]\ntheme = "${theme}"\n`;

/** A vault a team might have: overdue, pinned and narrow keys, and a purpose. */
function seededHome() {
  const home = homeWithVault(CREATED);
  const keys = [
    ["OpenAI prod", "openai", "prod", `sk-proj-${"o".repeat(48)}`, "openai:models:read"],
    [
      "Stripe billing",
      "stripe",
      "prod",
      "rk_live_51Hq2ZtLmNoPqRsTuVwXyZ0aB1c",
      "stripe:charges:read",
    ],
    ["GitHub CI", "github", "dev", `github_pat_11${"R".repeat(80)}`, "github:contents:read"],
    [
      "Anthropic staging",
      "anthropic",
      "staging",
      `sk-ant-api03-${"a".repeat(93)}AA`,
      "anthropic:messages:write",
    ],
  ];
  for (const [name, provider, env, value, scope] of keys) {
    addKey(home, CREATED, { name, provider, env, value, extra: ["--scope", scope] });
  }
  till(home, NOW, ["purpose", "set", "CI deploy", "--scope", "github:contents:read"]);
  return home;
}

describe("every view, light and dark", () => {
  let app;
  let browser;
  const $ = (testid) => browser.$(`[data-testid="${testid}"]`);
  const shot = (name) => browser.saveScreenshot(join(ARTIFACTS, name));
  const themed = async (theme) =>
    waitFor(
      `the ${theme} theme`,
      async () => (await browser.execute(() => document.documentElement.dataset.theme)) === theme,
    );
  /** Loads the page again after settings.toml names `theme`. */
  async function reloadIn(home, theme, ready) {
    writeSettings(home, themeSettings(theme));
    await browser.refresh();
    await $(ready).waitForDisplayed({ timeout: 20_000 });
    await themed(theme);
  }
  async function check(view, file) {
    await assertAccessible(browser, view);
    await shot(file);
  }

  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it("the setup screen", async () => {
    const home = mkdtempSync(join(tmpdir(), "till-e2e-home-"));
    app = await launchTill({
      now: NOW,
      logName: "tauri-driver-views-setup.log",
      extraEnv: { TILL_HOME: home },
    });
    browser = await app.openWindow();
    for (const theme of THEMES) {
      await reloadIn(home, theme, "setup-view");
      await check(`setup (${theme})`, `80-setup-${theme}.png`);
    }
  });

  it("the unlocked views, the unlock screen and the shortcuts", async () => {
    const home = seededHome();
    app = await launchTill({
      now: NOW,
      logName: "tauri-driver-views.log",
      extraEnv: { TILL_HOME: home, TZ: "UTC" },
    });
    browser = await app.openWindow();
    await $("inventory")
      .waitForDisplayed({ timeout: 20_000 })
      .catch(async (error) => {
        await shot("debug-views.png");
        throw error;
      });
    for (const theme of THEMES) {
      await reloadIn(home, theme, "inventory");
      await waitFor(
        "four keys",
        async () => (await browser.$$('[data-testid="key-row"]')).length === 4,
      );
      await check(`keys (${theme})`, `81-keys-${theme}.png`);

      await (await browser.$$('[data-testid="key-row"]'))[2].click(); // OpenAI prod
      await $("key-detail").waitForDisplayed();
      await check(`key detail (${theme})`, `82-detail-${theme}.png`);
      const fold = browser.$('button[aria-label="Collapse the sidebar"]');
      await fold.click();
      await shot(`82-detail-folded-${theme}.png`);
      await browser.$('button[aria-label="Expand the sidebar"]').click();
      await $("key-menu").click();
      await $("edit").waitForDisplayed();
      await check(`key menu (${theme})`, `82-detail-menu-${theme}.png`);
      await browser.keys("Escape");
      await $("rotate").click();
      await $("runbook").waitForDisplayed();
      await check(`runbook (${theme})`, `83-runbook-${theme}.png`);

      await $("tab-due").click();
      await $("due-view").waitForDisplayed();
      await waitFor(
        "the due items",
        async () => (await browser.$$('[data-testid="due-item"]')).length > 0,
      );
      assert.match(await $("count-due").getText(), /^\d+/);
      await check(`due (${theme})`, `84-due-${theme}.png`);

      await $("tab-copy").click();
      await $("copy-panel").waitForDisplayed();
      await check(`copy for a task (${theme})`, `85-copy-${theme}.png`);

      await $("tab-leaks").click();
      await $("leaks-view").waitForDisplayed();
      await $("no-leaks").waitForDisplayed();
      await check(`leaks (${theme})`, `85-leaks-${theme}.png`);

      await $("tab-training").click();
      await $("lessons").waitForDisplayed();
      await check(`training (${theme})`, `86-training-${theme}.png`);

      await $("tab-log").click();
      await $("audit-log").$("table").waitForDisplayed();
      await check(`audit log (${theme})`, `87-audit-log-${theme}.png`);

      await $("tab-settings").click();
      await $("settings-form").waitForDisplayed();
      await check(`settings (${theme})`, `88-settings-${theme}.png`);

      await browser.keys("?");
      await $("shortcuts-dialog").waitForDisplayed();
      await check(`shortcuts (${theme})`, `89-shortcuts-${theme}.png`);
      await browser.keys("Escape");
      await $("shortcuts-dialog").waitForDisplayed({ reverse: true });

      await $("lock").click();
      await $("unlock-view").waitForDisplayed();
      await check(`unlock (${theme})`, `90-unlock-${theme}.png`);
      await $("unlock-password").setValue(PASSWORD);
      await $("unlock-submit").click();
      await $("inventory").waitForDisplayed({ timeout: 20_000 });
    }
  });

  it("the quick-search popup", async () => {
    // On Linux quick search is a native GTK popup, not a web view: it is driven with real
    // X11 input and looked at in X11's picture of it (axe has no page to check there).
    const home = seededHome();
    app = await launchTill({
      now: NOW,
      logName: "tauri-driver-views-quick.log",
      extraEnv: { TILL_HOME: home },
    });
    await waitFor(
      "the Copy menu (the vault is open)",
      () => (trayMenu(app.item).find((e) => e.label === "Copy key")?.children ?? []).length > 0,
    );
    const background = { light: "srgb(255,255,255)", dark: "srgb(19,32,30)" };
    for (const theme of THEMES) {
      writeSettings(home, themeSettings(theme));
      execFileSync("xdotool", ["key", "--clearmodifiers", "ctrl+shift+k"]);
      const [popup] = await waitFor("quick search shown", () => {
        const found = visibleWindows("Till quick search");
        return found.length > 0 ? found : false;
      });
      execFileSync("xdotool", ["type", "--delay", "40", "ci"]);
      await waitForSettledPaint(popup);
      const file = join(ARTIFACTS, `93-quick-search-${theme}.png`);
      screenshotWindow(popup, file);
      const corner = execFileSync("convert", [file, "-format", "%[pixel:p{3,3}]", "info:"], {
        encoding: "utf8",
      }).trim();
      assert.equal(corner, background[theme], `the popup's ${theme} background`);
      execFileSync("xdotool", ["key", "Escape"]);
      await waitFor("quick search hidden", () => visibleWindows("Till quick search").length === 0);
    }
  });

  it("saves settings from the window, keeping a hand-written comment", async () => {
    const home = seededHome();
    const comment = "# Team policy: copies clear fast. Ask Ada before changing.";
    writeSettings(home, `${comment}\n[clipboard]\nclear_after_seconds = 20 # was 30\n`);
    app = await launchTill({
      now: NOW,
      logName: "tauri-driver-settings.log",
      extraEnv: { TILL_HOME: home },
    });
    browser = await app.openWindow();
    await $("inventory").waitForDisplayed({ timeout: 20_000 });
    await $("tab-settings").click();
    await $("settings-form").waitForDisplayed();
    assert.equal(await $("set-clipboard").getValue(), "20");
    assert.match(await $("unlock-mode").getText(), /Opens at login/);

    await $("set-clipboard").setValue("45");
    await $("set-quiet").setValue("late");
    await $("settings-save").click();
    await $("settings-error").waitForDisplayed();
    assert.match(await $("settings-error").getText(), /22:00-08:00/);

    await $("set-quiet").setValue("22:00-07:00");
    await $("settings-save").click();
    await $("settings-saved").waitForDisplayed();
    assert.match(await $("settings-saved").getText(), /start it again/);
    await $("theme-dark").click();
    await themed("dark");

    const file = join(home, "config", "settings.toml");
    const text = readFileSync(file, "utf8");
    assert.ok(text.startsWith(`${comment}\n`), text);
    assert.match(text, /clear_after_seconds = 45 # was 30/);
    assert.match(text, /quiet_hours = "22:00-07:00"/);
    assert.match(text, /theme = "dark"/);
    await browser.saveScreenshot(join(ARTIFACTS, "91-settings-saved-dark.png"));
  });
});
