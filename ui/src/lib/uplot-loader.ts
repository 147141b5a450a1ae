// Loads uPlot on first use (it is only needed by the Agents view's charts).
//
// uPlot builds an Intl.NumberFormat from `navigator.language` when its module loads; a
// session under LANG=C reports "C", which Intl rejects with a RangeError, and the whole
// import fails. A language Intl cannot use is replaced by "en-US" for this page first.
import type uPlotType from "uplot";

function ensureUsableLanguage() {
  try {
    Intl.getCanonicalLocales(navigator.language);
  } catch {
    Object.defineProperty(navigator, "language", { value: "en-US", configurable: true });
  }
}

let loading: Promise<typeof uPlotType> | null = null;

export function loadUPlot(): Promise<typeof uPlotType> {
  ensureUsableLanguage();
  loading ??= import("uplot").then((module) => module.default);
  return loading;
}
