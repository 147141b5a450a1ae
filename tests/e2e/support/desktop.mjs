// The X11 desktop and processes, observed from outside the app.
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

/** Ids of mapped (visible) top-level windows titled exactly `title`. */
export function visibleWindows(title) {
  try {
    const out = execFileSync("xdotool", ["search", "--onlyvisible", "--name", `^${title}$`], {
      encoding: "utf8",
    });
    return out.split("\n").filter(Boolean);
  } catch (error) {
    if (error.status === 1) return []; // xdotool: no match
    throw error;
  }
}

/** Clicks into the window (as a person does before typing) and presses a key chord,
 *  through XTEST: real input events, not synthetic DOM ones. */
export function pressKeys(windowId, chord) {
  execFileSync("xdotool", ["windowfocus", "--sync", windowId]);
  execFileSync("xdotool", ["mousemove", "--window", windowId, "40", "200", "click", "1"]);
  execFileSync("xdotool", ["key", "--clearmodifiers", chord]);
}

/** Saves one window as PNG. */
export function screenshotWindow(windowId, file) {
  execFileSync("import", ["-window", windowId, file]);
}

/** Saves the whole screen as PNG. */
export function screenshotScreen(file) {
  execFileSync("import", ["-window", "root", file]);
}

/** The window's current image: its pixel signature and how many colours it has. */
function windowImage(windowId) {
  const png = execFileSync("import", ["-window", windowId, "png:-"]);
  const out = execFileSync("convert", ["png:-", "-format", "%# %k", "info:"], { input: png });
  const [signature, colours] = out.toString().trim().split(" ");
  return { signature, colours: Number(colours) };
}

/**
 * Waits until the window shows a settled page: more than a blank background (one or two
 * colours) and the same image twice in a row, so a screenshot shows what the DOM holds.
 */
export async function waitForSettledPaint(windowId, { timeoutMs = 15_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let previous = "";
  while (Date.now() < deadline) {
    const { signature, colours } = windowImage(windowId);
    if (colours > 16 && signature === previous) return;
    previous = signature;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`window ${windowId} did not settle on a painted page in ${timeoutMs} ms`);
}

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = text.lastIndexOf(")");
    const name = text.slice(text.indexOf("(") + 1, close);
    const [state, ppid] = text.slice(close + 2).split(" ");
    return { pid: Number(pid), name, state, ppid: Number(ppid) };
  } catch {
    return null;
  }
}

/** True while `pid` runs (a zombie has exited and counts as gone). */
export function isRunning(pid) {
  const s = stat(pid);
  return s !== null && s.state !== "Z";
}

/** KiB of program and library code (executable file mappings) resident in `pid`. */
export function residentCodeKib(pid) {
  let total = 0;
  let code = false;
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const header = /^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \d+\s+(\/.*)?$/.exec(line);
    if (header) code = header[1] === "r-xp" && Boolean(header[2]);
    else if (code && line.startsWith("Rss:")) total += Number(/(\d+) kB/.exec(line)[1]);
  }
  return total;
}

/** KiB of anonymous memory (heap, stacks, private data) resident in `pid`. */
export function anonymousKib(pid) {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  return Number(/^Anonymous:\s+(\d+) kB/m.exec(rollup)[1]);
}

/** KiB of shared-memory segments resident in `pid` (whoever else maps them too). */
export function sharedSegmentsKib(pid) {
  let total = 0;
  let segment = false;
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) segment = header[1].startsWith("/SYSV");
    else if (segment && line.startsWith("Rss:")) total += Number(/(\d+) kB/.exec(line)[1]);
  }
  return total;
}

/** Live child processes of `pid` with their names (WebKit's helpers show up here). */
export function childProcesses(pid) {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map(stat)
    .filter((s) => s && s.ppid === pid && s.state !== "Z");
}

/** Which GL drivers `pid` maps: Mesa's DRI or gallium driver and LLVM (file names). */
export function glDriversMapped(pid) {
  const files = readFileSync(`/proc/${pid}/maps`, "utf8")
    .split("\n")
    .map((line) => /\s(\/\S+)$/.exec(line)?.[1])
    .filter((file) => file && /\/dri\/|libLLVM|libgallium/.test(file));
  return [...new Set(files)];
}
