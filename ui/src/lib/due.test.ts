import { describe, expect, it } from "vitest";
import { dueStateLabel, outcomeLabel } from "./due";

describe("labels", () => {
  it("name every state and outcome", () => {
    expect(dueStateLabel("overdue")).toBe("Overdue");
    expect(dueStateLabel("upcoming")).toBe("Coming up");
    expect(outcomeLabel("revoked")).toBe("Refused");
    expect(outcomeLabel("not_checked")).toBe("Not checked");
  });
});
