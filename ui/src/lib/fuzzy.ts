// Fuzzy matching for quick search: every word typed must appear in order (letters may be
// skipped) in the item's name, provider, scopes or purpose; closer matches rank first.

export interface Searchable {
  name: string;
  provider: string;
  scopes: string[];
  pinned: boolean;
}

/** Whether `needle`'s letters appear in `haystack` in order. */
export function isSubsequence(needle: string, haystack: string): boolean {
  let at = 0;
  for (const letter of haystack) {
    if (letter === needle[at]) at += 1;
    if (at === needle.length) return true;
  }
  return needle.length === 0;
}

/** Lower is better; `null` when the item does not match. */
export function score(item: Searchable, query: string): number | null {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const name = item.name.toLowerCase();
  const everything = [name, item.provider, ...item.scopes].join(" ").toLowerCase();
  let total = 0;
  for (const word of words) {
    if (name.startsWith(word)) total += 0;
    else if (name.includes(word)) total += 1;
    else if (everything.includes(word)) total += 2;
    else if (isSubsequence(word, everything)) total += 4;
    else return null;
  }
  return item.pinned ? total : total + 0.5;
}

/** The items that match `query`, best first (pinned first among equals, then by name). */
export function rank<T extends Searchable>(items: T[], query: string): T[] {
  return items
    .map((item) => ({ item, score: score(item, query) }))
    .filter((entry): entry is { item: T; score: number } => entry.score !== null)
    .sort((a, b) => a.score - b.score || a.item.name.localeCompare(b.item.name))
    .map((entry) => entry.item);
}
