// The loopback stand-in for providers' live-check endpoints (tests/support/fake_providers.py),
// so the real app's checks go over HTTP without the internet.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../../support/fake_providers.py", import.meta.url));

/** Starts the fake; resolves once it prints its port. */
export function startFakeProviders() {
  const child = spawn("/usr/bin/python3", [SCRIPT], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.stdout.once("data", (chunk) => {
      const port = Number.parseInt(chunk.toString(), 10);
      resolve({
        port,
        /** The base URL standing in for `provider` (for settings.toml's [verify] table). */
        baseUrl: (provider) => `http://127.0.0.1:${port}/${provider}`,
        /** Every request received: `[{provider, method, path, authorized}]`. */
        requests: async () => (await fetch(`http://127.0.0.1:${port}/_requests`)).json(),
        stop: () => child.kill(),
      });
    });
  });
}
