import { render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import StatusPanel from "./StatusPanel.svelte";

const status = {
  version: "0.1.0",
  vault: "absent" as const,
  data_dir: "/tmp/till/data",
  now: "2026-11-27T09:00:00Z",
  clock_fixed: true,
};

describe("StatusPanel", () => {
  it("shows what Rust reported, in words", () => {
    render(StatusPanel, { status });
    expect(screen.getByTestId("status-version").textContent).toBe("0.1.0");
    expect(screen.getByTestId("status-vault").textContent).toBe("No vault yet");
    expect(screen.getByTestId("status-data-dir").textContent).toBe("/tmp/till/data");
    expect(screen.getByTestId("status-clock").textContent).toContain("fixed by TILL_NOW");
  });

  it("does not claim a fixed clock when the system clock is used", () => {
    render(StatusPanel, { status: { ...status, clock_fixed: false } });
    expect(screen.getByTestId("status-clock").textContent).not.toContain("TILL_NOW");
  });
});
