/**
 * gdb's breakpoints and watchpoints while the guest has its own debug triggers armed
 * (test/guests/sdtrig.S): gdb's are the stub's, kept apart from the guest's tselect/tdata
 * triggers. gdb must stop where it asked, before the guest's trigger at the same place fires;
 * resumed, the guest's trigger fires as without gdb (the guest program checks it and exits 0),
 * and stepping back over the trap and forward again fires it again (deterministic replay).
 *
 * (QEMU 7.2's gdbstub is no reference here: with a gdb breakpoint on a guest trigger's pc it
 * loses the guest, and with a guest load trigger armed it reports gdb's read watchpoint at the
 * wrong iteration.)
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseElf } from '../../dist/machine/elf.js';
import { gdbBatch, ROOT, useServers } from './harness.js';

const ELF = 'test/guests/sdtrig.elf';
const symbols = parseElf(new Uint8Array(readFileSync(path.join(ROOT, ELF)))).symbols;
/** A symbol's address as gdb prints it with %lx. */
const at = (name: string): string => symbols.find((x) => x.name === name)!.value.toString(16);
const MARK = at('sum_mark'), TRAP = at('m_trap'), LD = at('sum_ld');
const pad = (hex: string): string => hex.padStart(16, '0');

describe('gdb-multiarch with guest debug triggers armed (sdtrig.elf)', function () {
  this.timeout(180_000);
  const serve = useServers();

  it('a gdb breakpoint on the pc of a guest execute trigger stops first; continue, reverse-stepi/stepi and reverse-continue/continue see the guest trap', async () => {
    const server = await serve(['serve', '--kernel', ELF, '--console', 'none']);
    const out = await gdbBatch(server.port, ELF, [
      'break *armed_exec', 'continue', 'p/x $tdata2', 'p/x $tdata1',
      'break *sum_mark', 'continue', 'printf "at mark: t0 %d\\n", $t0',
      'break *m_trap', 'continue', 'printf "trap: mcause %d mepc %lx mtval %d\\n", $mcause, $mepc, $mtval',
      'reverse-stepi', 'printf "back: pc %lx t0 %d\\n", $pc, $t0',
      'stepi', 'printf "again: pc %lx mcause %d\\n", $pc, $mcause',
      'reverse-continue', 'printf "rc: pc %lx t0 %d\\n", $pc, $t0',
      'continue', 'printf "fwd: pc %lx mcause %d mepc %lx\\n", $pc, $mcause, $mepc',
      'delete', 'continue',
    ]);
    // The trigger is armed at sum_mark, type 2, M + execute.
    expect(out).to.match(new RegExp(`Breakpoint 1, 0x[0-9a-f]+ in armed_exec \\(\\)\n\\$1 = 0x${MARK}\n\\$2 = 0x2000000000000044`));
    // gdb's breakpoint there reports first, on the iteration the guest's trigger waits for.
    expect(out).to.match(new RegExp(`Breakpoint 2, 0x${pad(MARK)} in sum_mark \\(\\)\nat mark: t0 100\n`));
    // Continued, the guest's trigger fires there: a breakpoint exception (QEMU 7.2: mtval 0).
    expect(out).to.match(new RegExp(`Breakpoint 3, 0x${pad(TRAP)} in m_trap \\(\\)\ntrap: mcause 3 mepc ${MARK} mtval 0\n`));
    // One step back is the trigger's pc before the trap; forward again, the same trap.
    expect(out).to.include(`back: pc ${MARK} t0 100\n`);
    expect(out).to.include(`again: pc ${TRAP} mcause 3\n`);
    // reverse-continue goes back to gdb's breakpoint just before the trap; forward from there
    // the guest's trigger fires again.
    expect(out).to.include(`rc: pc ${MARK} t0 100\n`);
    expect(out).to.include(`fwd: pc ${TRAP} mcause 3 mepc ${MARK}\n`);
    // The guest checked every trigger it armed (its check numbers would be the exit code).
    expect(out).to.match(/\[Inferior 1 \(Remote target\) exited normally\]/);
  });

  it('a gdb read watchpoint on the word a guest load trigger covers reports its access; the guest trap follows', async () => {
    const server = await serve(['serve', '--kernel', ELF, '--console', 'none']);
    const out = await gdbBatch(server.port, ELF, [
      'break *armed_load', 'continue', 'delete', 'p/x $tdata1',
      'rwatch *(long *)((char *)&arr + 56)', 'continue', 'printf "after: t0 %d pc %lx mcause %d mepc %lx\\n", $t0, $pc, $mcause, $mepc',
      'delete', 'continue',
    ]);
    expect(out).to.match(/\$1 = 0x2000000000000041/); // M + load, at arr[7]
    // gdb reports the read of arr[7] (iteration 7); the access it then steps over is the
    // guest's trigger too, so the step ends in the guest's trap handler.
    expect(out).to.include(`Hardware read watchpoint 2: *(long *)((char *)&arr + 56)\n\nValue = 7\n0x${pad(TRAP)} in m_trap ()\n` +
      `after: t0 7 pc ${TRAP} mcause 3 mepc ${LD}\n`);
    expect(out).to.match(/\[Inferior 1 \(Remote target\) exited normally\]/);
  });
});
