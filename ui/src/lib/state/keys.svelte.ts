// The key inventory as the Keys view shows it: metadata only (never a value), reloaded
// after every change, and the providers' display names.
import type { IpcError } from "../ipc/bindings/IpcError";
import type { KeyView } from "../ipc/bindings/KeyView";
import { listKeys, listProviders } from "../ipc/commands";
import { toIpcError } from "../ipc/errors";
import { changed } from "./nav.svelte";
import { loadStatus } from "./status.svelte";

export const inventory = $state<{
  keys: KeyView[] | null;
  error: IpcError | null;
  providerNames: Record<string, string>;
}>({ keys: null, error: null, providerNames: {} });

export async function loadKeys(): Promise<void> {
  try {
    inventory.keys = await listKeys();
    inventory.error = null;
  } catch (thrown) {
    inventory.error = toIpcError(thrown);
    if (inventory.error.code === "locked") void loadStatus();
  }
  changed();
}

export async function loadProviders(): Promise<void> {
  const all = await listProviders().catch(() => []);
  inventory.providerNames = Object.fromEntries(all.map((p) => [p.id, p.name]));
}

export const providerName = (id: string) => inventory.providerNames[id] ?? id;
