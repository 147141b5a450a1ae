// "Now" as Till's core sees it (TILL_NOW may pin it), for relative dates.
import { statusView } from "./status.svelte";

export function tillNow(): Date {
  const current = statusView.current;
  return current.kind === "ready" ? new Date(current.status.now) : new Date();
}
