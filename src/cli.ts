#!/usr/bin/env node
/**
 * rvrr command line: run, record, serve, replay, info, index.
 */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { machineOptions, type MachineArgs } from './cli/machine-args.js';
import { DEFAULT_KEYFRAME_RULE } from './session/keyframes.js';
import { indexCommand, infoCommand, replayCommand, runCommand, serveCommand, type CommonArgs, type ServeArgs } from './cli/commands.js';

function common<T>(y: Argv<T>): Argv<T & CommonArgs> {
  return y
    .option('console', { type: 'string', default: 'stdio', describe: 'guest console: stdio, none or tcp:PORT (reach it with nc)' })
    .option('console-log', { type: 'string', describe: 'also append guest console output to this file' })
    .option('snapshot-memory', { type: 'string', default: '1G', describe: 'memory the history snapshots may use (e.g. 512M)' })
    .option('history-file', { type: 'string', describe: 'write snapshots the memory limit thins away to this file (a cache, deleted at exit) instead of losing them' })
    .option('clock', {
      type: 'string',
      choices: ['realtime', 'virtual'],
      describe: 'while the guest idles: follow host time (default on a terminal) or skip ahead at once',
    })
    .option('jit', {
      type: 'string',
      default: 'wasm',
      coerce: jitTier,
      describe: 'compile hot guest code to WebAssembly (wasm, the default) or to JavaScript (js); --no-jit interprets every instruction (same results, slower)',
    }) as Argv<T & CommonArgs>;
}

/** --jit's value: 'js', 'wasm', or false for --no-jit. */
function jitTier(v: unknown): 'js' | 'wasm' | false {
  if (v === false || v === 'false' || v === 'off') return false;
  if (v === 'js') return 'js';
  if (v === true || v === 'true' || v === 'wasm' || v === '') return 'wasm';
  throw new Error(`--jit ${String(v)}: expected js or wasm (or --no-jit)`);
}

function serveOptions<T>(y: Argv<T>): Argv<T & ServeArgs> {
  return y
    .option('port', { alias: 'p', type: 'number', default: 1234, describe: 'gdb port (0 picks a free one)' })
    .option('listen', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' }) as Argv<T & ServeArgs>;
}

/** Exit once everything written to stdout and stderr has been flushed (pipes are asynchronous). */
function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/** Run a command, turning errors into one clear line and a non-zero exit. */
function exec(p: () => Promise<number>): void {
  p().then(
    (code) => exitAfterFlush(code),
    (e: unknown) => {
      process.stderr.write(`rvrr: ${e instanceof Error ? e.message : String(e)}\n`);
      exitAfterFlush(1);
    },
  );
}

void yargs(hideBin(process.argv))
  .scriptName('rvrr')
  .usage('$0 <command> [options]\n\nA reverse debugger for RISC-V: a QEMU-virt-compatible RV64GC machine that records\neverything it does, served to gdb-multiarch with reverse execution.')
  .command(
    'serve',
    'start the machine halted and serve gdb (records from the first instruction)',
    (y) => serveOptions(common(machineOptions(y)))
      .example('$0 serve --kernel samples/hello/hello.elf', 'then: gdb-multiarch -x gdbinit samples/hello/hello.elf')
      .example('$0 serve --kernel samples/kernel/kernel.elf --drive samples/kernel/disk.img --port 0', 'any free port'),
    (a) => exec(() => serveCommand(a as unknown as MachineArgs & CommonArgs & ServeArgs)),
  )
  .command(
    'run',
    'run a guest with its console on the terminal; exit with its exit code',
    (y) => common(machineOptions(y))
      .example('$0 run --kernel samples/hello/hello.elf', 'bare-metal program in M-mode')
      .example('$0 run --bios opensbi --kernel /usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin', 'OpenSBI + U-Boot (Ctrl-A x quits)'),
    (a) => exec(() => runCommand(a as unknown as MachineArgs & CommonArgs)),
  )
  .command(
    'record',
    'run a guest and save everything it did to a recording file',
    (y) => common(machineOptions(y))
      .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'recording file to write (.rvrr)' })
      .option('keyframes', { type: 'boolean', default: true, describe: 'store machine states in the file so replay seeks fast (--no-keyframes: images and log only)' })
      .option('max-keyframes', { type: 'number', default: DEFAULT_KEYFRAME_RULE.maxCount, describe: 'at most this many keyframes (their size is budgeted too)' })
      .example('$0 record --kernel samples/kernel/kernel.elf -o run.rvrr', 'then: rvrr replay run.rvrr'),
    (a) => exec(() => runCommand(a as unknown as MachineArgs & CommonArgs, {
      output: (a as { output: string }).output,
      keyframes: (a as { keyframes: boolean }).keyframes,
      maxKeyframes: (a as { 'max-keyframes': number })['max-keyframes'],
    })),
  )
  .command(
    'replay <file>',
    'serve gdb over a saved recording, with full reverse execution',
    (y) => serveOptions(common(y.positional('file', { type: 'string', demandOption: true, describe: 'recording (.rvrr)' })))
      .example('$0 replay run.rvrr --port 1234', 'then attach gdb-multiarch'),
    (a) => exec(() => replayCommand((a as { file: string }).file, a as unknown as CommonArgs & ServeArgs)),
  )
  .command(
    'info <file>',
    'summarise a recording',
    (y) => y.positional('file', { type: 'string', demandOption: true, describe: 'recording (.rvrr)' }).example('$0 info run.rvrr', ''),
    (a) => exec(() => infoCommand((a as { file: string }).file)),
  )
  .command(
    'index <file>',
    'add keyframes to a recording (replays it once), so replay seeks without re-executing from the start',
    (y) => y.positional('file', { type: 'string', demandOption: true, describe: 'recording (.rvrr)' })
      .option('output', { alias: 'o', type: 'string', describe: 'write the result here instead of replacing FILE' })
      .option('max-keyframes', { type: 'number', default: DEFAULT_KEYFRAME_RULE.maxCount, describe: 'at most this many keyframes (their size is budgeted too)' })
      .example('$0 index run.rvrr', 'in place'),
    (a) => exec(() => indexCommand((a as { file: string }).file, {
      ...((a as { output?: string }).output !== undefined ? { output: (a as { output: string }).output } : {}),
      maxKeyframes: (a as { 'max-keyframes': number })['max-keyframes'],
    })),
  )
  .demandCommand(1, 'give a command: serve, run, record, replay, info or index (see --help)')
  .strict()
  .recommendCommands()
  .help()
  .wrap(Math.min(100, process.stdout.columns ?? 100))
  .parseAsync()
  .catch((e: unknown) => {
    process.stderr.write(`rvrr: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
