// Key edits: a change set that leaves every field alone, to spread and set one field.
import type { KeyChanges } from "./ipc/bindings/KeyChanges";

export const NO_CHANGES: KeyChanges = {
  name: null,
  provider: null,
  environment: null,
  owner: null,
  purpose: null,
  scopes: null,
  tags: null,
  notes: null,
  places: null,
  pinned: null,
  rotate_every_days: null,
  audit_every_days: null,
  lead_days: null,
};
