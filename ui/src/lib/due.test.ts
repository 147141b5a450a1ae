import { describe, expect, it } from "vitest";
import { RUNBOOK, dueStateLabel, outcomeLabel, stepStatus } from "./due";

describe("runbook steps", () => {
  it("run in the order the core enforces", () => {
    expect(RUNBOOK.map((entry) => entry.step)).toEqual([
      "create_new",
      "paste_new",
      "verify",
      "update_places",
      "confirm_old_unused",
      "revoke_old",
    ]);
  });

  it("are done before the current step and to do after it", () => {
    expect(stepStatus("create_new", "verify")).toBe("done");
    expect(stepStatus("verify", "verify")).toBe("current");
    expect(stepStatus("revoke_old", "verify")).toBe("todo");
  });
});

describe("labels", () => {
  it("name every state and outcome", () => {
    expect(dueStateLabel("overdue")).toBe("Overdue");
    expect(dueStateLabel("upcoming")).toBe("Coming up");
    expect(outcomeLabel("revoked")).toBe("Refused");
    expect(outcomeLabel("not_checked")).toBe("Not checked");
  });
});
