import { describe, expect, it } from "vitest";
import { isCloseShortcut } from "./keys";

const press = (
  key: string,
  mods: Partial<Record<"ctrlKey" | "metaKey" | "altKey" | "shiftKey", boolean>> = {},
) => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe("isCloseShortcut", () => {
  it("accepts Ctrl+W and Cmd+W, whatever the case", () => {
    expect(isCloseShortcut(press("w", { ctrlKey: true }))).toBe(true);
    expect(isCloseShortcut(press("W", { metaKey: true }))).toBe(true);
  });

  it("ignores plain W and other chords", () => {
    expect(isCloseShortcut(press("w"))).toBe(false);
    expect(isCloseShortcut(press("w", { ctrlKey: true, shiftKey: true }))).toBe(false);
    expect(isCloseShortcut(press("q", { ctrlKey: true }))).toBe(false);
  });
});
