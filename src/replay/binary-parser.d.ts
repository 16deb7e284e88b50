// binary-parser 2.x ships its typings beside the CommonJS build only; its "exports" map gives
// the ESM entry no types, so NodeNext resolution sees an untyped module. Point it at them.
declare module 'binary-parser' {
  export * from 'binary-parser/dist/binary_parser.js';
}
