import { describe, expect, it } from "vitest";
import { isSubsequence, rank } from "./fuzzy";

const item = (name: string, provider: string, scopes: string[] = [], pinned = false) => ({
  name,
  provider,
  scopes,
  pinned,
});

describe("quick search matching", () => {
  const items = [
    item("GitHub admin", "github", ["github:*:*"]),
    item("GitHub reader", "github", ["github:contents:read"], true),
    item("CI deploy", "github", ["github:contents:read"]),
    item("Stripe billing", "stripe", ["stripe:charges:write"]),
  ];

  it("finds by name, provider, scope or skipped letters", () => {
    expect(rank(items, "stripe").map((i) => i.name)).toEqual(["Stripe billing"]);
    expect(rank(items, "charges").map((i) => i.name)).toEqual(["Stripe billing"]);
    expect(rank(items, "ghrd").map((i) => i.name)).toContain("GitHub reader");
    expect(rank(items, "nothing like it")).toEqual([]);
  });

  it("ranks a name prefix first, then pinned keys", () => {
    expect(rank(items, "ci")[0]?.name).toBe("CI deploy");
    expect(rank(items, "github").map((i) => i.name)).toEqual([
      "GitHub reader",
      "GitHub admin",
      "CI deploy",
    ]);
  });

  it("matches letters in order only", () => {
    expect(isSubsequence("gcr", "github:contents:read")).toBe(true);
    expect(isSubsequence("rcg", "github:contents:read")).toBe(false);
  });
});
