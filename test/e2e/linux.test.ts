/**
 * The Linux sample as a kernel developer runs it: Linux 6.1 built by samples/linux/build.sh
 * (SMP, virtio-blk with ext2, proc/sysfs/devtmpfs, the goldfish RTC, our forking init) booted
 * through OpenSBI on 1, 2 and 4 harts, and debugged in gdb-multiarch with vmlinux.
 *
 * The kernel is never committed: these tests need build.sh's output (default /tmp/linux, or
 * $RVRR_LINUX). Without it they are skipped, unless RVRR_LINUX_REQUIRED=1 (as .ci/run sets
 * after building it), which turns a missing kernel into a failure.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import { gdbBatch, pcs, runCli, stepThereAndBack, useServers } from './harness.js';
import { linuxFiles, rvrrLinuxArgs } from './linux-files.js';

const files = linuxFiles();

/** What init prints with `harts` harts and the disk attached (as it prints on QEMU). */
function initReport(harts: number): RegExp[] {
  const h = (job: number): number => job % harts;
  return [
    new RegExp(`^init: ${harts} harts online, 4 jobs$`, 'm'),
    new RegExp(`^init: procfs: \\[hart ${h(0)}\\] /sys/devices/system/cpu/online: ${harts === 1 ? '0' : `0-${harts - 1}`}$`, 'm'),
    new RegExp(`^init: procfs: /proc/cpuinfo: ${harts} processors$`, 'm'),
    /^init: procfs: \/proc\/partitions: vda, 8192 KiB$/m,
    new RegExp(`^init: rtc: \\[hart ${h(1)}\\] /dev/rtc0: 2026-01-01 00:00 UTC$`, 'm'),
    new RegExp(`^init: disk: \\[hart ${h(2)}\\] /mnt/hello.txt: hello from the ext2 image$`, 'm'),
    new RegExp(`^init: disk: /mnt/init.txt after remount: written by init's child \\d+ on hart ${h(2)}$`, 'm'),
    new RegExp(`^init: sieve: \\[hart ${h(3)}\\] 17984 primes below 200000$`, 'm'),
    /^init: all jobs ok, powering off$/m,
  ];
}

describe('Linux 6.1 SMP sample (samples/linux/build.sh)', function () {
  this.timeout(300_000);
  before(function () {
    const missing = [files.image, files.vmlinux, files.initrd, files.disk].filter((f) => !fs.existsSync(f));
    if (missing.length === 0) return;
    if (process.env.RVRR_LINUX_REQUIRED === '1') throw new Error(`missing ${missing.join(', ')} (samples/linux/build.sh)`);
    console.log(`      (skipped: ${missing[0]} not built; run samples/linux/build.sh)`);
    this.skip();
  });

  for (const harts of [1, 2, 4]) {
    it(`boots on ${harts} hart(s): every hart up, init's jobs on proc, sysfs, the RTC and ext2 pass, power-off`, () => {
      const r = runCli(rvrrLinuxArgs(files, harts), { timeoutMs: 240_000 });
      expect(r.code, r.stderr).to.equal(0);
      const out = r.stdout.replace(/\r/g, '');
      expect(out).to.match(new RegExp(`smp: Brought up 1 node, ${harts} CPUs?`));
      expect(out).to.match(/virtio_blk virtio0: \[vda\] 16384 512-byte logical blocks/);
      expect(out).to.match(/goldfish_rtc 101000\.rtc: setting system clock to 2026-01-01T00:00:00 UTC/);
      for (const line of initReport(harts)) expect(out).to.match(line);
      expect(out).to.match(/reboot: Power down\n?$/);
      // The disk image is the user's: without --drive-write it is never changed.
      expect(fs.readFileSync(files.disk).includes(Buffer.from('written by init'))).to.equal(false);
    });
  }

  describe('kernel debugging in gdb-multiarch, 4 harts', () => {
    const serve = useServers();

    it('break ksys_write shows the user buffer, 4 threads, stepi/reverse-stepi retrace, watch jiffies_64 backwards and forwards', async () => {
      const server = await serve([...rvrrLinuxArgs(files, 4, 'serve'), '--console', 'none']);
      const out = await gdbBatch(
        server.port,
        files.vmlinux,
        [
          'break ksys_write', 'continue', 'info threads', 'p count', 'x/s buf',
          'printf "start %lx\\n", $pc', ...stepThereAndBack(8),
          // Backwards first: the boot is nearly over, a tick or two ahead at most.
          'delete', 'watch jiffies_64', 'reverse-continue', 'reverse-continue', 'continue', 'p jiffies_64',
        ],
        240_000,
      );
      expect(out).to.match(/Breakpoint 1, ksys_write \(fd=1, buf=0x[0-9a-f]+ "init: 4 harts online, 4 jobs\\n", count=29\) at fs\/read_write\.c:\d+/);
      const threads = [...out.matchAll(/^[* ] +(\d) +Thread (\d) "hart (\d)"/gm)].map((m) => `${m[1]}:${m[2]}:${m[3]}`);
      expect(threads).to.deep.equal(['1:1:0', '2:2:1', '3:3:2', '4:4:3']);
      expect(out).to.match(/^\$1 = 29$/m);
      expect(out).to.match(/^0x[0-9a-f]+:\s+"init: 4 harts online, 4 jobs\\n"$/m);
      const start = pcs(out, 'start');
      const fwd = pcs(out, 'fwd');
      expect(fwd).to.have.length(8);
      expect(pcs(out, 'back')).to.deep.equal([...fwd.slice(0, 7).reverse(), start[0]]);
      const hits = [...out.matchAll(/Hardware watchpoint 2: jiffies_64\s+Old value = (\d+)\s+New value = (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
      expect(hits, out).to.have.length(3);
      // Going back, gdb reports each tick undone (old and new swapped); then forward again.
      const [back1, back2, fwd2] = hits;
      expect(back1[1]).to.equal(back1[0] - 1);
      expect(back2).to.deep.equal([back1[1], back1[1] - 1]);
      expect(fwd2).to.deep.equal([back2[1], back2[0]]);
      expect(out).to.match(new RegExp(`^\\$2 = ${fwd2[1]}$`, 'm'));
      expect(out).to.match(/do_timer \(ticks=/);
    });
  });
});
