// Search-as-you-type over key metadata, the same fields the core searches.
import type { KeyView } from "./ipc/bindings/KeyView";

export function matchesQuery(key: KeyView, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === "") return true;
  return [key.name, key.provider, key.environment, key.owner ?? "", ...key.scopes, ...key.tags]
    .map((field) => field.toLowerCase())
    .some((field) => field.includes(q));
}

export function filterKeys(keys: KeyView[], query: string): KeyView[] {
  return keys.filter((key) => matchesQuery(key, query));
}

export type SortOrder = "name" | "next-rotation" | "provider";

/** Keys in the chosen order. */
export function sortKeys(keys: KeyView[], order: SortOrder): KeyView[] {
  const byName = (a: KeyView, b: KeyView) => a.name.localeCompare(b.name);
  const sorted = [...keys];
  if (order === "name") return sorted.sort(byName);
  if (order === "provider")
    return sorted.sort((a, b) => a.provider.localeCompare(b.provider) || byName(a, b));
  const due = (k: KeyView) => new Date(k.next_rotation_due).getTime();
  return sorted.sort((a, b) => due(a) - due(b) || byName(a, b));
}

/** Keys in one environment, or all of them for "". */
export function inEnvironment(keys: KeyView[], environment: string): KeyView[] {
  return environment === "" ? keys : keys.filter((k) => k.environment === environment);
}
