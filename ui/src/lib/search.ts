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
