import { expect } from 'chai';
import { parseRequest, type Request } from '../../dist/gdb/request.js';

const p = (s: string | Buffer): Request => parseRequest(typeof s === 'string' ? Buffer.from(s, 'latin1') : s);

describe('gdb request parsing', () => {
  it('parses the simple packets', () => {
    expect(p('?')).to.deep.equal({ kind: 'haltReason' });
    expect(p('g')).to.deep.equal({ kind: 'readRegisters' });
    expect(p('bs')).to.deep.equal({ kind: 'reverseStep' });
    expect(p('bc')).to.deep.equal({ kind: 'reverseContinue' });
    expect(p('D')).to.deep.equal({ kind: 'detach' });
    expect(p('D;1')).to.deep.equal({ kind: 'detach' });
    expect(p('k')).to.deep.equal({ kind: 'kill' });
    expect(p('vKill;1')).to.deep.equal({ kind: 'vKill' });
    expect(p('vCont?')).to.deep.equal({ kind: 'vContQuery' });
    expect(p('QStartNoAckMode')).to.deep.equal({ kind: 'startNoAckMode' });
    expect(p('qAttached')).to.deep.equal({ kind: 'attached' });
    expect(p('qAttached:1')).to.deep.equal({ kind: 'attached' });
    expect(p('qC')).to.deep.equal({ kind: 'currentThread' });
    expect(p('qfThreadInfo')).to.deep.equal({ kind: 'threadInfoFirst' });
    expect(p('qsThreadInfo')).to.deep.equal({ kind: 'threadInfoNext' });
    expect(p('qOffsets')).to.deep.equal({ kind: 'offsets' });
    expect(p('qSymbol::')).to.deep.equal({ kind: 'symbol' });
  });

  it('parses registers: G, p, P', () => {
    const g = p('G' + '11'.repeat(8) + '22'.repeat(8));
    expect(g.kind).to.equal('writeRegisters');
    expect((g as { data: Buffer }).data.length).to.equal(16);
    expect(p('p20')).to.deep.equal({ kind: 'readRegister', regno: 32 });
    expect(p('p1041')).to.deep.equal({ kind: 'readRegister', regno: 4161 });
    const w = p('Pa=0100000000000000');
    expect(w).to.deep.include({ kind: 'writeRegister', regno: 10 });
    expect([...(w as { data: Buffer }).data]).to.deep.equal([1, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('converts 64-bit addresses to the signed convention exactly', () => {
    expect(p('m80000000,4')).to.deep.equal({ kind: 'readMemory', addr: 0x80000000, len: 4 });
    expect(p('mffffffc000000000,8')).to.deep.equal({ kind: 'readMemory', addr: -0x4000000000, len: 8 });
    expect(p('mffffffffffffffff,1')).to.deep.equal({ kind: 'readMemory', addr: -1, len: 1 });
    expect(p('m0,1')).to.deep.equal({ kind: 'readMemory', addr: 0, len: 1 });
    // Not representable exactly in a double: rejected, never rounded.
    expect(p('m123456789abcdef1,1').kind).to.equal('malformed');
    expect(p('m10000000000000000,1').kind).to.equal('malformed');
  });

  it('parses M (hex) and X (binary) memory writes', () => {
    const m = p('Mffffffc000001000,2:abcd');
    expect(m).to.deep.include({ kind: 'writeMemory', addr: -0x4000000000 + 0x1000, binary: false });
    expect([...(m as { data: Buffer }).data]).to.deep.equal([0xab, 0xcd]);
    const x = p(Buffer.concat([Buffer.from('X80000000,3:'), Buffer.from([0x3a, 0x00, 0x23])]));
    expect(x).to.deep.include({ kind: 'writeMemory', addr: 0x80000000, binary: true });
    expect([...(x as { data: Buffer }).data]).to.deep.equal([0x3a, 0x00, 0x23]);
    expect(p('X80000000,0:')).to.deep.include({ kind: 'writeMemory', binary: true });
    expect(p('M80000000,2:ab').kind).to.equal('malformed');
    expect(p('X80000000,2:a').kind).to.equal('malformed');
  });

  it('parses Z/z breakpoints and watchpoints, ignoring conditions', () => {
    expect(p('Z0,80000010,4')).to.deep.equal({ kind: 'insertBreakpoint', type: 0, addr: 0x80000010, size: 4 });
    expect(p('z1,ffffffc000000002,2')).to.deep.equal({ kind: 'removeBreakpoint', type: 1, addr: -0x4000000000 + 2, size: 2 });
    expect(p('Z2,80001000,1000')).to.deep.equal({ kind: 'insertBreakpoint', type: 2, addr: 0x80001000, size: 0x1000 });
    expect(p('Z0,80000010,4;X3,220102')).to.deep.equal({ kind: 'insertBreakpoint', type: 0, addr: 0x80000010, size: 4 });
    expect(p('Z5,0,4').kind).to.equal('malformed');
    expect(p('Z0,zz,4').kind).to.equal('malformed');
  });

  it('parses c/s/C/S with optional address and signal', () => {
    expect(p('c')).to.deep.equal({ kind: 'continue' });
    expect(p('c80000000')).to.deep.equal({ kind: 'continue', addr: 0x80000000 });
    expect(p('s')).to.deep.equal({ kind: 'step' });
    expect(p('C05')).to.deep.equal({ kind: 'continue', signal: 5 });
    expect(p('S02;80000004')).to.deep.equal({ kind: 'step', signal: 2, addr: 0x80000004 });
    expect(p('C5').kind).to.equal('malformed');
  });

  it('parses vCont actions with thread ids', () => {
    expect(p('vCont;c')).to.deep.equal({ kind: 'vCont', actions: [{ op: 'continue' }] });
    expect(p('vCont;s:2;c')).to.deep.equal({ kind: 'vCont', actions: [{ op: 'step', thread: 2 }, { op: 'continue' }] });
    expect(p('vCont;C05:1;c:-1')).to.deep.equal({
      kind: 'vCont',
      actions: [{ op: 'continue', signal: 5, thread: 1 }, { op: 'continue', thread: -1 }],
    });
    expect(p('vCont;r80000000,80000010:1')).to.deep.equal({
      kind: 'vCont',
      actions: [{ op: 'rangeStep', start: 0x80000000, end: 0x80000010, thread: 1 }],
    });
    expect(p('vCont;S02:p1.3')).to.deep.equal({ kind: 'vCont', actions: [{ op: 'step', signal: 2, thread: 3 }] });
    expect(p('vCont;t:1')).to.deep.equal({ kind: 'vCont', actions: [{ op: 'stop', thread: 1 }] });
    expect(p('vCont;x').kind).to.equal('malformed');
    expect(p('vCont;r1:1').kind).to.equal('malformed');
    expect(p('vCont').kind).to.equal('malformed');
  });

  it('parses H and T thread packets', () => {
    expect(p('Hg0')).to.deep.equal({ kind: 'setThread', op: 'g', thread: 0 });
    expect(p('Hc-1')).to.deep.equal({ kind: 'setThread', op: 'c', thread: -1 });
    expect(p('Hg2')).to.deep.equal({ kind: 'setThread', op: 'g', thread: 2 });
    expect(p('Hgp1.a')).to.deep.equal({ kind: 'setThread', op: 'g', thread: 10 });
    expect(p('T1')).to.deep.equal({ kind: 'threadAlive', thread: 1 });
    expect(p('Hgzz').kind).to.equal('malformed');
    expect(p('Hx1').kind).to.equal('unknown');
  });

  it('parses queries: qSupported, qXfer, qRcmd, qThreadExtraInfo', () => {
    expect(p('qSupported:multiprocess+;swbreak+;xmlRegisters=i386')).to.deep.equal({
      kind: 'supported',
      features: ['multiprocess+', 'swbreak+', 'xmlRegisters=i386'],
    });
    expect(p('qXfer:features:read:target.xml:0,ffb')).to.deep.equal({
      kind: 'qXfer',
      object: 'features',
      annex: 'target.xml',
      offset: 0,
      length: 0xffb,
    });
    expect(p('qXfer:threads:read::1f,100')).to.deep.equal({ kind: 'qXfer', object: 'threads', annex: '', offset: 0x1f, length: 0x100 });
    expect(p('qXfer:features:read:target.xml:0').kind).to.equal('malformed');
    expect(p('qXfer:features:write:x:0:aa').kind).to.equal('unknown');
    expect(p('qRcmd,' + Buffer.from('phys on').toString('hex'))).to.deep.equal({ kind: 'monitor', command: 'phys on' });
    expect(p('qRcmd,6').kind).to.equal('malformed');
    expect(p('qThreadExtraInfo,2')).to.deep.equal({ kind: 'threadExtraInfo', thread: 2 });
  });

  it('classifies unknown and empty packets as unknown, never throwing', () => {
    for (const s of ['vMustReplyEmpty', 'QThreadEvents:1', 'qTStatus', '!', 'Q', '', 'vFile:open:', 'bz']) {
      expect(p(s).kind, s).to.equal('unknown');
    }
    for (const s of ['p', 'pzz', 'P1', 'm', 'm1', 'm,', 'M1,1', 'X1,1', 'Z', 'Gxyz', 'G1', 'g1', 'S', 'T']) {
      expect(p(s).kind, s).to.equal('malformed');
    }
  });
});
