// Runs last (files run in name order): after every flow, no key name used by the suite
// may appear in any log or file Till wrote: each e2e home's data, config and state
// directories (the sealed vault included: names are sealed there) and artifacts/*.log.
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

import { ARTIFACTS } from "./support/artifacts.mjs";
import { describe as explain, findNames, namesUsedIn } from "./support/no-names.mjs";

const SUITE = dirname(fileURLToPath(import.meta.url));

/** What Till wrote in the homes the suite made (`till-e2e-home-*` under the temp dir). */
function tillOutputs() {
  const homes = readdirSync(tmpdir())
    .filter((entry) => entry.startsWith("till-e2e-home-"))
    .map((entry) => join(tmpdir(), entry));
  // The home's root holds files the tests wrote themselves (team files): not Till's.
  const dirs = homes.flatMap((home) => ["data", "config", "state"].map((d) => join(home, d)));
  const logs = existsSync(ARTIFACTS)
    ? readdirSync(ARTIFACTS)
        .filter((f) => f.endsWith(".log"))
        .map((f) => join(ARTIFACTS, f))
    : [];
  return { homes, paths: [...dirs, ...logs] };
}

describe("after the suite", () => {
  it("no key name is in any log or file Till wrote", (t) => {
    const names = namesUsedIn(SUITE);
    assert.ok(names.size >= 5, `expected the suite's key names, found ${[...names.keys()]}`);
    const { homes, paths } = tillOutputs();
    if (homes.length === 0) {
      t.skip("no e2e home found: the flows did not run");
      return;
    }
    const hits = findNames(paths, names);
    assert.equal(hits.length, 0, `key names where Till must not write them:\n${explain(hits)}`);
  });
});
