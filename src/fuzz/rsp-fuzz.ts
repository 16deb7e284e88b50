/**
 * Protocol fuzzer: a GdbServer in-process on 127.0.0.1, serving a real VirtMachine + Timeline
 * (samples/hello/hello.elf) through MachineTarget, fed random and mutated packets over TCP.
 *
 * After each small batch of hostile input the fuzzer sends a sync request (an unknown monitor
 * command carrying a sequence number, whose O-packet echo is unique) and waits for its answer
 * with a bounded timeout; an operation still running then gets a 0x03 interrupt. No answer
 * after that is a hang. Afterwards a fresh RspClient checks that `?`, `g` and `c` still answer
 * correctly (`c` runs hello to its exit after `monitor reset`).
 */
import * as fs from 'node:fs';
import { connect, type Socket } from 'node:net';
import * as path from 'node:path';
import { RspClient, parseStopReply } from '../gdb/client.js';
import { PacketFramer, framePacket } from '../gdb/packet.js';
import { GdbServer } from '../gdb/server.js';
import { REG_PC } from '../gdb/target.js';
import { loadMachineConfig } from '../cli/machine-args.js';
import { createSession } from '../session/session.js';
import { MachineTarget } from '../session/target.js';
import { Prng } from './prng.js';
import { randomInput } from './rsp-packets.js';

/** Options of a protocol fuzzing run. */
export interface RspFuzzOptions {
  /** ELF to serve (default samples/hello/hello.elf under `root`). */
  kernel?: string;
  /** Repository root (to find the samples). */
  root: string;
  seed: number;
  /** Number of hostile inputs (packets or noise) to send. */
  packets: number;
  /** Wait for a batch's sync answer before interrupting, ms (default 100). */
  interruptAfterMs?: number;
  /** Keep interrupting (every 300 ms) this long before declaring a hang, ms (default 20000). */
  hangAfterMs?: number;
  /** Progress lines (e.g. console.log). */
  log?: (line: string) => void;
}

/** What a fuzzing run observed. */
export interface RspFuzzResult {
  packets: number;
  bytesSent: number;
  replies: number;
  /** Batches that needed a 0x03 interrupt to finish (e.g. `c` into an endless trap loop). */
  interruptedBatches: number;
  /** Random 0x03 bytes sent while an operation was likely running. */
  randomInterrupts: number;
  /** Connections the server closed (kill, gave up on nacks) and the fuzzer reopened. */
  reconnects: number;
  /** Server-side exceptions that escaped (uncaught / unhandled rejections) and hangs. */
  failures: string[];
  /** Results of the final `?`, `g`, `c` check. */
  final: { haltReason: string; registersMatch: boolean; cont: string; output: string };
  elapsedMs: number;
}

/** One raw fuzzing connection: writes bytes, acks the server's packets, collects replies. */
class RawClient {
  readonly socket: Socket;
  private framer = new PacketFramer(1 << 20, false);
  readonly replies: Buffer[] = [];
  private wake: (() => void) | undefined;
  closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      for (const ev of this.framer.push(chunk)) {
        if (ev.kind === 'packet') {
          // The server holds its next packet until this one is acknowledged.
          if (!socket.destroyed) socket.write('+');
          this.replies.push(ev.payload);
          this.wake?.();
        }
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1' }, () => {
        s.off('error', reject);
        s.setNoDelay(true);
        resolve(new RawClient(s));
      });
      s.once('error', reject);
    });
  }

  write(b: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(b);
  }

  /** Wait until `pred` holds over the replies, the socket closes, or `ms` pass. */
  async waitFor(pred: () => boolean, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!pred()) {
      if (this.closed) return false;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
      this.wake = undefined;
    }
    return true;
  }

  close(): void {
    this.socket.destroy();
  }
}

const syncPayload = (n: number): string => 'qRcmd,' + Buffer.from(`fuzz-sync-${n}`).toString('hex');

/** Run the protocol fuzzer. Never throws for a server failure: they are listed in the result. */
export async function runRspFuzz(o: RspFuzzOptions): Promise<RspFuzzResult> {
  const t0 = Date.now();
  const log = o.log ?? (() => undefined);
  const failures: string[] = [];
  const onUncaught = (e: unknown) => failures.push(`uncaught exception: ${(e as Error)?.stack ?? String(e)}`);
  const onRejection = (e: unknown) => failures.push(`unhandled rejection: ${(e as Error)?.stack ?? String(e)}`);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onRejection);

  const kernel = o.kernel ?? path.join(o.root, 'samples/hello/hello.elf');
  const config = loadMachineConfig({ kernel, bios: 'none', memory: '128M', smp: 1, 'drive-write': false, 'drive-legacy': false });
  let output = '';
  const session = createSession({ config, clockMode: 'virtual', onConsoleOutput: (b) => (output += Buffer.from(b).toString('latin1')) });
  const target = new MachineTarget(session.machine, session.timeline);
  const server = new GdbServer(target, { port: 0 });
  const addr = await server.listen();
  if (addr.host !== '127.0.0.1') failures.push(`server bound to ${addr.host}, expected 127.0.0.1`);

  const r = new Prng(o.seed);
  const res: RspFuzzResult = {
    packets: 0,
    bytesSent: 0,
    replies: 0,
    interruptedBatches: 0,
    randomInterrupts: 0,
    reconnects: 0,
    failures,
    final: { haltReason: '', registersMatch: false, cont: '', output: '' },
    elapsedMs: 0,
  };
  const interruptAfter = o.interruptAfterMs ?? 100;
  const hangAfter = o.hangAfterMs ?? 20_000;
  let client = await RawClient.open(server.port);
  let seq = 0;
  let lastReport = Date.now();

  try {
    while (res.packets < o.packets && failures.length === 0) {
      if (client.closed) {
        res.reconnects++;
        client = await RawClient.open(server.port);
      }
      // A batch of 1..3 hostile inputs, sometimes written in small pieces.
      const batch = Array.from({ length: 1 + r.int(3) }, () => randomInput(r));
      let runs = false;
      for (const inp of batch) {
        runs ||= inp.runs;
        if (r.chance(0.1) && inp.bytes.length > 2) {
          const cut = 1 + r.int(inp.bytes.length - 1);
          client.write(inp.bytes.subarray(0, cut));
          await new Promise((res2) => setImmediate(res2));
          client.write(inp.bytes.subarray(cut));
        } else client.write(inp.bytes);
        res.bytesSent += inp.bytes.length;
        res.packets++;
      }
      // An interrupt at a random moment while something may be running.
      if (runs && r.chance(0.25)) {
        const delay = r.int(4);
        if (delay > 0) await new Promise((res2) => setTimeout(res2, delay));
        client.write(Buffer.from([0x03]));
        res.randomInterrupts++;
      }
      // Sync: "#00" ends any half-sent frame, then a request with a unique echo.
      const n = ++seq;
      const marker = Buffer.from(`fuzz-sync-${n}`).toString('hex');
      const before = client.replies.length;
      let syncAt = -1;
      const answered = () => {
        for (let i = Math.max(before, syncAt + 1); i < client.replies.length; i++) {
          const p = client.replies[i].toString('latin1');
          if (syncAt < 0 && p.startsWith('O') && p.includes(marker)) syncAt = i;
          else if (syncAt >= 0 && p === 'OK') return true;
        }
        return false;
      };
      const sendSync = () => client.write(Buffer.concat([Buffer.from('#00'), framePacket(syncPayload(n))]));
      sendSync();
      let ok = await client.waitFor(answered, interruptAfter);
      if (!ok && !client.closed) {
        // Something runs long (an endless guest loop, a long reverse search): interrupt it, and
        // the next one the batch queued behind it, as a user pressing Ctrl-C again would.
        res.interruptedBatches++;
        const deadline = Date.now() + hangAfter;
        let resent = false;
        while (!ok && !client.closed && Date.now() < deadline) {
          client.write(Buffer.from([0x03]));
          ok = await client.waitFor(answered, 300);
          // The sync itself may have been eaten by a half frame: send it again once.
          if (!ok && !resent && Date.now() > deadline - hangAfter / 2) {
            resent = true;
            sendSync();
          }
        }
        if (!ok && !client.closed) {
          failures.push(`hang: no answer within ${hangAfter} ms of repeated interrupts; batch: ${batch.map((b) => b.label).join(' | ')}`);
          break;
        }
      }
      res.replies += client.replies.length - before;
      client.replies.length = 0;
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        log(`rsp-fuzz: ${res.packets} packets, ${res.replies} replies, ${res.reconnects} reconnects, icount ${session.machine.icount}`);
      }
    }
    client.close();

    // The server must still answer a well-behaved client correctly.
    const c = await RspClient.connect(server.port);
    try {
      await c.handshake();
      const halt = await c.request('?');
      res.final.haltReason = halt;
      parseStopReply(halt);
      const regs = await c.readRegisters();
      const hart = target.machine.harts.length > 1 ? Number((await c.request('qC')).slice(2)) - 1 : 0;
      res.final.registersMatch = regs.length === REG_PC + 1 && regs.every((v, i) => v === target.readRegister(hart, i));
      await c.monitor('reset');
      output = '';
      const stop = await c.cont();
      res.final.cont = stop.raw;
      res.final.output = output;
    } finally {
      c.close();
    }
  } catch (e) {
    failures.push(`fuzzer error: ${(e as Error).stack ?? e}`);
  } finally {
    client.close();
    await server.close();
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onRejection);
  }
  res.elapsedMs = Date.now() - t0;
  return res;
}

/** Expected console output of the served program (for the final check). */
export function helloExpected(root: string): string {
  return fs.readFileSync(path.join(root, 'samples/hello/expected.txt'), 'latin1');
}
