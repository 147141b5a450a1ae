// The `till` CLI next to the app under test, for setting up vaults and reading them back.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI } from "./app.mjs";

export const PASSWORD = "lantern quartz meadow orbit 57";

/** Runs `till --password-stdin ARGS` in `home` at `now`; `input` follows the password line. */
export function till(home, now, args, input = "") {
  return execFileSync(CLI, ["--password-stdin", ...args], {
    env: { ...process.env, TILL_HOME: home, TILL_NOW: now, TILL_KDF: "floor", TZ: "UTC" },
    input: `${PASSWORD}\n${input}`,
    encoding: "utf8",
  });
}

/** A new home with a vault (opened by the OS keyring at login) created at `now`. */
export function homeWithVault(now) {
  const home = mkdtempSync(join(tmpdir(), "till-e2e-home-"));
  till(home, now, ["init"]);
  return home;
}

/** Adds a key: `till add NAME --provider P --env E`, then its deployed places. */
export function addKey(home, now, { name, provider, env, value, places = [], extra = [] }) {
  till(
    home,
    now,
    ["add", name, "--provider", provider, "--env", env, "--value-stdin", ...extra],
    value,
  );
  if (places.length > 0) {
    till(home, now, ["edit", name, ...places.flatMap((place) => ["--place", place])]);
  }
}

/** Writes `settings.toml` for the home. */
export function writeSettings(home, text) {
  mkdirSync(join(home, "config"), { recursive: true });
  writeFileSync(join(home, "config", "settings.toml"), text);
}
