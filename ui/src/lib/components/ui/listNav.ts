// Arrow keys within a list: ↑/↓ (and Home/End) move focus between the elements marked
// `data-nav-item` inside the node. Used as a Svelte action: `<ul use:listNav>`.
export function moveFocus(items: HTMLElement[], current: Element | null, key: string): number {
  const at = items.findIndex((item) => item === current || item.contains(current));
  switch (key) {
    case "ArrowDown":
      return at < 0 ? 0 : Math.min(at + 1, items.length - 1);
    case "ArrowUp":
      return at < 0 ? 0 : Math.max(at - 1, 0);
    case "Home":
      return 0;
    case "End":
      return items.length - 1;
    default:
      return -1;
  }
}

export function listNav(node: HTMLElement) {
  function onKeydown(event: KeyboardEvent) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement)
      return;
    const items = [...node.querySelectorAll<HTMLElement>("[data-nav-item]")];
    const next = moveFocus(items, document.activeElement, event.key);
    if (next < 0 || items.length === 0) return;
    event.preventDefault();
    items[next]?.focus();
  }
  node.addEventListener("keydown", onKeydown);
  return { destroy: () => node.removeEventListener("keydown", onKeydown) };
}
