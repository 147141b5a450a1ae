// Dates as people say them ("in 12 days", "3 months ago"), measured from Till's clock
// (which TILL_NOW may pin), with the exact date kept for hover.
import { formatInstant } from "./format";

const DAY = 86_400_000;

/** `iso` relative to `now`: hours under a day, then days, months and years. */
export function relativeTime(iso: string, now: Date, locale?: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const ms = at.getTime() - now.getTime();
  const format = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  const abs = Math.abs(ms);
  if (abs < 60 * 60_000) return format.format(Math.round(ms / 60_000), "minute");
  if (abs < DAY) return format.format(Math.round(ms / 3_600_000), "hour");
  const days = Math.round(ms / DAY);
  if (Math.abs(days) < 45) return format.format(days, "day");
  if (Math.abs(days) < 365) return format.format(Math.round(days / 30.44), "month");
  return format.format(Math.round(days / 365.25), "year");
}

/** The exact date and time, for a title or a screen reader. */
export const exactTime = (iso: string, locale?: string, timeZone?: string) =>
  formatInstant(iso, locale, timeZone);
