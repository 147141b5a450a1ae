// Where the suite leaves screenshots and logs (scripts/test sets TILL_ARTIFACTS). Its own
// module so checks that need no browser (zz-no-names-in-logs) can import it alone.
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ARTIFACTS = process.env.TILL_ARTIFACTS ?? join(tmpdir(), "till-artifacts");
