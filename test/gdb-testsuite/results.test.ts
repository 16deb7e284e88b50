/**
 * The gdb-testsuite runner's verdict: which DejaGnu results count as unexpected, and when an
 * entry of not-applicable.txt has gone stale.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { judge, parseExpectations, parseSum } from './results.js';

const SUM = `Running target rvrr
Running /tmp/x/gdb/gdb/testsuite/gdb.base/break.exp ...
PASS: gdb.base/break.exp: run until main
FAIL: gdb.base/break.exp: continue to exit (timeout)
FAIL: gdb.base/break.exp: step out
Running /tmp/x/gdb/gdb/testsuite/gdb.base/other.exp ...
ERROR: tcl error sourcing /tmp/x/gdb.base/other.exp.
UNTESTED: gdb.base/other.exp: failed to prepare
KFAIL: gdb.base/other.exp: known (PRMS: gdb/1)

		=== gdb Summary ===
`;

describe('gdb-testsuite results', function () {
  it('ties every result to its .exp file, ERROR lines included', function () {
    const r = parseSum(SUM);
    expect(r.map((x) => `${x.status} ${x.file}`)).to.deep.equal([
      'PASS gdb.base/break.exp', 'FAIL gdb.base/break.exp', 'FAIL gdb.base/break.exp',
      'ERROR gdb.base/other.exp', 'UNTESTED gdb.base/other.exp', 'KFAIL gdb.base/other.exp',
    ]);
  });

  it('counts a failure as expected only when an entry names it, ignoring a (timeout) note', function () {
    const e = parseExpectations('# comment ## not an entry\ngdb.base/break.exp: continue to exit ## exit notice\n');
    const v = judge(parseSum(SUM), e, new Set(['gdb.base/break.exp', 'gdb.base/other.exp']));
    expect(v.expected.map((x) => x.result.name)).to.deep.equal(['gdb.base/break.exp: continue to exit (timeout)']);
    expect(v.unexpected.map((x) => x.name)).to.deep.equal(['gdb.base/break.exp: step out', 'tcl error sourcing /tmp/x/gdb.base/other.exp.']);
    expect(v.stale).to.deep.equal([]);
    expect(v.counts).to.include({ PASS: 1, FAIL: 2, ERROR: 1, UNTESTED: 1, KFAIL: 1 });
  });

  it('a file entry covers its failures; an entry no failure needs is stale, unless its file did not run', function () {
    const e = parseExpectations('gdb.base/break.exp ## why\ngdb.base/other.exp: known ## why\ngdb.base/absent.exp ## why\n');
    const v = judge(parseSum(SUM), e, new Set(['gdb.base/break.exp', 'gdb.base/other.exp']));
    expect(v.expected).to.have.length(2);
    expect(v.stale.map((x) => x.key)).to.deep.equal(['gdb.base/other.exp: known']);
  });

  it('rejects an entry without a reason or with a malformed key', function () {
    expect(() => parseExpectations('gdb.base/break.exp\n')).to.throw(/line 1|:1:.*no reason/);
    expect(() => parseExpectations('break.exp ## why\n')).to.throw(/is not "gdb.dir\/file.exp/);
  });

  it('the committed not-applicable.txt parses, each entry with its reason', function () {
    const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/gdb-testsuite/not-applicable.txt');
    const e = parseExpectations(fs.readFileSync(file, 'utf8'));
    expect(e.length).to.be.greaterThan(0);
    for (const x of e) expect(x.reason.length, x.key).to.be.greaterThan(10);
  });
});
