import { expect } from 'chai';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, ROOT } from './harness.js';

const OPENSBI = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';
const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';

/** A console session over `--console tcp:0`: send lines, wait for text. */
class ConsoleSession {
  text = '';
  private waiters: { re: RegExp; from: number; resolve: () => void }[] = [];
  constructor(readonly sock: net.Socket) {
    sock.on('data', (b: Buffer) => {
      this.text += b.toString('latin1');
      this.waiters = this.waiters.filter((w) => {
        if (!w.re.test(this.text.slice(w.from))) return true;
        w.resolve();
        return false;
      });
    });
  }
  /** Wait for `re` to appear in output after position `from`. */
  waitFor(re: RegExp, from: number, ms: number): Promise<void> {
    if (re.test(this.text.slice(from))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}; console so far:\n${this.text}`)), ms);
      this.waiters.push({ re, from, resolve: () => (clearTimeout(t), resolve()) });
    });
  }
  /** Type a command at the U-Boot prompt and return what it printed up to the next prompt. */
  async command(line: string, ms = 60_000): Promise<string> {
    const from = this.text.length;
    this.sock.write(line + '\r');
    await this.waitFor(/\n=> $/, from, ms);
    return this.text.slice(from);
  }
}

describe('Debian OpenSBI + U-Boot boot to the prompt and answer commands', function () {
  this.timeout(300_000);

  it('version, virtio scan, virtio info, virtio read + md on the sample disk', async function () {
    for (const f of [OPENSBI, UBOOT]) {
      if (!fs.existsSync(f)) throw new Error(`${f} is missing (apt-get install opensbi u-boot-qemu)`);
    }
    const disk = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rvrr-uboot-')), 'disk.img');
    fs.copyFileSync(path.join(ROOT, 'samples/kernel/disk.img'), disk);
    const proc = spawn(process.execPath, [CLI, 'run', '--bios', OPENSBI, '--kernel', UBOOT, '--drive', disk, '--console', 'tcp:0', '--clock', 'virtual'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    try {
      const port = await new Promise<number>((resolve, reject) => {
        proc.stderr!.on('data', (b: Buffer) => {
          err += b.toString();
          const m = /console on tcp [^:]+:(\d+)/.exec(err);
          if (m) resolve(Number(m[1]));
        });
        proc.once('exit', (c) => reject(new Error(`rvrr exited (${c}): ${err}`)));
      });
      const sock = net.connect(port, '127.0.0.1');
      const con = new ConsoleSession(sock);
      await con.waitFor(/Hit any key to stop autoboot/, 0, 240_000);
      sock.write(' ');
      await con.waitFor(/\n=> $/, 0, 240_000);
      expect(con.text).to.match(/OpenSBI v1\.\d/);
      expect(con.text).to.match(/Platform Name\s+: riscv-virtio,qemu/);
      expect(con.text).to.match(/DRAM:\s+128 MiB/);

      expect(await con.command('version')).to.match(/U-Boot 2023\.01/);
      await con.command('virtio scan');
      const info = await con.command('virtio info');
      expect(info).to.match(/Device 0: QEMU VirtIO Block Device/);
      expect(info).to.match(/Capacity: 0\.0 MB = 0\.0 GB \(128 x 512\)/);
      expect(await con.command('virtio read 0x84000000 0 1')).to.match(/1 blocks read: OK/);
      const md = await con.command('md.b 0x84000000 0x20');
      // The sample disk's sector 0 starts with its message.
      expect(md).to.match(/^84000000: 48 65 6c 6c 6f 20 66 72 6f 6d 20 73 65 63 74 6f\s+Hello from secto$/m);
      con.sock.write('poweroff\r');
      const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
      expect(code).to.equal(0);
      sock.destroy();
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
  });
});
