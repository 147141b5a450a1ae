import { describe, expect, it } from "vitest";
import { actionFor, ERROR_CODES, isIpcError, toIpcError } from "./errors";

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

describe("actionFor", () => {
  it("acts on the codes a view can do something about", () => {
    expect(actionFor("wrong_password")).toBe("retry_password");
    expect(actionFor("throttled")).toBe("retry_password");
    expect(actionFor("keyring_unavailable")).toBe("use_password");
    expect(actionFor("password_required")).toBe("use_password");
    expect(actionFor("not_found")).toBe("refresh");
    expect(actionFor("conflict")).toBe("fix_name");
    expect(actionFor("locked")).toBe("unlock");
  });

  it("shows every other code as it is", () => {
    const acted = ["wrong_password", "throttled", "keyring_unavailable", "password_required"];
    const others = ERROR_CODES.filter(
      (code) => ![...acted, "not_found", "conflict", "locked"].includes(code),
    );
    for (const code of others) expect(actionFor(code)).toBe("show");
  });
});
