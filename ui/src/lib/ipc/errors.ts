// Errors from Rust arrive as `{ code, message }`. The code list is generated from the Rust
// enum (bindings/ErrorCode.ts); ERROR_CODES mirrors it, and the type check below fails the
// build if Rust adds a code the UI does not know.
import type { ErrorCode } from "./bindings/ErrorCode";
import type { IpcError } from "./bindings/IpcError";

export const ERROR_CODES = [
  "bad_environment",
  "storage",
  "vault_missing",
  "vault_exists",
  "wrong_password",
  "throttled",
  "password_required",
  "keyring_unavailable",
  "locked",
  "not_found",
  "conflict",
  "invalid_input",
  "corrupt",
  "internal",
] as const;

type Mirrored = (typeof ERROR_CODES)[number];
type MissingFromMirror = Exclude<ErrorCode, Mirrored>;
type UnknownToRust = Exclude<Mirrored, ErrorCode>;
export const mirrorIsComplete: [MissingFromMirror, UnknownToRust] extends [never, never]
  ? true
  : never = true;

export function isIpcError(value: unknown): value is IpcError {
  if (typeof value !== "object" || value === null) return false;
  const { code, message } = value as Record<string, unknown>;
  return (
    typeof message === "string" &&
    typeof code === "string" &&
    (ERROR_CODES as readonly string[]).includes(code)
  );
}

/** Anything thrown by `invoke` (or by the bridge itself) as an IpcError the UI can show. */
export function toIpcError(thrown: unknown): IpcError {
  if (isIpcError(thrown)) return thrown;
  const detail = thrown instanceof Error ? thrown.message : String(thrown);
  return {
    code: "internal",
    message: `Till's window could not reach its core (${detail}). Close the window and open it again from the tray.`,
  };
}

/**
 * What a view does about an error beyond showing its message, for the codes the UI can
 * act on: retry the password in place, offer the password when the keyring cannot help,
 * reload a list that named a key since removed, put the cursor on a name that is taken,
 * or go to the unlock screen. Everything else is shown as it is.
 */
export type ErrorAction =
  "retry_password" | "use_password" | "refresh" | "fix_name" | "unlock" | "show";

export function actionFor(code: ErrorCode): ErrorAction {
  switch (code) {
    case "wrong_password":
    case "throttled":
      return "retry_password";
    case "keyring_unavailable":
    case "password_required":
      return "use_password";
    case "not_found":
      return "refresh";
    case "conflict":
      return "fix_name";
    case "locked":
      return "unlock";
    default:
      return "show";
  }
}
