// One unlock serves a working session: with a password-only vault unlocked in the app,
// `till` opens it with no password and no terminal; once the app locks, it asks again.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { CLI, launchTill } from "./support/app.mjs";
import { PASSWORD, till as tillWithPassword } from "./support/cli.mjs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const NOW = "2026-11-27T09:00:00Z";

describe("the till command through the unlocked app", () => {
  let app;
  let browser;
  let home;
  const $ = (testid) => browser.$(`[data-testid="${testid}"]`);

  /** `till ARGS` with no password and no terminal (stdin is /dev/null). */
  const tillAlone = (args) =>
    spawnSync(CLI, args, {
      env: { ...process.env, TILL_HOME: home, TILL_NOW: NOW, TZ: "UTC" },
      stdio: ["ignore", "pipe", "pipe"],
      encoding: "utf8",
    });

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "till-e2e-home-"));
    tillWithPassword(home, NOW, ["init", "--no-keyring"]);
    tillWithPassword(
      home,
      NOW,
      ["add", "GitHub CI", "--provider", "github", "--value-stdin"],
      "ghp_SessionSessionSessionSession0123456789",
    );
    app = await launchTill({
      now: NOW,
      logName: "tauri-driver-session.log",
      extraEnv: { TILL_HOME: home },
    });
    browser = await app.openWindow();
  });

  after(async () => {
    await app?.stop();
  });

  it("asks for the password while the app is locked", () => {
    const locked = tillAlone(["list"]);
    assert.equal(locked.status, 9, locked.stderr);
    assert.match(locked.stderr, /master password/);
  });

  it("opens the vault through the app once it is unlocked, and is audited as such", async () => {
    await $("unlock-view").waitForDisplayed({ timeout: 20_000 });
    await $("unlock-password").setValue(PASSWORD);
    await $("unlock-submit").click();
    await $("tab-keys").waitForDisplayed({ timeout: 20_000 });

    const listed = tillAlone(["list", "--json"]);
    assert.equal(listed.status, 0, listed.stderr);
    assert.deepEqual(
      JSON.parse(listed.stdout).map((key) => key.name),
      ["GitHub CI"],
    );
    const log = JSON.parse(tillAlone(["log", "--json"]).stdout);
    assert.ok(
      log.some(
        (entry) => entry.action === "unlock" && entry.detail === "with the desktop app's session",
      ),
      JSON.stringify(log.slice(-4)),
    );
  });

  it("asks again once the app locks", async () => {
    await $("lock").click();
    await $("unlock-view").waitForDisplayed();
    const locked = tillAlone(["list"]);
    assert.equal(locked.status, 9, locked.stderr);
  });
});
