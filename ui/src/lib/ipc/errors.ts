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
