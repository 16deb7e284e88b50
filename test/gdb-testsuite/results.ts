/**
 * Reading what GDB's testsuite says (gdb.sum) and judging it against our expectations file
 * (not-applicable.txt): every FAIL, ERROR or UNRESOLVED must be named there with a reason,
 * and every entry there must still be needed by the tests that ran.
 */

/** One result line of gdb.sum, e.g. `FAIL: gdb.base/break.exp: run until main`. */
export interface Result {
  status: string;
  /** The test name as DejaGnu prints it, without the status. */
  name: string;
  /** The .exp file it came from (e.g. `gdb.base/break.exp`). */
  file: string;
}

/** An entry of the expectations file: a whole .exp file, or one test name in it. */
export interface Expectation {
  key: string;
  file: string;
  /** Undefined: every failing result of the file. */
  test?: string;
  reason: string;
  line: number;
}

const STATUSES = ['PASS', 'FAIL', 'XPASS', 'XFAIL', 'KPASS', 'KFAIL', 'UNTESTED', 'UNSUPPORTED', 'UNRESOLVED', 'ERROR'];
/** Results that need an expectation entry. */
export const BAD = new Set(['FAIL', 'ERROR', 'UNRESOLVED', 'XPASS', 'KPASS']);

/** The results of a gdb.sum, each tied to its .exp file (ERROR lines carry no file name). */
export function parseSum(text: string): Result[] {
  const out: Result[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    const run = /^Running .*\/testsuite\/(\S+\.exp) \.\.\.$/.exec(line);
    if (run) {
      current = run[1];
      continue;
    }
    const m = /^([A-Z]+): (.*)$/.exec(line);
    if (!m || !STATUSES.includes(m[1])) continue;
    const f = /^(gdb\.[^/:]+\/[^:]+\.exp)(?::|$)/.exec(m[2]);
    out.push({ status: m[1], name: m[2].trimEnd(), file: f ? f[1] : current });
  }
  return out;
}

/**
 * The expectations file: `KEY ## REASON` a line, KEY being `gdb.dir/file.exp` or
 * `gdb.dir/file.exp: test name`; a line starting with `#` is a comment. Throws on an entry without a reason.
 */
export function parseExpectations(text: string): Expectation[] {
  const out: Expectation[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const sep = line.lastIndexOf(' ## ');
    const key = sep < 0 ? line : line.slice(0, sep).trim();
    const reason = sep < 0 ? '' : line.slice(sep + 4).trim();
    const m = /^(gdb\.[^/:]+\/[^:]+\.exp)(?:: (.+))?$/.exec(key);
    if (!m) throw new Error(`not-applicable.txt:${i + 1}: "${key}" is not "gdb.dir/file.exp[: test name]"`);
    if (reason === '') throw new Error(`not-applicable.txt:${i + 1}: "${key}" has no reason (write "KEY ## why")`);
    out.push({ key, file: m[1], ...(m[2] !== undefined ? { test: m[2] } : {}), reason, line: i + 1 });
  });
  return out;
}

/** DejaGnu appends notes such as ` (timeout)` to a failing name: an entry matches with or without it. */
function stripNote(name: string): string {
  return name.replace(/ \((?:timeout|eof|the program exited|the program is no longer running|PRMS[^)]*)\)$/, '');
}

function matches(e: Expectation, r: Result): boolean {
  if (r.file !== e.file) return false;
  return e.test === undefined || r.name === e.key || stripNote(r.name) === e.key;
}

export interface Verdict {
  counts: Record<string, number>;
  /** Failing results no entry names. */
  unexpected: Result[];
  /** Failing results an entry names (the entry, for its reason). */
  expected: { result: Result; entry: Expectation }[];
  /** Entries for files that ran where nothing failed as the entry says: the list must be kept true. */
  stale: Expectation[];
}

/** Judge the results of the files that ran against the expectations. */
export function judge(results: Result[], expectations: Expectation[], ran: Set<string>): Verdict {
  const counts: Record<string, number> = {};
  const unexpected: Result[] = [];
  const expected: Verdict['expected'] = [];
  const used = new Set<Expectation>();
  for (const r of results) {
    counts[r.status] = (counts[r.status] ?? 0) + 1;
    if (!BAD.has(r.status)) continue;
    const entry = expectations.find((e) => e.test !== undefined && matches(e, r)) ?? expectations.find((e) => matches(e, r));
    if (entry) {
      used.add(entry);
      expected.push({ result: r, entry });
    } else unexpected.push(r);
  }
  const stale = expectations.filter((e) => ran.has(e.file) && !used.has(e));
  return { counts, unexpected, expected, stale };
}
