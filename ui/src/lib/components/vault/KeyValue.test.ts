import { fireEvent, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { KeyView } from "../../ipc/bindings/KeyView";
import KeyValue from "./KeyValue.svelte";

vi.mock("../../ipc/commands", () => ({
  revealKey: vi.fn(async () => "ghp_revealedvalue"),
}));

const key = { id: "k1", name: "GitHub CI", fingerprint: "ghp_…alue" } as KeyView;

function setHidden(hidden: boolean) {
  Object.defineProperty(document, "hidden", { value: hidden, configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
}

describe("KeyValue", () => {
  afterEach(() => setHidden(false));

  it("drops a revealed value when the window is hidden (closed but kept warm)", async () => {
    render(KeyValue, { key, onRevealed: () => {}, onError: () => {} });
    await fireEvent.click(screen.getByTestId("reveal"));
    expect((await screen.findByTestId("revealed-value")).textContent).toBe("ghp_revealedvalue");

    setHidden(true);

    await vi.waitFor(() => expect(screen.queryByTestId("revealed-value")).toBeNull());
    expect(screen.getByTestId("key-fingerprint").textContent).toBe("ghp_…alue");
  });

  it("keeps it while the window stays visible", async () => {
    render(KeyValue, { key, onRevealed: () => {}, onError: () => {} });
    await fireEvent.click(screen.getByTestId("reveal"));
    await screen.findByTestId("revealed-value");

    setHidden(false);

    expect(screen.getByTestId("revealed-value").textContent).toBe("ghp_revealedvalue");
  });
});
