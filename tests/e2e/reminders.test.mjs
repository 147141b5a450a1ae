// Reminders as a person meets them: the tray turns to attention and lists what is due,
// notifications say what and when (one digest for a burst, none in quiet hours), their
// buttons change the vault, and "Start rotation" leads through the runbook in the window,
// checked live against a loopback stand-in for the provider.
//
// Keys are made with the CLI on 5 January 2026; the app runs with its clock fixed on
// 6 April 2026, a day after a production OpenAI key's 90-day rotation fell due.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { ARTIFACTS, launchTill } from "./support/app.mjs";
import { addKey, homeWithVault, till, writeSettings } from "./support/cli.mjs";
import {
  clearNotifications,
  closeAllAndReadHistory,
  displayedCount,
  invokeAction,
} from "./support/notifications.mjs";
import { startFakeProviders } from "./support/providers.mjs";
import { clickTrayMenu, trayIconShown, trayMenu } from "./support/tray.mjs";
import { waitFor } from "./support/wait.mjs";

const CREATED = "2026-01-05T09:00:00Z";
const NOW = "2026-04-06T09:00:00Z";
const OPENAI_OLD = `sk-proj-${"o".repeat(48)}`;
const OPENAI_NEW = `sk-proj-${"n".repeat(48)}`;
const ROTATION_OVERDUE = "OpenAI prod is 1 day overdue for rotation";
const AUDIT_OVERDUE = "Stripe prod is 1 day overdue for an audit";

/** The "Due (N)" submenu as the panel shows it. */
function dueMenu(item) {
  return trayMenu(item).find((entry) => /^Due \(\d+\)$/.test(entry.label));
}

const dueLabels = (item) => dueMenu(item).children.map((child) => child.label);

async function launchAt(home, logName) {
  return launchTill({ now: NOW, logName, extraEnv: { TILL_HOME: home, TZ: "UTC" } });
}

describe("reminders in the tray and as notifications", () => {
  let app;

  before(clearNotifications);

  afterEach(async () => {
    await app?.stop();
    app = undefined;
    clearNotifications();
  });

  it("shows what is due, and the notification buttons snooze and mark audited", async () => {
    const home = homeWithVault(CREATED);
    // OpenAI: rotation due (audits yearly); Stripe: audit due (rotates yearly).
    addKey(home, CREATED, {
      name: "OpenAI prod",
      provider: "openai",
      env: "prod",
      value: OPENAI_OLD,
      extra: ["--audit-every", "365"],
    });
    addKey(home, CREATED, {
      name: "Stripe prod",
      provider: "stripe",
      env: "prod",
      value: `rk_live_${"s".repeat(30)}`,
      extra: ["--rotate-every", "365"],
    });
    app = await launchAt(home, "tauri-driver-reminders.log");

    await waitFor("two reminders to be shown", () => displayedCount() === 2);
    await waitFor("the attention icon", () => trayIconShown(app.item) === "till-tray-attention");
    assert.equal(dueMenu(app.item).label, "Due (2)");
    assert.deepEqual(dueLabels(app.item).slice(0, 2).sort(), [ROTATION_OVERDUE, AUDIT_OVERDUE]);

    // "Mark audited" on Stripe's notification records the audit.
    invokeAction("audited", { summary: AUDIT_OVERDUE });
    await waitFor("Stripe to be audited", () => {
      const keys = JSON.parse(till(home, NOW, ["list", "--json"]));
      return keys.find((k) => k.name === "Stripe prod").last_audited_at === NOW;
    });
    await waitFor("the tray to drop Stripe", () => dueMenu(app.item).label === "Due (1)");

    // "Snooze 1 day" on OpenAI's holds its reminders until tomorrow.
    invokeAction("snooze", { summary: ROTATION_OVERDUE });
    await waitFor("OpenAI to be snoozed", () => {
      const due = JSON.parse(till(home, NOW, ["due", "--json"]));
      const item = due.find((d) => d.name === "OpenAI prod" && d.kind === "rotation");
      return item?.snoozed_until === "2026-04-07T09:00:00Z";
    });

    // Both notifications were shown once, with what and when; nothing came back.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(displayedCount(), 0);
    const shown = closeAllAndReadHistory().filter((n) => n.appname === "Till");
    assert.deepEqual(shown.map((n) => n.summary).sort(), [ROTATION_OVERDUE, AUDIT_OVERDUE]);
    const openai = shown.find((n) => n.summary === ROTATION_OVERDUE);
    assert.equal(openai.body, "OpenAI · prod · rotation due on 2026-04-05");

    // Locked, the tray still counts what is due but names nothing.
    clickTrayMenu(app.item, "Lock");
    await waitFor("the locked icon", () => trayIconShown(app.item) === "till-tray-locked");
    await waitFor("a count without names", () =>
      dueLabels(app.item).includes("1 key is due: unlock to see which"),
    );
    assert.ok(!JSON.stringify(trayMenu(app.item)).includes("OpenAI"));
  });

  it("gathers a burst of reminders into one digest", async () => {
    const home = homeWithVault(CREATED);
    for (const n of [1, 2, 3, 4]) {
      addKey(home, CREATED, {
        name: `Service ${n}`,
        provider: "openai",
        env: "prod",
        value: `sk-proj-${String(n).repeat(48)}`,
        extra: ["--audit-every", "365"],
      });
    }
    app = await launchAt(home, "tauri-driver-digest.log");
    await waitFor("the tray to list four", () => dueMenu(app.item).label === "Due (4)");
    await waitFor("a notification", () => displayedCount() >= 1);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(displayedCount(), 1, "one digest, not a burst of four");
    const [digest] = closeAllAndReadHistory().filter((n) => n.appname === "Till");
    assert.equal(digest.summary, "4 key reminders need you");
    assert.match(digest.body, /Service 1 is 1 day overdue for rotation/);
  });

  it("holds reminders in quiet hours", async () => {
    const home = homeWithVault(CREATED);
    addKey(home, CREATED, {
      name: "OpenAI prod",
      provider: "openai",
      env: "prod",
      value: OPENAI_OLD,
      extra: ["--audit-every", "365"],
    });
    writeSettings(home, '[reminders]\nquiet_hours = "08:00-10:00"\n');
    app = await launchAt(home, "tauri-driver-quiet.log");
    await waitFor("the tray to list the due key", () => dueMenu(app.item).label === "Due (1)");
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(displayedCount(), 0, "no notification at 09:00 with quiet hours 08:00-10:00");
  });
});

describe("a rotation runbook from a notification to done", () => {
  let app;
  let providers;

  after(async () => {
    await app?.stop();
    providers?.stop();
    clearNotifications();
  });

  it("rotates, checks live against the provider, and records every step", async () => {
    providers = await startFakeProviders();
    const home = homeWithVault(CREATED);
    addKey(home, CREATED, {
      name: "OpenAI prod",
      provider: "openai",
      env: "prod",
      value: OPENAI_OLD,
      places: ["GitHub Actions: deploy.yml", "prod k8s secret"],
      extra: ["--audit-every", "365", "--scope", "openai:models:read"],
    });
    writeSettings(home, `[verify]\nbase_urls = { openai = "${providers.baseUrl("openai")}" }\n`);
    app = await launchAt(home, "tauri-driver-rotation.log");

    await waitFor("the reminder", () => displayedCount() === 1);
    invokeAction("rotate");
    const browser = await app.attach();
    const $ = (testid) => browser.$(`[data-testid="${testid}"]`);
    const shot = (name) => browser.saveScreenshot(join(ARTIFACTS, name));
    const current = async () =>
      (await browser.$('[data-testid="runbook-step"][data-status="current"]')).getAttribute(
        "data-step",
      );

    await $("runbook").waitForDisplayed({ timeout: 30_000 });
    await waitFor("the runbook to be started", async () => (await current()) === "create_new");
    assert.match(await $("runbook").getText(), /openai:models:read/);
    await shot("40-runbook-create.png");
    await $("runbook-created").click();

    await $("runbook-paste").waitForDisplayed();
    await $("runbook-paste").setValue(OPENAI_NEW);
    await shot("41-runbook-paste.png");
    await $("runbook-save").click();

    await $("runbook-verify").waitForDisplayed();
    await $("runbook-verify").click();
    await waitFor("the check to pass", async () => (await current()) === "update_places");
    assert.match(await $("last-verified").getText(), /Live/);
    await shot("42-runbook-places.png");
    for (const box of await browser.$$('[data-testid="runbook-place"]')) {
      await box.click();
      await waitFor("the place to be ticked", () => box.isSelected());
    }
    await $("runbook-places-done").click();
    await $("runbook-old-unused").waitForDisplayed();
    await $("runbook-old-unused").click();
    await $("runbook-revoked").waitForDisplayed();
    await shot("43-runbook-revoke.png");
    await $("runbook-revoked").click();
    await $("runbook-done").waitForDisplayed();
    await shot("44-runbook-done.png");

    // The new value is the key now; the check went to the provider, with the new key.
    assert.equal(till(home, NOW, ["get", "OpenAI prod"]).trim(), OPENAI_NEW);
    const requests = await providers.requests();
    assert.deepEqual(
      requests.map((r) => [r.provider, r.path, r.authorized]),
      [["openai", "/v1/models", true]],
    );
    // Nothing is due for rotation any more, and the log has every step in order.
    const due = JSON.parse(till(home, NOW, ["due", "--json"]));
    assert.ok(!due.some((d) => d.kind === "rotation"), JSON.stringify(due));
    const log = JSON.parse(till(home, NOW, ["log", "--json"]));
    const steps = log
      .filter((e) => e.action === "rotation" || e.action === "verify")
      .map((e) => e.detail);
    assert.equal(steps.length, 9, JSON.stringify(steps, null, 1));
    assert.match(steps.at(-1), /rotation finished/);
    assert.match(till(home, NOW, ["log", "verify"]), /intact/);

    // An audit review from the key's detail records the answers and the date.
    await $("review-audit").click();
    for (const box of await browser.$$('[data-testid="audit-answer"]')) await box.click();
    await shot("45-audit-review.png");
    await $("audit-complete").click();
    await $("audit-done").waitForDisplayed();
    const keys = JSON.parse(till(home, NOW, ["list", "--json"]));
    assert.equal(keys[0].last_audited_at, NOW);
    assert.match(till(home, NOW, ["log"]), /audit review: still needed: yes, owner right: yes/);

    // With the rotation and the audit done, the Due list is empty.
    await $("tab-due").click();
    await $("nothing-due").waitForDisplayed();
    await shot("46-due-empty.png");
  });
});
