# Runs a table of F/D instructions on QEMU (the reference) and prints the results.
# Vectors are loaded raw at 0x80200000 (qemu -device loader): u64 count, then 40-byte records
#   +0 insn (u32)  +4 fcsr before (u32)  +8 f1  +16 f2  +24 f4 (raw 64-bit)  +32 x6
# Each instruction is patched into `slot` and called; it may use f1, f2, f4, x6 as sources and
# f3 or x5 as destination. One line per record: f3, x5, fcsr after, as 16-digit hex.
# Exit through sifive_test: pass after the last record, fail(1) on any trap.
  .section .text.init
  .globl _start
_start:
  la sp, __stack_top
  li t0, 0x2000                 # mstatus.FS = Initial
  csrs mstatus, t0
  la t0, trap
  csrw mtvec, t0
  li s0, 0x80200000
  ld s1, 0(s0)
  addi s0, s0, 8
  li s2, 0x10000000             # UART0 THR
loop:
  beqz s1, done
  lwu t2, 4(s0)
  csrw fcsr, t2
  ld t2, 8(s0)
  fmv.d.x f1, t2
  ld t2, 16(s0)
  fmv.d.x f2, t2
  ld t2, 24(s0)
  fmv.d.x f4, t2
  fmv.d.x f3, zero
  ld t1, 32(s0)
  li t0, 0
  lwu t2, 0(s0)
  la t3, slot
  sw t2, 0(t3)
  fence.i
  jalr ra, 0(t3)
  fmv.x.d s3, f3
  mv s4, t0
  csrr s5, fcsr
  mv a0, s3
  jal puthex
  mv a0, s4
  jal puthex
  mv a0, s5
  jal puthex
  li a3, 10
  jal putc
  addi s0, s0, 40
  addi s1, s1, -1
  j loop
done:
  li t0, 0x100000
  li t1, 0x5555
  sw t1, 0(t0)
1: j 1b

# Print a0 as 16 hex digits and a space (clobbers a1-a3, t5).
puthex:
  li a1, 60
2:
  srl a2, a0, a1
  andi a2, a2, 15
  addi a3, a2, 48
  li a2, 58
  blt a3, a2, 3f
  addi a3, a3, 39
3:
  mv t5, ra
  jal putc
  mv ra, t5
  addi a1, a1, -4
  bgez a1, 2b
  li a3, 32
  j putc

# Send a3 once the transmitter holding register is empty (LSR.THRE), so no byte is dropped.
putc:
  lbu a2, 5(s2)
  andi a2, a2, 0x20
  beqz a2, putc
  sb a3, 0(s2)
  ret

trap:
  li t0, 0x100000
  li t1, 0x13333                # fail, code 1
  sw t1, 0(t0)
4: j 4b

  .data
  .align 3
slot:
  .word 0x00000013              # patched instruction
  .word 0x00008067              # ret
