import { describe, expect, it } from "vitest";
import { moveFocus } from "./listNav";

describe("moveFocus", () => {
  const items = [1, 2, 3].map(() => document.createElement("button"));
  it("moves down and up, and stops at the ends", () => {
    expect(moveFocus(items, items[0] ?? null, "ArrowDown")).toBe(1);
    expect(moveFocus(items, items[2] ?? null, "ArrowDown")).toBe(2);
    expect(moveFocus(items, items[0] ?? null, "ArrowUp")).toBe(0);
    expect(moveFocus(items, items[1] ?? null, "End")).toBe(2);
  });
  it("starts at the first item from outside the list, and ignores other keys", () => {
    expect(moveFocus(items, document.body, "ArrowDown")).toBe(0);
    expect(moveFocus(items, items[1] ?? null, "x")).toBe(-1);
  });
});
