// Starting at login from Settings: the switch writes the desktop's autostart entry for
// this very app (and its TILL_HOME), starting it hidden in the tray; turning it off
// removes the entry. The locking switches save to settings.toml's [lock].
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { APP, launchTill } from "./support/app.mjs";
import { addKey, homeWithVault } from "./support/cli.mjs";
import { waitFor } from "./support/wait.mjs";

const NOW = "2026-11-27T09:00:00Z";
const ENTRY = join(process.env.XDG_CONFIG_HOME ?? "", "autostart", "till.desktop");

describe("Settings: at login, and locking with the session", () => {
  let app;
  let browser;
  let home;
  const $ = (testid) => browser.$(`[data-testid="${testid}"]`);

  before(async () => {
    rmSync(ENTRY, { force: true });
    home = homeWithVault(NOW);
    addKey(home, NOW, {
      name: "GitHub CI",
      provider: "github",
      env: "prod",
      value: `ghp_${"A".repeat(36)}`,
    });
    app = await launchTill({
      now: NOW,
      logName: "tauri-driver-autostart.log",
      extraEnv: { TILL_HOME: home },
    });
    browser = await app.openWindow();
    await $("inventory").waitForDisplayed({ timeout: 20_000 });
    await $("tab-settings").click();
    await $("set-autostart").waitForEnabled();
  });

  after(async () => {
    await app?.stop();
    rmSync(ENTRY, { force: true });
  });

  it("is off by default, and the switch writes and removes the login entry", async () => {
    assert.equal(await $("set-autostart").isSelected(), false);
    assert.equal(existsSync(ENTRY), false);
    await $("set-autostart").click();
    await waitFor("the autostart entry", () => existsSync(ENTRY));
    const entry = readFileSync(ENTRY, "utf8");
    assert.ok(entry.includes(`\nExec=env TILL_HOME=${home} ${APP} --hidden\n`), entry);
    await $("autostart-entry").waitForDisplayed();
    assert.match(await $("autostart-entry").getText(), /autostart\/till\.desktop/);

    await $("set-autostart").click();
    await waitFor("the entry to be removed", () => !existsSync(ENTRY));
  });

  it("saves the locking switches to settings.toml", async () => {
    assert.equal(await $("set-lock-screen").isSelected(), true, "on by default");
    assert.equal(await $("set-lock-sleep").isSelected(), true, "on by default");
    await $("set-lock-sleep").click();
    await $("settings-save").click();
    await $("settings-saved").waitForDisplayed();
    const saved = readFileSync(join(home, "config", "settings.toml"), "utf8");
    assert.match(saved, /\[lock\]\nbefore_sleep = false\n/);
    assert.doesNotMatch(
      await $("settings-saved").getText(),
      /start it again/,
      "locking applies at once",
    );
  });
});
