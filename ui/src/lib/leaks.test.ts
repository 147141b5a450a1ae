import { describe, expect, it } from "vitest";
import type { LeakGroup } from "./ipc/bindings/LeakGroup";
import { groupId, groupTitle } from "./leaks";

const group = (over: Partial<LeakGroup>): LeakGroup => ({
  kind: "vault_key",
  key: "Stripe prod",
  provider: "stripe",
  fingerprint: "sk_…WXYZ",
  places: [],
  what_to_do: "",
  ...over,
});

describe("leak groups", () => {
  it("are titled by the vault key's name, or by provider and redacted fingerprint", () => {
    expect(groupTitle(group({}))).toBe("Stripe prod");
    expect(groupTitle(group({ kind: "unknown_key", key: null }))).toBe("stripe key sk_…WXYZ");
    expect(groupTitle(group({ kind: "till_token", key: null, fingerprint: "till_sk_…abcd" }))).toBe(
      "Agent key till_sk_…abcd",
    );
  });

  it("have ids that tell two keys with the same name apart by fingerprint", () => {
    expect(groupId(group({}))).not.toBe(groupId(group({ fingerprint: "sk_…ABCD" })));
  });
});
