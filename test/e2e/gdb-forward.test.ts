import { expect } from 'chai';
import { gdbBatch, haveGdb, startServer, type Server } from './harness.js';

const HELLO = 'samples/hello/hello.elf';

describe('gdb-multiarch forward debugging against rvrr serve', function () {
  this.timeout(180_000);
  let server: Server;

  before(function () {
    if (!haveGdb()) {
      // CI installs gdb-multiarch (.ci/run); only a bare developer machine lacks it.
      throw new Error('gdb-multiarch is not installed (apt-get install gdb-multiarch)');
    }
  });
  beforeEach(async () => {
    server = await startServer(['serve', '--kernel', HELLO, '--console', 'none']);
  });
  afterEach(async () => {
    await server.stop();
  });

  it('starts halted at the reset vector and prints how to attach', async () => {
    expect(server.stderr()).to.match(/^rvrr: gdb server listening on 127\.0\.0\.1:\d+$/m);
    expect(server.stderr()).to.match(/gdb-multiarch -ex 'target remote :\d+' samples\/hello\/hello\.elf/);
    const out = await gdbBatch(server.port, HELLO, ['p/x $pc', 'info registers priv']);
    expect(out).to.match(/0x0000000000001000 in \?\? \(\)/);
    expect(out).to.match(/^\$1 = 0x1000$/m);
    expect(out).to.match(/^priv\s+0x3\s+prv:3 \[Machine\]$/m);
  });

  it('break, bt, p argument/global/local, finish, next, x/i, stepi, nexti', async () => {
    const out = await gdbBatch(server.port, HELLO, [
      'break square', 'continue', 'bt', 'p n', 'finish', 'next', 'p sq', 'p total', 'x/4i $pc', 'stepi', 'nexti', 'info registers pc',
    ]);
    expect(out).to.match(/Breakpoint 1, square \(n=1\) at hello\/hello\.c:23/);
    expect(out).to.match(/#0  square \(n=1\) at hello\/hello\.c:23\n#1  0x[0-9a-f]+ in main \(\) at hello\/hello\.c:32/);
    expect(out).to.match(/^\$1 = 1$/m);
    expect(out).to.match(/Run till exit|Value returned is \$2 = 1/);
    expect(out).to.match(/^33\t        total \+= sq;$/m);
    expect(out).to.match(/^\$3 = 1$/m);
    expect(out).to.match(/^\$4 = 0$/m);
    expect(out).to.match(/=> 0x80000196 <main\+40>:\tauipc\ta5,0x0/);
    expect(out).to.match(/^0x000000008000019a\t33\t/m);
    expect(out).to.match(/^0x000000008000019e\t33\t/m);
    expect(out).to.match(/^pc\s+0x8000019e\s+0x8000019e <main\+48>$/m);
  });

  it('step into a call, until, advance, tbreak', async () => {
    const out = await gdbBatch(server.port, HELLO, [
      'break main', 'continue', 'next', 'next', 'step', 'bt 1', 'tbreak hello.c:40', 'continue', 'advance 45', 'until', 'info breakpoints',
    ]);
    expect(out).to.match(/square \(n=1\) at hello\/hello\.c:23/);
    expect(out).to.match(/Temporary breakpoint 2, main \(\) at hello\/hello\.c:40/);
    expect(out).to.match(/^main \(\) at hello\/hello\.c:45$/m);
    expect(out).to.match(/^46\t    uart_putu\(total\);$/m);
    expect(out).not.to.match(/^2\s+breakpoint/m); // the temporary breakpoint is gone
  });

  it('set var, watch (old and new values), rwatch, awatch', async () => {
    const out = await gdbBatch(server.port, HELLO, [
      'break main', 'continue', 'set var total = 100', 'p total',
      'watch total', 'continue', 'continue', 'delete',
      'rwatch total', 'continue', 'delete',
      'awatch total', 'continue', 'continue',
    ]);
    expect(out).to.match(/^\$1 = 100$/m);
    expect(out).to.match(/Hardware watchpoint 2: total\s+Old value = 100\s+New value = 101\s+main \(\) at hello\/hello\.c:34/);
    expect(out).to.match(/Old value = 101\s+New value = 105/);
    expect(out).to.match(/Hardware read watchpoint 3: total\s+Value = 105/);
    expect(out).to.match(/Hardware access \(read\/write\) watchpoint 4: total\s+Value = 105/);
  });

  it('an inferior call runs on the guest: the counters count its instructions, the rest comes back', async () => {
    // GDB's callfuncs.exp compares `info all-registers` around calls: the counters differ, on
    // QEMU too (mcycle/minstret; with -icount shift=0 square(7) also adds 12 to minstret).
    const out = await gdbBatch(server.port, HELLO, [
      'break main', 'continue', 'p $minstret', 'p $instret', 'p/x $pc', 'p/x $sp',
      'print square(7)', 'p $minstret', 'p $instret', 'p $cycle', 'p/x $pc', 'p/x $sp', 'monitor when',
    ]);
    expect(out).to.match(/^\$1 = 23\n\$2 = 23\n\$3 = 0x80000176\n\$4 = 0x[0-9a-f]+$/m);
    const sp = /^\$4 = (0x[0-9a-f]+)$/m.exec(out)![1];
    expect(out).to.match(/^\$5 = 49$/m);
    expect(out).to.contain(`$6 = 35\n$7 = 35\n$8 = 35\n$9 = 0x80000176\n$10 = ${sp}\n`);
    expect(out).to.match(/^icount 35, virtual time 0\.000000 s \(mtime 0\), hart 0$/m);
  });

  it('runs to poweroff: the inferior exits with its code', async () => {
    const out = await gdbBatch(server.port, HELLO, ['continue']);
    expect(out).to.match(/\[Inferior 1 \(Remote target\) exited normally\]/);
    expect(server.stdout()).to.equal('');
  });

  it('monitor info, help, phys; detach and reconnect', async () => {
    const out = await gdbBatch(server.port, HELLO, ['monitor help', 'monitor info', 'break square', 'continue', 'detach']);
    expect(out).to.match(/last-write ADDR \[LEN\]/);
    expect(out).to.match(/rvrr virt machine: 1 hart\(s\), RAM 128\.0 MiB/);
    expect(out).to.match(/0x10000000\s+uart/);
    expect(out).to.match(/^block compiler: (\d+ blocks compiled to (WebAssembly|JavaScript \(--jit=js\)) \(after 4000 executions\)|off \(--no-jit\), every instruction interpreted)$/m);
    const again = await gdbBatch(server.port, HELLO, ['p n', 'p/x $pc', 'monitor phys on', 'x/2xw 0x80000000']);
    expect(again).to.match(/^\$1 = 1$/m); // the machine kept its state across the detach
    expect(again).to.match(/memory accesses use physical addresses/);
    expect(again).to.match(/^0x80000000 <_start>:\s+0x[0-9a-f]{8}\s+0x[0-9a-f]{8}$/m);
  });
});
