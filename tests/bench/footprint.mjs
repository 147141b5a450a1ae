// Till's footprint benchmark: cold start to tray ready, memory (PSS of the app and all
// its processes) with the window open and after closing it to the tray, and time to
// reopen, against a Tauri hello-world built the same way in the same run.
//
// Run through scripts/bench (it builds both apps and starts the headless desktop).
// Prints a table and writes artifacts/footprint.json. Figures, never assertions.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  childProcesses,
  isRunning,
  pressKeys,
  visibleWindows,
  waitForSettledPaint,
} from "../e2e/support/desktop.mjs";
import { clickTrayMenu, registeredTrayItems, trayProps } from "../e2e/support/tray.mjs";
import { sleep, waitFor } from "../e2e/support/wait.mjs";

const TILL = process.env.TILL_BENCH_APP;
const HELLO = process.env.TILL_BENCH_HELLO;
const RUNS = Number(process.env.TILL_BENCH_RUNS ?? 5);
const ARTIFACTS = process.env.TILL_ARTIFACTS ?? join(tmpdir(), "till-artifacts");
const SETTLE_MS = 3_000; // let freed memory and exited helpers settle before measuring

/** PSS in KiB of `pid` and every descendant. */
function treePssKib(pid) {
  const all = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  const parents = new Map();
  for (const entry of all) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(Number(entry), ppid);
    } catch {
      /* exited meanwhile */
    }
  }
  const tree = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [child, parent] of parents) {
      if (tree.has(parent) && !tree.has(child)) {
        tree.add(child);
        grew = true;
      }
    }
  }
  let total = 0;
  for (const member of tree) {
    try {
      const rollup = readFileSync(`/proc/${member}/smaps_rollup`, "utf8");
      total += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
    } catch {
      /* exited meanwhile */
    }
  }
  return total;
}

function freshEnv() {
  return {
    ...process.env,
    TILL_HOME: mkdtempSync(join(tmpdir(), "till-bench-home-")),
    TMPDIR: mkdtempSync(join(tmpdir(), "till-bench-tmp-")),
  };
}

async function stop(child) {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await Promise.race([exited, sleep(5_000).then(() => child.kill("SIGKILL"))]);
}

async function measureTill() {
  const env = freshEnv();
  const before = new Set(registeredTrayItems());
  const started = performance.now();
  const child = spawn(TILL, [], { env, stdio: "ignore" });
  const item = await waitFor(
    "Till's tray item",
    () => registeredTrayItems().find((i) => !before.has(i)),
    { intervalMs: 5, timeoutMs: 30_000 },
  );
  const trayReadyMs = performance.now() - started;
  const pid = trayProps(item).Pid;
  await sleep(SETTLE_MS);
  const trayOnlyKib = treePssKib(pid);

  const opening = performance.now();
  clickTrayMenu(item, "Open Till");
  const windowId = await waitFor("Till's window", () => visibleWindows("Till")[0]);
  await waitForSettledPaint(windowId);
  const openMs = performance.now() - opening;
  await sleep(SETTLE_MS);
  const windowOpenKib = treePssKib(pid);

  await waitFor(
    "the window to close",
    () => {
      const [id] = visibleWindows("Till");
      if (!id) return true;
      pressKeys(id, "ctrl+w");
      return false;
    },
    { intervalMs: 700 },
  );
  await waitFor("the web process to exit", () =>
    childProcesses(pid).every((p) => !p.name.startsWith("WebKitWebProces")),
  );
  await sleep(SETTLE_MS);
  const afterCloseKib = treePssKib(pid);

  const reopening = performance.now();
  clickTrayMenu(item, "Open Till");
  const reopenedId = await waitFor("the reopened window", () => visibleWindows("Till")[0]);
  const reopenMappedMs = performance.now() - reopening;
  await waitForSettledPaint(reopenedId);
  const reopenPaintedMs = performance.now() - reopening;

  clickTrayMenu(item, "Quit");
  await waitFor("Till to quit", () => !isRunning(pid));
  await stop(child);
  return {
    trayReadyMs,
    trayOnlyKib,
    openMs,
    windowOpenKib,
    afterCloseKib,
    reopenMappedMs,
    reopenPaintedMs,
  };
}

async function measureHello() {
  const child = spawn(HELLO, [], { env: freshEnv(), stdio: "ignore" });
  const windowId = await waitFor("the hello window", () => visibleWindows("Hello")[0], {
    timeoutMs: 30_000,
  });
  await waitForSettledPaint(windowId);
  await sleep(SETTLE_MS);
  const windowOpenKib = treePssKib(child.pid);
  await stop(child);
  return { windowOpenKib };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

function summarize(runs, key) {
  const values = runs.map((r) => r[key]);
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

const till = [];
const hello = [];
for (let run = 0; run < RUNS; run++) {
  hello.push(await measureHello());
  till.push(await measureTill());
}

const report = {
  runs: RUNS,
  till: Object.fromEntries(Object.keys(till[0]).map((k) => [k, summarize(till, k)])),
  hello: { windowOpenKib: summarize(hello, "windowOpenKib") },
};
mkdirSync(ARTIFACTS, { recursive: true });
writeFileSync(join(ARTIFACTS, "footprint.json"), JSON.stringify({ report, till, hello }, null, 2));

const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`;
const ms = (v) => `${Math.round(v)} ms`;
const row = (label, s, fmt) =>
  console.log(`${label.padEnd(40)} ${fmt(s.median).padStart(10)}  (${fmt(s.min)}–${fmt(s.max)})`);
console.log(`\nfootprint, median of ${RUNS} runs (min–max)`);
row("hello-world, window open (PSS)", report.hello.windowOpenKib, mib);
row("Till, tray only at start (PSS)", report.till.trayOnlyKib, mib);
row("Till, window open (PSS)", report.till.windowOpenKib, mib);
row("Till, closed to tray (PSS)", report.till.afterCloseKib, mib);
row("Till, cold start to tray ready", report.till.trayReadyMs, ms);
row("Till, Open Till to painted page", report.till.openMs, ms);
row("Till, reopen: window mapped", report.till.reopenMappedMs, ms);
row("Till, reopen: page painted", report.till.reopenPaintedMs, ms);
