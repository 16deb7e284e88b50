import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import * as net from 'node:net';
import { RspClient } from '../../dist/gdb/client.js';
import { CLI, ROOT, runCli, startServer } from './harness.js';

const read = (p: string) => fs.readFileSync(path.join(ROOT, p), 'utf8');

describe('rvrr run (as a user runs it)', function () {
  this.timeout(120_000);

  it('runs the bare-metal hello sample: console output and exit code 0', () => {
    const r = runCli(['run', '--kernel', 'samples/hello/hello.elf']);
    expect(r.stderr).to.equal('');
    expect(r.stdout).to.equal(read('samples/hello/expected.txt'));
    expect(r.code).to.equal(0);
  });

  it("exits with the guest's failure code (0x3333 | code << 16)", () => {
    const r = runCli(['run', '--kernel', 'samples/bughunt/bughunt.elf']);
    expect(r.stdout).to.equal(read('samples/bughunt/expected.txt'));
    expect(r.code).to.equal(3);
  });

  it('runs the sample kernel: two user processes, timer interrupts, output as on QEMU', () => {
    const r = runCli(['run', '--kernel', 'samples/kernel/kernel.elf']);
    expect(r.stdout).to.equal(read('samples/kernel/expected-nodisk.txt'));
    expect(r.code).to.equal(0);
  });

  it('runs the sample kernel with its virtio-blk disk: output as on QEMU, the image left as it was', () => {
    const img = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rvrr-disk-')), 'disk.img');
    fs.copyFileSync(path.join(ROOT, 'samples/kernel/disk.img'), img);
    const r = runCli(['run', '--kernel', 'samples/kernel/kernel.elf', '--drive', img]);
    expect(r.stdout).to.equal(read('samples/kernel/expected.txt'));
    expect(r.code).to.equal(0);
    expect(fs.readFileSync(img).equals(fs.readFileSync(path.join(ROOT, 'samples/kernel/disk.img')))).to.equal(true);
  });

  it('--no-jit (every instruction interpreted) runs the sample kernel with its disk to the same output', () => {
    const r = runCli(['run', '--no-jit', '--kernel', 'samples/kernel/kernel.elf', '--drive', 'samples/kernel/disk.img']);
    expect(r.stdout).to.equal(read('samples/kernel/expected.txt'));
    expect(r.code).to.equal(0);
  });

  it('--console-log keeps a copy of the console output', () => {
    const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rvrr-log-')), 'console.log');
    const r = runCli(['run', '--kernel', 'samples/hello/hello.elf', '--console-log', log]);
    expect(r.code).to.equal(0);
    expect(fs.readFileSync(log, 'utf8')).to.equal(read('samples/hello/expected.txt'));
  });

  it('--console tcp:PORT: a client that connects late (nc) still gets the output from the start', async () => {
    const srv = await startServer(['serve', '--kernel', 'samples/hello/hello.elf', '--console', 'tcp:0']);
    try {
      const port = Number(/rvrr: console on tcp 127\.0\.0\.1:(\d+) \(nc 127\.0\.0\.1 \d+\)/.exec(srv.stderr())?.[1]);
      expect(port).to.be.greaterThan(0);
      // The guest runs to its power-off before anyone is on the console.
      const gdb = await RspClient.connect(srv.port);
      await gdb.handshake();
      expect((await gdb.cont()).raw).to.equal('W00');
      gdb.close();
      const sock = net.connect(port, '127.0.0.1');
      let got = '';
      sock.on('data', (b: Buffer) => (got += b.toString('latin1')));
      const expected = read('samples/hello/expected.txt');
      const t0 = Date.now();
      while (got.length < expected.length && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
      sock.destroy();
      expect(got).to.equal(expected);
    } finally {
      await srv.stop();
    }
  });

  it('DEBUG=rvrr:* logs on stderr under the namespaces README lists: rvrr:cpu, rvrr:dev:*, rvrr:replay, rvrr:rsp', async () => {
    const env = { ...process.env, DEBUG: 'rvrr:*', DEBUG_COLORS: 'no' };
    const r = spawnSync(process.execPath, [CLI, 'run', '--kernel', 'samples/kernel/kernel.elf', '--drive', 'samples/kernel/disk.img'], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).to.equal(0);
    expect(r.stdout).to.equal(read('samples/kernel/expected.txt'));
    const spaces = new Set([...r.stderr.matchAll(/^\S+ (rvrr:\S+) /gm)].map((m) => m[1]));
    for (const ns of ['rvrr:cpu', 'rvrr:dev:uart', 'rvrr:dev:virtio', 'rvrr:dev:virtio-blk', 'rvrr:dev:clint', 'rvrr:replay']) {
      expect([...spaces], ns).to.include(ns);
    }
    expect(r.stderr).to.match(/ rvrr:cpu hart 0 icount \d+: exception 8 at pc 0x4/); // a user-mode ecall
    // The kernel first sets mtimecmp to all ones: logged exactly (not rounded to 2^64).
    expect(r.stderr).to.match(/ rvrr:dev:clint hart 0 mtimecmp=0xffffffffffffffff \(mtime 0x[0-9a-f]+\)$/m);
    // rvrr:rsp: the packets of a gdb session.
    const saved = process.env.DEBUG;
    process.env.DEBUG = 'rvrr:rsp';
    process.env.DEBUG_COLORS = 'no';
    const srv = await startServer(['serve', '--kernel', 'samples/hello/hello.elf', '--console', 'none']);
    try {
      const gdb = await RspClient.connect(srv.port);
      await gdb.handshake();
      await gdb.readRegisters();
      gdb.close();
      const t0 = Date.now();
      while (!/rvrr:rsp client disconnected/.test(srv.stderr()) && Date.now() - t0 < 5000) await new Promise((res) => setTimeout(res, 50));
    } finally {
      if (saved === undefined) delete process.env.DEBUG;
      else process.env.DEBUG = saved;
      delete process.env.DEBUG_COLORS;
      await srv.stop();
    }
    expect(srv.stderr()).to.match(/ rvrr:rsp client connected from 127\.0\.0\.1:\d+/);
    expect(srv.stderr()).to.match(/ rvrr:rsp <- \S*qSupported/);
    expect(srv.stderr()).to.match(/ rvrr:rsp <- \$?g\b/);
  });

  it('on a terminal: raw console, Ctrl-A h shows help, Ctrl-A x quits', async function () {
    // `script` (util-linux) gives the CLI a pseudo-terminal, as a user's shell would.
    if (spawnSync('script', ['--version']).status !== 0) this.skip();
    const p = spawn('script', ['-qec', `${process.execPath} ${CLI} run --kernel samples/bench/long.elf`, '/dev/null'], { cwd: ROOT });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const code = new Promise<number | null>((r) => p.on('exit', r));
    await new Promise((r) => setTimeout(r, 1500));
    p.stdin.write('\x01h');
    await new Promise((r) => setTimeout(r, 500));
    p.stdin.write('\x01x');
    expect(await code).to.equal(130);
    expect(out).to.match(/C-a x\s+exit the emulator/);
    expect(out).to.match(/rvrr: terminated by C-a x/);
  });

  describe('bad input: one clear line, non-zero exit', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rvrr-cli-'));
    const elf = fs.readFileSync(path.join(ROOT, 'samples/hello/hello.elf'));
    const cases: [string, Buffer | string, RegExp][] = [
      ['not-elf.bin', Buffer.from('this is not an ELF file at all, just text\n'), /not an ELF file/i],
      ['truncated.elf', elf.subarray(0, 200), /truncated/i],
      ['rv32.elf', Buffer.concat([elf.subarray(0, 4), Buffer.from([1]), elf.subarray(5)]), /64-bit/i],
      ['x86.elf', Buffer.concat([elf.subarray(0, 18), Buffer.from([62, 0]), elf.subarray(20)]), /RISC-V/i],
    ];
    for (const [name, bytes, msg] of cases) {
      it(`rejects ${name}`, () => {
        const f = path.join(tmp, name);
        fs.writeFileSync(f, bytes);
        const r = runCli(['run', '--kernel', f]);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.match(msg);
        expect(r.stderr.trim().split('\n')).to.have.length(1);
        expect(r.stderr).to.match(/^rvrr: /);
      });
    }

    it('rejects a missing file', () => {
      const r = runCli(['run', '--kernel', path.join(tmp, 'nope.elf')]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/cannot read kernel .*no such file/);
    });

    it('rejects a disk image whose size is not a multiple of 512', () => {
      const d = path.join(tmp, 'odd.img');
      fs.writeFileSync(d, Buffer.alloc(1000));
      const r = runCli(['run', '--kernel', 'samples/hello/hello.elf', '--drive', d]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/not a multiple of 512/);
    });

    it('rejects a bad --smp and a bad --memory', () => {
      expect(runCli(['run', '--kernel', 'samples/hello/hello.elf', '--smp', '9']).stderr).to.match(/bad --smp '9': the virt board has 1 to 8 harts/);
      expect(runCli(['run', '--kernel', 'samples/hello/hello.elf', '--memory', 'lots']).stderr).to.match(/bad memory size 'lots'/);
    });

    it('rejects too little memory for the kernel', () => {
      const r = runCli(['run', '--kernel', 'samples/kernel/kernel.elf', '--memory', '1M']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/^rvrr: .*(memory|RAM)/m);
    });
  });
});
