import { describe, expect, it } from "vitest";
import { isIpcError, toIpcError } from "./errors";

describe("toIpcError", () => {
  it("passes a well-formed error from Rust through unchanged", () => {
    const fromRust = { code: "storage", message: "cannot use /x: denied" };
    expect(toIpcError(fromRust)).toEqual(fromRust);
  });

  it("rejects codes Rust does not send", () => {
    expect(isIpcError({ code: "teapot", message: "no" })).toBe(false);
  });

  it("turns a bridge failure into an internal error that says what to do", () => {
    const error = toIpcError(new Error("ipc unavailable"));
    expect(error.code).toBe("internal");
    expect(error.message).toContain("ipc unavailable");
    expect(error.message).toContain("open it again from the tray");
  });

  it("copes with a plain string thrown by the bridge", () => {
    expect(toIpcError("command app_status not allowed").message).toContain("not allowed");
  });
});
