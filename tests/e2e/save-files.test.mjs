// Saving files where the user chooses: the window's Save buttons open the real GTK save
// dialog (shown by Rust), a person types a name and presses Enter, and the file appears
// owner-only; saving over it again asks first, and only replacing it writes it.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ARTIFACTS, CLI, launchTill } from "./support/app.mjs";
import { PASSWORD, addKey, homeWithVault, till } from "./support/cli.mjs";
import { screenshotScreen, visibleWindows } from "./support/desktop.mjs";
import { waitFor } from "./support/wait.mjs";

const NOW = "2026-11-27T09:00:00Z";
const CSV_TITLE = "Save the key list, without values, as CSV";
const BACKUP_TITLE = "Save an encrypted backup of every key";
const REPORT_TITLE = "Save the team report";

/** GTK's "A file named … already exists" question: an untitled dialog of Till's. */
function replaceQuestion() {
  let ids = [];
  try {
    ids = execFileSync("xdotool", ["search", "--onlyvisible", "--classname", "till-desktop"], {
      encoding: "utf8",
    })
      .trim()
      .split("\n");
  } catch {
    return undefined; // no match
  }
  return ids.find(
    (id) => execFileSync("xdotool", ["getwindowname", id], { encoding: "utf8" }).trim() === "",
  );
}

/** Waits for the dialog titled `title`, focuses it and types `steps` (xdotool). */
async function answerDialog(title, steps) {
  const [id] = await waitFor(`the "${title}" dialog`, () => {
    const found = visibleWindows(title);
    return found.length > 0 && found;
  });
  execFileSync("xdotool", ["windowfocus", "--sync", id]);
  for (const step of steps) {
    if (step.type) execFileSync("xdotool", ["type", "--delay", "20", step.type]);
    if (step.key) execFileSync("xdotool", ["key", "--clearmodifiers", step.key]);
  }
  return id;
}

describe("saving files through the save dialog", () => {
  let app;
  let browser;
  let home;
  const $ = (testid) => browser.$(`[data-testid="${testid}"]`);

  before(async () => {
    home = homeWithVault(NOW);
    addKey(home, NOW, {
      name: "GitHub CI",
      provider: "github",
      env: "prod",
      value: `ghp_${"S".repeat(36)}`,
    });
    app = await launchTill({
      now: NOW,
      logName: "tauri-driver-save-files.log",
      extraEnv: { TILL_HOME: home },
    });
    browser = await app.openWindow();
    await $("inventory").waitForDisplayed({ timeout: 20_000 });
    await $("tab-settings").click();
    await $("export-panel").waitForDisplayed();
  });

  after(async () => {
    await app?.stop();
  });

  it("writes the key list where the user typed, owner-only", async () => {
    const file = join(home, "My exports", "keys.csv");
    mkdirSync(join(home, "My exports"), { recursive: true });
    await $("save-metadata-csv").click();
    await answerDialog(CSV_TITLE, [{ key: "ctrl+a" }, { type: file }, { key: "Return" }]);
    await $("save-metadata-csv-saved").waitForDisplayed();
    assert.match(await $("save-metadata-csv-saved").getText(), /keys\.csv/);
    const text = readFileSync(file, "utf8");
    assert.match(text, /^name,provider,environment,/);
    assert.match(text, /GitHub CI,github,prod,/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it("asks before replacing, and replaces only when told to", async () => {
    const file = join(home, "My exports", "keys.csv");
    writeFileSync(file, "old\n");
    const typeTheName = [{ key: "ctrl+a" }, { type: file }, { key: "Return" }];

    // Cancel at GTK's question, then close the dialog: nothing is written.
    await $("save-metadata-csv").click();
    await answerDialog(CSV_TITLE, typeTheName);
    let question = await waitFor("GTK to ask before replacing", replaceQuestion);
    screenshotScreen(join(ARTIFACTS, "60-save-replace-question.png"));
    execFileSync("xdotool", ["windowfocus", "--sync", question]);
    execFileSync("xdotool", ["key", "Escape"]);
    await answerDialog(CSV_TITLE, [{ key: "Escape" }]);
    await waitFor("the window to hear the cancel", async () =>
      (await $("save-metadata-csv").getText()).includes("Save key list"),
    );
    assert.equal(await $("save-metadata-csv-saved").isExisting(), false);
    assert.equal(readFileSync(file, "utf8"), "old\n");

    // Replace: now the file is the key list, still owner-only.
    await $("save-metadata-csv").click();
    await answerDialog(CSV_TITLE, typeTheName);
    question = await waitFor("GTK to ask before replacing", replaceQuestion);
    execFileSync("xdotool", ["windowfocus", "--sync", question]);
    execFileSync("xdotool", ["key", "alt+r"]);
    await $("save-metadata-csv-saved").waitForDisplayed();
    assert.match(readFileSync(file, "utf8"), /^name,provider,/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const log = till(home, NOW, ["log"]);
    assert.equal(log.match(/metadata CSV to /g)?.length, 2, "one audit entry per file written");
  });

  it("saves an encrypted backup that `till import` opens with its password", async () => {
    const file = join(home, "My exports", "till-backup.till");
    const backupPassword = "copper kettle harbour 42";
    await $("backup-password").setValue(backupPassword);
    await $("backup-password-again").setValue(backupPassword);
    await $("save-backup").click();
    await answerDialog(BACKUP_TITLE, [{ key: "ctrl+a" }, { type: file }, { key: "Return" }]);
    await $("save-backup-saved").waitForDisplayed();
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(await $("backup-password").getValue(), "", "the password is not kept");
    // The key list goes to stderr; the first stdin line is the master password.
    const restored = spawnSync(
      CLI,
      ["--password-stdin", "import", file, "--format", "till", "--dry-run"],
      {
        env: { ...process.env, TILL_HOME: home, TILL_NOW: NOW },
        input: `${PASSWORD}\n${backupPassword}\n`,
        encoding: "utf8",
      },
    );
    assert.equal(restored.status, 0, restored.stderr);
    assert.match(restored.stderr, /1 key\(s\) in the backup:\n  GitHub CI/);
  });

  it("saves the team report for the lead, with the scanned folder's findings", async () => {
    // A team file whose rule scans a folder: the saved report is checked, scan and all.
    const repo = join(home, "shop");
    mkdirSync(join(repo, "ci"), { recursive: true });
    writeFileSync(join(repo, "ci", "deploy.sh"), `export GH_TOKEN=ghp_${"S".repeat(36)}\n`);
    const teamFile = join(home, "shop-team.toml");
    writeFileSync(
      teamFile,
      `[team]\nname = "Shop"\n\n[[policy]]\nid = "no-keys"\ndescription = "No keys in the repository"\nrule = "no_hardcoded_keys"\npaths = [${JSON.stringify(repo)}]\n`,
    );
    await $("tab-training").click();
    await $("tab-team").click();
    await $("team-file").setValue(teamFile);
    await waitFor("the team file's verdict", async () =>
      /Shop: not compliant/.test(await $("team-verdict").getText()),
    );
    const file = join(home, "My exports", "team-report.md");
    await $("save-team-report").click();
    await answerDialog(REPORT_TITLE, [{ key: "ctrl+a" }, { type: file }, { key: "Return" }]);
    await $("save-team-report-saved").waitForDisplayed();
    const report = readFileSync(file, "utf8");
    assert.match(report, /Shop/);
    assert.match(report, /No keys in the repository/);
    assert.match(report, /GitHub CI[^\n]*shop\/ci\/deploy\.sh:1/);
    assert.doesNotMatch(report, /ghp_S/, "no key value in the report");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(till(home, NOW, ["log"]), /team report to .*team-report\.md/);
  });
});
