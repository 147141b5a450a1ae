// The key list's order and environment filter: how the person chose to view the list.
// What matches a search is core's decision (`searchKeys`), not this file's.
import type { KeyView } from "./ipc/bindings/KeyView";

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

/** The keys whose ids core's search returned, or all of them when nothing is searched. */
export function withIds(keys: KeyView[], ids: string[] | null): KeyView[] {
  if (ids === null) return keys;
  const wanted = new Set(ids);
  return keys.filter((k) => wanted.has(k.id));
}
