import { describe, expect, it } from "vitest";
import { blocks, spans } from "./markdown";

describe("lesson markdown", () => {
  it("reads paragraphs, lists and code spans", () => {
    expect(blocks("One line\nwraps.\n\n- first `a`\n- second")).toEqual([
      { kind: "paragraph", spans: [{ code: false, text: "One line wraps." }] },
      {
        kind: "list",
        items: [
          [
            { code: false, text: "first " },
            { code: true, text: "a" },
          ],
          [{ code: false, text: "second" }],
        ],
      },
    ]);
  });

  it("keeps markup as text", () => {
    expect(spans("<script>x</script> **bold**")).toEqual([
      { code: false, text: "<script>x</script> bold" },
    ]);
  });
});
