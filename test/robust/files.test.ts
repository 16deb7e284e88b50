/**
 * Corrupt and truncated inputs given to the CLI as a user would: one clear line on stderr,
 * exit code 1, and no input file touched. Disk write-back only when asked, atomically.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RspClient } from '../../dist/gdb/client.js';
import { parseElf } from '../../dist/machine/elf.js';
import { ROOT, runCli, startServer } from '../e2e/harness.js';

interface Snap {
  bytes: Buffer;
  mtimeMs: number;
}
const snap = (f: string): Snap => ({ bytes: fs.readFileSync(f), mtimeMs: fs.statSync(f).mtimeMs });

/** Run the CLI and expect one `rvrr: ` line matching `msg`, exit 1, and `inputs` untouched. */
function expectClearError(args: string[], msg: RegExp, inputs: string[]): void {
  const before = inputs.map(snap);
  const r = runCli(args, { timeoutMs: 30_000 });
  expect(r.code, r.stderr).to.equal(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).to.have.length(1);
  expect(lines[0]).to.match(/^rvrr: /);
  expect(lines[0]).to.match(msg);
  expect(r.stderr).not.to.match(/\n\s+at /); // no stack trace
  inputs.forEach((f, i) => {
    const now = snap(f);
    expect(now.bytes.equals(before[i].bytes), `${f} was modified`).to.equal(true);
    expect(now.mtimeMs, `${f} mtime changed`).to.equal(before[i].mtimeMs);
  });
}

const u16 = (b: Buffer, off: number, v: number) => (b.writeUInt16LE(v, off), b);
const u64 = (b: Buffer, off: number, v: bigint) => (b.writeBigUInt64LE(v, off), b);

describe('corrupt files given to the CLI', function () {
  this.timeout(120_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rvrr-robust-'));
  const elf = fs.readFileSync(path.join(ROOT, 'samples/hello/hello.elf'));
  // hello.elf: program headers at 0x40; the second (0x78) is the PT_LOAD of the code.
  const LOAD = 0x78;
  const put = (name: string, bytes: Buffer): string => {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, bytes);
    return f;
  };

  describe('ELF kernels', () => {
    expect(elf.readUInt32LE(LOAD)).to.equal(1); // PT_LOAD
    const loadOff = Number(elf.readBigUInt64LE(LOAD + 8));
    const cases: [string, Buffer, RegExp][] = [
      ['empty', Buffer.alloc(0), /not an ELF file/],
      ['cut in the ELF header', elf.subarray(0, 63), /truncated ELF file/],
      ['cut in the program headers', elf.subarray(0, 80), /truncated ELF file: program headers/],
      ['cut in the segment data', elf.subarray(0, loadOff + 100), /truncated ELF file: segment 1 data/],
      ['e_phoff past the end', u64(Buffer.from(elf), 32, 0xffffffffn), /truncated ELF file: program headers/],
      ['e_phnum 0xffff', u16(Buffer.from(elf), 56, 0xffff), /truncated ELF file: program headers/],
      ['e_phentsize 3', u16(Buffer.from(elf), 54, 3), /program header size 3/],
      ['p_offset huge', u64(Buffer.from(elf), LOAD + 8, 0x7fffffffffffn), /segment 1 data .* beyond the end/],
      ['p_filesz > p_memsz', u64(Buffer.from(elf), LOAD + 32, 0x100000n), /p_filesz 0x100000 > p_memsz/],
      ['p_memsz 1 TiB', u64(Buffer.from(elf), LOAD + 40, 1n << 40n), /too little memory/],
      ['p_paddr below RAM', u64(Buffer.from(elf), LOAD + 24, 0x10n), /outside RAM/],
      ['p_paddr wrapping 64 bits', u64(Buffer.from(elf), LOAD + 24, 0xfffffffffffff000n), /p_paddr 0xfffffffffffff000 is too large/],
      ['big-endian', Object.assign(Buffer.from(elf), { 5: 2 }), /big-endian/],
    ];
    for (const [what, bytes, msg] of cases) {
      it(`run --kernel: ${what}`, () => {
        const f = put(`k-${what.replace(/\W+/g, '_')}.elf`, bytes);
        expectClearError(['run', '--kernel', f, '--console', 'none'], msg, [f]);
      });
    }
  });

  describe('firmware and disk images', () => {
    it('an empty firmware file', () => {
      const f = put('empty-fw.bin', Buffer.alloc(0));
      expectClearError(['run', '--bios', f, '--console', 'none'], /firmware image is empty/, [f]);
    });
    it('a truncated ELF firmware', () => {
      const f = put('fw-cut.elf', elf.subarray(0, 0x1100));
      expectClearError(['run', '--bios', f, '--console', 'none'], /firmware: truncated ELF file/, [f]);
    });
    it('a raw firmware larger than RAM', () => {
      const f = put('fw-big.bin', Buffer.alloc(3 << 20, 0x13));
      expectClearError(['run', '--bios', f, '--memory', '2M', '--console', 'none'], /(memory|RAM)/, [f]);
    });
    it('an empty disk image (with --drive-write: still untouched)', () => {
      const d = put('empty.img', Buffer.alloc(0));
      const k = put('ok.elf', elf);
      expectClearError(['run', '--kernel', k, '--drive', d, '--drive-write', '--console', 'none'], /disk image is empty/, [d, k]);
    });
    it('a disk image of 1000 bytes', () => {
      const d = put('odd.img', Buffer.alloc(1000, 7));
      expectClearError(['run', '--kernel', put('ok2.elf', elf), '--drive', d, '--drive-write', '--console', 'none'], /not a multiple of 512/, [d]);
    });
  });

  describe('recordings', () => {
    const good = path.join(tmp, 'good.rvrr');
    let rec: Buffer;
    before(() => {
      const r = runCli(['record', '--kernel', 'samples/hello/hello.elf', '--console', 'none', '-o', good]);
      expect(r.code, r.stderr).to.equal(0);
      rec = fs.readFileSync(good);
      expect(runCli(['info', good]).code).to.equal(0);
    });
    const variants: [string, (b: Buffer) => Buffer, RegExp][] = [
      ['empty', () => Buffer.alloc(0), /not an rvrr recording/],
      ['cut inside the magic', (b) => b.subarray(0, 7), /not an rvrr recording/],
      ['cut after the header', (b) => b.subarray(0, 30), /is truncated: 30 of \d+ bytes/],
      ['cut in half', (b) => b.subarray(0, b.length >> 1), /is truncated/],
      ['missing its last byte', (b) => b.subarray(0, b.length - 1), /is truncated/],
      ['with bytes appended', (b) => Buffer.concat([b, Buffer.from('junk')]), /trailing bytes/],
      ['version 4', (b) => u16(Buffer.from(b), 8, 4), /format version 4; this rvrr reads versions 1, 2, 3/],
      ['version 0', (b) => u16(Buffer.from(b), 8, 0), /format version 0/],
      ['a flipped magic bit', (b) => Object.assign(Buffer.from(b), { 0: b[0] ^ 1 }), /not an rvrr recording/],
      ['a flipped bit in the configuration', (b) => Object.assign(Buffer.from(b), { 100: b[100] ^ 0x10 }), /checksum mismatch in its configuration/],
      ['a flipped bit in an image', (b) => Object.assign(Buffer.from(b), { [b.length >> 1]: b[b.length >> 1] ^ 0x10 }), /checksum mismatch in its image/],
      ['a flipped bit in the event log', (b) => Object.assign(Buffer.from(b), { [b.length - 5]: b[b.length - 5] ^ 0x10 }), /checksum mismatch in its event log/],
      ['text', () => Buffer.from('hello world\n'), /not an rvrr recording/],
    ];
    for (const [what, make, msg] of variants) {
      it(`info and replay reject a recording ${what}`, () => {
        const f = put(`r-${what.replace(/\W+/g, '_')}.rvrr`, make(rec));
        expectClearError(['info', f], msg, [f]);
        expectClearError(['replay', f, '--port', '0', '--console', 'none'], msg, [f]);
      });
    }

    it('record --output onto an existing file leaves it intact when the run fails before writing', () => {
      const out = put('existing.rvrr', rec);
      const bad = put('bad-for-record.elf', elf.subarray(0, 200));
      expectClearError(['record', '--kernel', bad, '--console', 'none', '-o', out], /truncated ELF file/, [out, bad]);
      expect(fs.readdirSync(tmp).filter((n) => n.endsWith('.tmp'))).to.deep.equal([]);
    });

    it('an output that is one of the inputs (-o or --console-log naming the kernel, disk or recording) is refused, the input intact', () => {
      const k = put('self.elf', elf);
      const d = put('self.img', Buffer.alloc(4096));
      const link = path.join(tmp, 'self-link.elf');
      fs.symlinkSync(k, link);
      expectClearError(['record', '--kernel', k, '--console', 'none', '-o', k], /recording '.*self\.elf' is the kernel file: give another file name/, [k]);
      expectClearError(['record', '--kernel', k, '--console', 'none', '-o', link], /recording '.*self-link\.elf' is the kernel file/, [k]);
      expectClearError(['run', '--kernel', k, '--drive', d, '--console-log', d], /console log '.*self\.img' is the disk image file/, [k, d]);
      expectClearError(['serve', '--kernel', k, '--console-log', k, '--port', '0'], /console log '.*self\.elf' is the kernel file/, [k]);
      expectClearError(['replay', good, '--console-log', good, '--port', '0'], /console log '.*good\.rvrr' is the recording file/, [good]);
    });

    it('record --output into a missing directory or onto a directory fails before running, naming the path', () => {
      const k = put('ok3.elf', elf);
      expectClearError(['record', '--kernel', k, '--console', 'none', '-o', path.join(tmp, 'no-such-dir', 'x.rvrr')], /cannot write recording '.*x\.rvrr': no directory/, [k]);
      const d = fs.mkdtempSync(path.join(tmp, 'outdir-'));
      expectClearError(['record', '--kernel', k, '--console', 'none', '-o', d], /cannot write recording '.*': is a directory/, [k]);
      expect(fs.readdirSync(d)).to.deep.equal([]);
      expect(fs.readdirSync(tmp).filter((n) => n.endsWith('.tmp'))).to.deep.equal([]);
    });
  });

  describe('disk write-back (--drive-write)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rvrr-disk-'));
    const kernel = path.join(dir, 'kernel.elf');
    const disk = path.join(dir, 'disk.img');
    before(() => {
      fs.copyFileSync(path.join(ROOT, 'samples/kernel/kernel.elf'), kernel);
      fs.copyFileSync(path.join(ROOT, 'samples/kernel/disk.img'), disk);
    });

    it('without --drive-write the image is unchanged although the kernel writes its boot counter', () => {
      const before = snap(disk);
      const r = runCli(['run', '--kernel', kernel, '--drive', disk]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/disk boot counter is now 1 \(read back from sector 0\)/);
      expect(snap(disk)).to.deep.equal(before);
    });

    it('with --drive-write the image changes (atomically: no temporary file left) and the next boot counts on', () => {
      const before = fs.readFileSync(disk);
      const r = runCli(['run', '--kernel', kernel, '--drive', disk, '--drive-write']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/disk boot counter is now 1 /);
      const after = fs.readFileSync(disk);
      expect(after.length).to.equal(before.length);
      expect(after.equals(before)).to.equal(false);
      expect(fs.readdirSync(dir).sort()).to.deep.equal(['disk.img', 'kernel.elf']);
      const r2 = runCli(['run', '--kernel', kernel, '--drive', disk, '--drive-write']);
      expect(r2.stdout).to.match(/disk boot counter is now 2 /);
    });

    it('a run that fails to start does not write the image back', () => {
      const before = snap(disk);
      expectClearError(['run', '--kernel', kernel, '--drive', disk, '--drive-write', '--memory', '64K', '--console', 'none'], /(memory|RAM)/, [disk]);
      expect(snap(disk)).to.deep.equal(before);
    });
  });
});

describe('disk write-back from rvrr serve', function () {
  this.timeout(120_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rvrr-serve-disk-'));
  const kernel = path.join(dir, 'kernel.elf');
  const disk = path.join(dir, 'disk.img');
  before(() => {
    fs.copyFileSync(path.join(ROOT, 'samples/kernel/kernel.elf'), kernel);
    fs.copyFileSync(path.join(ROOT, 'samples/kernel/disk.img'), disk);
  });

  it('stopping the server before the guest powered off writes nothing, and says so', async () => {
    const before = snap(disk);
    const srv = await startServer(['serve', '--kernel', kernel, '--drive', disk, '--drive-write', '--console', 'none']);
    const c = await RspClient.connect(srv.port);
    await c.handshake();
    // Stop just before the power-off, after the guest wrote its boot counter to the disk
    // (a timed Ctrl-C would come too late: the guest finishes in a fraction of a second).
    const poweroff = parseElf(new Uint8Array(fs.readFileSync(kernel))).symbols.find((x) => x.name === 'poweroff')!.value;
    await c.insertBreakpoint(0, poweroff, 4);
    const stop = await c.cont();
    expect(stop.kind).to.equal('stopped');
    expect(stop.kind === 'stopped' && stop.registers.get(32)).to.equal(BigInt(poweroff));
    c.close();
    await srv.stop();
    expect(srv.stderr()).to.match(/the guest did not power off: its disk changes are not written back/);
    expect(snap(disk)).to.deep.equal(before);
  });

  it('after the guest powered off, gdb kill writes the image back', async () => {
    const before = fs.readFileSync(disk);
    const srv = await startServer(['serve', '--kernel', kernel, '--drive', disk, '--drive-write', '--console', 'none']);
    const c = await RspClient.connect(srv.port);
    await c.handshake();
    expect((await c.cont()).raw).to.equal('W00');
    c.rawSocket.write('$k#6b');
    await new Promise<void>((r) => (srv.proc.exitCode !== null ? r() : srv.proc.once('exit', () => r())));
    expect(fs.readFileSync(disk).equals(before)).to.equal(false);
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['disk.img', 'kernel.elf']);
  });
});
