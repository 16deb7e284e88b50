/* Sv39 PTE bits and the M -> S/U round trips of the paging tests (tlb.S, ptwatch.S): each
   S_* / U_* macro runs `label` in that mode and expects the trap (trap.h's handler resumes at
   s11) to be an ecall (OK) or the given fault with tval a0 (FAULT). */
#define V 1
#define R 2
#define W 4
#define X 8
#define U 16
#define A 64
#define D 128
#define SUM (1 << 18)
#define GO_S(label) la t0, label; csrw mepc, t0; li t0, 3 << 11; csrc mstatus, t0; li t0, 1 << 11; csrs mstatus, t0; mret
#define GO_U(label) la t0, label; csrw mepc, t0; li t0, 3 << 11; csrc mstatus, t0; mret
#define S_FAULT(code, label, cause) la s11, 91f; GO_S(label); 91: CHECK(code, s8, cause); CHECKR(code, s10, a0)
#define S_OK(code, label) la s11, 91f; GO_S(label); 91: CHECK(code, s8, 9)
#define U_OK(code, label) la s11, 91f; GO_U(label); 91: CHECK(code, s8, 8)
#define U_FAULT(code, label, cause) la s11, 91f; GO_U(label); 91: CHECK(code, s8, cause); CHECKR(code, s10, a0)
#define SETSATP(root) la t0, root; srli t0, t0, 12; li t1, 8 << 60; or t0, t0, t1; csrw satp, t0
