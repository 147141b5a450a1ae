// Agent keys as a person meets them in the app: the app hosts the gateway, an agent key is
// minted from the window, an agent (the official `openai` Python SDK) spends it through
// the app's gateway against a loopback fake provider, the tray's Agents submenu shows the
// spend, the 80 % and 100 % alerts arrive once each, Revoke on the alert stops the agent
// (its next call gets 401), and the charts render. A key minted by the CLI while the app
// runs appears in the tray and the window without a restart. Raise cap… on a spent key's
// alert opens the window's dialog, and the agent's next call goes through. Quick search's
// "New agent key for…" opens the mint form on that key. A key's detail charts its last
// day by the hour. A `till run` key used after its run ended is said once, with Open.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { APP, ARTIFACTS, launchTill } from "./support/app.mjs";
import { addKey, homeWithVault, till, writeSettings } from "./support/cli.mjs";
import {
  clearNotifications,
  closeAllAndReadHistory,
  displayedCount,
  displayedActions,
  invokeAction,
} from "./support/notifications.mjs";
import { screenshotWindow, visibleWindows, waitForSettledPaint } from "./support/desktop.mjs";
import { trayMenu } from "./support/tray.mjs";
import { waitFor } from "./support/wait.mjs";

const NOW = new Date().toISOString();
const OPENAI_VALUE = `sk-proj-${"a".repeat(48)}`;
const LABEL = "nightly summariser";
const PYTHON = fileURLToPath(new URL("../../tools/sdk/bin/python", import.meta.url));
const FAKE = APP && join(APP, "..", "examples", "fake_upstream");

/** A free loopback port for the gateway (the settings pin it, as a user's would). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** Starts the fake OpenAI/Anthropic provider; resolves with its URL and a stop(). */
function startFakeUpstream() {
  const child = spawn(FAKE, [], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const found = /listening on (\S+)/.exec(out);
      if (found) resolve({ url: found[1], stop: () => child.kill("SIGTERM") });
    });
    child.on("exit", (code) => reject(new Error(`fake_upstream exited (${code})`)));
  });
}

// One chat completion through the openai SDK; prints the HTTP status (200, or the error's).
const CALL = `
import os, sys, openai
client = openai.OpenAI(base_url=sys.argv[1], api_key=os.environ["TILL_AGENT_TOKEN"], max_retries=0)
try:
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    print(200)
except openai.APIStatusError as error:
    print(error.status_code)
`;

/** One agent call; returns its HTTP status. */
function agentCall(baseUrl, token) {
  const out = execFileSync(PYTHON, ["-c", CALL, baseUrl], {
    env: { ...process.env, TILL_AGENT_TOKEN: token },
    encoding: "utf8",
  });
  return Number(out.trim());
}

/** The "Agents (N active)" submenu as the panel shows it. */
const agentsMenu = (item) => trayMenu(item).find((e) => /^Agents \(\d+ active\)$/.test(e.label));

describe("agent keys in the app", { skip: !existsSync(PYTHON) && "tools/sdk is missing" }, () => {
  let app;
  let upstream;
  let home;
  let port;

  before(async () => {
    clearNotifications();
    upstream = await startFakeUpstream();
    port = await freePort();
    home = homeWithVault(NOW);
    addKey(home, NOW, {
      name: "OpenAI prod",
      provider: "openai",
      env: "prod",
      value: OPENAI_VALUE,
    });
    // Listed after "OpenAI prod", which the mint form starts on unless told otherwise;
    // the only key a saved purpose's scope finds.
    addKey(home, NOW, {
      name: "OpenAI staging",
      provider: "openai",
      env: "staging",
      value: `sk-proj-${"b".repeat(48)}`,
      extra: ["--scope", "openai:*:*"],
    });
    till(home, NOW, ["purpose", "set", "Summaries", "--scope", "openai:models:read"]);
    writeSettings(home, `[gateway]\nport = ${port}\n`);
    app = await launchTill({
      now: NOW,
      logName: "tauri-driver-agents.log",
      extraEnv: { TILL_HOME: home, TZ: "UTC", TILL_UPSTREAM_OPENAI: upstream.url },
    });
  });

  after(async () => {
    await app?.stop();
    upstream?.stop();
    clearNotifications();
  });

  it("mints from the window, shows spend, alerts at 80 % and 100 %, and Revoke stops it", async () => {
    const browser = await app.openWindow();
    const tab = await browser.$('[data-testid="tab-agents"]');
    await tab.waitForDisplayed({ timeout: 20_000 }); // the keyring opens the vault
    await tab.click();
    const status = await browser.$('[data-testid="gateway-status"]');
    await waitFor(
      "the app to host the gateway",
      async () => (await status.getAttribute("data-mode")) === "own",
    );
    assert.match(await status.getText(), new RegExp(`127\\.0\\.0\\.1:${port}`));

    await (await browser.$('[data-testid="agent-new"]')).click();
    await (await browser.$('[data-testid="agent-label"]')).setValue(LABEL);
    await (await browser.$('[data-testid="agent-max-calls"]')).setValue("5");
    await (await browser.$('[data-testid="agent-mint-submit"]')).click();
    const tokenField = await browser.$('[data-testid="agent-token"]');
    await tokenField.waitForExist({ timeout: 10_000 });
    const token = await tokenField.getText();
    const baseUrl = await (await browser.$('[data-testid="agent-base-url"]')).getText();
    assert.match(token, /^till_sk_/);
    assert.equal(baseUrl, `http://127.0.0.1:${port}/openai/v1`);
    await browser.saveScreenshot(join(ARTIFACTS, "agents-minted.png"));
    await (await browser.$('[data-testid="agent-mint-done"]')).click();
    assert.equal(await (await browser.$('[data-testid="agent-token"]')).isExisting(), false);

    // Three calls: 60 % of the calls cap, no alert yet; the tray shows the spend.
    for (let i = 0; i < 3; i++) assert.equal(agentCall(baseUrl, token), 200);
    await waitFor("the tray to show the spend", () =>
      agentsMenu(app.item)?.children.some((c) => c.label === `${LABEL} · 3 / 5 calls`),
    );
    assert.equal(agentsMenu(app.item).label, "Agents (1 active)");
    assert.equal(displayedCount(), 0, "no alert below 80 %");

    // The fourth call crosses 80 %: one alert, timed from the call's answer.
    assert.equal(agentCall(baseUrl, token), 200);
    const crossed = Date.now();
    await waitFor("the 80 % alert", () => displayedCount() === 1, { intervalMs: 20 });
    console.log(`80 % alert shown ${Date.now() - crossed} ms after the call that crossed it`);

    // The fifth reaches the cap: the 100 % alert; a sixth is refused by the cap.
    assert.equal(agentCall(baseUrl, token), 200);
    await waitFor("the 100 % alert", () => displayedCount() === 2);
    assert.equal(agentCall(baseUrl, token), 429);

    // Revoke on the 100 % alert: the next call is refused as unauthorized.
    const full = `Agent key '${LABEL}' used all of its calls cap`;
    invokeAction("revoke", { summary: full });
    await waitFor("the revocation", () => {
      const listed = JSON.parse(till(home, NOW, ["agent", "list", "--json"]));
      return listed.find((g) => g.label === LABEL)?.state === "revoked";
    });
    assert.equal(agentCall(baseUrl, token), 401);

    const history = closeAllAndReadHistory().filter((n) => n.appname === "Till");
    const summaries = history.map((n) => n.summary);
    const warned = `Agent key '${LABEL}' used 80% of its calls cap`;
    assert.equal(summaries.filter((s) => s === warned).length, 1, summaries.join("\n"));
    assert.equal(summaries.filter((s) => s === full).length, 1, summaries.join("\n"));
    assert.match(history.find((n) => n.summary === warned).body, /4 of 5 calls used/);

    // The list shows it revoked, and the charts render.
    await waitFor("the list to show the revocation", async () => {
      const row = await browser.$(`[data-testid="agent-row"]`);
      return (await row.getAttribute("data-state")) === "revoked";
    });
    const chart = await browser.$('[data-testid="chart-spend"] canvas');
    await chart.waitForExist({ timeout: 10_000 });
    await (await browser.$('[data-testid="chart-calls"]')).scrollIntoView();
    await browser.saveScreenshot(join(ARTIFACTS, "agents-charts.png"));
    assert.ok((await chart.getSize("width")) > 200);
    // Not hovered, a legend reads the latest day rather than "--".
    const legend = await (await browser.$('[data-testid="chart-calls"] .u-legend')).getText();
    console.log(`# calls legend: ${legend.replace(/\n/g, " | ")}`);
    assert.ok(legend.includes(NOW.slice(0, 10)), legend);
    assert.doesNotMatch(legend, /--/);
  });

  it("shows a key minted by the CLI in the tray and the window without a restart", async () => {
    const browser = await app.attach();
    const minted = JSON.parse(
      till(home, NOW, [
        "agent",
        "mint",
        "--key",
        "OpenAI prod",
        "--label",
        "cli bot",
        "--max-calls",
        "10",
        "--ttl",
        "1h",
        "--json",
      ]),
    );
    assert.match(minted.base_url, new RegExp(`:${port}/openai/v1$`), "found the app's gateway");
    await waitFor("the tray to list it", () =>
      agentsMenu(app.item)?.children.some((c) => c.label === "cli bot · 0 / 10 calls"),
    );
    await waitFor(
      "the window to list it",
      async () => (await browser.$$('[data-testid="agent-row"]')).length === 2,
    );
    assert.equal(agentCall(minted.base_url, minted.token), 200);
    await browser.saveScreenshot(join(ARTIFACTS, "agents-cli-minted.png"));
  });

  it("raises the cap of a spent key from its alert, and the agent goes on", async () => {
    const browser = await app.attach();
    const minted = JSON.parse(
      till(home, NOW, [
        "agent",
        "mint",
        "--key",
        "OpenAI prod",
        "--label",
        "raise bot",
        "--max-calls",
        "2",
        "--ttl",
        "1h",
        "--json",
      ]),
    );
    for (let i = 0; i < 2; i++) assert.equal(agentCall(minted.base_url, minted.token), 200);
    assert.equal(agentCall(minted.base_url, minted.token), 429, "spent");
    const full = "Agent key 'raise bot' used all of its calls cap";
    await waitFor("the 100 % alert", () =>
      displayedActions().some((a) => a.summary === full && a.action === "raise_cap"),
    );

    // Raise cap… on the alert opens the window's dialog, prefilled with the caps.
    invokeAction("raise_cap", { summary: full });
    const calls = await browser.$('[data-testid="raise-caps-calls"]');
    await calls.waitForDisplayed({ timeout: 10_000 });
    assert.equal(await calls.getValue(), "2");
    // A cap under what is spent is refused and says why.
    await calls.setValue("1");
    await (await browser.$('[data-testid="raise-caps-save"]')).click();
    const refusal = await browser.$('[data-testid="raise-caps"] [role="alert"]');
    await refusal.waitForDisplayed({ timeout: 10_000 });
    assert.match(await refusal.getText(), /already used 2 calls/);
    await calls.setValue("4");
    await browser.saveScreenshot(join(ARTIFACTS, "agents-raise-caps.png"));
    await (await browser.$('[data-testid="raise-caps-save"]')).click();
    await waitFor("the key to be active again", async () => {
      const row = await browser.$(`[data-testid="agent-row"][data-id="${minted.id}"]`);
      return (await row.getAttribute("data-state")) === "active";
    });
    assert.equal(await (await browser.$('[data-testid="raise-caps"]')).isExisting(), false);

    // The next call goes through under the new cap; the tray shows it.
    assert.equal(agentCall(minted.base_url, minted.token), 200);
    await waitFor("the tray to show the raised cap", () =>
      agentsMenu(app.item)?.children.some((c) => c.label === "raise bot · 3 / 4 calls"),
    );
    const log = till(home, NOW, ["log"]);
    assert.match(log, /caps raised: 2 calls → 4 calls/);

    // Its detail charts the last day by the hour, and counts the gateway's refusal.
    const hourly = await browser.$('[data-testid="chart-hourly-calls"] canvas');
    await hourly.waitForExist({ timeout: 10_000 });
    await hourly.scrollIntoView();
    await browser.saveScreenshot(join(ARTIFACTS, "agents-hourly.png"));
    assert.ok((await hourly.getSize("width")) > 200);
    const hourlyLegend = await (
      await browser.$('[data-testid="chart-hourly-calls"] .u-legend')
    ).getText();
    console.log(`# hourly legend: ${hourlyLegend.replace(/\n/g, " | ")}`);
    assert.doesNotMatch(hourlyLegend, /--/);
    assert.match(
      await (await browser.$('[data-testid="agent-refused"]')).getText(),
      /^1 request refused by the gateway/,
    );
  });

  it("quick search offers New agent key for… and opens the mint form on that key", async () => {
    const browser = await app.attach();
    await (await browser.$('[data-testid="tab-keys"]')).click(); // start elsewhere
    execFileSync("xdotool", ["key", "--clearmodifiers", "ctrl+shift+k"]);
    const [quick] = await waitFor("quick search", () => {
      const found = visibleWindows("Till quick search");
      return found.length > 0 ? found : false;
    });
    await waitForSettledPaint(quick); // a first open builds it
    execFileSync("xdotool", ["type", "--delay", "40", "agent staging"]);
    await waitForSettledPaint(quick);
    screenshotWindow(quick, join(ARTIFACTS, "agents-quick-search.png"));
    execFileSync("xdotool", ["key", "Return"]);
    await waitFor("quick search to close", () => visibleWindows("Till quick search").length === 0);
    const form = await browser.$('[data-testid="agent-mint"]');
    await form.waitForDisplayed({ timeout: 10_000 });
    const select = await browser.$('[data-testid="agent-key-select"]');
    await waitFor(
      "the key to be chosen",
      async () => (await select.getValue()) === "OpenAI staging",
    );

    // A purpose's name offers its copy, then a new agent key on the key its copy picks,
    // labelled after the purpose.
    execFileSync("xdotool", ["key", "--clearmodifiers", "ctrl+shift+k"]);
    await waitFor("quick search again", () => visibleWindows("Till quick search").length > 0);
    await waitForSettledPaint(quick);
    execFileSync("xdotool", ["type", "--delay", "40", "summaries"]);
    await waitForSettledPaint(quick);
    screenshotWindow(quick, join(ARTIFACTS, "agents-quick-search-purpose.png"));
    execFileSync("xdotool", ["key", "Down", "Return"]);
    await waitFor("quick search to close", () => visibleWindows("Till quick search").length === 0);
    const label = await browser.$('[data-testid="agent-label"]');
    await waitFor("the purpose as the label", async () => (await label.getValue()) === "Summaries");
    assert.equal(
      await (await browser.$('[data-testid="agent-key-select"]')).getValue(),
      "OpenAI staging",
    );
    await browser.saveScreenshot(join(ARTIFACTS, "agents-quick-mint-form.png"));
  });

  it("says once that a till run key was used after its run ended, offering Open", async () => {
    clearNotifications();
    // A process that keeps the run's agent key for later (what a leftover daemon does).
    const kept = join(home, "kept-by-a-process");
    till(home, NOW, [
      "run",
      "--key",
      "OpenAI prod",
      "--",
      "sh",
      "-c",
      `printf '%s %s' "$OPENAI_BASE_URL" "$OPENAI_API_KEY" > '${kept}'`,
    ]);
    const [baseUrl, token] = readFileSync(kept, "utf8").split(" ");
    assert.match(token, /^till_sk_/);
    // The run ended and revoked its key: the later call is refused, and said once.
    assert.equal(agentCall(baseUrl, token), 401);
    assert.equal(agentCall(baseUrl, token), 401);
    const summary = "Agent key 'till run: sh' was used after its till run ended";
    const offered = await waitFor("the after-run alert", () => {
      const actions = displayedActions().filter((a) => a.summary === summary);
      return actions.length > 0 ? actions : false;
    });
    assert.deepEqual(
      offered.map((a) => a.action),
      ["default"],
      "Open only: the key is already revoked",
    );
    const history = closeAllAndReadHistory().filter((n) => n.summary === summary);
    assert.equal(history.length, 1);
    assert.match(history[0].body, /^Used [12] times? after its till run ended at \d\d:\d\d UTC\./);
    rmSync(kept);
  });

  // Figures for the report, not assertions: TILL_E2E_MEASURE=1 runs it.
  it(
    "measures the app's memory idle and under ~200 req/s",
    {
      skip: process.env.TILL_E2E_MEASURE !== "1" && "set TILL_E2E_MEASURE=1",
    },
    async () => {
      const minted = JSON.parse(
        till(home, NOW, [
          "agent",
          "mint",
          "--key",
          "OpenAI prod",
          "--label",
          "load",
          "--max-calls",
          "100000",
          "--ttl",
          "1h",
          "--json",
        ]),
      );
      const pss = () =>
        Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${app.pid}/smaps_rollup`, "utf8"))[1]) /
        1024;
      await new Promise((r) => setTimeout(r, 3000));
      const idle = pss();
      const body = JSON.stringify({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 16,
      });
      const call = () =>
        fetch(`${minted.base_url}/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${minted.token}`, "content-type": "application/json" },
          body,
        }).then((r) => r.status);
      let sent = 0;
      let ok = 0;
      let peak = idle;
      const started = Date.now();
      while (Date.now() - started < 15_000) {
        const tick = Date.now();
        const statuses = await Promise.all(Array.from({ length: 20 }, call));
        sent += 20;
        ok += statuses.filter((s) => s === 200).length;
        if (sent % 400 === 0) peak = Math.max(peak, pss());
        await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tick))));
      }
      const rate = sent / ((Date.now() - started) / 1000);
      console.log(
        `PSS idle ${idle.toFixed(1)} MiB; under ${rate.toFixed(0)} req/s (${ok}/${sent} ok) peak ${peak.toFixed(1)} MiB, after ${pss().toFixed(1)} MiB`,
      );
    },
  );
});
