// Locking with the session: the real D-Bus signals a desktop sends, on the test's private
// session bus and on a second private bus standing in for the system bus (the app reads
// DBUS_SYSTEM_BUS_ADDRESS), lock the vault and take a copied key off the clipboard.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, afterEach, before, describe, it } from "node:test";
import { launchTill } from "./support/app.mjs";
import { addKey, homeWithVault, till, writeSettings } from "./support/cli.mjs";
import { clipboardText } from "./support/clipboard.mjs";
import { clickTrayMenu, trayIconShown, trayMenu } from "./support/tray.mjs";
import { waitFor } from "./support/wait.mjs";

const NOW = "2026-11-27T09:00:00Z";
const VALUE = `ghp_${"L".repeat(36)}`;
const SESSION_ID = "c7";
const SESSION_PATH = `/org/freedesktop/login1/session/${SESSION_ID}`;
const LOGIND = fileURLToPath(new URL("../support/logind.py", import.meta.url));

/** A private bus daemon playing the system bus; resolves with its address. */
function startSystemLikeBus() {
  const daemon = spawn("dbus-daemon", ["--session", "--nofork", "--print-address=1"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    daemon.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("\n")) resolve({ address: out.trim(), daemon });
    });
    daemon.on("exit", (code) => reject(new Error(`dbus-daemon exited with ${code}`)));
  });
}

const lockEnabled = (item) => trayMenu(item).find((entry) => entry.label === "Lock")?.enabled;
const copyMenu = (item) => trayMenu(item).find((entry) => entry.label === "Copy key");
const appLog = (home) => readFileSync(join(home, "state", "till-desktop.log"), "utf8");

/** The screen saver's signal, from a client on the session bus (as a desktop's saver). */
function screenSaverOn(iface = "org.freedesktop.ScreenSaver") {
  const path = iface === "org.gnome.ScreenSaver" ? "/org/gnome/ScreenSaver" : "/ScreenSaver";
  execFileSync("gdbus", [
    "emit",
    "--session",
    "--object-path",
    path,
    "--signal",
    `${iface}.ActiveChanged`,
    "true",
  ]);
}

describe("locking with the session", () => {
  let bus;
  let app;

  before(async () => {
    bus = await startSystemLikeBus();
  });

  after(() => {
    bus?.daemon.kill();
  });

  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  const logind = (...args) => execFileSync("/usr/bin/python3", [LOGIND, bus.address, ...args]);

  /** Till with an open vault (keyring) and a key it copied from the tray. */
  async function tillWithCopiedKey(logName, settings = "") {
    const home = homeWithVault(NOW);
    addKey(home, NOW, { name: "GitHub CI", provider: "github", env: "prod", value: VALUE });
    till(home, NOW, ["edit", "GitHub CI", "--pin"]);
    writeSettings(home, `[clipboard]\nclear_after_seconds = 600\n${settings}`);
    app = await launchTill({
      now: NOW,
      logName,
      extraEnv: {
        TILL_HOME: home,
        DBUS_SYSTEM_BUS_ADDRESS: bus.address,
        XDG_SESSION_ID: SESSION_ID,
      },
    });
    await waitFor("the vault to open and list the pinned key", () =>
      (copyMenu(app.item)?.children ?? []).some((child) => child.label === "GitHub CI"),
    );
    await waitFor("both session listeners to start", () => {
      const log = appLog(home);
      return log.includes("listening on the session bus") && log.includes("on the system bus");
    });
    clickTrayMenu(app.item, "GitHub CI");
    await waitFor("the key on the clipboard", () => clipboardText() === VALUE);
    assert.equal(lockEnabled(app.item), true);
    return home;
  }

  async function assertLockedAndCleared(home, why) {
    await waitFor(`${why} to lock the vault`, () => lockEnabled(app.item) === false);
    await waitFor(`${why} to clear the clipboard`, () => clipboardText() === "");
    await waitFor(
      "the tray to show the locked icon",
      () => trayIconShown(app.item) === "till-tray-locked",
    );
    assert.match(till(home, NOW, ["log"]), /\block\b/);
  }

  it("locks when the screen saver comes on (session bus)", async () => {
    const home = await tillWithCopiedKey("tauri-driver-lock-screensaver.log");
    screenSaverOn();
    await assertLockedAndCleared(home, "ActiveChanged(true)");
  });

  it("locks on logind's Lock for this session (system bus)", async () => {
    const home = await tillWithCopiedKey("tauri-driver-lock-logind.log");
    logind("lock", SESSION_PATH);
    await assertLockedAndCleared(home, "logind's Lock");
  });

  it("locks before sleep, and checks reminders at once on wake (system bus)", async () => {
    const home = await tillWithCopiedKey("tauri-driver-lock-sleep.log");
    logind("sleep");
    await assertLockedAndCleared(home, "PrepareForSleep(true)");
    logind("wake");
    await waitFor("the wake-up to make reminders look again", () =>
      appLog(home).includes("resumed from sleep: checking reminders now"),
    );
  });

  it("stays open on a screen lock when [lock] on_screen_lock is off", async () => {
    const home = await tillWithCopiedKey(
      "tauri-driver-lock-off.log",
      "[lock]\non_screen_lock = false\n",
    );
    screenSaverOn("org.gnome.ScreenSaver");
    await waitFor("the app to hear the signal and keep the vault open", () =>
      appLog(home).includes("locking on it is turned off"),
    );
    assert.equal(lockEnabled(app.item), true);
    assert.equal(clipboardText(), VALUE);
    // Sleep is still on: the same app locks before sleep.
    logind("sleep");
    await assertLockedAndCleared(home, "PrepareForSleep(true)");
  });
});
