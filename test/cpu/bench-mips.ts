/**
 * Measures interpreter speed (MIPS) on a simple integer loop with a load and a store:
 *   node dist-test/cpu/bench-mips.js
 * (Not a mocha test: timing depends on the machine.)
 */
import { makeMachine, poke32, RAM_BASE } from './harness.js';

// li t0,0; lui t1,0x2000; loop: addi t0,t0,1; add t2,t2,t0; xor t3,t3,t2; sd t3,0(sp);
// ld t4,0(sp); slli t5,t4,3; bne t0,t1,loop; wfi
const LOOP = [0x00000293, 0x02000337, 0x00128293, 0x005383b3, 0x007e4e33, 0x01c13023, 0x00013e83,
  0x003e9f13, 0xfe6294e3, 0x10500073];

const m = makeMachine();
poke32(m, RAM_BASE, LOOP);
m.hart.setX(2, BigInt(RAM_BASE + 0x10000));
const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
let n = 0;
for (;;) {
  n += m.hart.run(1_000_000);
  if (m.hart.stopReason === 'wfi') break;
}
const s = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(c0).user / 1e6;
// CPU time excludes time the process waited for a core (the machine is shared).
console.log(`${n} instructions in ${s.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU: ` +
  `${(n / s / 1e6).toFixed(1)} MIPS wall, ${(n / cpu / 1e6).toFixed(1)} MIPS per CPU second`);
