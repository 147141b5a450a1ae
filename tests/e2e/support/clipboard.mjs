// The X11 clipboard as another program sees it (xclip), for checking what Till copied.
import { execFileSync } from "node:child_process";

function xclip(...args) {
  try {
    return execFileSync("xclip", ["-selection", "clipboard", "-o", ...args], {
      encoding: "utf8",
      timeout: 5000,
    });
  } catch {
    return ""; // nothing owns the clipboard
  }
}

/** The clipboard's text, or "" when it is empty. */
export const clipboardText = () => xclip();

/** The formats the clipboard owner offers (TARGETS), one per line. */
export const clipboardTargets = () => xclip("-t", "TARGETS");
