/**
 * The parts of the WebAssembly JS API the wasm tier uses. Node has it as a global, but the
 * project compiles with lib ES2022 only (no DOM, where TypeScript declares it).
 */
declare global {
  namespace WebAssembly {
    class Memory {
      constructor(d: { initial: number; maximum?: number });
      readonly buffer: ArrayBuffer;
    }
    class Module {
      constructor(bytes: Uint8Array);
    }
    class Instance {
      constructor(m: Module, imports: Record<string, Record<string, ImportValue>>);
      readonly exports: Record<string, unknown>;
    }
    class Table {
      constructor(d: { initial: number; element: 'anyfunc' });
      set(i: number, f: unknown): void;
      grow(delta: number): number;
      readonly length: number;
    }
    type ImportValue = Memory | Table | number | ((...args: number[]) => number | void);
  }
}
export {};
