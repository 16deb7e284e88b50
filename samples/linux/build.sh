#!/bin/sh
# Builds the rvrr Linux sample: a small riscv64 kernel from Debian's
# linux-source-6.1 and an initramfs holding only our init (init.c).
#
#   samples/linux/build.sh [WORKDIR]      (default WORKDIR: /tmp/linux)
#
# Needs Debian packages (installed with apt-get if missing, as root):
#   linux-source-6.1 gcc-riscv64-linux-gnu flex bison bc libssl-dev libelf-dev
# Nothing else is fetched. The kernel and its source stay in WORKDIR and are
# never committed. Takes ~15 minutes with make -j2.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
work=${1:-/tmp/linux}
src=$work/linux-source-6.1
tarball=/usr/src/linux-source-6.1.tar.xz
jobs=${JOBS:-2}
export ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu-

need=""
[ -f "$tarball" ] || need="$need linux-source-6.1"
for tool in riscv64-linux-gnu-gcc:gcc-riscv64-linux-gnu flex:flex bison:bison bc:bc; do
	command -v "${tool%%:*}" >/dev/null 2>&1 || need="$need ${tool#*:}"
done
[ -f /usr/include/openssl/ssl.h ] || need="$need libssl-dev"
[ -f /usr/include/libelf.h ] || need="$need libelf-dev"
if [ -n "$need" ]; then
	echo "build.sh: installing$need"
	# A fresh machine has no package lists yet: install would find nothing.
	apt-get update
	apt-get install -y $need
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

# Init: static, no libc, raw system calls.
riscv64-linux-gnu-gcc -static -nostdlib -ffreestanding -fno-stack-protector \
	-O2 -o "$work/init" "$here/init.c"

# Initramfs: newc cpio, gzip. /dev/console must exist for the kernel to give
# init its stdin/stdout/stderr; gen_init_cpio makes the node without root.
cat > "$work/initramfs.list" <<LIST
dir /dev 755 0 0
nod /dev/console 600 0 0 c 5 1
file /init $work/init 755 0 0
LIST
usr/gen_init_cpio "$work/initramfs.list" | gzip -9 > "$work/initramfs.cpio.gz"

echo
echo "Built $src/arch/riscv/boot/Image and $work/initramfs.cpio.gz"
echo "On rvrr (from the repository root, after npx tsc -p .):"
echo "  node dist/cli.js run --bios opensbi --kernel $src/arch/riscv/boot/Image \\"
echo "    --initrd $work/initramfs.cpio.gz --append console=ttyS0 --memory 256M"
echo "On QEMU:"
echo "  qemu-system-riscv64 -machine virt -nographic -m 256M \\"
echo "    -bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin \\"
echo "    -kernel $src/arch/riscv/boot/Image -initrd $work/initramfs.cpio.gz -append console=ttyS0"
