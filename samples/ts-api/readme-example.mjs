// The scripting example of README.md ("Scripting"), run from the repository root:
//   npm run build && node samples/ts-api/readme-example.mjs
import { Machine } from 'rvrr';

const m = Machine.fromFiles({ kernel: 'samples/bughunt/bughunt.elf' });
m.breakpoints.add('report_corruption');
const stop = await m.cont();                        // forward to the failure
console.log(stop.reason, 'at', m.describe(m.pc), 'balance =', m.reg('a0'));

const balance = m.symbol('alice') + 40;             // &alice.balance
const w = await m.lastWrite(balance, 8);            // who wrote it last?
console.log('last write: icount', w.icount, 'pc', m.describe(w.pc));

await m.seek(w.icount);                             // stand on that store, not executed yet
console.log('before it:', m.readI64(balance), 'storing a4 =', m.reg('a4'));

m.watch(balance, 8);                                // a write watchpoint
await m.reverseContinue();                          // back to the write before
console.log('previous write:', m.describe(m.pc), 'balance', m.readI64(balance));
await m.step();
console.log('after it:', m.readI64(balance));

const end = await m.runUntilPoweroff();             // breakpoints ignored
console.log(m.console.trimEnd().split('\n').at(-1), '| exit code', end.exitCode);
