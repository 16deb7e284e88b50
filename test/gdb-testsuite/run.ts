/**
 * `npm run gdb-testsuite [-- [--jobs N] [SUBSET...]]`: GDB 13.1's own testsuite against rvrr.
 *
 * The testsuite is extracted at run time from Debian's gdb-source (/usr/src/gdb.tar.xz) into a
 * cache directory, never copied into this repository. A SUBSET is a directory (`gdb.reverse`),
 * a file (`gdb.base/break.exp`) or a bare name (`break.exp`); without one, the CI list
 * (ci-list.txt) runs. DejaGnu runs with our board (boards/rvrr.exp); the results are judged
 * against not-applicable.txt, and the exit status is non-zero on any FAIL, ERROR or
 * UNRESOLVED that file does not name, or on an entry there that the run no longer needs.
 *
 * Environment: GDB_TARBALL (default /usr/src/gdb.tar.xz), RVRR_GDB_TESTSUITE_DIR (cache and
 * logs; default $TMPDIR/rvrr-gdb-testsuite).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BAD, judge, parseExpectations, parseSum, type Result } from './results.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HERE = path.join(ROOT, 'test/gdb-testsuite');
const TARBALL = process.env.GDB_TARBALL ?? '/usr/src/gdb.tar.xz';
const CACHE = process.env.RVRR_GDB_TESTSUITE_DIR ?? path.join(os.tmpdir(), 'rvrr-gdb-testsuite');

function die(msg: string): never {
  console.error(`gdb-testsuite: ${msg}`);
  process.exit(2);
}

function sh(cmd: string, args: string[], cwd?: string): void {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) die(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) die(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

/**
 * gdb/testsuite from the tarball, extracted once per tarball (its size and mtime), with
 * include/ beside it: some tests (until-trailing-insns) read dwarf2.h to write DWARF by hand.
 */
function testsuiteDir(): string {
  if (!fs.existsSync(TARBALL)) die(`${TARBALL} not found (apt-get install gdb-source, or set GDB_TARBALL)`);
  const st = fs.statSync(TARBALL);
  const stamp = `${TARBALL} ${st.size} ${st.mtimeMs}`;
  const src = path.join(CACHE, 'src');
  const dir = path.join(src, 'gdb/gdb/testsuite');
  const stampFile = path.join(src, '.stamp');
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === `${stamp} +include`) return dir;
  console.log(`gdb-testsuite: extracting gdb/testsuite from ${TARBALL} into ${src}`);
  fs.rmSync(src, { recursive: true, force: true });
  fs.mkdirSync(src, { recursive: true });
  sh('tar', ['-xJf', TARBALL, '-C', src, 'gdb/gdb/testsuite', 'gdb/include']);
  fs.writeFileSync(stampFile, `${stamp} +include`);
  return dir;
}

/** The .exp files a subset names, relative to the testsuite directory. */
function expand(srcdir: string, subset: string): string[] {
  const s = subset.replace(/\/+$/, '');
  const full = path.join(srcdir, s);
  if (/^gdb\.[^/]+$/.test(s) && fs.existsSync(full) && fs.statSync(full).isDirectory()) {
    return fs.readdirSync(full).filter((f) => f.endsWith('.exp')).sort().map((f) => `${s}/${f}`);
  }
  const name = s.endsWith('.exp') ? s : `${s}.exp`;
  if (name.includes('/')) {
    if (!fs.existsSync(path.join(srcdir, name))) die(`no such test file: ${name}`);
    return [name];
  }
  const hits = fs.readdirSync(srcdir).filter((d) => d.startsWith('gdb.') && fs.existsSync(path.join(srcdir, d, name)));
  if (hits.length === 0) die(`no such test file: ${name}`);
  if (hits.length > 1) die(`${name} is in ${hits.join(', ')}: name the directory`);
  return [`${hits[0]}/${name}`];
}

/** The CI list: one .exp file or directory a line, `#` comments. */
function ciList(): string[] {
  return fs.readFileSync(path.join(HERE, 'ci-list.txt'), 'utf8').split('\n')
    .map((l) => l.replace(/#.*/, '').trim()).filter((l) => l !== '');
}

const PICOLIBC_LD = '/usr/lib/picolibc/riscv64-unknown-elf/lib/picolibc.ld';

/**
 * picolibc's linker script with read-only data in an output section of its own, written into
 * OUT. The installed script puts .rodata in .text right after the global `__text_end`, so GDB
 * shows every string pointer as `<__text_end+N> "..."`, which no hosted target does and which
 * printcmds.exp and condbreak.exp do not expect; with a section of its own, no text symbol
 * precedes a string. Derived at run time: the script is picolibc's, never copied into the repo.
 */
function linkerScript(out: string): string {
  if (!fs.existsSync(PICOLIBC_LD)) die(`${PICOLIBC_LD} not found (apt-get install picolibc-riscv64-unknown-elf)`);
  const marker = '/* read-only data */';
  const text = fs.readFileSync(PICOLIBC_LD, 'utf8');
  if (text.split(marker).length !== 2) die(`${PICOLIBC_LD}: no single "${marker}" line to split .text at`);
  const file = path.join(out, 'rvrr-picolibc.ld');
  // An .eh_frame section too (the installed script discards it): GDB unwinds with it where
  // there is no symbol and no debug info, as on a hosted target (step-symless.exp).
  const sections = [
    '} >flash AT>flash :text',
    '\t.eh_frame : {\n\t\tKEEP (*(.eh_frame .eh_frame.*))\n\t} >flash AT>flash :text',
    '\t.rodata : {',
  ];
  fs.writeFileSync(file, text.replace(marker, sections.join('\n\n')));
  return file;
}

function siteExp(srcdir: string, objdir: string, runtime: string): string {
  return [
    'set tool gdb',
    `set srcdir ${srcdir}`,
    `set objdir ${objdir}`,
    'set host_triplet x86_64-pc-linux-gnu',
    'set build_triplet x86_64-pc-linux-gnu',
    'set target_triplet riscv64-unknown-elf',
    'set target_alias riscv64-unknown-elf',
    'set GDB gdb-multiarch',
    `set rvrr_command "${process.execPath} ${path.join(ROOT, 'dist/cli.js')}"`,
    `set rvrr_runtime ${runtime}`,
    `set rvrr_ldscript ${path.join(path.dirname(runtime), 'rvrr-picolibc.ld')}`,
    `lappend boards_dir ${path.join(HERE, 'boards')}`,
    '',
  ].join('\n');
}

/** One runtest over FILES in its own directory; echoes progress, resolves with its gdb.sum. */
function runtest(srcdir: string, objdir: string, runtime: string, files: string[], tag: string): Promise<string> {
  fs.mkdirSync(objdir, { recursive: true });
  fs.writeFileSync(path.join(objdir, 'site.exp'), siteExp(srcdir, objdir, runtime));
  const p = spawn('runtest', ['--target_board', 'rvrr', ...files], { cwd: objdir, stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  const echo = (b: Buffer): void => {
    buf += b.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) {
      const run = /^Running .*\/testsuite\/(\S+\.exp)/.exec(l);
      if (run) console.log(`${tag}${run[1]}`);
      else if (/^(FAIL|ERROR|UNRESOLVED|XPASS|KPASS): /.test(l)) console.log(`${tag}  ${l}`);
    }
  };
  p.stdout.on('data', echo);
  p.stderr.on('data', echo);
  return new Promise((resolve, reject) => {
    p.on('error', (e) => reject(new Error(`runtest: ${e.message} (apt-get install dejagnu)`)));
    p.on('close', () => {
      const sum = path.join(objdir, 'gdb.sum');
      if (!fs.existsSync(sum)) return reject(new Error(`runtest left no ${sum}`));
      resolve(fs.readFileSync(sum, 'utf8'));
    });
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let jobs = 1;
  const subsets: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--jobs' || a === '-j') jobs = Number(argv[++i]);
    else if (a.startsWith('--jobs=')) jobs = Number(a.slice(7));
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run gdb-testsuite -- [--jobs N] [gdb.DIR | gdb.DIR/FILE.exp | FILE.exp ...]  (default: test/gdb-testsuite/ci-list.txt)');
      return;
    } else if (a.startsWith('-')) die(`unknown option ${a}`);
    else subsets.push(a);
  }
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 16) die('--jobs takes 1..16');
  if (!fs.existsSync(path.join(ROOT, 'dist/cli.js'))) die('dist/cli.js missing: npm run build first');
  const expectations = parseExpectations(fs.readFileSync(path.join(HERE, 'not-applicable.txt'), 'utf8'));

  const srcdir = testsuiteDir();
  const files = [...new Set((subsets.length > 0 ? subsets : ciList()).flatMap((s) => expand(srcdir, s)))];
  const out = path.join(CACHE, 'run');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const runtime = path.join(out, 'board-runtime.o');
  sh('riscv64-unknown-elf-gcc', ['-mcmodel=medany', '--specs=picolibc.specs', '-O2', '-g', '-c', path.join(HERE, 'board-runtime.c'), '-o', runtime]);
  linkerScript(out);

  jobs = Math.min(jobs, files.length);
  console.log(`gdb-testsuite: ${files.length} files, ${jobs} job(s), logs in ${out}`);
  const started = Date.now();
  const groups: string[][] = Array.from({ length: jobs }, () => []);
  files.forEach((f, i) => groups[i % jobs].push(f));
  const sums = await Promise.all(groups.map((g, j) =>
    runtest(srcdir, jobs === 1 ? out : path.join(out, `job${j}`), runtime, g, jobs === 1 ? '' : `[${j}] `)));
  const seconds = Math.round((Date.now() - started) / 1000);

  const results: Result[] = sums.flatMap(parseSum);
  const v = judge(results, expectations, new Set(files));
  const c = (s: string): number => v.counts[s] ?? 0;
  for (const r of v.unexpected) console.log(`unexpected ${r.status}: ${r.name}`);
  for (const e of v.stale) console.log(`not-applicable.txt:${e.line}: no longer fails, remove it: ${e.key}`);
  // Files for other targets (i386, ppc, s390...) or needing GDB's process record skip
  // themselves without a result line.
  const silent = files.filter((f) => !results.some((r) => r.file === f)).length;
  console.log(
    `gdb-testsuite: ${files.length} files in ${seconds} s: ${c('PASS')} pass, ${v.unexpected.length} unexpected failure(s), ` +
      `${v.expected.length} listed not applicable, ${c('XFAIL') + c('KFAIL')} xfail/kfail, ` +
      `${c('UNTESTED')} untested, ${c('UNSUPPORTED')} unsupported` +
      `; ${silent} file(s) with no result (for other targets, or needing GDB's process record)`,
  );
  console.log(`gdb-testsuite: DejaGnu's own counts: ${[...BAD].filter((s) => c(s) > 0).map((s) => `${s} ${c(s)}`).join(', ') || 'no FAIL'}`);
  if (v.unexpected.length > 0 || v.stale.length > 0) process.exit(1);
}

main().catch((e: Error) => die(e.message));
