import { describe, expect, it } from "vitest";
import { formatInstant, splitList, vaultStateLabel } from "./format";

describe("vaultStateLabel", () => {
  it("names every vault state for people", () => {
    expect(vaultStateLabel("absent")).toBe("No vault yet");
    expect(vaultStateLabel("locked")).toBe("Locked");
    expect(vaultStateLabel("unlocked")).toBe("Unlocked");
  });
});

describe("formatInstant", () => {
  it("shows an instant in the requested zone", () => {
    expect(formatInstant("2026-11-27T09:00:00Z", "en-GB", "UTC")).toBe("27 Nov 2026, 09:00");
    expect(formatInstant("2026-11-27T09:00:00Z", "en-GB", "Asia/Tokyo")).toBe("27 Nov 2026, 18:00");
  });

  it("leaves an unparseable value as it is rather than showing Invalid Date", () => {
    expect(formatInstant("soon")).toBe("soon");
  });
});

describe("splitList", () => {
  it("trims items and drops empty ones", () => {
    expect(splitList(" stripe:charges:read, ,github:contents:read,")).toEqual([
      "stripe:charges:read",
      "github:contents:read",
    ]);
    expect(splitList("")).toEqual([]);
  });
});
