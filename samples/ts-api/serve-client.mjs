// serve-client.mjs - drive `rvrr serve` from a script with the typed GDB remote client.
//
// Starts `rvrr serve` on the hello sample (on a free port), connects an RspClient, stops at
// square() three times going forward, once going backwards, then lets the program finish.
// RspClient speaks the plain GDB remote protocol: it drives QEMU's gdbstub the same way
// (without the reverse parts).
//
// Run it after `npm run build`:  node samples/ts-api/serve-client.mjs
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RspClient, SymbolTable } from '../../dist/index.js';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const elf = fileURLToPath(new URL('../hello/hello.elf', import.meta.url));
const A0 = 10; // gdb's riscv register numbers: x0..x31 are 0..31, pc is 32

// The server prints "rvrr: gdb server listening on HOST:PORT" on stderr; the guest's
// console goes to its stdout.
const server = spawn(process.execPath, [cli, 'serve', '--kernel', elf, '--port', '0', '--console', 'none'], {
  stdio: ['ignore', 'ignore', 'pipe'],
});
const port = await new Promise((resolve, reject) => {
  let err = '';
  server.stderr.on('data', (d) => {
    err += d;
    const m = /listening on [^\s:]+:(\d+)/.exec(err);
    if (m) resolve(Number(m[1]));
  });
  server.on('exit', (code) => reject(new Error(`rvrr serve exited (${code}): ${err}`)));
});

const square = SymbolTable.fromElf(readFileSync(elf)).get('square').address;
const gdb = await RspClient.connect(port);
try {
  await gdb.handshake();
  console.log(`connected to rvrr on port ${port}; stopped at pc 0x${(await gdb.readRegister(32)).toString(16)}`);
  // Where the server stands in history ("icount N, virtual time ..."), from its monitor.
  const icount = async () => /icount (\d+)/.exec(await gdb.monitor('when'))[1];
  const where = async (what, stop) =>
    console.log(`${what}: ${stop.reason} stop in square(n=${await gdb.readRegister(A0)}) at icount ${await icount()}`);

  await gdb.insertBreakpoint(0, square, 2);
  await where('continue', await gdb.cont());
  for (let i = 0; i < 2; i++) {
    // As gdb does: lift the breakpoint under the pc, step over it, put it back, continue.
    await gdb.removeBreakpoint(0, square, 2);
    await gdb.step();
    await gdb.insertBreakpoint(0, square, 2);
    await where('continue', await gdb.cont());
  }
  // Backwards: the breakpoint at the current pc does not count when starting.
  await where('reverse-continue', await gdb.reverseContinue());
  await gdb.removeBreakpoint(0, square, 2);
  const end = await gdb.cont();
  console.log(end.kind === 'exited' ? `continue: the program exited with status ${end.code}` : `continue: stopped (${end.raw})`);
} finally {
  gdb.close();
  server.kill();
}
