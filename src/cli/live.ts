/**
 * What `run`, `record`, `serve` and `replay` share: a session with the guest console on the
 * host, output shown once (re-execution during seeks and reverse steps is not printed again),
 * and disk write-back on request.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostConsole, parseConsoleSpec } from '../host/console.js';
import { createSession, type Session, type SessionOptions } from '../session/session.js';

/** Console options shared by the commands. */
export interface ConsoleArgs {
  console: string;
  'console-log'?: string;
}

export interface LiveSession extends Session {
  console: HostConsole;
}

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
  session = createSession({
    ...o,
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
  return { ...session, console: hostConsole };
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
