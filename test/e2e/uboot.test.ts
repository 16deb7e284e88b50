import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startConsoleRun } from './console.js';
import { ROOT } from './harness.js';

const OPENSBI = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';
const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';

describe('Debian OpenSBI + U-Boot boot to the prompt and answer commands', function () {
  this.timeout(300_000);

  it('version, virtio scan, virtio info, virtio read + md on the sample disk', async function () {
    for (const f of [OPENSBI, UBOOT]) {
      if (!fs.existsSync(f)) throw new Error(`${f} is missing (apt-get install opensbi u-boot-qemu)`);
    }
    const disk = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rvrr-uboot-')), 'disk.img');
    fs.copyFileSync(path.join(ROOT, 'samples/kernel/disk.img'), disk);
    const run = await startConsoleRun(['run', '--bios', OPENSBI, '--kernel', UBOOT, '--drive', disk, '--clock', 'virtual'], /\n=> $/);
    const { con, proc } = run;
    try {
      await con.waitFor(/Hit any key to stop autoboot/, 0, 240_000);
      con.type(' ');
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
      con.type('poweroff\r');
      expect(await run.exited).to.equal(0);
      expect(proc.exitCode).to.equal(0);
    } finally {
      run.kill();
    }
  });
});
