/**
 * The QEMU-like machine options shared by `run`, `serve` and `record`, and their translation
 * into a board configuration with every file read up front (so a missing or unreadable file is
 * a clear error before the guest starts).
 */
import * as fs from 'node:fs';
import type { Argv } from 'yargs';
import { parseMemorySize, parseSmp } from '../machine/options.js';
import { parseMac } from '../net/frames.js';
import { parseNetSpec, type NetSpec } from '../host/net-udp.js';
import { DEFAULT_QUANTUM } from '../machine/virt-boot.js';

/** Debian's OpenSBI, used for `--bios opensbi`. */
export const DEBIAN_OPENSBI = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';

/** Raw machine options as the user gave them. */
export interface MachineArgs {
  kernel?: string;
  bios: string;
  memory: string;
  smp: number;
  drive?: string;
  'drive-write': boolean;
  'drive-legacy': boolean;
  initrd?: string;
  append?: string;
  net?: string;
  'net-mac'?: string;
  'net-legacy'?: boolean;
  quantum?: number;
}

/** The machine configuration with images loaded: what a recording stores and the board takes. */
export interface MachineConfig {
  memoryBytes: number;
  smp: number;
  append?: string;
  driveLegacy?: boolean;
  /** File names, for messages and `info`. */
  files: { kernel?: string; bios?: string; drive?: string; initrd?: string };
  kernel?: Uint8Array;
  bios: 'none' | Uint8Array;
  drive?: Uint8Array;
  initrd?: Uint8Array;
  /** The network card, when `--net` is not none. */
  net?: MachineNetConfig;
  /** Steps per hart turn (VirtOptions.quantum); unset: the board's default (a recording's own when replaying one). */
  quantum?: number;
}

/** The network card's configuration (what a recording keeps of `--net`). */
export interface MachineNetConfig {
  spec: Exclude<NetSpec, { kind: 'none' }>;
  mac?: Uint8Array;
  legacy?: boolean;
}

/** Add the machine options to a yargs command. */
export function machineOptions<T>(y: Argv<T>): Argv<T & MachineArgs> {
  return y
    .option('kernel', { type: 'string', describe: 'kernel or bare-metal program (ELF; raw image with --bios FILE)' })
    .option('bios', {
      type: 'string',
      default: 'none',
      describe: "firmware: 'none' (enter the kernel in M-mode), 'opensbi' (Debian's fw_jump.bin) or a file",
    })
    .option('memory', { alias: 'm', type: 'string', default: '128M', describe: 'RAM size (e.g. 128M, 1G)' })
    .option('smp', { type: 'number', default: 1, describe: 'number of harts (1..8)' })
    .option('quantum', { type: 'number', describe: `instructions a hart runs before the next hart's turn (default ${DEFAULT_QUANTUM}; recorded)` })
    .option('drive', { type: 'string', describe: 'raw disk image for virtio-blk (size a multiple of 512)' })
    .option('drive-write', {
      type: 'boolean',
      default: false,
      describe: "write the guest's disk changes back to the image on a clean exit (default: never written)",
    })
    .option('drive-legacy', { type: 'boolean', default: false, describe: 'legacy (virtio-mmio v1) transport for the disk' })
    .option('net', {
      type: 'string',
      default: 'none',
      describe: "network card (virtio-net): 'none', 'user' (built-in peer: ARP, ping, DHCP for 10.0.2.15) or udp:LOCALPORT:REMOTEHOST:REMOTEPORT (frames in datagrams, as QEMU's -netdev dgram)",
    })
    .option('net-mac', { type: 'string', describe: 'MAC address of the network card (default 52:54:00:12:34:56)' })
    .option('net-legacy', { type: 'boolean', default: false, describe: 'legacy (virtio-mmio v1) transport for the network card' })
    .option('initrd', { type: 'string', describe: 'initial ramdisk' })
    .option('append', { type: 'string', describe: 'kernel command line (/chosen/bootargs)' }) as Argv<T & MachineArgs>;
}

/** Sizes are parsed as QEMU's `-m` does (`128M`, `1G`; a bare number means MiB). */
export { parseMemorySize as parseSize } from '../machine/options.js';
function readFile(what: string, path: string): Uint8Array {
  try {
    return new Uint8Array(fs.readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new Error(`cannot read ${what} '${path}': ${why}`);
  }
}

/** Read every file the options name and check what can be checked before the board exists. */
export function loadMachineConfig(a: MachineArgs): MachineConfig {
  if (a.kernel === undefined && a.bios === 'none') {
    throw new Error('nothing to run: give --kernel FILE (and/or --bios FILE)');
  }
  const smp = parseSmp(a.smp);
  const memoryBytes = parseMemorySize(a.memory);
  const files: MachineConfig['files'] = {};
  const cfg: MachineConfig = { memoryBytes, smp, bios: 'none', files };
  if (a.quantum !== undefined) {
    if (!Number.isSafeInteger(a.quantum) || a.quantum < 1) throw new Error(`--quantum ${a.quantum}: must be a whole number of instructions, at least 1`);
    cfg.quantum = a.quantum;
  }
  if (a.append !== undefined) cfg.append = a.append;
  if (a['drive-legacy']) cfg.driveLegacy = true;
  if (a.kernel !== undefined) {
    cfg.kernel = readFile('kernel', a.kernel);
    files.kernel = a.kernel;
  }
  if (a.bios !== 'none') {
    const path = a.bios === 'opensbi' ? DEBIAN_OPENSBI : a.bios;
    if (a.bios === 'opensbi' && !fs.existsSync(path)) {
      throw new Error(`--bios opensbi: ${path} not found (apt-get install opensbi)`);
    }
    cfg.bios = readFile('firmware', path);
    files.bios = path;
  }
  if (a.drive !== undefined) {
    const d = readFile('disk image', a.drive);
    if (d.length % 512 !== 0) {
      throw new Error(`disk image '${a.drive}' is ${d.length} bytes, not a multiple of 512`);
    }
    cfg.drive = d;
    files.drive = a.drive;
  }
  const net = parseNetSpec(a.net ?? 'none');
  if (net.kind !== 'none') {
    cfg.net = { spec: net, ...(a['net-mac'] !== undefined ? { mac: parseMac(a['net-mac']) } : {}), ...(a['net-legacy'] ? { legacy: true } : {}) };
  } else if (a['net-mac'] !== undefined || a['net-legacy']) {
    throw new Error('--net-mac and --net-legacy need a network card: give --net user or --net udp:...');
  }
  if (a.initrd !== undefined) {
    cfg.initrd = readFile('initrd', a.initrd);
    files.initrd = a.initrd;
  }
  return cfg;
}
