// Keyboard shortcuts the whole window shares.

/** Ctrl+W (Cmd+W on macOS) closes the window to the tray, as in most desktop apps. */
export function isCloseShortcut(
  event: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey" | "shiftKey">,
): boolean {
  return (
    event.key.toLowerCase() === "w" &&
    (event.ctrlKey || event.metaKey) &&
    !event.altKey &&
    !event.shiftKey
  );
}
