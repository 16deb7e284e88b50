/**
 * `monitor ...` commands of an rvrr session: machine information and time travel. Each
 * command parses its own arguments and prints plain text; errors are thrown as messages.
 */
import type { MonitorCommand, StopEvent } from '../gdb/target.js';
import { NS_PER_TICK } from '../replay/clock.js';
import { VIRT, VIRT_SLOT } from '../machine/memmap.js';
import type { MachineTarget } from './target.js';

const PRIV_NAME: Record<number, string> = { 0: 'U', 1: 'S', 3: 'M' };

/** Parse an address as gdb users type it (0x hex or decimal; 64-bit values wrap to signed). */
export function parseAddress(s: string): number {
  const t = s.trim();
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(t)) throw new Error(`bad address '${s}'`);
  const v = BigInt.asIntN(64, BigInt(t));
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`address ${s} is out of range`);
  return n;
}

/** Parse a non-negative count (decimal or 0x hex). */
function parseCount(s: string, what: string): number {
  const t = s.trim();
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(t)) throw new Error(`bad ${what} '${s}'`);
  const n = Number(t);
  if (!Number.isSafeInteger(n)) throw new Error(`${what} ${s} is out of range`);
  return n;
}

export function hex(n: number | bigint): string {
  return '0x' + BigInt.asUintN(64, BigInt(n)).toString(16);
}

/** Format virtual nanoseconds as seconds with microsecond precision. */
function fmtTime(ns: number): string {
  return `${(ns / 1e9).toFixed(6)} s`;
}

function fmtBytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

/** The network card and its counters as of the current position (they are machine state). */
function netInfo(t: MachineTarget): string {
  const m = t.machine;
  if (!m.net) return 'no network card (start with --net user or --net udp:...)';
  const c = m.net.counters;
  const mac = Array.from(m.net.mac, (b) => b.toString(16).padStart(2, '0')).join(':');
  const lines = [
    `virtio-net in slot ${VIRT_SLOT.net} (${hex(VIRT.virtio.base + VIRT_SLOT.net * VIRT.virtio.size)}), mac ${mac}, link to ${m.netPeer ? 'the built-in peer (10.0.2.2)' : 'the host (frames logged as inputs)'}`,
    `received ${c.rxFrames}, sent ${c.txFrames}, ${m.net.backlogFrames} waiting for receive buffers`,
    `dropped: received ${c.rxDroppedNotReady} before the driver was ready, ${c.rxDroppedBacklog} with the backlog full, ` +
      `${c.rxDroppedTooBig} larger than the buffer; sent ${c.txDroppedBad} malformed`,
  ];
  if (m.netPeer) {
    const p = m.netPeer.counters;
    lines.push(`peer: answered ${p.answered}, ignored ${p.ignored}, malformed ${p.malformed}`);
  }
  return lines.join('\n');
}

export function monitorCommands(t: MachineTarget): MonitorCommand[] {
  const m = t.machine;
  const tl = t.timeline;
  const moved = (s: Parameters<MachineTarget['toStopEvent']>[0]): StopEvent => t.toStopEvent(s);
  return [
    {
      name: 'info',
      usage: 'info [replay|net]',
      help: 'machine summary (harts, privilege, icount, devices), the history (replay), or the network card (net)',
      run(args, out) {
        if (args === 'net') {
          out.print(netInfo(t) + '\n');
          return;
        }
        if (args === 'replay') {
          const i = tl.info();
          out.print(
            `history: icount ${i.startIcount} .. ${i.endIcount} (${i.live ? 'live, recording' : 'replaying a recording'})\n` +
              `position: icount ${i.position}\n` +
              `snapshots: ${i.snapshotCount}, ${fmtBytes(i.snapshotBytes)} of ${fmtBytes(i.snapshotBudget)} budget` +
              (i.keyframeCount > 0 ? ` (${i.keyframeCount} keyframes from the recording)` : '') + '\n' +
              (i.historyFile ? `history file: ${i.historyFile.usable} spilled snapshots, ${fmtBytes(i.historyFile.bytes)}` + (i.historyFile.bad > 0 ? ` (${i.historyFile.bad} bad records skipped)` : '') + '\n' : '') +
              `log: ${i.logEntries} events, ${fmtBytes(i.logBytes)}\n`,
          );
          return;
        }
        if (args !== '') throw new Error(`unknown 'info ${args}' (try 'info', 'info replay' or 'info net')`);
        const lines = [`rvrr virt machine: ${m.harts.length} hart(s), RAM ${fmtBytes(m.ram.size)} at ${hex(m.ram.base)}`];
        lines.push(`icount ${m.icount}, virtual time ${fmtTime(m.clock.nowNs())} (mtime ${m.clock.mtime()})`);
        for (const h of m.harts) {
          const satp = h.readCSR(0x180) ?? 0n;
          const mode = satp >> 60n === 8n ? 'Sv39' : 'bare';
          lines.push(`hart ${h.hartid}: pc ${hex(h.getPC())} priv ${PRIV_NAME[h.priv] ?? h.priv} satp ${mode}${h.wfi ? ' (wfi)' : ''}`);
        }
        const h0 = m.harts[0];
        lines.push(h0.jit ? `block compiler: ${m.harts.reduce((n, h) => n + h.blocksCompiled, 0)} blocks compiled to ${h0.jitWasm ? 'WebAssembly' : 'JavaScript (--jit=js)'} (after ${h0.jitThreshold} executions)` : 'block compiler: off (--no-jit), every instruction interpreted');
        lines.push('devices:');
        for (const d of m.bus.devices) lines.push(`  ${hex(d.base).padEnd(12)} ${d.device.name}`);
        out.print(lines.join('\n') + '\n');
      },
    },
    {
      name: 'reset',
      usage: 'reset',
      help: 'reset the machine (logged: replays and reverses like any input)',
      run(_args, out) {
        tl.recordDebuggerWrite({ kind: 'reset' });
        out.print(`machine reset at icount ${m.icount}\n`);
        return { kind: 'signal', signal: 5, hart: 0 };
      },
    },
    {
      name: 'when',
      usage: 'when',
      help: 'current position: icount, virtual time, hart',
      run(_args, out) {
        const w = tl.when();
        out.print(`icount ${w.icount}, virtual time ${fmtTime(w.virtualNs)} (mtime ${Math.floor(w.virtualNs / NS_PER_TICK)}), hart ${w.hart}\n`);
      },
    },
    {
      name: 'seek',
      usage: 'seek ICOUNT|+N|-N',
      help: 'go to a point in history (then `maintenance flush register-cache`)',
      async run(args, out) {
        const a = args.trim();
        if (a === '') throw new Error('usage: seek ICOUNT|+N|-N');
        let target: number;
        if (a.startsWith('+')) target = tl.icount + parseCount(a.slice(1), 'count');
        else if (a.startsWith('-')) target = tl.icount - parseCount(a.slice(1), 'count');
        else target = parseCount(a, 'icount');
        if (target < 0) throw new Error(`icount ${target} is before the beginning of history`);
        const s = await tl.seek(target, { onProgress: t.progress('seek') }).finally(() => t.progressDone());
        out.print(`at icount ${tl.icount}${s.reason === 'interrupted' ? ' (interrupted)' : ''}\n`);
        return moved(s);
      },
    },
    {
      name: 'checkpoint',
      usage: 'checkpoint [NAME]',
      help: 'name the current point in history',
      run(args, out) {
        const c = tl.checkpoint(args.trim() === '' ? undefined : args.trim());
        out.print(`checkpoint ${c.name} at icount ${c.icount}\n`);
      },
    },
    {
      name: 'checkpoints',
      usage: 'checkpoints',
      help: 'list named checkpoints',
      run(_args, out) {
        const list = tl.checkpoints();
        out.print(list.length === 0 ? 'no checkpoints\n' : list.map((c) => `${c.name}\ticount ${c.icount}\n`).join(''));
      },
    },
    {
      name: 'restart',
      usage: 'restart NAME',
      help: 'go to a named checkpoint',
      async run(args, out) {
        const name = args.trim();
        if (name === '') throw new Error('usage: restart NAME');
        const s = await tl.restart(name);
        out.print(`at checkpoint ${name}, icount ${tl.icount}\n`);
        return moved(s);
      },
    },
    {
      name: 'last-write',
      usage: 'last-write ADDR [LEN]',
      help: 'icount, pc and hart of the last write to ADDR..ADDR+LEN before now',
      async run(args, out) {
        const parts = args.trim().split(/\s+/).filter((p) => p !== '');
        if (parts.length < 1 || parts.length > 2) throw new Error('usage: last-write ADDR [LEN]');
        const addr = parseAddress(parts[0]);
        const len = parts.length === 2 ? parseCount(parts[1], 'length') : 1;
        if (len < 1) throw new Error('length must be at least 1');
        const hit = await tl.lastWrite(addr, len, { onProgress: t.progress('last-write') }).finally(() => t.progressDone());
        if (hit === 'interrupted') out.print('interrupted\n');
        else if (hit === null) out.print(`no write to ${hex(addr)}..+${len} since the beginning of history\n`);
        else {
          out.print(
            `last write to ${hex(addr)}..+${len}: icount ${hit.icount}, pc ${hit.pc !== undefined ? hex(hit.pc) : '?'}, hart ${hit.hart}\n` +
              `(monitor seek ${hit.icount} goes there: the store has not executed yet)\n`,
          );
        }
      },
    },
  ];
}
