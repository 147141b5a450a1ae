// Light or dark: the saved choice from Settings, else the desktop's preference (CSS's
// prefers-color-scheme, or GTK's dark preference where WebKitGTK does not pass it on).
// Applied as <html data-theme>, which app.css turns into colours.
import type { Theme } from "../ipc/bindings/Theme";
import type { ThemeChoice } from "../ipc/bindings/ThemeChoice";
import { themeChoice } from "../ipc/commands";

export const theme = $state<{ choice: ThemeChoice }>({
  choice: { preference: "system", system_dark: null },
});

const media = () => window.matchMedia?.("(prefers-color-scheme: dark)");

/** Which palette a choice means, given what CSS says about the system. */
export function resolveTheme(choice: ThemeChoice, cssDark: boolean): "light" | "dark" {
  if (choice.preference !== "system") return choice.preference;
  return cssDark || choice.system_dark === true ? "dark" : "light";
}

function apply() {
  document.documentElement.dataset.theme = resolveTheme(theme.choice, media()?.matches ?? false);
}

/** Applies the system's theme at once, then asks Rust for the saved choice. */
export function startTheme(): void {
  apply();
  media()?.addEventListener("change", apply);
  void themeChoice().then(
    (choice) => ((theme.choice = choice), apply()),
    () => {},
  );
}

/** After Settings saved a new choice: applies at once. */
export function setThemePreference(preference: Theme): void {
  theme.choice = { ...theme.choice, preference };
  apply();
}
