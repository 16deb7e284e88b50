/**
 * Where Debian's U-Boot (qemu-riscv64_smode, shipped without symbols) receives a frame in its
 * virtio-net driver, found from its uboot.elf the way one would by hand: the "virtio-net"
 * driver entry in the __u_boot_list section points to its eth_ops; eth_ops.recv is the third
 * pointer; in recv, the first `c.beqz a0` tests virtqueue_get_buf's result, so the
 * instruction after it runs only when a buffer came back (a0 = the buffer, header first).
 */
import * as fs from 'node:fs';

export const UBOOT_ELF = '/usr/lib/u-boot/qemu-riscv64_smode/uboot.elf';

interface Section {
  name: string;
  addr: number;
  offset: number;
  size: number;
}

function sections(f: Buffer): Section[] {
  const shoff = Number(f.readBigUInt64LE(0x28));
  const shentsize = f.readUInt16LE(0x3a);
  const shnum = f.readUInt16LE(0x3c);
  const shstrndx = f.readUInt16LE(0x3e);
  const raw = Array.from({ length: shnum }, (_, i) => {
    const o = shoff + i * shentsize;
    return { nameOff: f.readUInt32LE(o), addr: Number(f.readBigUInt64LE(o + 0x10)), offset: Number(f.readBigUInt64LE(o + 0x18)), size: Number(f.readBigUInt64LE(o + 0x20)) };
  });
  const strtab = raw[shstrndx];
  return raw.map((s) => {
    const start = strtab.offset + s.nameOff;
    return { name: f.toString('latin1', start, f.indexOf(0, start)), addr: s.addr, offset: s.offset, size: s.size };
  });
}

/** Link-time address of the "frame received" instruction of U-Boot's virtio_net_recv. */
export function ubootNetRecvHitLinkAddr(file = UBOOT_ELF): number {
  const f = fs.readFileSync(file);
  const secs = sections(f);
  const inFile = (va: number): number => {
    const s = secs.find((x) => x.addr !== 0 && va >= x.addr && va < x.addr + x.size);
    if (!s) throw new Error(`address 0x${va.toString(16)} is in no section of ${file}`);
    return s.offset + (va - s.addr);
  };
  const u64 = (va: number): number => Number(f.readBigUInt64LE(inFile(va)));
  const rodata = secs.find((s) => s.name === '.rodata')!;
  const nameOff = f.indexOf(Buffer.from('virtio-net\0', 'latin1'), rodata.offset);
  if (nameOff < 0 || nameOff >= rodata.offset + rodata.size) throw new Error('no "virtio-net" string in .rodata');
  const nameVa = rodata.addr + (nameOff - rodata.offset);
  // struct driver: name @0, id @8, ..., ops @0x68 (U-Boot 2023.01's layout).
  const list = secs.find((s) => s.name === '__u_boot_list')!;
  let drv = -1;
  for (let va = list.addr; va + 8 <= list.addr + list.size; va += 8) {
    if (u64(va) === nameVa && u64(va + 8) !== 0 && u64(va + 8) < 0x100) {
      drv = va;
      break;
    }
  }
  if (drv < 0) throw new Error('no virtio-net driver entry in __u_boot_list');
  const ops = u64(drv + 0x68);
  const recv = u64(ops + 16);
  for (let pc = recv; pc < recv + 64; ) {
    const insn = f.readUInt16LE(inFile(pc));
    if ((insn & 0xe383) === 0xc101) return pc + 2; // c.beqz a0, ...
    pc += (insn & 3) === 3 ? 4 : 2;
  }
  throw new Error(`no c.beqz a0 near virtio_net_recv at 0x${recv.toString(16)}`);
}
