// The first run in the real window: set up the vault, then the walkthrough adds a real
// first key (provider recognised), sets its rotation, records its scope and copies it
// by that scope, and introduces the tray. Every step does the real thing; a screenshot
// of each is saved.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ARTIFACTS, launchTill } from "./support/app.mjs";
import { clipboardText } from "./support/clipboard.mjs";
import { screenshotWindow, visibleWindows, waitForSettledPaint } from "./support/desktop.mjs";
import { PASSWORD, till } from "./support/cli.mjs";
import { waitFor } from "./support/wait.mjs";

const NOW = "2026-11-27T09:00:00Z";
const OPENAI = `sk-proj-${"W".repeat(48)}`;

async function shot(name) {
  const [windowId] = visibleWindows("Till");
  await waitForSettledPaint(windowId);
  screenshotWindow(windowId, join(ARTIFACTS, name));
}

describe("the first-run walkthrough", () => {
  let app;
  let browser;
  const $ = (testid) => browser.$(`[data-testid="${testid}"]`);
  const step = async () => (await $("onboarding")).getAttribute("data-step");

  before(async () => {
    app = await launchTill({ now: NOW, logName: "tauri-driver-onboarding.log" });
    browser = await app.openWindow();
  });

  after(async () => {
    await app?.stop();
  });

  it("runs from a new vault to the tray, doing each step for real", async () => {
    await $("setup-view").waitForDisplayed({ timeout: 20_000 });
    await $("setup-password").setValue(PASSWORD);
    await $("setup-confirm").setValue(PASSWORD);
    await shot("70-onboarding-unlock.png");
    await $("setup-submit").click();

    await $("onboarding").waitForDisplayed({ timeout: 20_000 });
    assert.equal(await step(), "first_key");
    await $("add-name").setValue("OpenAI prod");
    await $("add-value").setValue(OPENAI);
    // Recognition is an IPC round trip; on a loaded machine the first one after setup is slow.
    await $("add-recognized").waitForDisplayed({ timeout: 15_000 });
    await shot("71-onboarding-first-key.png");
    await $("add-submit").click();

    await waitFor("the policy step", async () => (await step()) === "policy");
    await $("onboarding-rotate").setValue("60");
    await shot("72-onboarding-policy.png");
    await $("onboarding-policy").click();

    await waitFor("the scoped copy step", async () => (await step()) === "scoped_copy");
    await $("onboarding-scopes").setValue("openai:models:read");
    await $("onboarding-copy").click();
    await $("onboarding-copied").waitForDisplayed();
    assert.equal(clipboardText(), OPENAI, "the key itself is on the clipboard");
    await shot("73-onboarding-copy.png");
    await $("onboarding-next").click();

    await waitFor("the tray step", async () => (await step()) === "tray");
    await shot("74-onboarding-tray.png");
    await $("onboarding-finish").click();
    await $("inventory").waitForDisplayed();

    const home = app.home;
    const [key] = JSON.parse(till(home, NOW, ["list", "--json"]));
    assert.equal(key.name, "OpenAI prod");
    assert.deepEqual(key.scopes, ["openai:models:read"]);
    assert.equal(key.next_rotation_due, "2027-01-26T09:00:00Z", "60 days, as chosen");
    const log = till(home, NOW, ["log"]);
    assert.match(log, /for openai:models:read: least privilege/);
    assert.match(log, /walkthrough finished/);
  });
});
