// Till's footprint benchmark, with default settings, against a Tauri hello-world built the
// same way in the same run: memory (PSS of the app and every process it started) in the
// tray, with the window open and after closing it; how fast quick search and the window
// appear; and, with `creep`, whether memory creeps over many open/close cycles.
//
// Run through scripts/bench (it builds the apps and starts the headless desktop).
// Prints a table and writes artifacts/footprint.json (or footprint-creep.json). Figures,
// never assertions.
//
//   TILL_BENCH_RUNS=5            runs of the footprint measure
//   TILL_BENCH_MODE=creep        the creep run instead: TILL_BENCH_CYCLES (1000) window
//                                open/close cycles and as many quick-search uses, stopped
//                                after TILL_BENCH_CREEP_MINUTES (60) whatever the count;
//                                TILL_BENCH_KEEP_WARM_SECONDS=0 ends the window's page
//                                each cycle instead of the default 30 s keep-warm
import { execFileSync, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { childProcesses, isRunning, pressKeys, visibleWindows } from "../e2e/support/desktop.mjs";
import {
  clickTrayMenu,
  openTrayMenu,
  registeredTrayItems,
  trayMenu,
  trayProps,
} from "../e2e/support/tray.mjs";
import { sleep, waitFor } from "../e2e/support/wait.mjs";

const TILL = process.env.TILL_BENCH_APP;
const CLI = process.env.TILL_BENCH_CLI;
const HELLO = process.env.TILL_BENCH_HELLO;
const RUNS = Number(process.env.TILL_BENCH_RUNS ?? 5);
const MODE = process.env.TILL_BENCH_MODE ?? "footprint";
const CYCLES = Number(process.env.TILL_BENCH_CYCLES ?? 1000);
const CREEP_MINUTES = Number(process.env.TILL_BENCH_CREEP_MINUTES ?? 60);
const ARTIFACTS = process.env.TILL_ARTIFACTS ?? join(tmpdir(), "till-artifacts");
const SETTLE_MS = 3_000; // let freed memory and exited helpers settle before measuring
/** `[window] keep_warm_seconds`' default: a closed window is torn down after this. */
const KEEP_WARM_MS = 30_000;
/** How long a person looks at the opened tray menu before clicking Open Till: a quick
 *  one (the menu's first entry, no reading). */
const MENU_READ_MS = Number(process.env.TILL_BENCH_MENU_READ_MS ?? 400);
const QUICK_TITLE = "Till quick search";
const SHORTCUT = "ctrl+shift+k";
const PASSWORD = "bench bench bench bench 42";
const PAINT_WATCH = new URL("./paint_watch.py", import.meta.url).pathname;

/** Memory in KiB of `pid` and every descendant: PSS (shared pages split among every
 *  process mapping them, machine-wide, so other programs using WebKit lower it) and USS
 *  (pages only these processes hold, which nothing else on the machine changes). */
function treeMemory(pid) {
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
  const memory = { pss: 0, uss: 0, anon: 0 };
  const field = (rollup, name) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(rollup)?.[1] ?? 0);
  for (const member of tree) {
    try {
      const rollup = readFileSync(`/proc/${member}/smaps_rollup`, "utf8");
      memory.pss += field(rollup, "Pss");
      memory.uss += field(rollup, "Private_Clean") + field(rollup, "Private_Dirty");
      memory.anon += field(rollup, "Anonymous");
    } catch {
      /* exited meanwhile */
    }
  }
  return memory;
}

/**
 * Runs `trigger` and times the window titled `title` from it: mapped, first content, and
 * painted (the first frame it then kept), in ms, read from the X server by paint_watch.py.
 */
async function timePaint(title, trigger) {
  const watcher = spawn("/usr/bin/python3", [PAINT_WATCH, title], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: watcher.stdout })[Symbol.asyncIterator]();
  const ready = await lines.next();
  if (ready.value !== "ready") throw new Error("paint_watch.py did not start");
  watcher.stdin.write("go\n");
  const triggered = trigger();
  const { value } = await lines.next();
  watcher.stdin.end();
  const timing = JSON.parse(value);
  if (timing.paintedMs === null) throw new Error(`${title} did not paint: ${value}`);
  return { ...timing, triggered };
}

/** The web engine's helper processes Till has running now (web, network). */
const webHelpers = (pid) =>
  childProcesses(pid)
    .filter((p) => p.name.startsWith("WebKit"))
    .map((p) => p.name);

/** A fresh home with a vault (opened by the test keyring at start) holding a few keys, so
 *  quick search has something to list; default settings. */
function freshHome() {
  const home = mkdtempSync(join(tmpdir(), "till-bench-home-"));
  const till = (args, input = "") =>
    execFileSync(CLI, ["--password-stdin", ...args], {
      env: { ...process.env, TILL_HOME: home, TILL_KDF: "floor" },
      input: `${PASSWORD}\n${input}`,
      stdio: ["pipe", "ignore", "inherit"],
    });
  till(["init"]);
  const keys = [
    ["Bench reader", "github", `github_pat_11${"R".repeat(80)}`, "github:contents:read"],
    ["Bench admin", "github", `ghp_${"A".repeat(36)}`, "github:*:*"],
    ["Bench models", "openai", `sk-proj-${"m".repeat(48)}`, "openai:models:read"],
  ];
  for (const [name, provider, value, scope] of keys) {
    till(
      ["add", name, "--provider", provider, "--env", "prod", "--value-stdin", "--scope", scope],
      value,
    );
  }
  till(["purpose", "set", "Bench CI", "--scope", "github:contents:read"]);
  return home;
}

function freshEnv(home) {
  return {
    ...process.env,
    TILL_HOME: home ?? mkdtempSync(join(tmpdir(), "till-bench-home-")),
    TMPDIR: mkdtempSync(join(tmpdir(), "till-bench-tmp-")),
  };
}

async function stop(child) {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await Promise.race([exited, sleep(5_000).then(() => child.kill("SIGKILL"))]);
}

/** Starts Till with default settings; resolves once the vault is open in the tray. */
async function startTill(extraEnv = {}) {
  const env = { ...freshEnv(freshHome()), ...extraEnv };
  const before = new Set(registeredTrayItems());
  const started = performance.now();
  mkdirSync(ARTIFACTS, { recursive: true });
  const log = openSync(join(ARTIFACTS, "footprint-till.log"), "a");
  const child = spawn(TILL, [], { env, stdio: ["ignore", log, log] });
  closeSync(log);
  const item = await waitFor(
    "Till's tray item",
    () => registeredTrayItems().find((i) => !before.has(i)),
    { intervalMs: 5, timeoutMs: 30_000 },
  );
  const trayReadyMs = performance.now() - started;
  const pid = trayProps(item).Pid;
  await waitFor(
    "the vault to open (the Copy menu lists keys)",
    () => (trayMenu(item).find((e) => e.label === "Copy key")?.children ?? []).length > 0,
  );
  return { child, item, pid, trayReadyMs };
}

/** The X window that has the keyboard, as xdotool names it. */
function focusedWindow() {
  try {
    return execFileSync("xdotool", ["getwindowfocus"], { encoding: "utf8", stdio: "pipe" }).trim();
  } catch {
    return null; // focus follows the pointer (no window has it)
  }
}

/** Quick search on its shortcut: times to mapped and painted (or none). Leaves it closed. */
async function useQuickSearch({ timed = true } = {}) {
  const press = () => execFileSync("xdotool", ["key", "--clearmodifiers", SHORTCUT]);
  let timing = {};
  if (timed) timing = await timePaint(QUICK_TITLE, press);
  else {
    press();
    await waitFor("quick search", () => visibleWindows(QUICK_TITLE).length > 0, {
      intervalMs: 5,
    });
  }
  const [popup] = visibleWindows(QUICK_TITLE);
  await waitFor("quick search to have the keyboard", () => focusedWindow() === popup, {
    intervalMs: 5,
  });
  execFileSync("xdotool", ["type", "--delay", "10", "bench"]);
  // Esc until it closes, as a person would press again if the first one was missed.
  await waitFor(
    "quick search to close",
    () => {
      if (visibleWindows(QUICK_TITLE).length === 0) return true;
      execFileSync("xdotool", ["key", "Escape"]);
      return false;
    },
    { intervalMs: 300 },
  );
  return timing;
}

/** Opens the window from the tray: times to mapped, first content and painted page (or
 *  only waits for it to map), from the click. With `menu`, first opens the menu as a
 *  panel does and clicks `MENU_READ_MS` later; without, clicks straight away (a panel
 *  that does not say its menu opened). */
async function openWindow(item, { timed = true, menu = false } = {}) {
  if (menu) {
    openTrayMenu(item);
    await sleep(MENU_READ_MS);
  }
  const click = () => clickTrayMenu(item, "Open Till");
  if (timed) return timePaint("Till", click);
  click();
  await waitFor("Till's window", () => visibleWindows("Till")[0], { intervalMs: 5 });
  return {};
}

/** Closes the window with Ctrl+W; unless `warm`, waits (bounded) for the web engine's
 *  helpers to go, which takes the keep-warm time with default settings. */
async function closeWindow(pid, { warm = false, teardownMs = 8_000 } = {}) {
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
  if (warm) return;
  try {
    await waitFor("the web engine's helpers to exit", () => webHelpers(pid).length === 0, {
      timeoutMs: teardownMs,
    });
  } catch {
    /* some stay: the PSS figure says what they cost */
  }
}

async function quit({ child, item, pid }) {
  clickTrayMenu(item, "Quit");
  await waitFor("Till to quit", () => !isRunning(pid));
  await stop(child);
}

async function measureTill() {
  const till = await startTill();
  const { item, pid } = till;
  await sleep(SETTLE_MS);
  const trayOnly = treeMemory(pid);

  const quickFirst = await useQuickSearch();
  const quickAgain = await useQuickSearch();
  await sleep(SETTLE_MS);
  const afterQuick = treeMemory(pid);

  const open = await openWindow(item, { menu: true });
  await sleep(SETTLE_MS);
  const windowOpen = treeMemory(pid);

  // Closed and opened again at once: the window is still warm (only hidden).
  await closeWindow(pid, { warm: true });
  const reopenWarm = await openWindow(item);

  // Closed for good: torn down once the keep-warm time has passed.
  const closedAt = performance.now();
  await closeWindow(pid, { teardownMs: KEEP_WARM_MS + 10_000 });
  const teardownMs = performance.now() - closedAt;
  const helpersAfterClose = webHelpers(pid).join(" ") || "none";
  await sleep(SETTLE_MS);
  const afterClose = treeMemory(pid);

  // After the teardown: the page loads again, from the click or from the menu opening.
  const reopen = await openWindow(item);
  await closeWindow(pid, { teardownMs: KEEP_WARM_MS + 10_000 });
  const reopenFromMenu = await openWindow(item, { menu: true });
  await closeWindow(pid, { warm: true });
  await quit(till);
  return {
    measures: {
      trayReadyMs: till.trayReadyMs,
      trayOnlyKib: trayOnly.pss,
      trayOnlyUssKib: trayOnly.uss,
      quickFirstMappedMs: quickFirst.mappedMs,
      quickFirstContentMs: quickFirst.contentMs,
      quickFirstPaintedMs: quickFirst.paintedMs,
      quickAgainPaintedMs: quickAgain.paintedMs,
      afterQuickKib: afterQuick.pss,
      windowOpenKib: windowOpen.pss,
      windowOpenUssKib: windowOpen.uss,
      afterCloseKib: afterClose.pss,
      afterCloseUssKib: afterClose.uss,
      openMappedMs: open.mappedMs,
      openContentMs: open.contentMs,
      openMs: open.paintedMs,
      reopenWarmMappedMs: reopenWarm.mappedMs,
      reopenWarmPaintedMs: reopenWarm.paintedMs,
      teardownMs,
      reopenMappedMs: reopen.mappedMs,
      reopenContentMs: reopen.contentMs,
      reopenPaintedMs: reopen.paintedMs,
      reopenFromMenuPaintedMs: reopenFromMenu.paintedMs,
    },
    helpersAfterClose,
  };
}

async function measureHello() {
  let child;
  const start = await timePaint("Hello", () => {
    child = spawn(HELLO, [], { env: freshEnv(), stdio: "ignore" });
  });
  await sleep(SETTLE_MS);
  const windowOpen = treeMemory(child.pid);
  await stop(child);
  return {
    windowOpenKib: windowOpen.pss,
    windowOpenUssKib: windowOpen.uss,
    startPaintedMs: start.paintedMs,
  };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

function summarize(runs, key) {
  const values = runs.map((r) => r[key]);
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`;
const ms = (v) => `${Math.round(v)} ms`;
const row = (label, s, fmt, note = "") =>
  console.log(
    `${label.padEnd(52)} ${fmt(s.median).padStart(10)}  (${fmt(s.min)}–${fmt(s.max)})${note}`,
  );

async function footprint() {
  const till = [];
  const hello = [];
  const helpers = [];
  for (let run = 0; run < RUNS; run++) {
    hello.push(await measureHello());
    const measured = await measureTill();
    till.push(measured.measures);
    helpers.push(measured.helpersAfterClose);
  }
  const report = {
    runs: RUNS,
    till: Object.fromEntries(Object.keys(till[0]).map((k) => [k, summarize(till, k)])),
    hello: Object.fromEntries(Object.keys(hello[0]).map((k) => [k, summarize(hello, k)])),
    helpersAfterClose: helpers,
  };
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(
    join(ARTIFACTS, "footprint.json"),
    JSON.stringify({ report, till, hello }, null, 2),
  );

  const base = report.hello.windowOpenKib.median;
  const ratio = (s) => `  ${(s.median / base).toFixed(2)}× hello`;
  const ussBase = report.hello.windowOpenUssKib.median;
  const ussRatio = (s) => `  ${(s.median / ussBase).toFixed(2)}× hello's USS`;
  const t = report.till;
  console.log(`\nfootprint, default settings, median of ${RUNS} runs (min–max)`);
  row("hello-world, window open (PSS)", report.hello.windowOpenKib, mib);
  row("hello-world, window open (USS)", report.hello.windowOpenUssKib, mib);
  row("hello-world, start → painted", report.hello.startPaintedMs, ms);
  row("Till, tray-resident (PSS)", t.trayOnlyKib, mib, ratio(t.trayOnlyKib));
  row("Till, tray-resident (USS)", t.trayOnlyUssKib, mib, ussRatio(t.trayOnlyUssKib));
  row("Till, after quick search twice (PSS)", t.afterQuickKib, mib, ratio(t.afterQuickKib));
  row("Till, window open (PSS)", t.windowOpenKib, mib, ratio(t.windowOpenKib));
  row("Till, window open (USS)", t.windowOpenUssKib, mib, ussRatio(t.windowOpenUssKib));
  row("Till, after open + close, torn down (PSS)", t.afterCloseKib, mib, ratio(t.afterCloseKib));
  row(
    "Till, after open + close, torn down (USS)",
    t.afterCloseUssKib,
    mib,
    ussRatio(t.afterCloseUssKib),
  );
  row("Till, cold start → tray ready", t.trayReadyMs, ms);
  row("Till, quick search: shortcut → mapped", t.quickFirstMappedMs, ms);
  row("Till, quick search: shortcut → first content", t.quickFirstContentMs, ms);
  row("Till, quick search: shortcut → painted", t.quickFirstPaintedMs, ms);
  row("Till, quick search again → painted", t.quickAgainPaintedMs, ms);
  console.log(`(Open Till "from the menu": the menu opened ${MENU_READ_MS} ms before the click)`);
  row("Till, Open Till from the menu → mapped", t.openMappedMs, ms);
  row("Till, Open Till from the menu → first content", t.openContentMs, ms);
  row("Till, Open Till from the menu → painted", t.openMs, ms);
  row("Till, reopen while warm → window mapped", t.reopenWarmMappedMs, ms);
  row("Till, reopen while warm → page painted", t.reopenWarmPaintedMs, ms);
  row("Till, close → web engine ended (keep-warm)", t.teardownMs, ms);
  row("Till, reopen after teardown, click only → mapped", t.reopenMappedMs, ms);
  row("Till, reopen after teardown, click only → content", t.reopenContentMs, ms);
  row("Till, reopen after teardown, click only → painted", t.reopenPaintedMs, ms);
  row("Till, reopen after teardown, from the menu → painted", t.reopenFromMenuPaintedMs, ms);
  console.log(`web engine helpers left after close: ${[...new Set(helpers)].join("; ")}`);
  console.log("(painted = the first frame the window then kept for 500 ms, read from X)");
}

/** Many window and quick-search cycles in one Till; idle PSS before and after. */
async function creep() {
  // Default settings keep a closed window warm for 30 s, so quick cycles only hide and
  // show it; TILL_BENCH_KEEP_WARM_SECONDS=0 makes every cycle end the page and load it
  // again, the case a leak in that path shows in.
  const keepWarm = process.env.TILL_BENCH_KEEP_WARM_SECONDS;
  const warm = keepWarm !== "0";
  const till = await startTill(
    keepWarm === undefined ? {} : { TILL_WINDOW_KEEP_WARM_SECONDS: keepWarm },
  );
  await sleep(SETTLE_MS);
  const firstIdle = treeMemory(till.pid);
  const cycle = async () => {
    await openWindow(till.item, { timed: false });
    await closeWindow(till.pid, { warm });
    await useQuickSearch({ timed: false });
  };
  const settled = async () => {
    // Idle again: the last window's page ended, its memory and the popup's handed back.
    await waitFor("the web engine's helpers to exit", () => webHelpers(till.pid).length === 0, {
      timeoutMs: KEEP_WARM_MS + 10_000,
    });
    await sleep(SETTLE_MS);
    return treeMemory(till.pid);
  };
  // The first open costs WebKit's one-time start in Till's own process (README); creep is
  // what grows after it, so the idle figure after one cycle is the second baseline.
  await cycle();
  const afterFirstCycle = await settled();
  const deadline = Date.now() + CREEP_MINUTES * 60_000;
  const samples = [];
  let cycles = 1;
  while (cycles < CYCLES && Date.now() < deadline) {
    await cycle();
    cycles += 1;
    if (cycles % 100 === 0) {
      samples.push({ cycles, ...treeMemory(till.pid) });
      console.log(
        `${cycles} cycles: PSS ${mib(samples.at(-1).pss)}, USS ${mib(samples.at(-1).uss)}`,
      );
    }
  }
  const lastIdle = await settled();
  await quit(till);
  const perCycleKib = (lastIdle.anon - afterFirstCycle.anon) / Math.max(1, cycles - 1);
  const report = {
    cycles,
    keepWarmSeconds: keepWarm ?? "default",
    firstIdle,
    afterFirstCycle,
    lastIdle,
    anonymousKibPerCycle: perCycleKib,
    samples,
    minutesAllowed: CREEP_MINUTES,
  };
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, "footprint-creep.json"), JSON.stringify(report, null, 2));
  const change = (from, key) => `${((lastIdle[key] / from[key] - 1) * 100).toFixed(1)} %`;
  console.log(
    `\ncreep: ${cycles} window open/close cycles and ${cycles} quick-search uses` +
      ` (keep-warm ${keepWarm === undefined ? "default, 30 s" : `${keepWarm} s`})` +
      `${cycles < CYCLES ? ` (stopped at the ${CREEP_MINUTES}-minute bound)` : ""}\n` +
      `tray-resident PSS ${mib(firstIdle.pss)} first, ${mib(afterFirstCycle.pss)} after one ` +
      `cycle, ${mib(lastIdle.pss)} after all (${change(firstIdle, "pss")} on the first, ` +
      `${change(afterFirstCycle, "pss")} on one cycle); USS ${mib(firstIdle.uss)}, ` +
      `${mib(afterFirstCycle.uss)}, ${mib(lastIdle.uss)}\n` +
      `anonymous memory ${mib(firstIdle.anon)}, ${mib(afterFirstCycle.anon)}, ` +
      `${mib(lastIdle.anon)}: ${perCycleKib.toFixed(1)} KiB a cycle after the first`,
  );
}

if (MODE === "creep") await creep();
else await footprint();
