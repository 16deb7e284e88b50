/* Start-up for the C guest programs: stack, FPU on, .bss cleared, main(hartid), then the
   return value goes to the sifive_test device (0 = pass 0x5555, n = fail (n<<16)|0x3333). */
  .section .text.init
  .globl _start
_start:
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  la sp, __stack_top
  li t0, 1 << 13              /* mstatus.FS = Initial */
  csrs mstatus, t0
  csrwi fcsr, 0
  la t0, __bss_start
  la t1, __bss_end
1: bgeu t0, t1, 2f
  sd zero, 0(t0)
  addi t0, t0, 8
  j 1b
2: call main
  .globl _exit
_exit:
  li t0, 0x100000
  beqz a0, 3f
  slli a0, a0, 16
  li t1, 0x3333
  or t1, t1, a0
  sw t1, 0(t0)
  j .
3: li t1, 0x5555
  sw t1, 0(t0)
  j .
