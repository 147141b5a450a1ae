// One entry of a Menu.svelte.
import type { IconNode } from "lucide";

export interface MenuItem {
  label: string;
  icon?: IconNode;
  testid?: string;
  danger?: boolean;
  run: () => void;
}
