/**
 * `node dist/bench/bench.js --quick`: the table and bench-results.json have every row, with
 * numbers (what they are depends on the machine, so no timing thresholds here).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const BENCH = fileURLToPath(new URL('../../dist/bench/bench.js', import.meta.url));
const GUESTS = ['int', 'comp', 'mem', 'fp', 'sv39', 'os', 'os3'];

function isNum(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v);
}

describe('npm run bench -- --quick', function () {
  this.timeout(240_000);
  let dir: string;
  let stdout: string;
  let status: number | null;
  let json: any; // eslint-disable-line @typescript-eslint/no-explicit-any

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rvrr-bench-'));
    const file = join(dir, 'results.json');
    // (The xv6 rows have their own test below.)
    const r = spawnSync(process.execPath, [BENCH, '--quick', '--no-xv6', '--json', file], { encoding: 'utf8', timeout: 230_000 });
    stdout = r.stdout;
    status = r.status;
    if (status !== 0) throw new Error(`bench exited ${status}: ${r.stderr}`);
    json = JSON.parse(readFileSync(file, 'utf8'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a forward-speed row with numbers for every guest', () => {
    const qemu = json.qemu !== null;
    for (const g of GUESTS) {
      const line = stdout.split('\n').find((l) => l.startsWith(`${g} `));
      expect(line, `row for ${g}`).to.be.a('string');
      const cells = line!.trim().split(/\s+/);
      // guest, Minsn, QEMU Minsn, rec, raw, rec/raw%, QEMU, QEMU icount, rec/QEMU%, rec/QEMU-ic%, ...
      for (const c of [cells[1], ...cells.slice(3, 6)]) expect(Number.parseFloat(c), `${g}: ${line}`).to.be.greaterThan(0);
      if (qemu) for (const c of [cells[2], ...cells.slice(6, 10)]) expect(Number.parseFloat(c), `${g}: ${line}`).to.be.greaterThan(0);
      expect(cells[cells.length - 1], 'rvrr and QEMU print the same checksum').to.equal('same');
    }
  });

  it('prints reverse-stepi and seek latencies for every depth, and the reverse-continue speed', () => {
    for (const d of ['1e+5', '1e+6', '3e+6']) {
      const line = stdout.split('\n').find((l) => l.startsWith(`${d} `));
      expect(line, `row for history ${d}`).to.be.a('string');
      const cells = line!.trim().split(/\s+/);
      expect(cells).to.have.length(9);
      for (const c of cells.slice(1)) expect(Number.isFinite(Number.parseFloat(c)), line).to.equal(true);
    }
    expect(stdout).to.match(/reverse-continue: [\d.e+]+ instructions scanned back .* [\d.]+ M insn\/s, [\d.]+% of forward/);
    expect(stdout).to.match(/peak resident memory: [\d.]+ MiB/);
  });

  it('writes bench-results.json with numeric values in every row', () => {
    expect(json.quick).to.equal(true);
    expect(json.forward.map((r: { guest: string }) => r.guest)).to.deep.equal(GUESTS);
    for (const r of json.forward) {
      for (const k of ['instructions', 'rvrrRecordMips', 'rvrrNoRecordMips', 'recordOverRaw', 'snapshotCount', 'snapshotBytes', 'logBytesPerSecond']) {
        expect(isNum(r[k]), `${r.guest}.${k} = ${r[k]}`).to.equal(true);
      }
      expect(r.instructions).to.be.greaterThan(1e6);
      // Two identical passes plus a fixed part (start-up, .bss clearing, page tables).
      expect(r.instructionsPerPass).to.be.within(r.instructions / 4, r.instructions / 2);
      if (json.qemu !== null) expect(r.qemuInstructions).to.be.greaterThan(r.instructions);
      if (json.qemu !== null) {
        for (const k of ['qemuMips', 'qemuIcountMips', 'ratioVsQemu', 'ratioVsQemuIcount']) expect(isNum(r[k]), `${r.guest}.${k} = ${r[k]}`).to.equal(true);
      }
      for (const k of ['rvrrRecordMips', 'rvrrNoRecordMips', 'recordOverRaw']) expect(isNum(r.cpu[k]), `${r.guest}.cpu.${k}`).to.equal(true);
      if (json.qemu !== null) for (const k of ['qemuMips', 'qemuIcountMips']) expect(isNum(r.cpu[k]), `${r.guest}.cpu.${k}`).to.equal(true);
      expect(r.outputMatches, r.guest).to.equal(true);
      expect(r.jsOutputMatches, `${r.guest} (JS block compiler)`).to.equal(true);
    }
    const rv = json.reverse;
    expect(rv.depths.map((d: { depth: number }) => d.depth)).to.deep.equal([1e5, 1e6, 3e6]);
    for (const d of rv.depths) {
      expect(d.skipped, `depth ${d.depth}`).to.equal(undefined);
      for (const k of ['p50Ms', 'p99Ms', 'cpuP50Ms', 'cpuP99Ms']) {
        expect(isNum(d.reverseStep[k]) && isNum(d.seek[k]), `depth ${d.depth} ${k}`).to.equal(true);
      }
      expect(d.reverseStep.samples).to.equal(10);
    }
    for (const k of ['scanned', 'seconds', 'ips', 'ratioToForward', 'cpuIps', 'cpuRatioToForward']) expect(isNum(rv.reverseContinue[k]), k).to.equal(true);
    expect(rv.reverseContinue.hitIcount).to.be.lessThan(1e6);
    for (const k of ['recordMips', 'recordCpuMips', 'snapshotBytes', 'logBytes', 'logBytesPerSecond']) expect(isNum(rv[k]), k).to.equal(true);
    expect(json.memory.peakRssBytes).to.be.greaterThan(0);
  });

  it('prints the recording-file rows: without keyframes, default rule, dense; each reopened to the same end state', () => {
    for (const name of ['none', 'default', 'dense']) {
      const line = stdout.split('\n').find((l) => l.startsWith(`${name} `));
      expect(line, `recording row ${name}`).to.be.a('string');
      const cells = line!.trim().split(/\s+/);
      expect(cells[cells.length - 1], line).to.equal('same');
    }
    const r = json.recording;
    expect(r.instructions).to.equal(2e7);
    expect(r.variants.map((v: { name: string }) => v.name)).to.deep.equal(['none', 'default', 'dense']);
    for (const v of r.variants) {
      for (const k of ['openMs', 'openSeekEndMs', 'seekP50Ms', 'seekP99Ms', 'maxRssBytes']) expect(isNum(v.probe[k]), `${v.name}.${k} = ${v.probe[k]}`).to.equal(true);
      expect(v.probe.endHashMatches, v.name).to.equal(true);
      expect(v.probe.keyframesUsed, v.name).to.equal(v.keyframes);
    }
    expect(r.variants[0].keyframes).to.equal(0);
    expect(r.variants[1].keyframes).to.be.greaterThan(1);
    expect(r.variants[2].keyframes).to.be.at.least(r.variants[1].keyframes);
  });

  it('rejects an unknown option with a one-line message', () => {
    const r = spawnSync(process.execPath, [BENCH, '--bogus'], { encoding: 'utf8' });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/^bench: unknown option --bogus/);
  });
});

describe('npm run bench -- --no-forward: the xv6 recording rows', function () {
  this.timeout(600_000);
  const XV6 = fileURLToPath(new URL('../../../shared/guests/xv6-riscv/', import.meta.url));
  const present = existsSync(join(XV6, 'kernel')) && existsSync(join(XV6, 'fs.img'));
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'rvrr-bench-xv6-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const bench = (extra: string[]) => {
    const file = join(dir, 'results.json');
    const r = spawnSync(process.execPath, [BENCH, '--quick', '--no-forward', '--no-reverse', '--no-recording', '--no-history', '--no-qemu', '--json', file, ...extra], { encoding: 'utf8', timeout: 590_000 });
    if (r.status !== 0) throw new Error(`bench exited ${r.status}: ${r.stderr}`);
    return { stdout: r.stdout, json: JSON.parse(readFileSync(file, 'utf8')) };
  };

  it('without xv6 beside the clone, says the rows are skipped and why; --no-forward leaves the forward section out', () => {
    const { stdout, json } = bench(['--xv6-dir', join(dir, 'no-such-dir')]);
    expect(stdout).to.include('(forward speed not measured: --no-forward)');
    expect(stdout).to.not.match(/^int /m);
    expect(stdout).to.match(/^Recording files \(xv6\): skipped: .*no-such-dir\/kernel not found/m);
    expect(json.forward).to.deep.equal([]);
    expect(json.xv6.skipped).to.match(/not found/);
  });

  (present ? it : it.skip)('with xv6 (../shared/guests), records usertests and prints rows without and with keyframes, each reopened to the same end state', () => {
    const { stdout, json } = bench(['--xv6-insns', '6e8']);
    expect(stdout).to.match(/^Recording files \(xv6-riscv on 1 hart, usertests -q typed at the prompt/m);
    const section = stdout.slice(stdout.indexOf('Recording files (xv6'));
    for (const name of ['none', 'default']) {
      const line = section.split('\n').find((l) => l.startsWith(`${name} `));
      expect(line, `xv6 row ${name}`).to.be.a('string');
      const cells = line!.trim().split(/\s+/);
      expect(cells[cells.length - 1], line).to.equal('same');
    }
    const r = json.xv6;
    expect(r.instructions).to.equal(6e8);
    expect(r.promptIcount).to.be.within(1, 6e8);
    expect(r.variants.map((v: { name: string }) => v.name)).to.deep.equal(['none', 'default']);
    for (const v of r.variants) {
      for (const k of ['openMs', 'openSeekEndMs', 'seekP50Ms', 'seekP99Ms', 'maxRssBytes']) expect(isNum(v.probe[k]), `${v.name}.${k} = ${v.probe[k]}`).to.equal(true);
      expect(v.probe.endHashMatches, v.name).to.equal(true);
      expect(v.probe.keyframesUsed, v.name).to.equal(v.keyframes);
      expect(isNum(v.fileBytes) && isNum(v.keyframeShare), v.name).to.equal(true);
    }
    expect(r.variants[0].keyframes).to.equal(0);
    expect(r.variants[1].keyframes).to.be.greaterThan(1);
  });
});
