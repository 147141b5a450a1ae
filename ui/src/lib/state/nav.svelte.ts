// Where the main window is: the view in the sidebar, a key to open (from a notification,
// the due list or a lesson), and what the Keys view should start with (add, import).
import type { AgentRoute } from "../ipc/bindings/AgentRoute";
import type { KeyPanel } from "../ipc/bindings/KeyPanel";
import type { ViewId } from "../views";

export type KeyIntent = { name: string; panel: KeyPanel | null } | "add" | "import" | "search";

export const nav = $state<{
  view: ViewId;
  /** Picked up (and cleared) by the Keys view. */
  intent: KeyIntent | null;
  /** Bumped after anything that may change what is due, so the sidebar counts again. */
  changes: number;
  shortcutsOpen: boolean;
  /** Where the tray, a notification, quick search or a lesson asked the Agents view to
   * go; the Agents view picks it up and clears it. */
  agentRoute: AgentRoute | null;
  /** Open the Leaks view ready to scan a folder (a lesson's closing button). */
  leaksScan: boolean;
}>({
  view: "keys",
  intent: null,
  changes: 0,
  shortcutsOpen: false,
  agentRoute: null,
  leaksScan: false,
});

export function go(view: ViewId): void {
  nav.view = view;
}

/** Opens a key in the Keys view, optionally on its rotation or audit panel. */
export function openKey(name: string, panel: KeyPanel | null = null): void {
  nav.intent = { name, panel };
  nav.view = "keys";
}

/** Something changed that the sidebar's counts may show. */
export function changed(): void {
  nav.changes += 1;
}

/** Where a lesson's closing button leads. */
export function lessonAction(action: string): void {
  switch (action) {
    case "add_key":
      nav.intent = "add";
      nav.view = "keys";
      break;
    case "import_env":
      nav.intent = "import";
      nav.view = "keys";
      break;
    case "copy_scoped":
    case "save_purpose":
      nav.view = "copy";
      break;
    case "start_rotation":
    case "open_due":
      nav.view = "due";
      break;
    case "team_check":
      nav.view = "training";
      break;
    case "scan_folder":
      nav.leaksScan = true;
      nav.view = "leaks";
      break;
    case "mint_agent_key":
      nav.agentRoute = { to: "mint", key: null, label: null };
      nav.view = "agents";
      break;
    default:
      nav.view = "keys";
  }
}
