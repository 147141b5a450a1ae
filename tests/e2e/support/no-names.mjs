// Finds key names where they must never be: in the logs and files Till writes. Names are
// sealed inside the vault; a log line or a settings file that carries one leaks which
// keys a person holds. Used by the last e2e test (zz-no-names-in-logs.test.mjs) and by
// scripts/lib/check-no-names.sh; run by hand as
//   node tests/e2e/support/no-names.mjs [--names-from DIR] PATH...
// (PATH: files, or directories searched recursively; exit 1 when a name is found).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// How the suite names keys and purposes: `name: "…"` in fixtures, the add/edit name
// fields, `till add NAME`/`till purpose set NAME`, fixture rows `[NAME, provider, env, …]`
// and variables in imported .env files.
const NAME_PATTERNS = [
  /\[\s*(")((?:(?!\1).)+?)\1\s*,\s*"[a-z]+"\s*,\s*"(?:prod|staging|dev|test)"/g,
  /\bname:\s*(["'`])((?:(?!\1).)+?)\1/g,
  /\$\(\s*["'](?:add|edit)-name["']\s*\)\.setValue\(\s*(["'`])((?:(?!\1).)+?)\1/g,
  /\[\s*"(?:add|get|rm|verify|rotate|audit|edit|copy)"\s*,\s*(")((?:(?!\1).)+?)\1/g,
  /\[\s*"purpose"\s*,\s*"set"\s*,\s*(")((?:(?!\1).)+?)\1/g,
  /(?:^|`|\\n)()([A-Z][A-Z0-9_]{3,})=/gm,
];

/** The names used by every `.mjs` file under `dir` (dependencies in `node_modules` are not
 * the suite's: their example names, as short as "bax", match random bytes in sealed files),
 * as regular expressions over text. */
export function namesUsedIn(dir) {
  const found = new Map();
  const sources = walk(dir, (entry) => entry !== "node_modules").filter((f) => f.endsWith(".mjs"));
  for (const file of sources) {
    const source = readFileSync(file, "utf8");
    for (const pattern of NAME_PATTERNS) {
      for (const match of source.matchAll(pattern)) {
        const name = match[2].trim();
        // Option values (`--scope`), interpolation-only and very short names are noise.
        if (name.startsWith("-") || name.replace(/\$\{[^}]*\}/g, "").trim().length < 3) continue;
        found.set(name, toPattern(name));
      }
    }
  }
  return found;
}

/** `Service ${n}` matches "Service 1" … (the suite interpolates numbers only, and a looser
 * pattern would match "Secret Service unavailable"); files are read as latin1, so UTF-8
 * names are matched byte for byte. */
function toPattern(name) {
  const parts = name.split(/\$\{[^}]*\}/).map((part) =>
    Buffer.from(part, "utf8")
      .toString("latin1")
      .replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
  );
  return new RegExp(parts.join("\\d{1,9}"));
}

/** Every file under `path` (or `path` itself), skipping what vanished meanwhile and the
 * directory entries `enter` refuses. */
export function walk(path, enter = () => true) {
  if (!existsSync(path)) return [];
  const stat = statSync(path);
  if (stat.isFile()) return [path];
  if (!stat.isDirectory()) return [];
  return readdirSync(path)
    .filter(enter)
    .flatMap((entry) => walk(join(path, entry), enter));
}

/** `{ file, name }` for every name found in any file under `paths`. */
export function findNames(paths, names) {
  const hits = [];
  for (const file of paths.flatMap((path) => walk(path))) {
    let text;
    try {
      text = readFileSync(file).toString("latin1");
    } catch {
      continue; // removed or unreadable meanwhile: nothing Till left there for us
    }
    for (const [name, pattern] of names) {
      if (pattern.test(text)) hits.push({ file, name });
    }
  }
  return hits;
}

/** Explains `hits`, one line each, never more than the file and the name. */
export function describe(hits) {
  return hits.map(({ file, name }) => `  '${name}' in ${file}`).join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let namesFrom = join(fileURLToPath(import.meta.url), "..", "..");
  if (args[0] === "--names-from") {
    namesFrom = args[1];
    args.splice(0, 2);
  }
  const names = namesUsedIn(namesFrom);
  if (names.size === 0) {
    console.error(`no key names found in ${namesFrom}: nothing to look for`);
    process.exit(2);
  }
  const hits = findNames(args, names);
  const files = args.flatMap(walk).length;
  if (hits.length > 0) {
    console.error(`key names found where Till must not write them:\n${describe(hits)}`);
    process.exit(1);
  }
  console.error(`no key name (of ${names.size}) in ${files} file(s)`);
}
