// Reminder wording shared by the due list and the key detail. The runbook's steps and
// wording come from core (`rotationRunbook`).
import type { DueState } from "./ipc/bindings/DueState";
import type { Outcome } from "./ipc/bindings/Outcome";

export function dueStateLabel(state: DueState): string {
  switch (state) {
    case "upcoming":
      return "Coming up";
    case "due":
      return "Due";
    case "overdue":
      return "Overdue";
    case "expired":
      return "Expired";
  }
}

export function outcomeLabel(outcome: Outcome): string {
  switch (outcome) {
    case "live":
      return "Live";
    case "revoked":
      return "Refused";
    case "unreachable":
      return "Unreachable";
    case "unexpected":
      return "Unclear answer";
    case "not_checked":
      return "Not checked";
  }
}
