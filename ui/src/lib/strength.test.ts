import { describe, expect, it } from "vitest";
import { estimateBits, MIN_PASSWORD_CHARS, passwordChars, strength } from "./strength";

describe("strength", () => {
  it("calls short passwords too short, whatever they contain", () => {
    expect(strength("a1!B").score).toBe(0);
  });

  it("ranks repeated characters below varied ones of the same length", () => {
    expect(estimateBits("aaaaaaaaaaaaaaaa")).toBeLessThan(estimateBits("qwhvzjkmxpltrfsd"));
    expect(strength("aaaaaaaaaaaaaaaa").score).toBeLessThanOrEqual(1);
  });

  it("rates a four-word passphrase as strong or better", () => {
    expect(strength("correct horse battery staple").score).toBeGreaterThanOrEqual(3);
  });

  it("follows Rust's rule: 8 code points, said in the hint", () => {
    expect(MIN_PASSWORD_CHARS).toBe(8);
    expect(strength("abcdefg").hint).toContain("at least 8");
    expect(strength("abcdefgh").score).toBeGreaterThan(0);
    // Seven emoji are 14 UTF-16 units but 7 code points: still too short.
    expect(passwordChars("🦀🦀🦀🦀🦀🦀🦀")).toBe(7);
    expect(strength("🦀🦀🦀🦀🦀🦀🦀").score).toBe(0);
  });
});
