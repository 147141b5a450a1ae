// The leak scanner as a person meets it in the app: a folder is watched (set in
// settings.toml before the start), a new .env with a vault key's value lands in it, one
// notification names the key and where ("Stripe prod is in …/.env:3") and is not repeated
// when the folder is rescanned, the Leaks view lists it with a count in the sidebar, and
// **Start leaked-key runbook** on the notification opens the runbook on that key, audited.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ARTIFACTS, launchTill } from "./support/app.mjs";
import { PASSWORD, addKey, homeWithVault, till, writeSettings } from "./support/cli.mjs";
import {
  clearNotifications,
  closeAllAndReadHistory,
  displayedActions,
  displayedCount,
  invokeAction,
} from "./support/notifications.mjs";
import { waitFor } from "./support/wait.mjs";

const NOW = new Date().toISOString();
const STRIPE_VALUE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc";
const GITHUB_VALUE = "ghp_" + "Zq8bW2nR5tY7uI9oP1aS3dF6gH4jK0lX2cV5";
/** A real-looking OpenAI key that is in no vault. */
const UNKNOWN_OPENAI = "sk-proj-" + "Rk3vT9xQ2mLp7WcZ8nB4yH6dJ1fG5sA0eU2iO8kV3qX7tN9";
/** A file's lines, joined; the value sits on line 3. */
const ENV_LINES = ["# shop settings", "port = 8080", `stripe_key = ${STRIPE_VALUE}`];

describe("leaks in a watched folder", () => {
  let app;
  let home;
  let watched;

  before(async () => {
    clearNotifications();
    home = homeWithVault(NOW);
    addKey(home, NOW, {
      name: "Stripe prod",
      provider: "stripe",
      env: "prod",
      value: STRIPE_VALUE,
    });
    addKey(home, NOW, { name: "GitHub CI", provider: "github", env: "dev", value: GITHUB_VALUE });
    watched = mkdtempSync(join(tmpdir(), "till-e2e-watched-"));
    mkdirSync(join(watched, "shop"));
    writeSettings(home, `[scan]\nwatched = ["${watched}"]\n`);
    app = await launchTill({
      now: NOW,
      logName: "tauri-driver-leaks.log",
      extraEnv: { TILL_HOME: home, TZ: "UTC" },
    });
  });

  after(async () => {
    await app?.stop();
    clearNotifications();
  });

  it("announces a vault key written in a new .env once, lists it, and opens its runbook", async () => {
    const browser = await app.openWindow();
    const tab = await browser.$('[data-testid="tab-leaks"]');
    await tab.waitForDisplayed({ timeout: 20_000 });
    await (await browser.$('[data-testid="inventory"]')).waitForDisplayed({ timeout: 20_000 });
    await tab.click();
    await (await browser.$('[data-testid="no-leaks"]')).waitForDisplayed({ timeout: 20_000 });
    assert.match(
      await (await browser.$('[data-testid="leak-watched"]')).getText(),
      /till-e2e-watched-/,
    );

    // A new .env with the Stripe key's value on line 3.
    const env = join(watched, "shop", ".env");
    writeFileSync(env, ENV_LINES.join("\n") + "\n");
    const written = Date.now();
    await waitFor("a notification", () => displayedCount() > 0, {
      timeoutMs: 30_000,
      intervalMs: 20,
    });
    console.log(`notification shown ${Date.now() - written} ms after the .env was written`);
    const summary = await waitFor(
      "the notification naming the key and the place",
      () =>
        displayedActions()
          .map((entry) => entry.summary)
          .find((s) => /^Stripe prod is in .*till-e2e-watched-.*\/shop\/\.env:3$/.test(s)),
      { timeoutMs: 30_000 },
    );

    // The same file saved again (unchanged line 3), then another key in a second file:
    // once that one is announced, the folder was rescanned after the save.
    writeFileSync(env, ENV_LINES.join("\n") + "\n# saved again\n");
    writeFileSync(join(watched, "shop", "ci.yml"), `token: ${GITHUB_VALUE}\n`);
    await waitFor(
      "the second key's notification",
      () => displayedActions().some((entry) => /^GitHub CI is in .*ci\.yml:1$/.test(entry.summary)),
      { timeoutMs: 30_000 },
    );

    // The Leaks view lists both keys, with where and what to do; the sidebar counts them.
    await waitFor(
      "the Leaks view to list both keys",
      async () => (await browser.$$('[data-testid="leak-group"]')).length === 2,
    );
    const texts = [];
    for (const group of await browser.$$('[data-testid="leak-group"]')) {
      texts.push(await group.getText());
    }
    const stripe = texts.find((t) => t.includes("Stripe prod"));
    assert.ok(stripe, texts.join("\n---\n"));
    assert.match(stripe, /shop\/\.env:3/);
    assert.match(stripe, /leaked-key runbook/);
    assert.ok(!texts.join("\n").includes(STRIPE_VALUE), "no value in the window");
    await waitFor("the sidebar to count both places", async () =>
      /^2\b/.test(await (await browser.$('[data-testid="count-leaks"]')).getText()),
    );
    await browser.saveScreenshot(join(ARTIFACTS, "leaks-view.png"));

    // Dismiss hides a finding until its file changes; the change shows it again, and
    // the rescan does not announce it a second time.
    const count = async () =>
      (await (await browser.$('[data-testid="count-leaks"]')).getText()) || "0";
    for (const group of await browser.$$('[data-testid="leak-group"]')) {
      if ((await group.getText()).includes("GitHub CI")) {
        await (await group.$('[data-testid="leak-dismiss"]')).click();
      }
    }
    await waitFor("the dismissed place to leave the count", async () => /^1\b/.test(await count()));
    writeFileSync(join(watched, "shop", "ci.yml"), `token: ${GITHUB_VALUE}\n# edited\n`);
    await waitFor("the changed file's finding to come back", async () =>
      /^2\b/.test(await count()),
    );

    // Start leaked-key runbook, on the notification: the runbook opens on that key.
    invokeAction("leak_runbook", { summary });
    const panel = await browser.$('[data-testid="leak-runbook-panel"]');
    await panel.waitForDisplayed({ timeout: 10_000 });
    assert.match(await panel.getText(), /Leaked-key runbook: Stripe prod/);
    const steps = [];
    for (const step of await browser.$$('[data-testid="leak-step"]')) {
      steps.push(await step.getAttribute("data-step"));
    }
    assert.deepEqual(steps, ["revoke", "rotate", "find_places", "record"]);
    const places = await browser.$$('[data-testid="leak-runbook-place"]');
    assert.equal(places.length, 1);
    assert.match(await places[0].getText(), /shop\/\.env:3/);
    await browser.saveScreenshot(join(ARTIFACTS, "leaks-runbook.png"));

    // Audited, with where it was found.
    const log = JSON.parse(till(home, NOW, ["log", "--json"]));
    const started = log.filter((entry) => entry.action === "leak");
    assert.equal(started.length, 1, JSON.stringify(started));
    assert.equal(started[0].key_name, "Stripe prod");
    assert.match(started[0].detail, /^leaked-key runbook started: found in .*shop\/\.env:3$/);

    // Locking drops the findings; unlocking rescans and finds them again, announcing
    // nothing (the app announces before the window hears of a rescan).
    await (await browser.$('[data-testid="lock"]')).click();
    await (await browser.$('[data-testid="unlock-view"]')).waitForDisplayed();
    await (await browser.$('[data-testid="unlock-password"]')).setValue(PASSWORD);
    await (await browser.$('[data-testid="unlock-submit"]')).click();
    await (await browser.$('[data-testid="tab-leaks"]')).waitForDisplayed({ timeout: 20_000 });
    await (await browser.$('[data-testid="tab-leaks"]')).click();
    await waitFor(
      "the rescan after the unlock",
      async () => (await browser.$$('[data-testid="leak-group"]')).length === 2,
    );

    // One notification per key in all, however often the folder was rescanned.
    const history = closeAllAndReadHistory().filter((n) => n.appname === "Till");
    for (const key of ["Stripe prod", "GitHub CI"]) {
      const notes = history.filter((n) => n.summary.startsWith(`${key} is in`));
      assert.equal(notes.length, 1, history.map((n) => n.summary).join("\n"));
    }
    assert.ok(!history.some((n) => `${n.summary} ${n.body}`.includes(STRIPE_VALUE)));
  });

  it("scans a typed folder once, shows a key Till does not hold, and watches it on request", async () => {
    const browser = await app.attach();
    const other = mkdtempSync(join(tmpdir(), "till-e2e-scanned-"));
    writeFileSync(join(other, "client.py"), `client = OpenAI(api_key="${UNKNOWN_OPENAI}")\n`);
    await (await browser.$('[data-testid="tab-leaks"]')).click();
    await (await browser.$('[data-testid="leak-folder"]')).setValue(other);
    await (await browser.$('[data-testid="leak-scan"]')).click();
    const text = await waitFor("the unknown key's group", async () => {
      for (const group of await browser.$$('[data-testid="leak-group"]')) {
        if ((await group.getAttribute("data-kind")) !== "unknown_key") continue;
        await group.scrollIntoView();
        const shown = await group.getText();
        if (shown.includes("client.py")) return shown;
      }
      return null;
    });
    assert.match(text, /OpenAI key sk-…7tN9/);
    assert.match(text, /client\.py:1/);
    assert.match(text, /Till does not hold this OpenAI key: add it to Till, or revoke it/);
    assert.ok(!text.includes(UNKNOWN_OPENAI), "no value in the window");

    // Watch it: the folder goes into settings.toml, comments and all.
    await (await browser.$('[data-testid="leak-watch"]')).click();
    await waitFor("the folder in the watched list", async () =>
      (await (await browser.$('[data-testid="leak-watched"]')).getText()).includes(other),
    );
    const settings = readFileSync(join(home, "config", "settings.toml"), "utf8");
    assert.match(settings, /^\[scan\]\nwatched = \[/m);
    assert.ok(settings.includes(`"${other}"`), settings);
    await browser.saveScreenshot(join(ARTIFACTS, "leaks-scanned.png"));
  });
});
