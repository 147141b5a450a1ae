// Starts tauri-driver (which starts WebKitWebDriver, which starts the app) and stops it
// without leaving processes behind.
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createServer } from "node:net";
import { sleep, waitFor } from "./wait.mjs";

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts tauri-driver with `env` (inherited by the app) and waits until it answers. */
export async function startDriver({ env, logFile }) {
  const binary = process.env.TILL_E2E_DRIVER;
  if (!binary) throw new Error("TILL_E2E_DRIVER is unset: run the suite through scripts/test");
  const port = await freePort();
  const nativePort = await freePort();
  const child = spawn(binary, ["--port", String(port), "--native-port", String(nativePort)], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log = createWriteStream(logFile);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise((resolve) => child.once("exit", resolve));

  await waitFor("tauri-driver to answer /status", async () => {
    const response = await fetch(`http://127.0.0.1:${port}/status`);
    return response.ok;
  });

  return {
    port,
    async stop() {
      child.kill("SIGTERM");
      const stopped = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
      if (!stopped) {
        child.kill("SIGKILL");
        await exited;
      }
      log.end();
    },
  };
}
