// A small, safe reading of lesson Markdown: paragraphs, bullet lists and `code` spans.
// Rendered through Svelte's escaping, never as HTML, so content can never inject markup.

export type Block = { kind: "paragraph"; spans: Span[] } | { kind: "list"; items: Span[][] };
export interface Span {
  code: boolean;
  text: string;
}

/** Splits text on backticks: odd pieces are code. Emphasis markers are dropped. */
export function spans(text: string): Span[] {
  return text
    .split("`")
    .map((piece, index) => ({
      code: index % 2 === 1,
      text: index % 2 === 1 ? piece : piece.replace(/\*\*|__/g, ""),
    }))
    .filter((span) => span.text.length > 0);
}

export function blocks(markdown: string): Block[] {
  return markdown
    .split(/\n\s*\n/)
    .map((chunk) => chunk.trim())
    .filter(Boolean)
    .map((chunk): Block => {
      const lines = chunk.split("\n");
      if (lines.every((line) => /^\s*[-*] /.test(line))) {
        return { kind: "list", items: lines.map((line) => spans(line.replace(/^\s*[-*] /, ""))) };
      }
      return { kind: "paragraph", spans: spans(lines.join(" ")) };
    });
}
