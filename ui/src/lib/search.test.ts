import { describe, expect, it } from "vitest";
import type { KeyView } from "./ipc/bindings/KeyView";
import { filterKeys, inEnvironment, sortKeys } from "./search";

const key = (name: string, extra: Partial<KeyView> = {}): KeyView => ({
  id: name,
  name,
  provider: "generic",
  environment: "dev",
  owner: null,
  purpose: null,
  scopes: [],
  places: [],
  tags: [],
  notes: null,
  status: "active",
  created_at: "2026-11-27T09:00:00Z",
  updated_at: "2026-11-27T09:00:00Z",
  expires_at: null,
  rotate_every_days: null,
  audit_every_days: null,
  lead_days: null,
  policy: { rotate_every_days: 180, audit_every_days: 180, lead_days: 7 },
  last_rotated_at: "2026-11-27T09:00:00Z",
  last_audited_at: null,
  next_rotation_due: "2027-05-26T09:00:00Z",
  next_audit_due: "2027-05-26T09:00:00Z",
  snoozed_until: null,
  last_verified: null,
  rotation: null,
  pinned: false,
  last_copied_at: null,
  fingerprint: "••••",
  history: [],
  ...extra,
});

describe("filterKeys", () => {
  const keys = [
    key("Stripe billing", { provider: "stripe", scopes: ["stripe:charges:read"], owner: "Ada" }),
    key("GitHub CI", { provider: "github", environment: "prod" }),
  ];

  it("matches name, provider, scope, owner and environment, ignoring case", () => {
    expect(filterKeys(keys, "billing").map((k) => k.name)).toEqual(["Stripe billing"]);
    expect(filterKeys(keys, "GITHUB").map((k) => k.name)).toEqual(["GitHub CI"]);
    expect(filterKeys(keys, "charges:read")).toHaveLength(1);
    expect(filterKeys(keys, "ada")).toHaveLength(1);
    expect(filterKeys(keys, "prod").map((k) => k.name)).toEqual(["GitHub CI"]);
  });

  it("shows everything for an empty query and nothing for a miss", () => {
    expect(filterKeys(keys, "  ")).toHaveLength(2);
    expect(filterKeys(keys, "openai")).toHaveLength(0);
  });
});

describe("sortKeys and inEnvironment", () => {
  const keys = [
    key("b", {
      provider: "stripe",
      environment: "prod",
      next_rotation_due: "2027-03-01T00:00:00Z",
    }),
    key("a", { provider: "openai", environment: "dev" }),
    key("c", { provider: "aws", environment: "prod", next_rotation_due: "2027-01-01T00:00:00Z" }),
  ];

  it("sorts by name, provider, or soonest rotation", () => {
    expect(sortKeys(keys, "name").map((k) => k.name)).toEqual(["a", "b", "c"]);
    expect(sortKeys(keys, "provider").map((k) => k.name)).toEqual(["c", "a", "b"]);
    expect(sortKeys(keys, "next-rotation").map((k) => k.name)).toEqual(["c", "b", "a"]);
  });

  it("filters by environment, or not at all", () => {
    expect(inEnvironment(keys, "prod").map((k) => k.name)).toEqual(["b", "c"]);
    expect(inEnvironment(keys, "")).toHaveLength(3);
  });
});
