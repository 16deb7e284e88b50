/**
 * What `run`, `record`, `serve` and `replay` share: a session with the guest console on the
 * host, output shown once (re-execution during seeks and reverse steps is not printed again),
 * and disk write-back on request.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostConsole, parseConsoleSpec } from '../host/console.js';
import { UdpNetBackend } from '../host/net-udp.js';
import { createSession, type Session, type SessionOptions } from '../session/session.js';

/** Console options shared by the commands. */
export interface ConsoleArgs {
  console: string;
  'console-log'?: string;
}

export interface LiveSession extends Session {
  console: HostConsole;
  /** The host end of a `--net udp` link in a live session (replay never opens one). */
  netHost?: UdpNetBackend;
  /** Close the console and the network socket (after its last frames are sent). */
  closeHost(): Promise<void>;
}

/** Received frames waiting for a slice boundary; more are dropped (the guest may be stopped in gdb). */
export const NET_INPUT_BACKLOG = 256;

/** Build a session whose guest UART is attached to the host console. */
export async function openLiveSession(
  o: Omit<SessionOptions, 'onConsoleOutput'>,
  c: ConsoleArgs,
  onQuit: () => void,
): Promise<LiveSession> {
  let printedUpTo = -1;
  let session: Session | undefined;
  const hostConsole = new HostConsole({
    spec: parseConsoleSpec(c.console),
    ...(c['console-log'] !== undefined ? { logFile: c['console-log'] } : {}),
    onInput: (bytes) => session?.timeline.queueInput({ kind: 'console', bytes }),
    onQuit,
  });
  const spec = o.config.net?.spec;
  const netHost =
    spec?.kind === 'udp' && (o.mode ?? 'live') === 'live'
      ? new UdpNetBackend(spec, {
          onFrame: (frame) => {
            const tl = session?.timeline;
            if (!tl || tl.pendingInputs('net') >= NET_INPUT_BACKLOG) return false;
            tl.queueInput({ kind: 'net', frame });
            return true;
          },
        })
      : undefined;
  session = createSession({
    ...o,
    // A frame goes on the wire the first time it is computed, never when history is re-executed.
    ...(netHost ? { onNetTransmit: (frame: Uint8Array) => session?.timeline.extendingHistory && netHost.send(frame) } : {}),
    // Output is shown the first time execution passes its icount in the current history, never
    // again on replay.
    onConsoleOutput: (bytes) => {
      const ic = session?.machine.icount ?? 0;
      // A change of the past discarded the history after its end: output there is new.
      if (session) printedUpTo = Math.min(printedUpTo, session.timeline.endIcount);
      if (ic <= printedUpTo) return;
      printedUpTo = ic;
      hostConsole.write(bytes);
    },
  });
  await hostConsole.open();
  try {
    await netHost?.open();
  } catch (e) {
    hostConsole.close();
    throw e;
  }
  return {
    ...session,
    console: hostConsole,
    ...(netHost ? { netHost } : {}),
    closeHost: async () => {
      session?.history?.close();
      hostConsole.close();
      await netHost?.close();
    },
  };
}

/** Write the guest's disk back to the user's image, atomically (temp file + rename). */
export function writeBackDisk(s: Session, file: string): void {
  const disk = s.machine.disk;
  if (!disk) return;
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.rvrr-${process.pid}.tmp`);
  fs.writeFileSync(tmp, disk.contents());
  fs.renameSync(tmp, file);
}

/** Parse `--snapshot-memory` (e.g. 512M). */
export { parseSize } from './machine-args.js';
