/**
 * Where samples/linux/build.sh leaves the Linux sample (default /tmp/linux, or $RVRR_LINUX),
 * and the rvrr and QEMU command lines that boot it as its README gives them.
 */
import * as path from 'node:path';

/** The sample's files in a build.sh work directory. */
export interface LinuxFiles {
  image: string;
  vmlinux: string;
  initrd: string;
  disk: string;
}

export function linuxFiles(dir = process.env.RVRR_LINUX ?? '/tmp/linux'): LinuxFiles {
  const src = path.join(dir, 'linux-source-6.1');
  return {
    image: path.join(src, 'arch/riscv/boot/Image'),
    vmlinux: path.join(src, 'vmlinux'),
    initrd: path.join(dir, 'initramfs.cpio.gz'),
    disk: path.join(dir, 'disk.ext2'),
  };
}

/** `rvrr run` arguments (the command build.sh prints), with `smp` harts. */
export function rvrrLinuxArgs(f: LinuxFiles, smp: number, command = 'run'): string[] {
  return [command, '--bios', 'opensbi', '--kernel', f.image, '--initrd', f.initrd, '--append', 'console=ttyS0',
    '--memory', '256M', '--smp', String(smp), '--drive', f.disk];
}

/** QEMU 7.2 arguments for the same boot; the disk is never written (snapshot=on). */
export function qemuLinuxArgs(f: LinuxFiles, smp: number): string[] {
  return ['-machine', 'virt', '-nographic', '-m', '256M', '-smp', String(smp),
    '-bios', '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin',
    '-kernel', f.image, '-initrd', f.initrd, '-append', 'console=ttyS0',
    '-drive', `file=${f.disk},format=raw,if=none,id=vda,snapshot=on`, '-device', 'virtio-blk-device,drive=vda',
    // rvrr's RTC starts at this fixed date (determinism); QEMU's would read the host clock.
    '-rtc', 'base=2026-01-01T00:00:00'];
}
