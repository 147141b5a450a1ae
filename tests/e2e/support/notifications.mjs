// Desktop notifications as a person meets them: the test session's dunst (1.9), read and
// driven through dunstctl. Named action buttons go through dunst's context menu, which
// scripts/lib/desktop-session.sh points at a picker that answers from $TILL_DUNST_PICK.
//
// dunst 1.9 lists closed notifications (its history) but not displayed ones, so reading a
// notification's text means closing it, and closing it ends its pending actions (the app
// sees it dismissed). Act on a notification first, with `invokeAction`, and read it after.
// Like dunstctl itself, every helper here is synchronous.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";

function dunstctl(...args) {
  return execFileSync("dunstctl", args, { encoding: "utf8", timeout: 10_000 });
}

// dunst 1.9 has no `dunstctl history-clear`: clearing hides the history up to an id
// instead (dunst numbers notifications in the order it receives them). The id is kept in
// a file of the session, so one test file's notifications never show up in the next.
const watermarkFile = () => `${pickFile()}.cleared`;
const clearedUpTo = () =>
  existsSync(watermarkFile()) ? Number(readFileSync(watermarkFile(), "utf8")) : 0;

/**
 * Closed notifications as `[{ id, appname, summary, body }]` in the order they were sent,
 * with summary and body as the app sent them (markup included). Leaves displayed ones be.
 */
export function notificationHistory() {
  const { data } = JSON.parse(dunstctl("history"));
  return data[0]
    .map((n) => ({
      id: n.id.data,
      appname: n.appname.data,
      summary: n.summary.data,
      body: n.body.data,
    }))
    .filter((n) => n.id > clearedUpTo())
    .sort((a, b) => a.id - b.id);
}

/** Closes every displayed notification (ending its actions) and returns the history. */
export function closeAllAndReadHistory() {
  dunstctl("close-all");
  return notificationHistory();
}

/** How many notifications dunst shows now. */
export const displayedCount = () => Number(dunstctl("count", "displayed").trim());

/** Closes every notification and forgets the history so far. */
export function clearNotifications() {
  dunstctl("close-all");
  const ids = JSON.parse(dunstctl("history")).data[0].map((n) => n.id.data);
  writeFileSync(watermarkFile(), String(Math.max(clearedUpTo(), ...ids)));
}

const pickFile = () => {
  const file = process.env.TILL_DUNST_PICK;
  if (!file) throw new Error("TILL_DUNST_PICK is unset: run inside scripts/lib/desktop-session.sh");
  return file;
};

/** `#Label (summary) [id,action]`, a line of dunst's context menu, as an object. */
function menuEntry(line) {
  const match = /^#(.*?) \((.*)\) \[(\d+),(.*)\]$/.exec(line);
  return match && { id: Number(match[3]), label: match[1], summary: match[2], action: match[4] };
}

/** Blocks for `ms`: the helpers here are synchronous, like dunstctl and the tray's. */
const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Opens dunst's context menu for the picker to choose the first entry for `action` (and
 * `summary`); returns `{ chosen, offered }`, the line chosen ("" for none) and all lines
 * offered, or null if no menu opened in `timeoutMs` (dunst opens none unless a displayed
 * notification has actions). dunst refuses a menu until the previous one is
 * dispatched, about 50 ms after its answer, so this asks again each second until the picker
 * takes the pick file (it takes it once), then lets the dispatch happen before returning.
 */
function runContextMenu(action, summary, { timeoutMs }) {
  const file = pickFile();
  rmSync(`${file}.chosen`, { force: true });
  writeFileSync(file, summary === undefined ? `${action}\n` : `${action}\n${summary}\n`);
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      dunstctl("context");
      const retryAt = Math.min(Date.now() + 1_000, deadline);
      while (Date.now() < retryAt && !existsSync(`${file}.chosen`)) sleepSync(20);
      if (existsSync(`${file}.chosen`)) {
        sleepSync(150);
        const offered = readFileSync(`${file}.menu`, "utf8").split("\n").filter(Boolean);
        return { chosen: readFileSync(`${file}.chosen`, "utf8"), offered };
      }
    }
    return null;
  } finally {
    rmSync(file, { force: true }); // not left for a later menu to take
  }
}

/**
 * The actions dunst offers now, one `{ id, label, summary, action }` per action of each
 * displayed notification, newest notification first (lowest urgency first when they differ).
 * Nothing is invoked or closed.
 */
export function displayedActions({ timeoutMs = 2_000 } = {}) {
  if (displayedCount() === 0) return [];
  const menu = runContextMenu("", undefined, { timeoutMs });
  return menu ? menu.offered.map(menuEntry).filter(Boolean) : [];
}

/**
 * Invokes `action` (an action id such as "snooze") on a displayed notification, as a person
 * picking it from the notification's menu; returns the `{ id, label, summary, action }`
 * invoked. It goes to the newest displayed notification that offers `action`, or to the
 * newest whose summary is exactly `summary` if given. "default" without a summary is the
 * bubble's own action (`dunstctl action 0`): it goes to the oldest displayed notification
 * and returns null. Invoking does not close the notification; the app may.
 */
export function invokeAction(action, { summary, timeoutMs = 5_000 } = {}) {
  if (action === "default" && summary === undefined) {
    if (displayedCount() === 0) throw new Error("no notification is displayed");
    dunstctl("action", "0");
    return null;
  }
  const menu = runContextMenu(action, summary, { timeoutMs });
  if (!menu) {
    throw new Error(
      `dunst showed no context menu in ${timeoutMs} ms: no notification with actions?`,
    );
  }
  if (!menu.chosen) {
    const wanted = summary === undefined ? action : `${action} on "${summary}"`;
    throw new Error(`no notification offers ${wanted}; offered:\n${menu.offered.join("\n")}`);
  }
  return menuEntry(menu.chosen);
}
