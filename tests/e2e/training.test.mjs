// Training in the real window: a lesson read to its end leads into the app and is
// recorded; a team file opened in the window shows which keys break its policies, and
// fixing one (setting an owner) turns the team compliant; a team check that scans a large
// folder for keys leaves the window's other requests answered meanwhile.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ARTIFACTS, launchTill } from "./support/app.mjs";
import { addKey, homeWithVault, till } from "./support/cli.mjs";
import { screenshotWindow, visibleWindows, waitForSettledPaint } from "./support/desktop.mjs";
import { waitFor } from "./support/wait.mjs";

const NOW = "2026-11-27T09:00:00Z";
const TEAM_FILE = `[team]
name = "Payments"

[[policy]]
id = "prod-owners"
description = "Every prod key has an owner"
rule = "owner_required"
environments = ["prod"]

[[checklist]]
id = "quarterly-audit"
title = "Quarterly key audit"
  [[checklist.item]]
  text = "Review who can reach the provider consoles"
`;

async function shot(name) {
  const [windowId] = visibleWindows("Till");
  await waitForSettledPaint(windowId);
  screenshotWindow(windowId, join(ARTIFACTS, name));
}

describe("training in the window", () => {
  let app;
  let browser;
  let home;
  const $ = (testid) => browser.$(`[data-testid="${testid}"]`);

  before(async () => {
    home = homeWithVault(NOW);
    addKey(home, NOW, {
      name: "Stripe prod",
      provider: "stripe",
      env: "prod",
      value: `rk_live_${"p".repeat(30)}`,
    });
    app = await launchTill({
      now: NOW,
      logName: "tauri-driver-training.log",
      extraEnv: { TILL_HOME: home },
    });
    browser = await app.openWindow();
    await $("inventory").waitForDisplayed({ timeout: 20_000 });
    await $("tab-training").click();
  });

  after(async () => {
    await app?.stop();
  });

  it("reads a lesson to its end, which leads into the app and is recorded", async () => {
    await $("lessons").waitForDisplayed();
    const lessons = await browser.$$('[data-testid="lesson"]');
    assert.ok(lessons.length >= 8, `${lessons.length} lessons`);
    await lessons[0].click();
    await $("lesson-screen").waitForDisplayed();
    await shot("60-lesson.png");
    while (await $("lesson-next").isExisting()) await $("lesson-next").click();
    await $("lesson-action").click();
    // The first lesson ends in scanning a folder of the person's choice.
    await $("leak-folder").waitForDisplayed();
    await waitFor("the folder field to take the focus", () => $("leak-folder").isFocused());
    const progress = JSON.parse(till(home, NOW, ["lessons", "--json"]));
    assert.equal(progress[0].completed_at, NOW);
    await $("tab-training").click();
    await $("lesson-done").waitForDisplayed();
  });

  it("opens a team file, shows the key that breaks a policy, and turns green when fixed", async () => {
    await $("tab-team").click();
    await $("team-view").waitForDisplayed();
    const file = join(home, "till-team.toml");
    writeFileSync(file, TEAM_FILE);
    await $("team-file").setValue(file);
    await waitFor("the verdict", async () =>
      /Payments: not compliant/.test(await $("team-verdict").getText()),
    );
    assert.match(await $("finding").getText(), /Stripe prod\s+has no owner/);
    await shot("61-team-violations.png");

    await $("fix-owner-input").setValue("Ada");
    await $("fix-owner").click();
    await waitFor("the team to be compliant", async () =>
      /Payments: compliant/.test(await $("team-verdict").getText()),
    );
    // A manual item is ticked in someone's name, and the lead's report says so.
    await $("team-ticker").setValue("Grace");
    await $("team-tick").click();
    await waitFor("the tick", async () => /ticked by Grace/.test(await $("team-view").getText()));
    await $("team-report-toggle").click();
    await $("team-report").waitForDisplayed();
    const report = await $("team-report").getText();
    assert.match(report, /# Payments: key compliance/);
    assert.match(
      report,
      /\[x\] Review who can reach the provider consoles \(ticked by Grace on 2026-11-27\)/,
    );
    await shot("62-team-compliant.png");
    const keys = JSON.parse(till(home, NOW, ["list", "--json"]));
    assert.equal(keys[0].owner, "Ada");
    assert.match(till(home, NOW, ["log"]), /team file adopted: Payments/);
  });

  it("answers the window while a team check scans a large folder for keys", async () => {
    // 1,500 files (45 MB) of source, the vault's Stripe key in the last one: seconds of
    // scanning for a debug build, where a key listing takes milliseconds.
    const repo = join(home, "big-repo");
    const source = Array.from(
      { length: 400 },
      (_, i) => `const setting_${i} = "${(i * 7919).toString(16).padStart(24, "0")}";\n`,
    ).join("");
    for (let d = 0; d < 30; d++) {
      mkdirSync(join(repo, `pkg${d}`), { recursive: true });
      for (let f = 0; f < 50; f++) writeFileSync(join(repo, `pkg${d}`, `mod${f}.js`), source);
    }
    writeFileSync(
      join(repo, "pkg29", "zz-config.js"),
      `const stripe = "rk_live_${"p".repeat(30)}";\n`,
    );
    const teamFile = `[team]
name = "Shop"

[[policy]]
id = "no-keys-in-code"
description = "No keys in the repository"
rule = "no_hardcoded_keys"
paths = [${JSON.stringify(repo)}]
`;
    // A slow machine may scan for longer than WebDriver's 30 s default allows a script.
    await browser.setTimeout({ script: 120_000 });
    const order = await browser.executeAsync((content, done) => {
      const { invoke } = window.__TAURI_INTERNALS__;
      const answered = [];
      const check = invoke("apply_team_file", { content }).then(
        (report) => answered.push({ what: "team check", report }),
        (error) => answered.push({ what: "team check", error: String(error) }),
      );
      // Asked once the check is under way (it has taken the vault to adopt the file).
      const keys = new Promise((resolve) => setTimeout(resolve, 300)).then(() =>
        invoke("list_keys").then(
          (list) => answered.push({ what: "key list", names: list.map((k) => k.name) }),
          (error) => answered.push({ what: "key list", error: String(error) }),
        ),
      );
      Promise.all([check, keys]).then(() => done(answered));
    }, teamFile);
    const [first, second] = order;
    assert.equal(first.what, "key list", `answered in this order: ${JSON.stringify(order)}`);
    assert.deepEqual(first.names, ["Stripe prod"]);
    assert.equal(second.what, "team check", JSON.stringify(second));
    // The scan did run: the key in the last file fails the policy, by name.
    assert.equal(second.report.compliant, false, JSON.stringify(second.report));
    assert.match(JSON.stringify(second.report.policies), /Stripe prod.*zz-config\.js/);

    // Through the window: picking the file says a check is running, then shows its verdict.
    const file = join(home, "shop-team.toml");
    writeFileSync(file, teamFile);
    await browser.execute(() => {
      window.__tillSawChecking = false;
      new MutationObserver(() => {
        if (document.querySelector('[data-testid="team-checking"]'))
          window.__tillSawChecking = true;
      }).observe(document.body, { childList: true, subtree: true });
    });
    await $("team-file").setValue(file);
    await waitFor(
      "the verdict on the scanned folder",
      async () => /Shop: not compliant/.test(await $("team-verdict").getText()),
      { timeoutMs: 120_000 },
    );
    assert.match(await $("team-view").getText(), /Stripe prod \(rk_…pppp\)[^\n]*zz-config\.js:1/);
    assert.equal(await browser.execute(() => window.__tillSawChecking), true);
    assert.equal(await $("team-checking").isExisting(), false, "the notice goes with the answer");
    await shot("63-team-hardcoded-key.png");
  });
});
