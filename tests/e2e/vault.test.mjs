// The vault in the real window: set it up, add keys by pasting (provider recognised),
// search, reveal (audited), lock from the window, see the tray follow, unlock again.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ARTIFACTS, CLI, launchTill } from "./support/app.mjs";
import { trayMenu } from "./support/tray.mjs";
import { waitFor } from "./support/wait.mjs";

const PASSWORD = "maple orbit canyon lantern 42";
const NEW_PASSWORD = "harbor violet quartz meadow 7";
const STRIPE = "rk_live_51Hq2ZtLmNoPqRsTuVwXyZ0aB1c";
const GITHUB = "ghp_ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210";
const GITHUB_NEW = "ghp_NewNewNewNewNewNewNewNewNewNewWXYZ";
const OPENAI = `sk-proj-${"Q".repeat(48)}`;

const shot = (browser, name) => browser.saveScreenshot(join(ARTIFACTS, name));

/** Every regular file under `dir` (sockets, such as the session socket, are not files). */
function filesUnder(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    const stat = statSync(path);
    if (stat.isDirectory()) return filesUnder(path);
    return stat.isFile() ? [path] : [];
  });
}

describe("the vault in the window", () => {
  let till;
  let browser;
  const $ = (testid) => browser.$(`[data-testid="${testid}"]`);
  const lockEnabled = () => trayMenu(till.item).find((e) => e.label === "Lock").enabled;

  before(async () => {
    till = await launchTill({ logName: "tauri-driver-vault.log" });
    browser = await till.openWindow();
  });

  after(async () => {
    await till?.stop();
  });

  it("sets up a vault with a master password and the keyring", async () => {
    await $("setup-view").waitForDisplayed({ timeout: 20_000 });
    await $("setup-password").setValue("short");
    assert.match(await $("setup-strength").getText(), /Too short/);
    await $("setup-password").setValue(PASSWORD);
    assert.match(await $("setup-strength").getText(), /Strong|Very strong/);
    await $("setup-confirm").setValue(PASSWORD);
    await shot(browser, "10-setup.png");
    await $("setup-submit").click();
    // A new vault offers the walkthrough (tests/e2e/onboarding.test.mjs follows it).
    await $("onboarding-skip").waitForDisplayed({ timeout: 20_000 });
    await $("onboarding-skip").click();
    await $("empty-inventory").waitForDisplayed({ timeout: 20_000 });
    await shot(browser, "11-empty-inventory.png");
    await waitFor("the tray's Lock item to be enabled", lockEnabled);
  });

  it("adds keys by pasting, recognising the provider", async () => {
    await $("add-key").click();
    await $("add-name").setValue("Stripe billing");
    await $("add-value").setValue(STRIPE);
    await $("add-recognized").waitForDisplayed();
    assert.match(await $("add-recognized").getText(), /Stripe, live restricted key/);
    assert.equal(await $("add-provider").getValue(), "stripe");
    await shot(browser, "12-add-recognised.png");
    await $("add-submit").click();
    await $("key-detail").waitForDisplayed();

    await $("add-key").click();
    await $("add-name").setValue("GitHub CI");
    await $("add-value").setValue(GITHUB);
    await $("add-recognized").waitForDisplayed();
    await $("add-submit").click();
    await waitFor(
      "two keys listed",
      async () => (await browser.$$('[data-testid="key-row"]')).length === 2,
    );
  });

  it("finds keys as you type", async () => {
    await $("search").setValue("stripe");
    await waitFor(
      "one match",
      async () => (await browser.$$('[data-testid="key-row"]')).length === 1,
    );
    await $("search").setValue("nothing-like-this");
    await $("no-results").waitForDisplayed();
    await $("search").setValue(" "); // a blank query (WebKitWebDriver cannot type an empty string)
    await waitFor(
      "all keys again",
      async () => (await browser.$$('[data-testid="key-row"]')).length === 2,
    );
  });

  it("reveals a value on request and records it in the audit log", async () => {
    const rows = await browser.$$('[data-testid="key-row"]');
    await rows[0].click(); // sorted by name: GitHub CI
    assert.match(await $("key-fingerprint").getText(), /^ghp_…3210$/);
    await $("reveal").click();
    await $("revealed-value").waitForDisplayed();
    assert.equal(await $("revealed-value").getText(), GITHUB);
    await waitFor("the reveal in the key's history", async () =>
      (await $("key-history").getText()).includes("reveal"),
    );
    await shot(browser, "13-revealed.png");
  });

  it("imports a .env file after showing what it found and what it cannot use", async () => {
    const envFile = join(till.home, "..", `import-${Date.now()}.env`);
    writeFileSync(envFile, `OPENAI_API_KEY=${OPENAI}\nthis line is broken\n`);
    await $("import").click();
    await $("import-file").setValue(envFile);
    await $("import-preview").waitForDisplayed();
    assert.match(await $("import-preview").getText(), /OPENAI_API_KEY\s*openai\s*sk-…QQQQ/);
    assert.match(await $("import-problems").getText(), /Line 2: expected NAME=value/);
    await shot(browser, "15-import-preview.png");
    await $("import-accept").click();
    await $("import-done").waitForDisplayed();
    assert.match(await $("import-done").getText(), /Imported 1 key/);
    await browser.$("button=Done").click();
    await waitFor(
      "three keys listed",
      async () => (await browser.$$('[data-testid="key-row"]')).length === 3,
    );
  });

  it("edits a key and replaces its value, keeping the old one for a rollback", async () => {
    const rows = await browser.$$('[data-testid="key-row"]');
    await rows[0].click(); // GitHub CI
    await $("key-menu").click(); // edit and delete live in the detail's menu
    await $("edit").click();
    await $("edit-owner").setValue("platform team");
    await $("edit-value").setValue(GITHUB_NEW);
    await $("edit-submit").click();
    await $("key-detail").waitForDisplayed();
    assert.match(await $("key-fingerprint").getText(), /^ghp_…WXYZ$/);
    assert.match(await $("value-history").getText(), /ghp_…3210/);
    assert.match(await $("key-detail").getText(), /platform team/);
    await shot(browser, "16-edited.png");
    await $("rollback").click();
    await waitFor("the old value back", async () =>
      /ghp_…3210/.test(await $("key-fingerprint").getText()),
    );
  });

  it("keeps nothing readable on disk", () => {
    for (const file of filesUnder(till.home)) {
      const bytes = readFileSync(file);
      for (const needle of [
        STRIPE,
        GITHUB,
        GITHUB_NEW,
        OPENAI,
        "Stripe billing",
        PASSWORD,
        NEW_PASSWORD,
      ]) {
        assert.equal(bytes.indexOf(needle), -1, `'${needle}' in plaintext in ${file}`);
      }
    }
  });

  it("locks from the window, the tray follows, and the password unlocks", async () => {
    await $("lock").click();
    await $("unlock-view").waitForDisplayed();
    await waitFor("the tray's Lock item to be disabled", () => !lockEnabled());
    await $("unlock-password").setValue("not the password");
    await $("unlock-submit").click();
    const error = await browser.$('[data-testid="unlock-view"] [role="alert"]');
    await error.waitForDisplayed();
    assert.match(await error.getText(), /wrong master password/);
    await shot(browser, "14-wrong-password.png");
    await $("unlock-password").setValue(PASSWORD);
    await $("unlock-submit").click();
    await waitFor(
      "the inventory again, all three keys",
      async () => (await browser.$$('[data-testid="key-row"]')).length === 3,
    );
  });

  it("changes the master password only with the current one", async () => {
    await $("tab-settings").click();
    await $("change-password").click();
    await $("current-password").setValue("a wrong guess");
    await $("new-password").setValue(NEW_PASSWORD);
    await $("confirm-password").setValue(NEW_PASSWORD);
    await $("save-password").click();
    const error = await browser.$('[data-testid="password-panel"] [role="alert"]');
    await error.waitForDisplayed();
    assert.match(await error.getText(), /wrong master password/i);
    await $("current-password").setValue(PASSWORD);
    await $("save-password").click();
    await browser.$('[data-testid="password-panel"] [role="status"]').waitForDisplayed();
  });

  it("has an audit log the CLI verifies, with the reveal and the failed unlock", () => {
    const opts = { env: till.env, encoding: "utf8", input: `${NEW_PASSWORD}\n` };
    const log = JSON.parse(execFileSync(CLI, ["--password-stdin", "log", "--json"], opts));
    const actions = log.map((e) => `${e.action}:${e.key_name ?? ""}`);
    for (const expected of [
      "create:Stripe billing",
      "create:GitHub CI",
      "reveal:GitHub CI",
      "lock:",
      "failed_unlock:",
    ]) {
      assert.ok(actions.includes(expected), `${expected} missing from ${actions.join(", ")}`);
    }
    assert.match(execFileSync(CLI, ["--password-stdin", "log", "verify"], opts), /intact/);
  });
});
