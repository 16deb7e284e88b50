/**
 * The history file (`--history-file`): a cache, for one live session, of the snapshots the
 * memory budget thins away. Instead of being lost, a thinned snapshot is encoded with the
 * keyframe machinery (keyframe.ts) and appended here; a seek or reverse operation into a region
 * whose snapshots in memory were thinned restores the nearest spilled one (or the nearest in
 * memory, if nearer) and replays the log from there.
 *
 * File format (little-endian), append-only:
 *   file header (16 bytes): magic "RVRRHIST" | version u32 (1) | 0 u32
 *   records: magic "RVHS" u32 | icount u64 | chainIndex u32 (0: a full keyframe) |
 *            payloadBytes u32 | crc32(payload) u32 | payload (a KEYF payload, keyframe.ts)
 * Records form chains: a full keyframe, then up to FULL_EVERY - 1 deltas, each against the
 * record before it in the file (not in icount order: snapshots are thinned in whatever order
 * the budget picks). So loading one spilled snapshot reads and decodes at most FULL_EVERY
 * records, whatever the length of the session.
 *
 * In memory: one small index entry per record (icount, offset, length, checksum, chain), the
 * pages of the last spilled snapshot (the base of the next delta) and of the last decoded one
 * (so walking back through spilled snapshots of one chain continues from it).
 *
 * Never trusted blindly: each record's checksum is verified when it is read and the keyframe
 * decoder refuses anything inconsistent. A bad record is reported (DEBUG=rvrr:replay), it and
 * the deltas built on it are forgotten, and the caller falls back to an earlier snapshot: results
 * stay identical, only slower. The file is created (or truncated) when the session starts and
 * deleted when it closes.
 */
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import createDebug from 'debug';
import type { MachineSnapshot } from '../machine/types.js';
import type { VirtSnapshot } from '../machine/virt.js';
import { crc32 } from './crc32.js';
import { KeyframeEncoder, KeyframeError, type KeyframeTarget } from './keyframe.js';
import { KeyframeDecoder } from './keyframe-decode.js';
import { KeyframeJsonError } from './keyframe-json.js';

const log = createDebug('rvrr:replay');

const FILE_MAGIC = Buffer.from('RVRRHIST', 'latin1');
const HISTORY_FORMAT_VERSION = 1;
const FILE_HEADER_BYTES = 16;
const RECORD_MAGIC = 0x53485652; // "RVHS"
const RECORD_HEADER_BYTES = 24;
/** Spilling happens while recording: the fastest compression (the file is a short-lived cache). */
const SPILL_DEFLATE_LEVEL = 1;
/** A full keyframe every this many records: bounds the reading one load needs. */
export const DEFAULT_FULL_EVERY = 8;

/** Options of a history file. */
export interface HistoryFileOptions {
  /** Path of the file (created, or truncated if it exists). */
  path: string;
  /** The board the snapshots are of (what decoded keyframes must fit). */
  target: KeyframeTarget;
  /** A full keyframe every this many records (default 8). */
  fullEvery?: number;
}

/** One record in the file. */
interface HistoryRecord {
  readonly icount: number;
  readonly offset: number;
  readonly length: number;
  readonly crc: number;
  /** File-order index of the full keyframe this record's chain starts with. */
  readonly chainStart: number;
  /** False once the record or one it builds on failed to load. */
  good: boolean;
}

/** What `stats()` reports. */
export interface HistoryFileStats {
  /** Records written. */
  records: number;
  /** Spilled snapshots that can be loaded (one per icount). */
  usable: number;
  /** Bytes of the file. */
  bytes: number;
  /** Records found bad on reading (and skipped). */
  bad: number;
  /** Spilled snapshots restored (seeks that started from the file). */
  loads: number;
  /** Records read for them. */
  recordsRead: number;
  /** The most records one load read (at most `fullEvery`: its chain up to the one loaded). */
  longestLoad: number;
}

/** Files open in this process, deleted at exit even if their session never closed. */
const openFiles = new Set<HistoryFile>();
let exitHook = false;

/** One session's history file: spill thinned snapshots, find and load them back (see the module comment). */
export class HistoryFile {
  readonly path: string;
  private readonly fullEvery: number;
  private fd: number | undefined;
  private size = FILE_HEADER_BYTES;
  private readonly records: HistoryRecord[] = [];
  /** Usable records by icount, sorted by icount (one per icount: the newest). */
  private byIcount: { icount: number; rec: number }[] = [];
  private enc = new KeyframeEncoder({ deflateLevel: SPILL_DEFLATE_LEVEL });
  private decoder: KeyframeDecoder;
  /** File-order index of the record the decoder last decoded (its base), or -1. */
  private decodedAt = -1;
  private badCount = 0;
  private loads = 0;
  private recordsRead = 0;
  private longestLoad = 0;
  /** The next record starts a chain (at first, and after a write failed midway). */
  private needFull = true;

  constructor(o: HistoryFileOptions) {
    this.path = o.path;
    this.fullEvery = Math.max(1, o.fullEvery ?? DEFAULT_FULL_EVERY);
    this.decoder = new KeyframeDecoder(o.target, { anyOrder: true });
    try {
      this.fd = openSync(o.path, 'w+');
    } catch (e) {
      throw new Error(`history file ${o.path}: ${(e as Error).message}`);
    }
    const h = Buffer.alloc(FILE_HEADER_BYTES);
    FILE_MAGIC.copy(h, 0);
    h.writeUInt32LE(HISTORY_FORMAT_VERSION, 8);
    writeSync(this.fd, h, 0, h.length, 0);
    openFiles.add(this);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => { for (const f of [...openFiles]) f.close(); });
    }
  }

  stats(): HistoryFileStats {
    return { records: this.records.length, usable: this.byIcount.length, bytes: this.size, bad: this.badCount, loads: this.loads, recordsRead: this.recordsRead, longestLoad: this.longestLoad };
  }

  private find(icount: number): number {
    // First index with icount >= `icount`.
    let lo = 0;
    let hi = this.byIcount.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.byIcount[mid].icount < icount) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** True when a usable spilled snapshot at `icount` is in the file. */
  has(icount: number): boolean {
    const i = this.find(icount);
    return i < this.byIcount.length && this.byIcount[i].icount === icount;
  }

  /** The icount of the latest usable spilled snapshot at or before `icount`. */
  latestAtOrBefore(icount: number): number | undefined {
    const i = this.find(icount + 1) - 1;
    return i >= 0 ? this.byIcount[i].icount : undefined;
  }

  /**
   * Append the arrival state at `snap.icount` (one the memory budget is thinning away). Returns
   * false when it could not be stored (a state the keyframe format cannot hold, a full disk):
   * then the snapshot is lost, as without a history file.
   */
  spill(snap: MachineSnapshot): boolean {
    if (this.fd === undefined) return false;
    if (this.has(snap.icount)) return true; // states at one icount are identical: once is enough
    const index = this.records.length;
    const last = this.records[index - 1];
    const full = this.needFull || last === undefined || index - last.chainStart >= this.fullEvery || !last.good;
    if (full) this.enc = new KeyframeEncoder({ deflateLevel: SPILL_DEFLATE_LEVEL });
    let payload: Uint8Array;
    let commit: () => void;
    try {
      ({ payload, commit } = this.enc.encode(snap as VirtSnapshot));
    } catch (e) {
      if (!(e instanceof KeyframeError || e instanceof KeyframeJsonError)) throw e;
      log('history file: snapshot at icount %d not stored: %s', snap.icount, e.message);
      return false;
    }
    const crc = crc32(payload);
    const h = Buffer.alloc(RECORD_HEADER_BYTES);
    h.writeUInt32LE(RECORD_MAGIC, 0);
    h.writeBigUInt64LE(BigInt(snap.icount), 4);
    h.writeUInt32LE(full ? 0 : index - last!.chainStart, 12);
    h.writeUInt32LE(payload.length, 16);
    h.writeUInt32LE(crc, 20);
    try {
      writeSync(this.fd, h, 0, h.length, this.size);
      writeSync(this.fd, payload, 0, payload.length, this.size + h.length);
    } catch (e) {
      log('history file: write failed at icount %d: %s', snap.icount, (e as Error).message);
      // A partial record is never indexed; the next one starts a fresh chain over it.
      this.needFull = true;
      return false;
    }
    commit();
    this.needFull = false;
    const rec: HistoryRecord = {
      icount: snap.icount, offset: this.size, length: RECORD_HEADER_BYTES + payload.length, crc,
      chainStart: full ? index : last!.chainStart, good: true,
    };
    this.records.push(rec);
    this.size += rec.length;
    const i = this.find(snap.icount);
    this.byIcount.splice(i, 0, { icount: snap.icount, rec: index });
    log('history file: snapshot at icount %d spilled (%s, %d bytes)', snap.icount, full ? 'full' : 'delta', rec.length);
    return true;
  }

  /**
   * The spilled snapshot at `icount`, read back and verified; undefined (reported, and the
   * record and those built on it forgotten) when it cannot be used.
   */
  load(icount: number): MachineSnapshot | undefined {
    const i = this.find(icount);
    if (i >= this.byIcount.length || this.byIcount[i].icount !== icount || this.fd === undefined) return undefined;
    const target = this.byIcount[i].rec;
    const start = this.records[target].chainStart;
    // Continue from the last decoded record when it is earlier in the same chain.
    let k = this.decodedAt >= start && this.decodedAt < target && this.records[this.decodedAt].chainStart === start ? this.decodedAt + 1 : start;
    if (k === start) this.decoder.reset();
    this.longestLoad = Math.max(this.longestLoad, target - k + 1);
    let snap: VirtSnapshot | undefined;
    for (; k <= target; k++) {
      try {
        snap = this.decoder.decode(this.read(this.records[k]));
        this.decodedAt = k;
      } catch (e) {
        if (!(e instanceof KeyframeError)) throw e;
        this.decodedAt = -1;
        this.forgetChainFrom(k, e.message);
        return undefined;
      }
    }
    this.loads++;
    return snap;
  }

  /** A record's payload, its header and checksum verified. */
  private read(r: HistoryRecord): Uint8Array {
    const b = Buffer.alloc(r.length);
    this.recordsRead++;
    let got: number;
    try {
      got = readSync(this.fd!, b, 0, r.length, r.offset);
    } catch (e) {
      throw new KeyframeError(`cannot read: ${(e as Error).message}`);
    }
    if (got !== r.length) throw new KeyframeError(`cut short (${got} of ${r.length} bytes)`);
    if (b.readUInt32LE(0) !== RECORD_MAGIC) throw new KeyframeError('bad record magic');
    if (Number(b.readBigUInt64LE(4)) !== r.icount) throw new KeyframeError(`record says icount ${b.readBigUInt64LE(4)}, the index ${r.icount}`);
    const n = b.readUInt32LE(16);
    if (n !== r.length - RECORD_HEADER_BYTES) throw new KeyframeError(`record length ${n}, the index says ${r.length - RECORD_HEADER_BYTES}`);
    const payload = b.subarray(RECORD_HEADER_BYTES);
    const crc = crc32(payload);
    if (crc !== r.crc || b.readUInt32LE(20) !== r.crc) throw new KeyframeError('checksum mismatch');
    return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  }

  /** Record `k` failed: it and the later records of its chain (deltas on it) are unusable. */
  private forgetChainFrom(k: number, why: string): void {
    const start = this.records[k].chainStart;
    let n = 0;
    for (let j = k; j < this.records.length && this.records[j].chainStart === start; j++) {
      if (!this.records[j].good) continue;
      this.records[j].good = false;
      n++;
    }
    this.badCount += n;
    this.byIcount = this.byIcount.filter((x) => this.records[x.rec].good);
    log('history file: record at icount %d: %s; it and %d later record(s) of its chain skipped', this.records[k].icount, why, n - 1);
  }

  /** History after `icount` was discarded (the past changed): forget the snapshots there. */
  dropAfter(icount: number): void {
    this.byIcount.splice(this.find(icount + 1));
  }

  /** Close and delete the file (it is a cache of this session only). */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    openFiles.delete(this);
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone: nothing to clean up.
    }
  }
}
