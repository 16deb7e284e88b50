/**
 * Memory as a kernel developer reads it in gdb-multiarch: through the stopped hart's page
 * tables whatever SUM, MXR and the U bit say (test/guests/kdebug.S: an S-mode kernel with SUM
 * clear, a U-mode program, a kernel variable at an upper-half alias mapped for S only), in
 * both directions of a watchpoint, from M mode, and physically with `monitor phys on`.
 */
import { expect } from 'chai';
import { gdbBatch, useServers } from './harness.js';

const ELF = 'test/guests/kdebug.elf';
/** The user page's VAs (upage at 0x40000000): its ecall, uvar and its string. */
const U_ECALL = '0x4000001a', UVAR = '0x40000020';

describe('gdb-multiarch: kernel and user memory from any stop', function () {
  this.timeout(120_000);
  const serve = useServers();

  it('reads and writes user memory from a system call with SUM clear, kernel memory from U and M mode', async () => {
    const server = await serve(['serve', '--kernel', ELF, '--console', 'none']);
    const out = await gdbBatch(server.port, ELF, [
      'break s_syscall', 'continue',
      'p/x $sstatus & 0x40000', // SUM is clear: the kernel itself could not load from a0
      'x/s $a0', 'p *(long *)$a1', 'set var *(long *)$a1 = 5000', `p *(long *)${UVAR}`,
      'delete', `break *${U_ECALL}`, 'continue',
      'p $priv', `p *(long *)${UVAR}`, 'p *(long *)&kvar_alias',
      'delete', 'break m_trap', 'continue',
      'p $priv', 'x/gd 0xffffffc000002000', 'x/gd 0x80002000',
      'monitor phys on', 'x/gd 0x80002000', 'x/gd 0xffffffc000002000', 'monitor phys off',
      'x/gd 0xffffffc000002000',
    ], 90_000, true, { separateCommands: true });
    expect(out).to.match(/^\$1 = 0x0$/m);
    expect(out).to.match(/^0x40000028:\t"hello from U"$/m);
    expect(out).to.match(/^\$2 = 1001$/m);
    expect(out).to.match(/^\$3 = 5000$/m);
    // Stopped in U mode: the user saw the debugger's write; the S-only alias is readable.
    expect(out).to.match(/^\$4 = 0$/m);
    expect(out).to.match(/^\$5 = 5001$/m);
    expect(out).to.match(/^\$6 = 1$/m);
    // Stopped in the firmware (M): upper-half addresses through satp, low ones physical.
    expect(out).to.match(/^\$7 = 3$/m);
    expect(out.match(/^0xffffffc000002000:\t2$/gm)).to.have.length(2);
    expect(out.match(/^0x80002000:\t2$/gm)).to.have.length(2);
    // Physically, the alias is no address at all.
    expect(out).to.match(/Cannot access memory at address 0xffffffc000002000/);
    expect(out).to.not.match(/Cannot access memory at address 0x4/);
  });

  it('a watchpoint on a kernel-only variable set from U mode shows old and new values both ways', async () => {
    const server = await serve(['serve', '--kernel', ELF, '--console', 'none']);
    const out = await gdbBatch(server.port, ELF, [
      `break *${U_ECALL}`, 'continue', 'continue', // round 2, in U mode: kvar is 1
      'watch *(long *)&kvar_alias', 'delete 1',
      'continue', 'x/i $pc', 'reverse-continue', 'x/i $pc', 'continue', 'continue',
    ]);
    expect(out).to.not.match(/unreadable|Cannot access/);
    const stops = [...out.matchAll(/Hardware watchpoint 2: \*\(long \*\)&kvar_alias\n\nOld value = (\d+)\nNew value = (\d+)\n/g)].map((m) => `${m[1]}->${m[2]}`);
    expect(stops).to.deep.equal(['1->2', '2->1', '1->2', '2->3']);
    expect(out).to.match(/=> 0x80000142 <s_kvar_store\+4>:\tecall/);
    expect(out).to.match(/=> 0x8000013e <s_kvar_store>:\tsd\tt2,0\(t1\)/);
  });
});
