// The app status, loaded from Rust when the window opens. Rune state shared by components.
import type { AppStatus } from "../ipc/bindings/AppStatus";
import type { IpcError } from "../ipc/bindings/IpcError";
import { appStatus } from "../ipc/commands";
import { toIpcError } from "../ipc/errors";

type StatusView =
  { kind: "loading" } | { kind: "ready"; status: AppStatus } | { kind: "failed"; error: IpcError };

export const statusView = $state<{ current: StatusView }>({ current: { kind: "loading" } });

export async function loadStatus(fetch: () => Promise<AppStatus> = appStatus): Promise<void> {
  // A reload (the window regained focus) keeps showing what is there until the answer
  // comes, so the open view is not torn down and rebuilt.
  if (statusView.current.kind !== "ready") statusView.current = { kind: "loading" };
  try {
    statusView.current = { kind: "ready", status: await fetch() };
  } catch (thrown) {
    statusView.current = { kind: "failed", error: toIpcError(thrown) };
  }
}
