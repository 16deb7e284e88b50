import { expect } from 'chai';
import { GoldfishRtc } from '../../dist/devices/goldfish-rtc.js';
import { SifiveTest, TestAction } from '../../dist/devices/sifive-test.js';
import { VirtualClock } from '../../dist/replay/clock.js';

const TIME_LOW = 0, TIME_HIGH = 4, ALARM_LOW = 8, ALARM_HIGH = 0xc, IRQ_ENABLED = 0x10;
const CLEAR_ALARM = 0x14, ALARM_STATUS = 0x18, CLEAR_INTERRUPT = 0x1c;
const EPOCH = 1_700_000_000_000_000_000n; // ns, beyond 2^53

function readTime(rtc: GoldfishRtc): bigint {
  const lo = rtc.read(TIME_LOW, 4);
  const hi = rtc.read(TIME_HIGH, 4);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function setup() {
  const clock = new VirtualClock();
  const irq = { level: false, set(l: boolean) { this.level = l; } };
  const rtc = new GoldfishRtc(clock, irq, EPOCH);
  return { clock, irq, rtc };
}

describe('goldfish RTC', () => {
  it('counts virtual nanoseconds from the epoch, exactly, TIME_LOW latching TIME_HIGH', () => {
    const { clock, rtc } = setup();
    expect(readTime(rtc)).to.equal(EPOCH);
    clock.icount = 123_456_789;
    expect(readTime(rtc)).to.equal(EPOCH + 123_456_789n);
    clock.warpNs = 1000;
    expect(readTime(rtc)).to.equal(EPOCH + 123_457_789n);
  });

  it('guest writes of TIME_HIGH/TIME_LOW set the time, which then runs on', () => {
    const { clock, rtc } = setup();
    clock.icount = 500;
    rtc.write(TIME_HIGH, 4, 0x10);
    rtc.write(TIME_LOW, 4, 0x20);
    expect(readTime(rtc)).to.equal((0x10n << 32n) | 0x20n);
    clock.icount = 600;
    expect(readTime(rtc)).to.equal(((0x10n << 32n) | 0x20n) + 100n);
  });

  it('alarm: armed by ALARM_LOW, fires at update() when due, interrupt gated by IRQ_ENABLED', () => {
    const { clock, irq, rtc } = setup();
    const at = EPOCH + 5000n;
    rtc.write(ALARM_HIGH, 4, Number(at >> 32n));
    rtc.write(ALARM_LOW, 4, Number(at & 0xffffffffn));
    expect(rtc.read(ALARM_STATUS, 4)).to.equal(1);
    expect(rtc.read(ALARM_HIGH, 4)).to.equal(Number(at >> 32n));
    expect(rtc.nextDeadlineNs()).to.equal(5000);
    rtc.write(IRQ_ENABLED, 4, 1);
    clock.icount = 4999;
    rtc.update();
    expect(irq.level).to.equal(false);
    clock.icount = 5000;
    rtc.update();
    expect(irq.level).to.equal(true);
    expect(rtc.read(ALARM_STATUS, 4)).to.equal(0);
    expect(rtc.nextDeadlineNs()).to.equal(Infinity);
    rtc.write(CLEAR_INTERRUPT, 4, 1);
    expect(irq.level).to.equal(false);
  });

  it('an alarm already due interrupts at once; CLEAR_ALARM disarms; pending survives enable toggling', () => {
    const { clock, irq, rtc } = setup();
    clock.icount = 100;
    rtc.write(ALARM_HIGH, 4, 0);
    rtc.write(ALARM_LOW, 4, 1);
    expect(rtc.read(ALARM_STATUS, 4)).to.equal(0);
    expect(irq.level).to.equal(false);
    rtc.write(IRQ_ENABLED, 4, 1);
    expect(irq.level).to.equal(true);
    expect(rtc.read(IRQ_ENABLED, 4)).to.equal(1);
    rtc.write(IRQ_ENABLED, 4, 0);
    expect(irq.level).to.equal(false);
    rtc.write(CLEAR_INTERRUPT, 4, 0);
    rtc.write(IRQ_ENABLED, 4, 1);
    expect(irq.level).to.equal(false);
    const at = EPOCH + 10_000n;
    rtc.write(ALARM_HIGH, 4, Number(at >> 32n));
    rtc.write(ALARM_LOW, 4, Number(at & 0xffffffffn));
    rtc.write(CLEAR_ALARM, 4, 1);
    clock.icount = 20_000;
    rtc.update();
    expect(irq.level).to.equal(false);
    expect(rtc.read(0x800, 4)).to.equal(0);
  });

  it('tells the board when the alarm or the time changes', () => {
    const { rtc } = setup();
    let calls = 0;
    rtc.onDeadlineChange = () => calls++;
    rtc.write(ALARM_HIGH, 4, 0x7fffffff);
    rtc.write(ALARM_LOW, 4, 0);
    rtc.write(IRQ_ENABLED, 4, 1);
    rtc.write(CLEAR_ALARM, 4, 1);
    rtc.write(TIME_LOW, 4, 5);
    expect(calls).to.equal(3);
  });

  it('saveState/loadState reproduces a running alarm', () => {
    const a = setup();
    a.rtc.write(IRQ_ENABLED, 4, 1);
    const at = EPOCH + 777n;
    a.rtc.write(ALARM_HIGH, 4, Number(at >> 32n));
    a.rtc.write(ALARM_LOW, 4, Number(at & 0xffffffffn));
    const s = structuredClone(a.rtc.saveState());
    const b = setup();
    b.rtc.loadState(s);
    expect(b.rtc.nextDeadlineNs()).to.equal(777);
    b.clock.icount = 777;
    b.rtc.update();
    expect(b.irq.level).to.equal(true);
  });
});

describe('sifive_test', () => {
  it('reports poweroff, reset and fail with its code; ignores other values and offsets', () => {
    const acts: TestAction[] = [];
    const t = new SifiveTest((a) => acts.push(a));
    t.write(0, 4, 0x5555);
    t.write(0, 4, 0x7777);
    t.write(0, 4, (42 << 16) | 0x3333);
    t.write(0, 4, 0x1234);
    t.write(4, 4, 0x5555);
    expect(acts).to.deep.equal([
      { kind: 'poweroff', code: 0 },
      { kind: 'reset', code: 0 },
      { kind: 'fail', code: 42 },
    ]);
    expect(t.read(0, 4)).to.equal(0);
  });
});
