// A rough master-password strength estimate for the setup form: length and character
// variety as bits of entropy, with a penalty for repeats. Feedback, not a gate.

export type Strength = { score: 0 | 1 | 2 | 3 | 4; label: string; hint: string };

/** Till's rule (enforced in Rust, crates/till-core/src/password.rs): at least 8 characters,
 * counted as Unicode code points, and not a very common password. */
export const MIN_PASSWORD_CHARS = 8;

/** The length as Rust counts it: code points, not UTF-16 units (an emoji is one). */
export function passwordChars(password: string): number {
  return [...password].length;
}

export function estimateBits(password: string): number {
  if (password.length === 0) return 0;
  let pool = 0;
  if (/[a-z]/.test(password)) pool += 26;
  if (/[A-Z]/.test(password)) pool += 26;
  if (/[0-9]/.test(password)) pool += 10;
  if (/[^a-zA-Z0-9]/.test(password)) pool += 33;
  const unique = new Set(password).size;
  const effectiveLength = Math.min(password.length, unique * 2);
  return Math.round(effectiveLength * Math.log2(pool));
}

export function strength(password: string): Strength {
  const bits = estimateBits(password);
  if (passwordChars(password) < MIN_PASSWORD_CHARS)
    return {
      score: 0,
      label: "Too short",
      hint: `Use at least ${MIN_PASSWORD_CHARS} characters: a few unrelated words work well.`,
    };
  if (bits < 45)
    return { score: 1, label: "Weak", hint: "Longer is better: try four random words." };
  if (bits < 65) return { score: 2, label: "Fair", hint: "A few more words would make it strong." };
  if (bits < 90) return { score: 3, label: "Strong", hint: "Good. Write it down somewhere safe." };
  return { score: 4, label: "Very strong", hint: "Excellent. Keep a copy somewhere safe." };
}
