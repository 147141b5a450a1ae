// Pure helpers of the Agents view: money, spend bars and chart series.
import type { AgentDay } from "./ipc/bindings/AgentDay";
import type { AgentKey } from "./ipc/bindings/AgentKey";
import type { HourUsage } from "./ipc/bindings/HourUsage";

/** Micro-dollars as dollars: "$0.0042" below a dollar, "$12.34" above. */
export function usd(micro: number): string {
  const dollars = micro / 1e6;
  return micro < 1e6 ? `$${dollars.toFixed(4)}` : `$${dollars.toFixed(2)}`;
}

export type Bar = { what: string; used: string; cap: string; fraction: number };

/** One bar per cap the key has: how much of it is spent (0–1). */
export function spendBars(key: AgentKey): Bar[] {
  const { used, caps } = key;
  const count = (n: number) => String(n);
  const limits: [string, number | null | undefined, number, (n: number) => string][] = [
    ["dollars", caps.micro_usd, used.micro_usd ?? 0, usd],
    ["calls", caps.calls, used.calls ?? 0, count],
    ["tokens", caps.tokens, used.tokens ?? 0, count],
  ];
  return limits.flatMap(([what, cap, spent, show]) =>
    cap ? [{ what, used: show(spent), cap: show(cap), fraction: Math.min(1, spent / cap) }] : [],
  );
}

export type Series = { x: number[]; ys: { label: string; values: number[] }[] };

/** Every day from the first in `days` (at least a week back) to the last (UTC). */
function dayAxis(days: AgentDay[]): string[] {
  const sorted = [...new Set(days.map((d) => d.day))].sort();
  if (sorted.length === 0) return [];
  const out: string[] = [];
  const end = Date.parse(`${sorted[sorted.length - 1]}T00:00:00Z`);
  const start = Math.min(Date.parse(`${sorted[0]}T00:00:00Z`), end - 6 * 86_400_000);
  for (let t = start; t <= end; t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** Spend per day, one series per agent key (dollars), days with no use as 0. */
export function spendPerDay(days: AgentDay[], labels: Record<string, string>): Series {
  const axis = dayAxis(days);
  const ids = [...new Set(days.map((d) => d.grant_id))];
  return {
    x: axis.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000),
    ys: ids.map((id) => ({
      label: labels[id] ?? id,
      values: axis.map((day) =>
        days
          .filter((d) => d.day === day && d.grant_id === id)
          .reduce((sum, d) => sum + d.micro_usd / 1e6, 0),
      ),
    })),
  };
}

/** Calls, tokens (thousands) and refused calls per day, all agent keys together. */
export function totalsPerDay(days: AgentDay[]): Series {
  const axis = dayAxis(days);
  const sum = (day: string, pick: (d: AgentDay) => number) =>
    days.filter((d) => d.day === day).reduce((s, d) => s + pick(d), 0);
  return {
    x: axis.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000),
    ys: [
      { label: "calls", values: axis.map((day) => sum(day, (d) => d.calls)) },
      { label: "tokens (k)", values: axis.map((day) => sum(day, (d) => d.tokens) / 1000) },
      { label: "refused", values: axis.map((day) => sum(day, (d) => d.refused)) },
    ],
  };
}

/** The Raise caps form's fields: the key's caps as typed text ("" is no cap). */
export type CapsForm = { usd: string; calls: string; tokens: string };

/** Micro-dollars as the text a person types: "0.50", "0.0042". */
export function dollarsText(micro: number): string {
  const text = (micro / 1e6).toFixed(6).replace(/0+$/, "");
  const [whole, fraction = ""] = text.split(".");
  return `${whole}.${fraction.padEnd(2, "0")}`;
}

/** The form prefilled with a key's current caps. */
export function capsForm(key: AgentKey): CapsForm {
  const { caps } = key;
  return {
    usd: caps.micro_usd == null ? "" : dollarsText(caps.micro_usd),
    calls: caps.calls == null ? "" : String(caps.calls),
    tokens: caps.tokens == null ? "" : String(caps.tokens),
  };
}

/** The form as the `set_agent_caps` command takes it; Rust checks the numbers. */
export function capsInput(form: CapsForm): {
  max_usd: string | null;
  max_calls: number | null;
  max_tokens: number | null;
} {
  const count = (text: string) => (text.trim() ? Number(text.trim()) : null);
  return {
    max_usd: form.usd.trim() || null,
    max_calls: count(form.calls),
    max_tokens: count(form.tokens),
  };
}

/** An agent key's last day by the hour: calls and refused calls. */
export function callsPerHour(hours: HourUsage[]): Series {
  return {
    x: hours.map((h) => Date.parse(h.hour) / 1000),
    ys: [
      { label: "calls", values: hours.map((h) => h.calls) },
      { label: "refused", values: hours.map((h) => h.refused) },
    ],
  };
}

/** An agent key's last day by the hour: spend (dollars). */
export function spendPerHour(hours: HourUsage[]): Series {
  return {
    x: hours.map((h) => Date.parse(h.hour) / 1000),
    ys: [{ label: "spend", values: hours.map((h) => h.micro_usd / 1e6) }],
  };
}

/** The point a chart's legend reads: the hovered one, else the latest, so the legend says
 *  where things stand now rather than "--" until the pointer finds the chart. */
export function legendPoint(hovered: number | null | undefined, series: Series): number | null {
  if (hovered !== null && hovered !== undefined) return hovered;
  return series.x.length > 0 ? series.x.length - 1 : null;
}

/** A legend's time: the UTC day for per-day charts, the local hour for per-hour ones. */
export function legendTime(series: Series, at: number, locale?: string, timeZone?: string): string {
  const [first = 0, second] = series.x;
  const daily = second === undefined || second - first >= 86_400;
  const when = new Date((series.x[at] ?? 0) * 1000);
  if (daily) return when.toISOString().slice(0, 10);
  return when.toLocaleString(locale, {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone,
  });
}

/** A legend's value: dollars as `usd` writes them, counts to one decimal at most. */
export function legendValue(value: number | undefined, dollars: boolean): string {
  if (value === undefined) return "";
  return dollars ? usd(Math.round(value * 1e6)) : String(Number(value.toFixed(1)));
}
