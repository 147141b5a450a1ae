import { describe, expect, it } from "vitest";
import type { LeakGroup } from "./ipc/bindings/LeakGroup";
import { groupId, groupTitle } from "./leaks";

const group = (over: Partial<LeakGroup>): LeakGroup => ({
  kind: "vault_key",
  key: "Stripe prod",
  provider: "stripe",
  provider_name: "Stripe",
  fingerprint: "sk_…WXYZ",
  places: [],
  what_to_do: "",
  ...over,
});

describe("leak groups", () => {
  it("are titled by the vault key's name, or by what kind of key it is", () => {
    expect(groupTitle(group({}))).toBe("Stripe prod");
    expect(groupTitle(group({ kind: "unknown_key", key: null }))).toBe("Stripe key");
    expect(groupTitle(group({ kind: "till_token", key: null, provider: "till" }))).toBe(
      "Agent key",
    );
  });

  it("have ids that tell two keys with the same name apart by fingerprint", () => {
    expect(groupId(group({}))).not.toBe(groupId(group({ fingerprint: "sk_…ABCD" })));
  });
});
