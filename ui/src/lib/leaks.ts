// How the Leaks view names a group of findings: the vault key's name, or what kind of
// key it is when Till does not hold it. The wording of what to do comes from core.
import type { LeakGroup } from "./ipc/bindings/LeakGroup";
import type { LeakKind } from "./ipc/bindings/LeakKind";

export const KIND_LABEL: Record<LeakKind, string> = {
  vault_key: "Vault key",
  unknown_key: "Key not in Till",
  till_token: "Agent key",
};

/** The group's heading: "Stripe prod", "Stripe key", "Agent key" (the redacted
 * fingerprint is shown beside it). */
export function groupTitle(group: LeakGroup): string {
  if (group.kind === "vault_key" && group.key) return group.key;
  if (group.kind === "till_token") return "Agent key";
  return `${group.provider_name} key`;
}

/** A stable id for a group, for keyed lists. */
export function groupId(group: LeakGroup): string {
  return [group.kind, group.key ?? "", group.provider, group.fingerprint].join("\u001f");
}
