import {
  Bot,
  CalendarClock,
  ClipboardCopy,
  GraduationCap,
  KeyRound,
  ScrollText,
  Settings as SettingsIcon,
  Siren,
} from "lucide";
// The main window's views, in sidebar order. Adding a view is one line here (and its
// component); the sidebar, the Alt+number shortcuts and the ? overlay follow.
import type { Component } from "svelte";
import type { IconNode } from "lucide";
import AgentsView from "./components/agents/AgentsView.svelte";
import LeaksView from "./components/leaks/LeaksView.svelte";
import CopyPanel from "./components/copy/CopyPanel.svelte";
import DueView from "./components/reminders/DueView.svelte";
import SettingsView from "./components/settings/SettingsView.svelte";
import TrainingView from "./components/training/TrainingView.svelte";
import AuditLogView from "./components/vault/AuditLogView.svelte";
import KeysView from "./components/vault/KeysView.svelte";

export type ViewId = "keys" | "due" | "agents" | "leaks" | "copy" | "training" | "log" | "settings";

export interface View {
  id: ViewId;
  label: string;
  icon: IconNode;
  component: Component;
  /** Shows a count beside the label (see Sidebar). */
  counted?: boolean;
}

export const VIEWS: View[] = [
  { id: "keys", label: "Keys", icon: KeyRound, component: KeysView },
  { id: "due", label: "Due", icon: CalendarClock, component: DueView, counted: true },
  { id: "copy", label: "Copy for a task", icon: ClipboardCopy, component: CopyPanel },
  { id: "agents", label: "Agents", icon: Bot, component: AgentsView, counted: true },
  { id: "leaks", label: "Leaks", icon: Siren, component: LeaksView, counted: true },
  { id: "training", label: "Training", icon: GraduationCap, component: TrainingView },
  { id: "log", label: "Audit log", icon: ScrollText, component: AuditLogView },
  { id: "settings", label: "Settings", icon: SettingsIcon, component: SettingsView },
];
