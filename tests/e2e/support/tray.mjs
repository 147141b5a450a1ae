// The tray as a panel sees it: items registered with the test session's
// StatusNotifierWatcher (tests/support/sni.py), their properties and dbusmenu menus.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SNI = fileURLToPath(new URL("../../support/sni.py", import.meta.url));

function sni(...args) {
  const out = execFileSync("/usr/bin/python3", [SNI, ...args], { encoding: "utf8" });
  return JSON.parse(out);
}

/** Items currently registered with the watcher, oldest first. */
export function registeredTrayItems() {
  const record = process.env.TILL_SNI_RECORD;
  if (!record)
    throw new Error("TILL_SNI_RECORD is unset: run inside scripts/lib/desktop-session.sh");
  const items = [];
  for (const line of readFileSync(record, "utf8").split("\n").filter(Boolean)) {
    const { event, item } = JSON.parse(line);
    if (event === "registered") items.push(item);
    if (event === "unregistered") items.splice(items.indexOf(item), 1);
  }
  return items;
}

/** Properties a panel reads: Status, IconName, Title, Menu, and the owner's Pid. */
export const trayProps = (item) => sni("props", item);

/** The menu as `[{ id, label, enabled, visible, children }]`, in order; `children` holds a
 *  submenu's entries in the same shape. */
export const trayMenu = (item) => sni("menu", item);

/** Opens the menu as a panel does when the icon is clicked, choosing nothing. `style` is
 *  how the panel says so: "qt" (AboutToShow and "opened" for the root: Plasma, LXQt,
 *  GNOME), "gtk" (AboutToShowGroup alone: waybar, XFCE, Cinnamon) or "budgie" ("opened"
 *  alone); see tests/support/sni.py. `clickTrayMenu` alone skips this. */
export const openTrayMenu = (item, style = "qt") => sni("open", item, style);

/** Clicks the menu entry with this label, as a panel does. */
export const clickTrayMenu = (item, label) => sni("click", item, label);

const TRAY_ICONS = ["till-tray", "till-tray-attention", "till-tray-locked"];

/** Which of Till's tray icons the panel is showing ("till-tray-attention", …), by comparing
 *  pixels: the app hands the panel a copy of the image under a generated file name. */
export function trayIconShown(item) {
  const { IconName, IconThemePath } = trayProps(item);
  const file = IconName.startsWith("/") ? IconName : join(IconThemePath ?? "", `${IconName}.png`);
  const pixels = (path) =>
    execFileSync("convert", [path, "-format", "%#", "info:"], { encoding: "utf8" }).trim();
  const shown = pixels(file);
  return TRAY_ICONS.find(
    (name) =>
      pixels(fileURLToPath(new URL(`../../../icons/tray/${name}.png`, import.meta.url))) === shown,
  );
}
