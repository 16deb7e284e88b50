/** A pre-decoded instruction: the handler and its operands, cached per physical code page. */
import type { Hart } from './hart.js';
import type { Block } from './block.js';

/** Executes one instruction. `h.pc` is its address; it sets `h.npc` to jump. */
export type Exec = (h: Hart, op: Op) => void;

export class Op {
  constructor(
    /** Handler named as the instruction in the spec. */
    readonly fn: Exec,
    /** 2*rd, 2*rs1, 2*rs2: indexes of the low words in the register arrays. */
    readonly d: number,
    readonly s1: number,
    readonly s2: number,
    /** Sign-extended immediate (or shamt, or CSR number). */
    readonly imm: number,
    /** The 32-bit instruction (the expansion for a compressed one). */
    readonly insn: number,
    /** The instruction as fetched: the 16-bit parcel for a compressed one (illegal-instruction tval). */
    readonly raw: number,
    /** 2 or 4. */
    readonly len: number,
    readonly name: string,
  ) {}

  /**
   * The compiled block starting at this instruction: undefined until it is hot, null when no
   * block can start here (see block.ts).
   */
  block: Block | null | undefined = undefined;
  /** Times the interpreter has executed this instruction while it had no block. */
  heat = 0;
}
