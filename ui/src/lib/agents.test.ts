import { describe, expect, it } from "vitest";
import {
  callsPerHour,
  capsForm,
  capsInput,
  dollarsText,
  legendPoint,
  legendTime,
  legendValue,
  spendBars,
  spendPerDay,
  spendPerHour,
  totalsPerDay,
  usd,
} from "./agents";
import type { AgentKey } from "./ipc/bindings/AgentKey";

const key = (used: number, cap: number | null, calls = 0, callCap: number | null = null) =>
  ({
    id: "g_1",
    label: "bot",
    used: { micro_usd: used, calls, tokens: 0 },
    caps: { micro_usd: cap, calls: callCap, tokens: null },
  }) as unknown as AgentKey;

describe("agents helpers", () => {
  it("formats micro-dollars", () => {
    expect(usd(4200)).toBe("$0.0042");
    expect(usd(12_340_000)).toBe("$12.34");
  });

  it("draws the last day by the hour", () => {
    const hours = [
      { hour: "2026-11-27T08:00:00Z", calls: 3, refused: 1, tokens: 90, micro_usd: 4_500 },
      { hour: "2026-11-27T09:00:00Z", calls: 0, refused: 0, tokens: 0, micro_usd: 0 },
    ];
    const calls = callsPerHour(hours);
    expect(calls.x).toEqual([1_795_766_400, 1_795_770_000]);
    expect(calls.ys.map((y) => [y.label, y.values])).toEqual([
      ["calls", [3, 0]],
      ["refused", [1, 0]],
    ]);
    expect(spendPerHour(hours).ys[0]?.values).toEqual([0.0045, 0]);
  });

  it("prefills the Raise caps form with the current caps and reads it back", () => {
    expect(dollarsText(500_000)).toBe("0.50");
    expect(dollarsText(4_200)).toBe("0.0042");
    expect(dollarsText(12_000_000)).toBe("12.00");
    const form = capsForm(key(400_000, 500_000, 3, 10));
    expect(form).toEqual({ usd: "0.50", calls: "10", tokens: "" });
    expect(capsInput({ ...form, usd: " 2 ", tokens: "  " })).toEqual({
      max_usd: "2",
      max_calls: 10,
      max_tokens: null,
    });
  });

  it("draws one bar per cap, capped at full", () => {
    expect(spendBars(key(400_000, 500_000))).toEqual([
      { what: "dollars", used: "$0.4000", cap: "$0.5000", fraction: 0.8 },
    ]);
    expect(spendBars(key(0, null, 12, 10))[0]?.fraction).toBe(1);
    expect(spendBars(key(5, null))).toEqual([]);
  });

  it("fills missing days and splits spend per key", () => {
    const days = [
      { day: "2026-03-01", grant_id: "a", calls: 2, refused: 1, tokens: 3000, micro_usd: 1e6 },
      { day: "2026-03-03", grant_id: "b", calls: 1, refused: 0, tokens: 1000, micro_usd: 5e5 },
    ];
    const spend = spendPerDay(days, { a: "alpha" });
    expect(spend.x.length).toBe(7); // at least a week
    spend.ys.forEach((y) => (y.values = y.values.slice(4)));
    expect(spend.ys.map((s) => s.label)).toEqual(["alpha", "b"]);
    expect(spend.ys[0]?.values).toEqual([1, 0, 0]);
    const totals = totalsPerDay(days);
    totals.ys.forEach((y) => (y.values = y.values.slice(4)));
    expect(totals.ys[0]?.values).toEqual([2, 0, 1]);
    expect(totals.ys[2]?.values).toEqual([1, 0, 0]);
  });
});

describe("chart legends", () => {
  const days = { x: [1_764_201_600, 1_764_288_000, 1_764_374_400], ys: [] };
  const hours = { x: [1_764_374_400, 1_764_378_000], ys: [] };

  it("read the hovered point, else the latest, and nothing on an empty chart", () => {
    expect(legendPoint(0, days)).toBe(0);
    expect(legendPoint(null, days)).toBe(2);
    expect(legendPoint(undefined, days)).toBe(2);
    expect(legendPoint(null, { x: [], ys: [] })).toBeNull();
  });

  it("name the UTC day on per-day charts and the hour on per-hour ones", () => {
    expect(legendTime(days, 2)).toBe("2025-11-29");
    expect(legendTime({ x: [1_764_201_600], ys: [] }, 0)).toBe("2025-11-27");
    expect(legendTime(hours, 1, "en-GB", "UTC")).toBe("29 Nov, 01:00");
  });

  it("write dollars as the rest of the view does and counts to one decimal", () => {
    expect(legendValue(0.0042, true)).toBe("$0.0042");
    expect(legendValue(12.345, true)).toBe("$12.35");
    expect(legendValue(1.25, false)).toBe("1.3");
    expect(legendValue(7, false)).toBe("7");
    expect(legendValue(undefined, false)).toBe("");
  });
});
