import { describe, expect, it } from "vitest";
import { relativeTime } from "./time";

const now = new Date("2026-11-27T09:00:00Z");

describe("relativeTime", () => {
  it.each([
    ["2026-12-09T09:00:00Z", "in 12 days"],
    ["2026-11-28T09:00:00Z", "tomorrow"],
    ["2026-11-20T09:00:00Z", "7 days ago"],
    ["2026-11-27T12:00:00Z", "in 3 hours"],
    ["2026-11-27T08:50:00Z", "10 minutes ago"],
    ["2027-03-27T09:00:00Z", "in 4 months"],
    ["2024-11-27T09:00:00Z", "2 years ago"],
  ])("%s reads %s", (iso, expected) => {
    expect(relativeTime(iso, now, "en")).toBe(expected);
  });

  it("leaves what it cannot read as it was", () => {
    expect(relativeTime("soon", now, "en")).toBe("soon");
  });
});
