// Reminder and runbook wording shared by the due list, the key detail and the runbook.
import type { DueState } from "./ipc/bindings/DueState";
import type { Outcome } from "./ipc/bindings/Outcome";
import type { RotationStep } from "./ipc/bindings/RotationStep";

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

/** The runbook's steps in order, each with what to do and why. */
export const RUNBOOK: readonly { step: RotationStep; title: string; why: string }[] = [
  {
    step: "create_new",
    title: "Create a new key at the provider",
    why: "Give it the same scopes as the old one: a rotation should not widen access.",
  },
  {
    step: "paste_new",
    title: "Paste the new key",
    why: "Till stores it and keeps the old value for 7 days, so you can roll back.",
  },
  {
    step: "verify",
    title: "Check the new key is live",
    why: "A key that does not work yet would break everything you deploy it to.",
  },
  {
    step: "update_places",
    title: "Update every place it is deployed",
    why: "Old and new keys overlap now, so services switch over without downtime.",
  },
  {
    step: "confirm_old_unused",
    title: "Confirm nothing uses the old key",
    why: "Check the provider's usage page: a forgotten place would break on revoke.",
  },
  {
    step: "revoke_old",
    title: "Revoke the old key",
    why: "Until it is revoked, a leaked copy of the old key still works.",
  },
];

/** Where a step sits in the runbook: done, current, or still to come. */
export function stepStatus(step: RotationStep, current: RotationStep): "done" | "current" | "todo" {
  const index = (s: RotationStep) => RUNBOOK.findIndex((entry) => entry.step === s);
  const [at, now] = [index(step), index(current)];
  return at < now ? "done" : at === now ? "current" : "todo";
}
