/**
 * The device probes (guest/probe.c, guest/blkprobe.c) on the whole rvrr `virt` machine,
 * compared line by line with what QEMU printed. Lines where rvrr differs on purpose, or
 * where the board rather than a device decides, are listed with the reason.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { VirtMachine } from '../../dist/machine/virt.js';

const guest = (f: string) => readFileSync(fileURLToPath(new URL(`../../test/devices/guest/${f}`, import.meta.url)));

/** Run an ELF to poweroff; returns the console output. */
function runGuest(elf: Uint8Array, opts: { drive?: Uint8Array; driveLegacy?: boolean } = {}): string {
  let out = '';
  const m = new VirtMachine({
    kernel: elf,
    ...opts,
    rtcEpochNs: 1_763_000_000_000_000_000,
    onConsoleOutput: (b) => (out += Buffer.from(b).toString('latin1')),
  });
  // The probes need about 25k instructions; 5M bounds the run if something goes wrong.
  for (let i = 0; i < 50; i++) {
    const r = m.run(100_000);
    if (r.reason === 'poweroff') {
      expect(r.exitCode).to.equal(0);
      return out;
    }
    expect(r.reason).to.equal('budget');
  }
  throw new Error('guest did not power off');
}

/** Lines not comparable, and why. */
const EXCLUDED: [RegExp, string][] = [
  [/^trap\./, 'QEMU faults at 0x10000008..0x100000ff (8-byte UART region); the board maps 0x100 as the DTB says'],
  [/^clint\.time_csr_follows/, 'the time CSR is the board/CPU wiring of Clint.mtime()'],
  [/^virtio\.version=/, 'legacy or modern is a board option (QEMU defaults to legacy)'],
  [/^ {2}id=/, 'the drive serial is a board option'],
];

function comparable(text: string): string[] {
  return text
    .trimEnd()
    .split('\n')
    .filter((l) => !EXCLUDED.some(([re]) => re.test(l)));
}

describe('device probes on the rvrr virt machine vs QEMU', function () {
  this.timeout(60000);

  it('probe.c: UART, CLINT, PLIC, empty virtio slot and RTC registers', () => {
    const ours = comparable(runGuest(guest('probe.elf')));
    const qemu = comparable(guest('probe.qemu.txt').toString());
    expect(qemu.length).to.be.greaterThan(60);
    expect(ours).to.deep.equal(qemu);
  });

  for (const mode of ['legacy', 'modern'] as const) {
    it(`blkprobe.c: virtio-blk requests over ${mode} virtio-mmio`, () => {
      const out = runGuest(guest('blkprobe.elf'), { drive: guest('blkprobe.img'), driveLegacy: mode === 'legacy' });
      const qemu = guest(`blkprobe.${mode}.qemu.txt`).toString();
      expect(comparable(out)).to.deep.equal(comparable(qemu));
      expect(out).to.include('read1_indirect: done=1');
    });
  }
});
