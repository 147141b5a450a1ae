import { defineConfig } from "vitest/config";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// Tauri serves the built bundle from its own protocol; the dev server is only for `tauri dev`.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    target: "safari15",
    sourcemap: false,
    // Keep styles in files: the CSP allows no inline style.
    cssCodeSplit: false,
    // Two pages: the main window and the quick-search window.
    rollupOptions: { input: { main: "index.html", quick: "quick.html" } },
  },
  resolve: process.env.VITEST ? { conditions: ["browser"] } : undefined,
  test: {
    environment: "jsdom",
    // Lets @testing-library/svelte clean up the DOM after each test.
    globals: true,
    include: ["src/**/*.test.ts"],
  },
});
