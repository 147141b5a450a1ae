// Small, pure formatting helpers shared by components.
import type { VaultState } from "./ipc/bindings/VaultState";

export function vaultStateLabel(state: VaultState): string {
  switch (state) {
    case "absent":
      return "No vault yet";
    case "locked":
      return "Locked";
    case "unlocked":
      return "Unlocked";
  }
}

/** An RFC 3339 instant as the user's local date and time, e.g. "27 Nov 2026, 09:00". */
export function formatInstant(rfc3339: string, locale?: string, timeZone?: string): string {
  const at = new Date(rfc3339);
  if (Number.isNaN(at.getTime())) return rfc3339;
  return new Intl.DateTimeFormat(locale, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone,
  }).format(at);
}

/** A comma-separated field ("a, b,,c") as its trimmed, non-empty items. */
export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}
