# rvrr guest fuzz trap handler (M-mode). mscratch -> save area S:
# S+0..39 t0..t4, S+40 mstatus to restore, S+48 log index, S+56 region start, S+64 region end,
# S+256 log: 128 entries of 32 bytes (mcause, mepc, mtval, mstatus).
  .option norvc
  .globl handler
handler:
  csrrw t6, mscratch, t6
  sd t0, 0(t6)
  sd t1, 8(t6)
  sd t2, 16(t6)
  sd t3, 24(t6)
  sd t4, 32(t6)
  csrr t0, mcause
  csrr t1, mepc
  csrr t2, mtval
  ld t3, 48(t6)
  andi t4, t3, 127
  slli t4, t4, 5
  add t4, t4, t6
  sd t0, 256(t4)
  sd t1, 264(t4)
  sd t2, 272(t4)
  csrr t2, mstatus
  sd t2, 280(t4)
  addi t3, t3, 1
  sd t3, 48(t6)
  bltz t0, irq
  ld t2, 56(t6)
  bltu t1, t2, restart
  ld t2, 64(t6)
  bgeu t1, t2, restart
  beqz t0, restart
  li t2, 1
  beq t0, t2, restart
  li t2, 12
  beq t0, t2, restart
  lhu t2, 0(t1)
  andi t2, t2, 3
  addi t1, t1, 2
  li t0, 3
  bne t2, t0, 1f
  addi t1, t1, 2
1:
  csrw mepc, t1
  j out
restart:
  ld t1, 56(t6)
  csrw mepc, t1
  j out
irq:
  csrw mie, zero
  csrw mip, zero
out:
  ld t0, 40(t6)
  csrw mstatus, t0
  ld t0, 0(t6)
  ld t1, 8(t6)
  ld t2, 16(t6)
  ld t3, 24(t6)
  ld t4, 32(t6)
  csrrw t6, mscratch, t6
  mret
