import { describe, expect, it } from "vitest";
import { estimateBits, strength } from "./strength";

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
});
