/**
 * The reset vector of the virt board (mask ROM at 0x1000), doing what QEMU's does: every
 * hart starts here in M-mode, loads a0 = mhartid, a1 = the DTB address, a2 = the address of
 * an OpenSBI `fw_dynamic_info` block, and jumps to the start address (firmware or kernel).
 * The DTB is placed near the top of RAM the way QEMU 7.2 places it.
 */

/** OpenSBI fw_dynamic_info magic ("OSBI") and the version QEMU 7.2 writes. */
export const FW_DYNAMIC_INFO_MAGIC = 0x4942534f;
export const FW_DYNAMIC_INFO_VERSION = 2;
/** fw_dynamic_info.next_mode: the privilege the firmware enters the next stage in (S). */
export const FW_DYNAMIC_NEXT_MODE_S = 1;

/** Offsets inside the ROM image. */
export const BOOT_ROM_START_ADDR_OFFSET = 0x18;
export const BOOT_ROM_FDT_ADDR_OFFSET = 0x20;
export const BOOT_ROM_FW_DYNAMIC_OFFSET = 0x28;

export interface BootRomParams {
  /** Where the ROM is mapped (0x1000). */
  romBase: number;
  /** Size of the mapped ROM region; the image is zero-padded to it. */
  romSize: number;
  /** Address the reset vector jumps to. */
  startAddr: number;
  /** Physical address of the DTB (a1). */
  fdtAddr: number;
  /** fw_dynamic_info.next_addr: where the firmware should enter the kernel (0 if none). */
  kernelEntry: number;
}

/** Build the ROM image. */
export function buildBootRom(p: BootRomParams): Uint8Array {
  const rom = new Uint8Array(p.romSize);
  const dv = new DataView(rom.buffer);
  const code = [
    0x00000297, // auipc t0, 0            t0 = romBase
    0x02828613, // addi  a2, t0, 0x28     a2 = &fw_dynamic_info
    0xf1402573, // csrr  a0, mhartid
    0x0202b583, // ld    a1, 0x20(t0)     a1 = fdt address
    0x0182b283, // ld    t0, 0x18(t0)     t0 = start address
    0x00028067, // jr    t0
  ];
  code.forEach((w, i) => dv.setUint32(i * 4, w, true));
  dv.setBigUint64(BOOT_ROM_START_ADDR_OFFSET, BigInt(p.startAddr), true);
  dv.setBigUint64(BOOT_ROM_FDT_ADDR_OFFSET, BigInt(p.fdtAddr), true);
  // struct fw_dynamic_info { magic, version, next_addr, next_mode, options, boot_hart } (64-bit each)
  const info = [FW_DYNAMIC_INFO_MAGIC, FW_DYNAMIC_INFO_VERSION, p.kernelEntry, FW_DYNAMIC_NEXT_MODE_S, 0, 0];
  info.forEach((v, i) => dv.setBigUint64(BOOT_ROM_FW_DYNAMIC_OFFSET + i * 8, BigInt(v), true));
  return rom;
}

const MiB = 1024 * 1024;

/**
 * Where QEMU 7.2 loads the DTB: as high as possible so the kernel and initrd do not overwrite
 * it, but below 3 GiB so a 32-bit guest can reach it, aligned down to 2 MiB.
 */
export function fdtLoadAddr(dramBase: number, memoryBytes: number, fdtSize: number): number {
  const dramEnd = dramBase + memoryBytes;
  const top = dramBase < 3072 * MiB ? Math.min(dramEnd, 3072 * MiB) : dramEnd;
  return Math.floor((top - fdtSize) / (2 * MiB)) * 2 * MiB;
}

/**
 * Where QEMU 7.2 loads an initrd: far enough above the kernel that decompressing it does not
 * clobber it: half of RAM on small boards, 128 MiB above the kernel on big ones.
 */
export function initrdLoadAddr(kernelEntry: number, memoryBytes: number): number {
  return kernelEntry + Math.min(memoryBytes / 2, 128 * MiB);
}

/** Where a raw kernel image goes after the firmware: the next 2 MiB boundary (0x80200000 for OpenSBI). */
export function kernelStartAddr(firmwareEnd: number): number {
  return Math.ceil(firmwareEnd / (2 * MiB)) * 2 * MiB;
}
