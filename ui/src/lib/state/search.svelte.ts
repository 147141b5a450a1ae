// Search as you type: core's `searchKeys` decides what matches; this only debounces and
// keeps the latest answer (answers may arrive out of order).
import { searchKeys } from "../ipc/commands";
import { inventory } from "./keys.svelte";

export function useSearch(query: () => string) {
  const result = $state<{ found: string[] | null }>({ found: null });
  let seq = 0;
  $effect(() => {
    const typed = query();
    void inventory.keys; // a changed list (added, renamed, imported keys) is searched again
    const mine = ++seq;
    if (typed.trim() === "") {
      result.found = null;
      return;
    }
    const timer = setTimeout(() => {
      searchKeys(typed).then(
        (ids) => {
          if (mine === seq) result.found = ids;
        },
        () => {},
      );
    }, 60);
    return () => clearTimeout(timer);
  });
  return result;
}
