#!/bin/sh
# mkdisk.sh FILE - make the sample kernel's 64 KiB disk: a message at the
# start of sector 0 and a zero boot counter (u32, little endian) at byte 508.
set -e
out=${1:-disk.img}
dd if=/dev/zero of="$out" bs=1024 count=64 status=none
printf 'Hello from sector 0 of disk.img!' | dd of="$out" conv=notrunc status=none
