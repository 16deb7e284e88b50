import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine } from '../../dist/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BUGHUNT = path.join(ROOT, 'samples/bughunt/bughunt.elf');
const EXPECTED = fs.readFileSync(path.join(ROOT, 'samples/bughunt/expected.txt'), 'utf8');
const END = 9653; // bughunt's instructions from power-on to power-off (as on QEMU)
const CULPRIT_PC = 0x80000210; // remember+54: sd a4,8(a5) storing into recent[4] == balance
const DEPOSIT_PC = 0x80000268; // deposit+78: sd a4,40(a5), the legitimate balance update

/** bughunt run to its end: the audit failed, status 3. */
async function finished(): Promise<{ m: Machine; balance: number }> {
  const m = Machine.fromFiles({ kernel: BUGHUNT });
  const s = await m.runUntilPoweroff();
  expect(s).to.include({ reason: 'poweroff', exitCode: 3, icount: END });
  return { m, balance: m.symbol('alice')! + 40 };
}

describe('api: Timeline on the bug hunt (reverse debugging from a script)', function () {
  this.timeout(60_000);

  it('lastWrite of alice.balance from the end finds the store in remember(), without moving', async () => {
    const { m, balance } = await finished();
    const w = await m.lastWrite(balance, 8);
    expect(w).to.not.equal(null);
    expect(w!.pc).to.equal(CULPRIT_PC);
    expect(w!.where).to.equal('remember+54');
    expect(w!.hart).to.equal(0);
    expect(m.icount).to.equal(END);
    expect(m.exitCode).to.equal(3);
    expect(m.console).to.equal(EXPECTED);
    // Standing on the culprit: not executed yet, the balance is still right.
    await m.seek(w!.icount);
    expect(m.pc).to.equal(CULPRIT_PC);
    expect(m.readI64(balance)).to.equal(600n);
    expect(m.reg('a5') + 8n).to.equal(BigInt(balance)); // &a->recent[4] == &a->balance
    await m.step();
    expect(m.readI64(balance)).to.equal(63n);
  });

  it('reverseContinue with a watchpoint stops on each write, newest first, memory as before it', async () => {
    const { m, balance } = await finished();
    m.watch(balance, 8, 'write');
    let s = await m.reverseContinue();
    expect(s).to.include({ reason: 'watchpoint', pc: CULPRIT_PC });
    expect(s.watch?.accessKind).to.equal('write');
    expect(m.readI64(balance)).to.equal(600n);
    expect(m.reg('a4')).to.equal(63n); // the amount about to be stored
    s = await m.reverseContinue();
    expect(s).to.include({ reason: 'watchpoint', pc: DEPOSIT_PC });
    expect(m.readI64(balance)).to.equal(537n);
    // Forward again from there: the watchpoint stops at the next write.
    s = await m.cont();
    expect(s).to.include({ reason: 'watchpoint', pc: CULPRIT_PC });
    expect(m.readI64(balance)).to.equal(600n);
  });

  it('reverseContinue with a breakpoint: the previous calls of deposit(), with their arguments', async () => {
    const { m } = await finished();
    m.breakpoints.add('deposit');
    const amounts: bigint[] = [];
    for (;;) {
      const s = await m.reverseContinue();
      if (s.reason !== 'breakpoint') {
        expect(s.reason).to.equal('replaylog-begin');
        expect(m.icount).to.equal(0);
        break;
      }
      expect(s.pc).to.equal(m.symbol('deposit'));
      amounts.push(m.reg('a1'));
    }
    expect(amounts).to.deep.equal([63n, 42n, 300n, 75n, 120n]);
  });

  it('reverseContinue accepts a predicate evaluated at each candidate', async () => {
    const { m } = await finished();
    m.breakpoints.add('deposit');
    const s = await m.timeline.reverseContinue({ predicate: () => m.reg('a1') === 300n });
    expect(s.reason).to.equal('breakpoint');
    expect(m.reg('a1')).to.equal(300n);
  });

  it('reverseStep walks back through the states seen going forward', async () => {
    const m = Machine.fromFiles({ kernel: BUGHUNT });
    await m.seek(3600);
    const forward: Record<string, bigint>[] = [];
    for (let i = 0; i < 30; i++) {
      forward.push(m.regs());
      await m.step();
    }
    for (let i = 29; i >= 0; i--) {
      const s = await m.reverseStep();
      expect(s.reason).to.equal('step');
      expect(m.icount).to.equal(3600 + i);
      expect(m.regs()).to.deep.equal(forward[i]);
    }
    await m.seek(1);
    await m.reverseStep();
    expect((await m.reverseStep()).reason).to.equal('replaylog-begin');
  });

  it('seek moves anywhere; the console shows what was printed before the position', async () => {
    const { m, balance } = await finished();
    await m.seek(0);
    expect(m.pc).to.equal(0x1000);
    expect(m.console).to.equal('');
    expect(m.exitCode).to.equal(undefined);
    const first = await m.lastWrite(balance, 8);
    expect(first).to.equal(null); // nothing wrote it before power-on
    await m.seek(822); // the first deposit's balance update
    expect(m.console).to.equal('bughunt: a tiny bank\n');
    expect(m.readI64(balance)).to.equal(0n);
    await m.seek(END);
    expect(m.console).to.equal(EXPECTED);
    expect(m.exitCode).to.equal(3);
    expect(m.when()).to.deep.include({ icount: END, hart: 0 });
    expect(m.when().virtualNs).to.be.at.least(END);
  });

  it('history() lists every write with the values before and after', async () => {
    const { m, balance } = await finished();
    const rows: string[] = [];
    const i64 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, 8).getBigInt64(0, true);
    for await (const w of m.timeline.history(balance, 8)) rows.push(`${w.where} ${i64(w.before)}->${i64(w.after)}`);
    expect(rows).to.deep.equal([
      'remember+54 600->63',
      'deposit+78 537->600',
      'deposit+78 495->537',
      'deposit+78 195->495',
      'deposit+78 120->195',
      'deposit+78 0->120',
    ]);
    expect(m.icount).to.equal(822); // left at the oldest write
  });

  it('checkpoints: name a position, go elsewhere, restart there', async () => {
    const { m, balance } = await finished();
    const w = (await m.lastWrite(balance, 8))!;
    await m.seek(w.icount);
    expect(m.checkpoint('culprit')).to.deep.equal({ name: 'culprit', icount: w.icount });
    await m.seek(10);
    const s = await m.restart('culprit');
    expect(s).to.include({ icount: w.icount, pc: CULPRIT_PC });
    expect(m.timeline.checkpoints()).to.deep.include({ name: 'culprit', icount: w.icount });
    await m.restart('culprit');
    let err: unknown;
    try {
      await m.restart('nope');
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/no checkpoint named nope/);
  });

  it('changing the past: fix the corrupting store, the audit passes and the console follows', async () => {
    const { m, balance } = await finished();
    const w = (await m.lastWrite(balance, 8))!;
    await m.seek(w.icount);
    m.setReg('a4', 600); // make remember()'s stray store write the correct balance
    expect(m.timeline.end).to.equal(w.icount); // the old future is gone
    expect(m.console).to.equal('bughunt: a tiny bank\n  deposited 120\n  deposited 75\n  deposited 300\n  deposited 42\n');
    const s = await m.runUntilPoweroff();
    expect(s.exitCode).to.equal(0);
    expect(m.console).to.equal(EXPECTED.replace(/corrupted!.*\n/, 'audit passed\n'));
  });

  it('saves a recording and replays it from a file, with reverse execution', async () => {
    const { m, balance } = await finished();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rvrr-api-')), 'bughunt.rvrr');
    await m.saveRecording(file);
    const r = await Machine.fromRecording(file);
    expect(r.timeline.live).to.equal(false);
    expect(r.timeline.end).to.equal(END);
    const s = await r.runUntilPoweroff();
    expect(s.exitCode).to.equal(3);
    expect(r.console).to.equal(EXPECTED);
    expect((await r.lastWrite(balance, 8))?.pc).to.equal(CULPRIT_PC);
  });
});
