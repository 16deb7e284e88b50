#!/bin/sh
# Builds the rvrr Linux sample: a small riscv64 kernel from Debian's
# linux-source-6.1 and an initramfs holding only our init (init.c).
#
#   samples/linux/build.sh [WORKDIR]      (default WORKDIR: /tmp/linux)
#
# Needs Debian packages (installed with apt-get if missing, as root):
#   linux-source-6.1 gcc-riscv64-linux-gnu libc6-dev-riscv64-cross flex bison bc
#   libssl-dev libelf-dev make gcc e2fsprogs xz-utils gzip
# Nothing else is fetched. The kernel and its source stay in WORKDIR and are
# never committed. Takes ~4 minutes with make -j2 (JOBS=N to change).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
work=${1:-/tmp/linux}
src=$work/linux-source-6.1
tarball=/usr/src/linux-source-6.1.tar.xz
jobs=${JOBS:-2}
export ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu-

need=""
[ -f "$tarball" ] || need="$need linux-source-6.1"
for tool in riscv64-linux-gnu-gcc:gcc-riscv64-linux-gnu flex:flex bison:bison bc:bc \
	make:make gcc:gcc mke2fs:e2fsprogs xz:xz-utils gzip:gzip; do
	command -v "${tool%%:*}" >/dev/null 2>&1 || need="$need ${tool#*:}"
done
[ -f /usr/include/openssl/ssl.h ] || need="$need libssl-dev"
[ -f /usr/include/libelf.h ] || need="$need libelf-dev"
[ -f /usr/riscv64-linux-gnu/lib/libc.a ] || need="$need libc6-dev-riscv64-cross"
if [ -n "$need" ]; then
	echo "build.sh: installing$need"
	# A fresh machine has no package lists yet: install would find nothing.
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi

mkdir -p "$work"
if [ ! -f "$src/Makefile" ]; then
	echo "build.sh: unpacking $tarball into $work"
	tar -C "$work" -xJf "$tarball"
fi

# Kernel: tinyconfig plus our fragment, then let Kconfig fill in the rest.
cd "$src"
make -s tinyconfig
scripts/kconfig/merge_config.sh -m .config "$here/rvrr.config" >/dev/null
make -s olddefconfig
for sym in $(grep -o '^CONFIG_[A-Z0-9_]*=[^ ]*' "$here/rvrr.config"); do
	grep -qx "$sym" .config || { echo "build.sh: $sym did not stick in .config" >&2; exit 1; }
done
make -j"$jobs" Image
make -s usr/gen_init_cpio

# Init: ours, static glibc.
riscv64-linux-gnu-gcc -static -O2 -Wall -o "$work/init" "$here/init.c"

# Initramfs: newc cpio, gzip. /dev/console must exist for the kernel to give
# init its stdin/stdout/stderr; gen_init_cpio makes the node without root.
cat > "$work/initramfs.list" <<LIST
dir /dev 755 0 0
nod /dev/console 600 0 0 c 5 1
dir /proc 755 0 0
dir /sys 755 0 0
dir /mnt 755 0 0
file /init $work/init 755 0 0
LIST
usr/gen_init_cpio "$work/initramfs.list" | gzip -9 > "$work/initramfs.cpio.gz"

# Disk: an 8 MiB ext2 image with one file for init to read (no root needed:
# mke2fs -d copies a directory in). Neither rvrr nor QEMU (snapshot=on) writes
# it back, so every boot starts from the same disk.
rm -rf "$work/disk"
mkdir -p "$work/disk"
echo "hello from the ext2 image" > "$work/disk/hello.txt"
rm -f "$work/disk.ext2"
mke2fs -q -t ext2 -b 1024 -L rvrr -E root_owner=0:0 -d "$work/disk" "$work/disk.ext2" 8M

echo
echo "Built $src/arch/riscv/boot/Image, $work/initramfs.cpio.gz and $work/disk.ext2"
echo "On rvrr (from the repository root, after npx tsc -p .):"
echo "  node dist/cli.js run --bios opensbi --kernel $src/arch/riscv/boot/Image \\"
echo "    --initrd $work/initramfs.cpio.gz --append console=ttyS0 --memory 256M \\"
echo "    --smp 4 --drive $work/disk.ext2"
echo "On QEMU:"
echo "  qemu-system-riscv64 -machine virt -nographic -m 256M -smp 4 \\"
echo "    -bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin \\"
echo "    -kernel $src/arch/riscv/boot/Image -initrd $work/initramfs.cpio.gz -append console=ttyS0 \\"
echo "    -drive file=$work/disk.ext2,format=raw,if=none,id=vda,snapshot=on -device virtio-blk-device,drive=vda \\"
echo "    -rtc base=2026-01-01T00:00:00"
