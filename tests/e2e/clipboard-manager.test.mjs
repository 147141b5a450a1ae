// A clipboard manager that ignores the password mark: with Debian's CopyQ running, the
// first key Till copies brings one notification naming CopyQ and the exact fix; a
// restarted Till remembers it said so.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { launchTill } from "./support/app.mjs";
import { addKey, homeWithVault, till } from "./support/cli.mjs";
import { clipboardText } from "./support/clipboard.mjs";
import { clearNotifications, closeAllAndReadHistory } from "./support/notifications.mjs";
import { clickTrayMenu, trayMenu } from "./support/tray.mjs";
import { waitFor } from "./support/wait.mjs";

const NOW = "2026-11-27T09:00:00Z";
const VALUE = `ghp_${"Q".repeat(36)}`;
const SUMMARY = "CopyQ keeps the keys Till copies";
const copyq = (...args) => spawnSync("copyq", args, { encoding: "utf8" });
// Only CopyQ before 8.0 ignores the mark (Debian 12 ships 6.4); newer ones need no notice.
const version = copyq("--version").stdout?.match(/Manager (\d+)\./)?.[1];
const skip =
  version === undefined
    ? "CopyQ is not installed"
    : Number(version) >= 8 && "CopyQ 8+ honours the mark";

describe("a clipboard manager that keeps keys", { skip }, () => {
  let server;
  let home;

  before(async () => {
    server = spawn("copyq", [], { stdio: "ignore" });
    await waitFor("CopyQ's server to answer", () => copyq("count").status === 0);
    home = homeWithVault(NOW);
    addKey(home, NOW, { name: "GitHub CI", provider: "github", env: "prod", value: VALUE });
    till(home, NOW, ["edit", "GitHub CI", "--pin"]);
    clearNotifications();
  });

  after(() => {
    copyq("exit");
    server?.kill();
  });

  async function copyFromTray(logName) {
    const app = await launchTill({ now: NOW, logName, extraEnv: { TILL_HOME: home } });
    await waitFor("the pinned key in the Copy menu", () =>
      (trayMenu(app.item).find((e) => e.label === "Copy key")?.children ?? []).some(
        (child) => child.label === "GitHub CI",
      ),
    );
    clickTrayMenu(app.item, "GitHub CI");
    await waitFor("the key on the clipboard", () => clipboardText() === VALUE);
    return app;
  }

  it("says once which manager keeps keys, and the exact fix", async () => {
    let app = await copyFromTray("tauri-driver-copyq-1.log");
    const told = await waitFor("the notice about CopyQ", () =>
      closeAllAndReadHistory().find((n) => n.summary === SUMMARY),
    );
    assert.match(told.body, /^CopyQ [67]\.\d+\.\d+ keeps keys Till copies/);
    assert.match(told.body, /copyq eval "setCommands\(commands\(\)\.concat\(/);
    assert.match(told.body, /input: 'x-kde-passwordManagerHint', cmd: 'copyq: ignore\(\)'/);
    await app.stop();

    // A new Till copies again: the copy is announced, the CopyQ notice is not repeated.
    clearNotifications();
    app = await copyFromTray("tauri-driver-copyq-2.log");
    await waitFor("the copy to be announced", () =>
      closeAllAndReadHistory().some((n) => n.summary === "Copied 'GitHub CI'"),
    );
    await waitFor("the new Till to find CopyQ and remember it said so", () =>
      readFileSync(join(home, "state", "till-desktop.log"), "utf8").includes(
        "clipboard manager keeps keys; already said",
      ),
    );
    assert.equal(
      closeAllAndReadHistory().filter((n) => n.summary === SUMMARY).length,
      0,
      "told once, remembered across restarts",
    );
    await app.stop();
  });
});
