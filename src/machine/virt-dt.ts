/**
 * The device tree of the virt board, built from the devices the board actually has. It is
 * modelled on the tree QEMU 7.2 generates for `-machine virt` (same node names, compatibles,
 * registers and interrupt wiring), minus the devices we do not emulate (PCIe, flash,
 * fw_cfg, platform bus, PMU).
 */
import { cells64, encodeDtb, FdtNode } from './fdt.js';
import { VIRT, VIRT_IRQ, VIRT_PLIC_NDEV } from './memmap.js';
import { TIMEBASE_HZ } from '../replay/clock.js';

/** The ISA our harts implement, spelled as QEMU 7.2 spells it for the same extension set. */
export const VIRT_RISCV_ISA = 'rv64imafdc_zicsr_zifencei';
/** The only translation mode our MMU implements. */
export const VIRT_MMU_TYPE = 'riscv,sv39';
/** UART input clock, as QEMU announces it (3.6864 MHz). */
export const VIRT_UART_CLOCK_HZ = 0x384000;

/** What the tree describes. */
export interface VirtDtConfig {
  memoryBytes: number;
  smp: number;
  /** Slots (0..7) that have a virtio-mmio transport mapped. QEMU maps all 8, empty ones reading device ID 0. */
  virtioSlots: readonly number[];
  /** /chosen/bootargs */
  bootargs?: string;
  /** /chosen/linux,initrd-start and -end */
  initrd?: { start: number; end: number };
  hasRtc?: boolean;
  hasTest?: boolean;
}

const hex = (n: number): string => n.toString(16);

/** Build the tree. */
export function buildVirtTree(cfg: VirtDtConfig): FdtNode {
  const n = cfg.smp;
  // phandles: cpu i = 1 + 2i, its interrupt controller = 2 + 2i, then the PLIC and the test device.
  const cpuPh = (i: number): number => 1 + 2 * i;
  const intcPh = (i: number): number => 2 + 2 * i;
  const plicPh = 2 * n + 1;
  const testPh = 2 * n + 2;
  const hasTest = cfg.hasTest ?? true;

  const root = new FdtNode('')
    .prop('#address-cells', 2)
    .prop('#size-cells', 2)
    .prop('compatible', 'riscv-virtio')
    .prop('model', 'riscv-virtio,qemu');

  const chosen = root.child('chosen');
  if (cfg.bootargs !== undefined) chosen.prop('bootargs', cfg.bootargs);
  chosen.prop('stdout-path', `/soc/serial@${hex(VIRT.uart0.base)}`);
  if (cfg.initrd) {
    // One cell as QEMU writes it while the range is below 4 GiB; Linux and U-Boot take 1 or 2.
    const cells = (v: number): number | number[] => (cfg.initrd!.end < 2 ** 32 ? v : cells64(v));
    chosen.prop('linux,initrd-start', cells(cfg.initrd.start));
    chosen.prop('linux,initrd-end', cells(cfg.initrd.end));
  }

  if (hasTest) {
    root.child('poweroff').prop('value', 0x5555).prop('offset', 0).prop('regmap', testPh).prop('compatible', 'syscon-poweroff');
    root.child('reboot').prop('value', 0x7777).prop('offset', 0).prop('regmap', testPh).prop('compatible', 'syscon-reboot');
  }

  root.child(`memory@${hex(VIRT.dram.base)}`)
    .prop('device_type', 'memory')
    .prop('reg', cells64(VIRT.dram.base, cfg.memoryBytes));

  const cpus = root.child('cpus').prop('#address-cells', 1).prop('#size-cells', 0).prop('timebase-frequency', TIMEBASE_HZ);
  for (let i = 0; i < n; i++) {
    const cpu = cpus.child(`cpu@${i}`)
      .prop('phandle', cpuPh(i))
      .prop('device_type', 'cpu')
      .prop('reg', i)
      .prop('status', 'okay')
      .prop('compatible', 'riscv')
      .prop('riscv,isa', VIRT_RISCV_ISA)
      .prop('mmu-type', VIRT_MMU_TYPE);
    cpu.child('interrupt-controller')
      .prop('#interrupt-cells', 1)
      .prop('interrupt-controller', true)
      .prop('compatible', 'riscv,cpu-intc')
      .prop('phandle', intcPh(i));
  }
  const cluster = cpus.child('cpu-map').child('cluster0');
  for (let i = 0; i < n; i++) cluster.child(`core${i}`).prop('cpu', cpuPh(i));

  const soc = root.child('soc')
    .prop('#address-cells', 2)
    .prop('#size-cells', 2)
    .prop('compatible', 'simple-bus')
    .prop('ranges', true);

  if (cfg.hasRtc ?? true) {
    soc.child(`rtc@${hex(VIRT.rtc.base)}`)
      .prop('interrupts', VIRT_IRQ.rtc)
      .prop('interrupt-parent', plicPh)
      .prop('reg', cells64(VIRT.rtc.base, VIRT.rtc.size))
      .prop('compatible', 'google,goldfish-rtc');
  }
  soc.child(`serial@${hex(VIRT.uart0.base)}`)
    .prop('interrupts', VIRT_IRQ.uart0)
    .prop('interrupt-parent', plicPh)
    .prop('clock-frequency', VIRT_UART_CLOCK_HZ)
    .prop('reg', cells64(VIRT.uart0.base, VIRT.uart0.size))
    .prop('compatible', 'ns16550a');
  if (hasTest) {
    soc.child(`test@${hex(VIRT.test.base)}`)
      .prop('phandle', testPh)
      .prop('reg', cells64(VIRT.test.base, VIRT.test.size))
      .prop('compatible', ['sifive,test1', 'sifive,test0', 'syscon']);
  }
  for (const k of [...cfg.virtioSlots].sort((a, b) => a - b)) {
    const base = VIRT.virtio.base + k * VIRT.virtio.size;
    soc.child(`virtio_mmio@${hex(base)}`)
      .prop('interrupts', VIRT_IRQ.virtio + k)
      .prop('interrupt-parent', plicPh)
      .prop('reg', cells64(base, VIRT.virtio.size))
      .prop('compatible', 'virtio,mmio');
  }
  // Per hart: PLIC context 2h is M-mode external (irq 11), 2h+1 is S-mode external (irq 9).
  const plicIrqs: number[] = [];
  const clintIrqs: number[] = [];
  for (let i = 0; i < n; i++) {
    plicIrqs.push(intcPh(i), 11, intcPh(i), 9);
    clintIrqs.push(intcPh(i), 3, intcPh(i), 7);
  }
  soc.child(`plic@${hex(VIRT.plic.base)}`)
    .prop('phandle', plicPh)
    .prop('riscv,ndev', VIRT_PLIC_NDEV)
    .prop('reg', cells64(VIRT.plic.base, VIRT.plic.size))
    .prop('interrupts-extended', plicIrqs)
    .prop('interrupt-controller', true)
    .prop('compatible', ['sifive,plic-1.0.0', 'riscv,plic0'])
    .prop('#address-cells', 0)
    .prop('#interrupt-cells', 1);
  soc.child(`clint@${hex(VIRT.clint.base)}`)
    .prop('interrupts-extended', clintIrqs)
    .prop('reg', cells64(VIRT.clint.base, VIRT.clint.size))
    .prop('compatible', ['sifive,clint0', 'riscv,clint0']);
  return root;
}

/** The DTB for `cfg`. */
export function buildVirtDtb(cfg: VirtDtConfig): Uint8Array {
  return encodeDtb(buildVirtTree(cfg));
}
