// Typed wrappers over Tauri's invoke: one function per Rust command, errors as IpcError.
import { invoke } from "@tauri-apps/api/core";
import type { AppStatus } from "./bindings/AppStatus";
import { toIpcError } from "./errors";

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (thrown) {
    throw toIpcError(thrown);
  }
}

export function closeMainWindow(): Promise<void> {
  return call<void>("close_main_window");
}

export function appStatus(): Promise<AppStatus> {
  return call<AppStatus>("app_status");
}
