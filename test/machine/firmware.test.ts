import { expect } from 'chai';
import * as fs from 'node:fs';
import { VirtMachine } from '../../dist/machine/virt.js';

const OPENSBI = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';
const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';

/**
 * Debian's OpenSBI (fw_jump) and U-Boot (S-mode) boot on the board using nothing but the
 * DTB it generates: OpenSBI finds the harts, CLINT, PLIC, UART and sifive_test in it, U-Boot
 * its console and the virtio-blk disk.
 */
describe('machine/virt with OpenSBI + U-Boot', function () {
  this.timeout(120_000);

  it('boots to the U-Boot prompt on 2 harts and reads the virtio disk', () => {
    let text = '';
    const disk = new Uint8Array(1 << 20);
    disk.set(new TextEncoder().encode('rvrr sector zero'), 0);
    const m = new VirtMachine({
      bios: new Uint8Array(fs.readFileSync(OPENSBI)),
      kernel: new Uint8Array(fs.readFileSync(UBOOT)),
      smp: 2,
      drive: disk,
      onConsoleOutput: (b) => {
        text += Buffer.from(b).toString('latin1');
      },
    });
    const type = (s: string): void => m.applyInput({ kind: 'console', bytes: new TextEncoder().encode(s) });
    /** Run until the console ends with `marker` (after `from`), warping over idle time. */
    const until = (marker: string, from: number): void => {
      for (let i = 0; i < 400; i++) {
        if (text.slice(from).includes(marker)) return;
        const r = m.run(1_000_000);
        if (r.reason === 'idle') m.applyInput({ kind: 'warp', ns: Math.min(m.nsUntilNextDeadline(), 1e9) });
        else expect(r.reason).to.equal('budget');
      }
      throw new Error(`no '${marker}' on the console; it shows:\n${text.slice(-500)}`);
    };
    until('Hit any key to stop autoboot', 0);
    type('\n');
    until('=> ', 0);
    expect(text).to.include('Platform Console Device   : uart8250');
    expect(text).to.match(/Domain0 HARTs\s+: 0\*,1\*/);
    expect(text).to.include('Domain0 Next Address      : 0x0000000080200000');
    expect(text).to.include('CPU:   rv64imafdc_zicsr_zifencei');
    expect(text).to.include('Model: riscv-virtio,qemu');
    expect(text).to.include('DRAM:  128 MiB');
    let mark = text.length;
    type('virtio scan; virtio info\n');
    until('=> ', mark);
    expect(text.slice(mark)).to.include('Capacity: 1.0 MB = 0.0 GB (2048 x 512)');
    mark = text.length;
    type('virtio read 0x84000000 0 1; md.b 0x84000000 0x10\n');
    until('=> ', mark);
    expect(text.slice(mark)).to.include('84000000: 72 76 72 72 20 73 65 63 74 6f 72 20 7a 65 72 6f  rvrr sector zero');
  });

  it('is deterministic through firmware boot: same state hash whatever the run() slicing and across snapshot/restore', () => {
    const make = (): VirtMachine => new VirtMachine({
      bios: new Uint8Array(fs.readFileSync(OPENSBI)),
      kernel: new Uint8Array(fs.readFileSync(UBOOT)),
      smp: 2,
      drive: new Uint8Array(8192),
    });
    const a = make();
    while (a.icount < 30_000_000) a.run(Math.min(1_000_000, 30_000_000 - a.icount));
    const b = make();
    let step = 1;
    while (b.icount < 20_000_000) {
      b.run(Math.min(step, 20_000_000 - b.icount));
      step = (step * 7 + 13) % 2_000_003;
    }
    const snap = b.snapshot();
    b.run(10_000_000);
    expect(b.icount).to.equal(30_000_000);
    expect(b.stateHash()).to.equal(a.stateHash());
    b.restore(snap);
    b.run(3_000_000);
    b.run(7_000_000);
    expect(b.stateHash()).to.equal(a.stateHash());
  });

  it('hands OpenSBI fw_dynamic (an ELF firmware) the kernel address and mode through fw_dynamic_info', () => {
    let text = '';
    const m = new VirtMachine({
      bios: new Uint8Array(fs.readFileSync('/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.elf')),
      kernel: new Uint8Array(fs.readFileSync(UBOOT)),
      memoryBytes: 256 << 20,
      onConsoleOutput: (b) => {
        text += Buffer.from(b).toString('latin1');
      },
    });
    for (let i = 0; i < 100 && !text.includes('U-Boot 20'); i++) m.run(1_000_000);
    expect(text).to.include('Domain0 Next Address      : 0x0000000080200000');
    expect(text).to.include('Domain0 Next Arg1         : 0x000000008fe00000');
    expect(text).to.include('Domain0 Next Mode         : S-mode');
    expect(text).to.include('U-Boot 20');
  });
});
