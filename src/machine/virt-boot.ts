/**
 * Boot planning for the virt board: validate the options and decide where every image goes,
 * as QEMU 7.2 does, before anything runs. Every problem is a VirtConfigError whose message
 * is one line naming it.
 *
 * - `bios: 'none'`: the kernel must be an ELF; its segments load at their physical
 *   addresses and the boot ROM jumps to its entry in M-mode.
 * - firmware (raw binary or ELF): loaded at 0x80000000 (an ELF at its own addresses), the
 *   boot ROM jumps to it with a1 = DTB and a2 = fw_dynamic_info whose next_addr is the
 *   kernel entry; a kernel ELF loads at its addresses, a raw kernel at the first 2 MiB
 *   boundary after the firmware (0x80200000 for OpenSBI).
 * - the initrd at kernel entry + min(RAM/2, 128 MiB); the DTB at the top of RAM (below
 *   3 GiB) aligned down to 2 MiB.
 */
import { ElfError, isElf, parseElf, type ElfImage } from './elf.js';
import { fdtLoadAddr, initrdLoadAddr, kernelStartAddr } from './boot-rom.js';
import { buildVirtDtb } from './virt-dt.js';
import { VIRT, VIRT_MAX_HARTS } from './memmap.js';

/** Options of the virt board (CLI names in parentheses). */
export interface VirtOptions {
  /** RAM size in bytes (`--memory`); default 128 MiB. A multiple of 4 KiB, at least 1 MiB. */
  memoryBytes?: number;
  /** Number of harts (`--smp`), 1..8; default 1. */
  smp?: number;
  /**
   * Steps a hart runs before the next hart takes its turn (DEFAULT_QUANTUM unless told; a
   * recording replays with the quantum it was made with). The interleaving of harts is a
   * function of it, as of the inputs: every back end follows it exactly.
   */
  quantum?: number;
  /** Kernel (`--kernel`): an ELF, or a raw image when firmware is given. */
  kernel?: Uint8Array;
  /** Firmware (`--bios`): 'none' (default) or a raw binary / ELF loaded at 0x80000000. */
  bios?: 'none' | Uint8Array;
  /** Raw disk image for virtio-blk in slot 0 (`--drive`); size a multiple of 512. Never written. */
  drive?: Uint8Array;
  /** Use the legacy (version 1) virtio-mmio register layout (`--drive-legacy`). */
  driveLegacy?: boolean;
  /** A virtio-net card in slot 1 (`--net`); absent by default. */
  net?: VirtNetOptions;
  /** Receives the frames the guest sends on a 'link' network (not called for the built-in peer). */
  onNetTransmit?: (frame: Uint8Array) => void;
  /** Initial ramdisk (`--initrd`); needs a kernel. */
  initrd?: Uint8Array;
  /** Kernel command line (`--append`), /chosen/bootargs. */
  append?: string;
  /** Receives the bytes the guest writes to the UART. */
  onConsoleOutput?: (bytes: Uint8Array) => void;
  /**
   * Compile hot guest code to JavaScript (default true); false interprets every instruction
   * (`--no-jit`). Either way the machine computes exactly the same states.
   */
  jit?: boolean;
  /**
   * With `jit`, compile hot blocks to WebAssembly (default true, `--jit=wasm`) rather than to
   * JavaScript (false, `--jit=js`). Same states either way.
   */
  jitWasm?: boolean;
  /**
   * Bytes the history's snapshots may hold beside RAM (`--snapshot-memory`; default the RAM's
   * size): the wasm memory holding guest pages is sized for RAM and history together.
   */
  historyBytes?: number;
  /**
   * Executions of an instruction before a block is compiled from it (default 4000). Tests set
   * it low to put every bit of code through the compiler.
   */
  jitThreshold?: number;
  /** Goldfish RTC time at virtual time 0, nanoseconds since the Unix epoch (default 0). */
  rtcEpochNs?: number;
}

/** The network card and what is at the other end of its link. */
export interface VirtNetOptions {
  /**
   * 'user': the built-in peer (ARP, ICMP echo, DHCP), part of the machine; 'link': frames go
   * to `onNetTransmit` and arrive as logged 'net' inputs (a host socket, or a replayed log).
   */
  peer: 'user' | 'link';
  /** The card's MAC address (default 52:54:00:12:34:56, as QEMU's first card). */
  mac?: Uint8Array;
  /** Legacy (version 1) virtio-mmio register layout. */
  legacy?: boolean;
}

/** A bad board configuration (message: one line, names the problem). */
export class VirtConfigError extends Error {
  override name = 'VirtConfigError';
}

/** A piece of RAM that an image occupies. */
export interface BootRegion {
  /** 'firmware', 'kernel segment 1', 'initrd', 'device tree', ... */
  name: string;
  start: number;
  end: number;
  /** Bytes to copy at `start` (the rest up to `end` is zero). */
  data: Uint8Array;
}

/** Steps a hart runs before the next one's turn, unless told otherwise. */
export const DEFAULT_QUANTUM = 10_000;
/** The quantum of recordings that do not name one (made before it was recorded). */
export const LEGACY_QUANTUM = 1000;

/** The decided layout. */
export interface BootPlan {
  memoryBytes: number;
  smp: number;
  quantum: number;
  /** Where the boot ROM jumps (firmware, or the kernel entry with bios none). */
  startAddr: number;
  /** fw_dynamic_info.next_addr: the kernel entry (0 without a kernel). */
  kernelEntry: number;
  dtbAddr: number;
  dtb: Uint8Array;
  initrd?: { start: number; end: number };
  /** Images to copy into RAM (the DTB excluded), in load order. */
  regions: BootRegion[];
  /** Parsed kernel ELF, if the kernel is one (for symbols). */
  kernelElf?: ElfImage;
}

const MiB = 2 ** 20;
const hex = (n: number): string => '0x' + n.toString(16);
const range = (r: { start: number; end: number }): string => `[${hex(r.start)}, ${hex(r.end)})`;

function sizeText(bytes: number): string {
  return bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${bytes} bytes`;
}

function elfOf(bytes: Uint8Array, what: string): ElfImage {
  try {
    return parseElf(bytes);
  } catch (e) {
    if (e instanceof ElfError) throw new VirtConfigError(`${what}: ${e.message}`);
    throw e;
  }
}

/** Validate `opts` and lay out the images. Throws VirtConfigError. */
export function planBoot(opts: VirtOptions): BootPlan {
  const memoryBytes = opts.memoryBytes ?? 128 * MiB;
  const smp = opts.smp ?? 1;
  if (!Number.isInteger(smp) || smp < 1 || smp > VIRT_MAX_HARTS) {
    throw new VirtConfigError(`smp ${smp} out of range: the virt board has 1 to ${VIRT_MAX_HARTS} harts`);
  }
  const quantum = opts.quantum ?? DEFAULT_QUANTUM;
  if (!Number.isSafeInteger(quantum) || quantum < 1) throw new VirtConfigError(`quantum ${quantum}: must be a whole number of steps, at least 1`);
  if (!Number.isInteger(memoryBytes) || memoryBytes < MiB || memoryBytes % 4096 !== 0) {
    throw new VirtConfigError(`bad memory size ${memoryBytes}: must be a whole number of 4 KiB pages, at least 1 MiB`);
  }
  const ramBase = VIRT.dram.base;
  const ramEnd = ramBase + memoryBytes;
  const bios = opts.bios ?? 'none';
  if (opts.drive !== undefined) {
    if (opts.drive.length === 0) throw new VirtConfigError('disk image is empty');
    if (opts.drive.length % 512 !== 0) {
      throw new VirtConfigError(`disk image size ${opts.drive.length} bytes is not a multiple of 512`);
    }
  }

  const regions: BootRegion[] = [];
  /** Add an image's range, checking it fits in RAM. */
  const place = (name: string, start: number, end: number, data: Uint8Array, what: string): void => {
    if (start < ramBase) {
      throw new VirtConfigError(`${name} ${range({ start, end })} lies outside RAM ${range({ start: ramBase, end: ramEnd })}`);
    }
    if (end > ramEnd) {
      throw new VirtConfigError(
        `too little memory for the ${what}: ${name} ${start >= ramEnd ? `starts at ${hex(start)}` : `ends at ${hex(end)}`} but ${sizeText(memoryBytes)} of RAM end at ${hex(ramEnd)}`,
      );
    }
    regions.push({ name, start, end, data });
  };
  const placeElf = (img: ElfImage, what: string): { end: number } => {
    let end = 0;
    for (const s of img.segments) {
      place(`${what} segment ${s.index}`, s.paddr, s.paddr + s.memsz, s.data, what);
      end = Math.max(end, s.paddr + s.memsz);
    }
    return { end };
  };

  let startAddr: number;
  let kernelEntry = 0;
  let kernelElf: ElfImage | undefined;
  if (bios === 'none') {
    if (opts.kernel === undefined) throw new VirtConfigError('no kernel given: with --bios none a kernel ELF is required');
    kernelElf = elfOf(opts.kernel, 'kernel');
    placeElf(kernelElf, 'kernel');
    kernelEntry = kernelElf.entryPhys;
    startAddr = kernelEntry;
  } else {
    if (bios.length === 0) throw new VirtConfigError('firmware image is empty');
    let fwEnd: number;
    if (isElf(bios)) {
      const fw = elfOf(bios, 'firmware');
      fwEnd = placeElf(fw, 'firmware').end;
      startAddr = fw.entryPhys;
    } else {
      place('firmware', ramBase, ramBase + bios.length, bios, 'firmware');
      fwEnd = ramBase + bios.length;
      startAddr = ramBase;
    }
    if (opts.kernel !== undefined) {
      if (isElf(opts.kernel)) {
        kernelElf = elfOf(opts.kernel, 'kernel');
        placeElf(kernelElf, 'kernel');
        kernelEntry = kernelElf.entryPhys;
      } else {
        if (opts.kernel.length === 0) throw new VirtConfigError('kernel image is empty');
        kernelEntry = kernelStartAddr(fwEnd);
        place('kernel', kernelEntry, kernelEntry + opts.kernel.length, opts.kernel, 'kernel');
      }
    }
  }

  let initrd: { start: number; end: number } | undefined;
  if (opts.initrd !== undefined) {
    if (opts.kernel === undefined) throw new VirtConfigError('an initrd needs a kernel');
    const start = initrdLoadAddr(kernelEntry, memoryBytes);
    initrd = { start, end: start + opts.initrd.length };
    place('initrd', start, initrd.end, opts.initrd, 'initrd');
  }

  const dtb = buildVirtDtb({
    memoryBytes,
    smp,
    virtioSlots: Array.from({ length: VIRT.virtio.count }, (_, k) => k),
    bootargs: opts.append,
    initrd,
  });
  const dtbAddr = fdtLoadAddr(ramBase, memoryBytes, dtb.length);
  const dtbRegion = { name: 'device tree', start: dtbAddr, end: dtbAddr + dtb.length };
  if (dtbAddr < ramBase) throw new VirtConfigError(`too little memory for the device tree (${dtb.length} bytes)`);

  // No two images may share a byte: the later one would silently corrupt the earlier.
  const all = [...regions, dtbRegion];
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const a = all[i], b = all[j];
      if (a.start < b.end && b.start < a.end) {
        // The device tree goes near the top of RAM (as on QEMU): hitting it means RAM is too small.
        const hint = b === dtbRegion ? `: too little memory (${memoryBytes / 2 ** 20} MiB) for the images and the device tree; try a larger --memory` : '';
        throw new VirtConfigError(`${b.name} ${range(b)} overlaps ${a.name} ${range(a)}${hint}`);
      }
    }
  }
  // An image that ends above the DTB's aligned slot would be hit by it on QEMU too; reported above as overlap.
  return { memoryBytes, smp, quantum, startAddr, kernelEntry, dtbAddr, dtb, initrd, regions, kernelElf };
}
