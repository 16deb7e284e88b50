/**
 * Parsing of board options given as text (by the CLI), with QEMU's conventions.
 */

const UNITS: Record<string, number> = {
  B: 1,
  K: 2 ** 10,
  M: 2 ** 20,
  G: 2 ** 30,
  T: 2 ** 40,
};

/** Largest RAM we accept (the page table of PagedRam grows with it). */
export const MAX_MEMORY_BYTES = 16 * 2 ** 30;

/**
 * Parse a RAM size as QEMU's `-m` does: a number with an optional suffix B, K, M, G or T
 * (case-insensitive, fractions allowed: `1.5G`); a bare number means MiB. The result must be
 * a whole number of 4 KiB pages, at least 1 MiB and at most 16 GiB.
 * Throws an Error with a one-line message on bad input.
 */
export function parseMemorySize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([bkmgt])?(?:i?b)?\s*$/i.exec(text);
  if (!m) throw new Error(`bad memory size '${text}' (expected a number with an optional K, M, G or T suffix, e.g. 128M)`);
  const unit = m[2] === undefined ? 'M' : m[2].toUpperCase();
  const bytes = Number(m[1]) * UNITS[unit];
  if (!Number.isFinite(bytes) || !Number.isInteger(bytes)) throw new Error(`bad memory size '${text}': not a whole number of bytes`);
  if (bytes < 2 ** 20) throw new Error(`memory size '${text}' is too small (at least 1M)`);
  if (bytes > MAX_MEMORY_BYTES) throw new Error(`memory size '${text}' is too large (at most 16G)`);
  if (bytes % 4096 !== 0) throw new Error(`memory size '${text}' is not a multiple of 4K`);
  return bytes;
}

/** Parse `--smp N` (1..8). */
export function parseSmp(text: string | number): number {
  const n = typeof text === 'number' ? text : Number(String(text).trim());
  if (!Number.isInteger(n) || n < 1 || n > 8) throw new Error(`bad --smp '${text}': the virt board has 1 to 8 harts`);
  return n;
}
