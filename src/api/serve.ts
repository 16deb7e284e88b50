/**
 * Serve a scripted Machine to gdb: the same server `rvrr serve` runs, over the Machine's board
 * and history, so a script can prepare a state (run to a point, set checkpoints) and hand it
 * to gdb-multiarch, or drive it with RspClient.
 */
import { GdbServer } from '../gdb/server.js';
import { MachineTarget } from '../session/target.js';
import type { Machine } from './machine.js';

/** Options of `serve`. */
export interface ServeOptions {
  /** TCP port; default 1234 (what gdbinit connects to); 0 picks a free one (see `server.port`). */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
}

/**
 * Listen for gdb on `port` and serve `machine`. Resolves once listening with the GdbServer
 * (events: `connect`, `disconnect`, `detach`, `kill`, `exited`); `await server.close()` ends it.
 * While gdb is attached it owns the machine: its breakpoints replace the script's, and the
 * script must not start operations of its own until gdb detaches.
 */
export async function serve(machine: Machine, o: ServeOptions = {}): Promise<GdbServer> {
  const target = new MachineTarget(machine.board, machine.timeline.engine);
  const server = new GdbServer(target, { port: o.port ?? 1234, ...(o.host !== undefined ? { host: o.host } : {}) });
  await server.listen();
  return server;
}
