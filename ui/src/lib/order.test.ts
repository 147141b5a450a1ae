import { describe, expect, it } from "vitest";
import type { KeyView } from "./ipc/bindings/KeyView";
import { inEnvironment, sortKeys, withIds } from "./order";

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
  rollback_until: null,
  can_roll_back: false,
  ...extra,
});

describe("withIds", () => {
  const keys = [key("a"), key("b"), key("c")];

  it("keeps the keys core's search found, or all of them without a search", () => {
    expect(withIds(keys, ["c", "a"]).map((k) => k.name)).toEqual(["a", "c"]);
    expect(withIds(keys, [])).toHaveLength(0);
    expect(withIds(keys, null)).toHaveLength(3);
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
