// Typed wrappers over Tauri's invoke: one function per Rust command, errors as IpcError.
import { invoke } from "@tauri-apps/api/core";
import type { AgentCall } from "./bindings/AgentCall";
import type { AgentKey } from "./bindings/AgentKey";
import type { AgentRoute } from "./bindings/AgentRoute";
import type { AgentsOverview } from "./bindings/AgentsOverview";
import type { AppStatus } from "./bindings/AppStatus";
import type { AuditEntry } from "./bindings/AuditEntry";
import type { AuditReview } from "./bindings/AuditReview";
import type { CapsInput } from "./bindings/CapsInput";
import type { AutostartStatus } from "./bindings/AutostartStatus";
import type { Copied } from "./bindings/Copied";
import type { CopyPlan } from "./bindings/CopyPlan";
import type { CopyRequest } from "./bindings/CopyRequest";
import type { Compliance } from "./bindings/Compliance";
import type { DueItem } from "./bindings/DueItem";
import type { HourUsage } from "./bindings/HourUsage";
import type { ImportReport } from "./bindings/ImportReport";
import type { KeyChanges } from "./bindings/KeyChanges";
import type { KeyInput } from "./bindings/KeyInput";
import type { KeyView } from "./bindings/KeyView";
import type { LeakOverview } from "./bindings/LeakOverview";
import type { LeakRunbook } from "./bindings/LeakRunbook";
import type { LeakStep } from "./bindings/LeakStep";
import type { LessonView } from "./bindings/LessonView";
import type { MintInput } from "./bindings/MintInput";
import type { MintedAgent } from "./bindings/MintedAgent";
import type { Onboarding } from "./bindings/Onboarding";
import type { PreviewView } from "./bindings/PreviewView";
import type { Provider } from "./bindings/Provider";
import type { Purpose } from "./bindings/Purpose";
import type { QuickItem } from "./bindings/QuickItem";
import type { Recognition } from "./bindings/Recognition";
import type { RotationAction } from "./bindings/RotationAction";
import type { RotationStep } from "./bindings/RotationStep";
import type { Route } from "./bindings/Route";
import type { Runbook } from "./bindings/Runbook";
import type { SettingsForm } from "./bindings/SettingsForm";
import type { SettingsPage } from "./bindings/SettingsPage";
import type { ThemeChoice } from "./bindings/ThemeChoice";
import type { Walkthrough } from "./bindings/Walkthrough";
import { toIpcError } from "./errors";

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (thrown) {
    throw toIpcError(thrown);
  }
}

export const closeMainWindow = () => call<void>("close_main_window");
export const appStatus = () => call<AppStatus>("app_status");

export const setupVault = (password: string, useKeyring: boolean) =>
  call<AppStatus>("setup_vault", { password, useKeyring });
export const unlockVault = (password: string | null) =>
  call<AppStatus>("unlock_vault", { password });
export const lockVault = () => call<AppStatus>("lock_vault");

export const listKeys = () => call<KeyView[]>("list_keys");
export const addKey = (key: KeyInput, value: string) => call<KeyView>("add_key", { key, value });
export const recognizeValue = (value: string) =>
  call<Recognition | null>("recognize_value", { value });
/** The only call that brings a key's value into the window; Rust audits it. */
export const revealKey = (name: string) => call<string>("reveal_key", { name });
export const deleteKey = (name: string) => call<void>("delete_key", { name });
export const auditLog = () => call<AuditEntry[]>("audit_log");
/** Ids of the keys matching what was typed, best first: the search lives in core. */
export const searchKeys = (query: string) => call<string[]>("search_keys", { query });
/** One key's audit entries by its id (a rename keeps them), newest first. */
export const keyAuditHistory = (id: string) => call<AuditEntry[]>("key_audit_history", { id });
export const listProviders = () => call<Provider[]>("list_providers");
export const editKey = (name: string, changes: KeyChanges) =>
  call<KeyView>("edit_key", { name, changes });
export const replaceKeyValue = (name: string, value: string) =>
  call<KeyView>("replace_key_value", { name, value });
export const rollbackKey = (name: string) => call<KeyView>("rollback_key", { name });
export const previewImport = (fileName: string, content: string) =>
  call<PreviewView>("preview_import", { fileName, content });
export const applyImport = (fileName: string, content: string) =>
  call<ImportReport>("apply_import", { fileName, content });
export const changeMasterPassword = (current: string, newPassword: string) =>
  call<void>("change_master_password", { current, newPassword });

export const dueItems = () => call<DueItem[]>("due_items");
export const snoozeKey = (name: string, days: number) =>
  call<KeyView>("snooze_key", { name, days });
/** Rust sends the value to its provider only; the window gets the outcome. */
export const verifyKey = (name: string) => call<KeyView>("verify_key", { name });
export const rotationStep = (name: string, action: RotationAction) =>
  call<KeyView>("rotation_step", { name, action });
export const rotationPaste = (name: string, value: string) =>
  call<KeyView>("rotation_paste", { name, value });
/** The runbook's steps and wording from core, marked against the step a rotation is at. */
export const rotationRunbook = (current: RotationStep | null) =>
  call<Runbook>("rotation_runbook", { current });
export const reviewAudit = (name: string, review: AuditReview) =>
  call<KeyView>("review_audit", { name, review });
export const skipAudit = (name: string, reason: string) =>
  call<void>("skip_audit", { name, reason });
export const takeRoute = () => call<Route | null>("take_route");
export const openProviderConsole = (provider: string) =>
  call<string>("open_provider_console", { provider });

/** The event Rust emits when a notification or the tray wants the window elsewhere. */
export const ROUTE_EVENT = "till://route";

/** Which key a copy would use, and whether it grants more than asked; copies nothing. */
export const planCopy = (request: CopyRequest) => call<CopyPlan>("plan_copy", { request });
/** Rust puts the value on the clipboard; the window only hears which key and why. */
export const copyKey = (request: CopyRequest, allowBroader: boolean) =>
  call<Copied>("copy_key", { request, allowBroader });
export const listPurposes = () => call<Purpose[]>("list_purposes");
export const savePurpose = (name: string, scopes: string[]) =>
  call<Purpose>("save_purpose", { name, scopes });
export const removePurpose = (name: string) => call<void>("remove_purpose", { name });

/** What quick search offers for `query`, ranked and cut to a screenful by core. */
export const quickItems = (query: string) => call<QuickItem[]>("quick_items", { query });
export const hideQuickWindow = () => call<void>("hide_quick_window");
export const openTill = () => call<void>("open_till");
/** Opens the window's Agents mint form on the key a quick-search item names. */
export const newAgentKeyFor = (request: CopyRequest) =>
  call<void>("new_agent_key_for", { request });
/** Emitted to the quick window each time it is shown. */
export const QUICK_OPENED_EVENT = "till://quick-opened";

export const listLessons = () => call<LessonView[]>("list_lessons");
export const completeLesson = (id: string) => call<void>("complete_lesson", { id });
export const applyTeamFile = (content: string) => call<Compliance>("apply_team_file", { content });
export const teamCompliance = (builtin: boolean) =>
  call<Compliance | null>("team_compliance", { builtin });
export const tickChecklistItem = (checklist: string, item: string, by: string, ticked: boolean) =>
  call<void>("tick_checklist_item", { checklist, item, by, ticked });
/** The walkthrough's state, steps and whether it shows; `restart` shows it from the start. */
export const onboardingState = (restart: boolean) =>
  call<Walkthrough>("onboarding_state", { restart });
export const saveOnboarding = (onboarding: Onboarding) =>
  call<void>("save_onboarding", { onboarding });
export const teamReportMarkdown = (builtin: boolean) =>
  call<string | null>("team_report_markdown", { builtin });

/** The Settings page: the form as `settings.toml` holds it, and whether a restart is due. */
export const settingsPage = () => call<SettingsPage>("settings_page");
/** Core checks the form and writes it back to `settings.toml`, keeping its comments. */
export const saveSettings = (form: SettingsForm) => call<SettingsPage>("save_settings", { form });
/** The saved theme and the desktop's dark preference, for the calling window. */
export const themeChoice = () => call<ThemeChoice>("theme_choice");
/** Whether Till starts in the tray at login (core reads the desktop's autostart entry). */
export const autostartStatus = () => call<AutostartStatus>("autostart_status");
/** Writes or removes the login entry, pointing at the running app. */
export const setAutostart = (enabled: boolean) =>
  call<AutostartStatus>("set_autostart", { enabled });
// Saving files: Rust shows the save dialog and writes the file (0600); the window never
// names a path. Each resolves to the path written, or null when the user cancelled.
/** An encrypted backup of every key, sealed with a new backup password. */
export const saveBackup = (password: string) => call<string | null>("save_backup", { password });
/** The key list without values, as CSV. */
export const saveMetadataCsv = () => call<string | null>("save_metadata_csv");
/** The audit log, as JSON. */
export const saveAuditLog = () => call<string | null>("save_audit_log");
/** The team compliance report, as Markdown. */
export const saveTeamReport = (builtin: boolean) =>
  call<string | null>("save_team_report", { builtin });
/** An agent key's request log, as CSV. */
export const saveAgentUsageCsv = (id: string) =>
  call<string | null>("save_agent_usage_csv", { id });
/** The gateway, every agent key and the charts' daily numbers. */
export const agentOverview = () => call<AgentsOverview>("agent_overview");
/** Mints an agent key; the token comes back once, for display only. */
export const mintAgentKey = (input: MintInput) => call<MintedAgent>("mint_agent_key", { input });
/** Rust copies the just-minted token (Till's clipboard rules); returns seconds until cleared. */
export const copyAgentToken = (id: string) => call<number>("copy_agent_token", { id });
/** Drops the token Rust kept for the Copy button (the panel closed). */
export const forgetAgentToken = () => call<void>("forget_agent_token");
export const revokeAgentKey = (id: string) => call<AgentKey>("revoke_agent_key", { id });
/** New caps for an agent key (absent: no cap); an exhausted key given room goes on. */
export const setAgentCaps = (id: string, input: CapsInput) =>
  call<AgentKey>("set_agent_caps", { id, input });
export const stopAllAgents = () => call<number>("stop_all_agents");
export const agentUsageLog = (id: string) => call<AgentCall[]>("agent_usage_log", { id });
/** One agent key's last 24 hours, hour by hour (UTC). */
export const agentHourly = (id: string) => call<HourUsage[]>("agent_hourly", { id });
export const agentUsageCsv = (id: string) => call<string>("agent_usage_csv", { id });
export const agentModels = (key: string) => call<string[]>("agent_models", { key });
/** Where the Agents view should go, if the tray, a notification or quick search asked. */
export const takeAgentRoute = () => call<AgentRoute | null>("take_agent_route");
/** Emitted when agent keys or their spend changed (the list reloads). */
export const AGENTS_EVENT = "till://agents";
/** Emitted when the tray or a notification wants the Agents view (`takeAgentRoute`). */
export const AGENT_ROUTE_EVENT = "till://agent-route";

/** The watched folders and what the leak scanner found in them (none while locked). */
export const leakOverview = () => call<LeakOverview>("leak_overview");
/** Adds a folder to `[scan] watched` and scans it; results arrive with `LEAKS_EVENT`. */
export const watchFolder = (folder: string) => call<LeakOverview>("watch_folder", { folder });
export const unwatchFolder = (folder: string) => call<LeakOverview>("unwatch_folder", { folder });
/** Files larger than `kb` KiB are skipped by the scanner (`[scan] max_file_size_kb`). */
export const saveScanLimit = (kb: number) => call<LeakOverview>("save_scan_limit", { kb });
/** Scans a folder once, without watching it; results arrive with `LEAKS_EVENT`. */
export const scanFolder = (folder: string) => call<void>("scan_folder", { folder });
/** Hides a finding until its file changes. */
export const dismissLeak = (path: string, line: number, fingerprint: string) =>
  call<LeakOverview>("dismiss_leak", { path, line, fingerprint });
/** Copies a file's path and opens its folder; only files with a finding. */
export const revealLeakFile = (path: string) => call<void>("reveal_leak_file", { path });
export const leakRunbook = (key: string) => call<LeakRunbook>("leak_runbook", { key });
/** Audited: the runbook started on `key`, found at `place`. */
export const startLeakRunbook = (key: string, place: string | null) =>
  call<void>("start_leak_runbook", { key, place });
export const leakStepDone = (key: string, step: LeakStep) =>
  call<void>("leak_step_done", { key, step });
/** Adds a dated note to the key's notes, audited. */
export const recordLeak = (key: string, note: string) => call<void>("record_leak", { key, note });
/** Emitted when findings change (a rescan, a lock). */
export const LEAKS_EVENT = "till://leaks";
