import { expect } from 'chai';
import { DiskOverlay, DISK_CHUNK_SIZE } from '../../dist/devices/disk.js';

function image(n: number): Uint8Array {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = (i * 7) & 0xff;
  return a;
}

describe('DiskOverlay', () => {
  it('reads the image, writes go to the overlay only', () => {
    const img = image(3 * DISK_CHUNK_SIZE + 512);
    const orig = img.slice();
    const d = new DiskOverlay(img);
    expect(d.size).to.equal(img.length);
    d.write(DISK_CHUNK_SIZE - 2, Uint8Array.of(1, 2, 3, 4)); // crosses a chunk boundary
    const out = new Uint8Array(6);
    d.read(DISK_CHUNK_SIZE - 3, out);
    expect(Array.from(out)).to.deep.equal([orig[DISK_CHUNK_SIZE - 3], 1, 2, 3, 4, orig[DISK_CHUNK_SIZE + 2]]);
    expect(img).to.deep.equal(orig); // the user's image is never written
    expect(d.dirtyChunks().map((c) => c.offset)).to.deep.equal([0, DISK_CHUNK_SIZE]);
    const all = d.contents();
    expect(all[DISK_CHUNK_SIZE]).to.equal(3);
    expect(all[DISK_CHUNK_SIZE + 10]).to.equal(orig[DISK_CHUNK_SIZE + 10]);
  });

  it('the partial last chunk stays clipped to the image size', () => {
    const d = new DiskOverlay(image(DISK_CHUNK_SIZE + 512));
    d.write(DISK_CHUNK_SIZE + 500, new Uint8Array(12).fill(9));
    const dirty = d.dirtyChunks();
    expect(dirty).to.have.length(1);
    expect(dirty[0].data.length).to.equal(512);
    expect(() => d.write(DISK_CHUNK_SIZE + 510, new Uint8Array(3))).to.throw(RangeError);
    expect(() => d.read(-1, new Uint8Array(1))).to.throw(RangeError);
  });

  it('snapshots share chunks copy-on-write and restore exactly', () => {
    const d = new DiskOverlay(image(4 * DISK_CHUNK_SIZE));
    d.write(0, Uint8Array.of(0xaa));
    const s1 = d.saveState();
    d.write(0, Uint8Array.of(0xbb));
    d.write(2 * DISK_CHUNK_SIZE, Uint8Array.of(0xcc));
    const s2 = d.saveState();
    d.write(0, Uint8Array.of(0xdd));
    const b = new Uint8Array(1);
    d.loadState(s1);
    d.read(0, b);
    expect(b[0]).to.equal(0xaa);
    d.read(2 * DISK_CHUNK_SIZE, b);
    expect(b[0]).to.equal((2 * DISK_CHUNK_SIZE * 7) & 0xff);
    d.loadState(s2);
    d.read(0, b);
    expect(b[0]).to.equal(0xbb);
    d.read(2 * DISK_CHUNK_SIZE, b);
    expect(b[0]).to.equal(0xcc);
    // Writing after a restore must not alter the snapshot.
    d.write(0, Uint8Array.of(0xee));
    d.loadState(s2);
    d.read(0, b);
    expect(b[0]).to.equal(0xbb);
    expect(() => new DiskOverlay(new Uint8Array(512)).loadState(s1)).to.throw(/does not fit/);
  });

  it('saved states share unchanged chunk groups: a snapshot costs a new group only where the guest wrote', () => {
    // 64 chunks a group: 200 chunks are 4 groups, the last partial.
    const d = new DiskOverlay(image(200 * DISK_CHUNK_SIZE));
    type Groups = ({ u8: (Uint8Array | null)[] } | null)[];
    const groups = (s: Record<string, unknown>): Groups => s.groups as Groups;
    const s0 = groups(d.saveState());
    expect(s0).to.have.length(4);
    expect(s0.every((g) => g === null)).to.equal(true, 'nothing written: no group');
    d.write(70 * DISK_CHUNK_SIZE, Uint8Array.of(1));
    const s1 = groups(d.saveState());
    expect(s1[0]).to.equal(null);
    expect(s1[1]!.u8[6]).to.be.instanceOf(Uint8Array);
    const s2 = groups(d.saveState());
    expect(s2[1]).to.equal(s1[1], 'unchanged since the last save: the same group');
    d.write(70 * DISK_CHUNK_SIZE + 1, Uint8Array.of(2)); // a shared chunk: copied, its group rebuilt
    d.write(199 * DISK_CHUNK_SIZE, Uint8Array.of(3));
    const s3 = groups(d.saveState());
    expect(s3[1]).to.not.equal(s1[1]);
    expect(s3[1]!.u8[6]).to.not.equal(s1[1]!.u8[6]);
    expect(s1[1]!.u8[6]![1]).to.equal((70 * DISK_CHUNK_SIZE * 7 + 7) & 0xff, 'the older state keeps its bytes');
    expect(s3[3]!.u8).to.have.length(200 - 192);
    expect(s3[0]).to.equal(null);
    // Restoring an older state and writing again leaves every saved state as it was.
    d.loadState({ size: d.size, groups: s1 });
    const b = new Uint8Array(2);
    d.read(70 * DISK_CHUNK_SIZE, b);
    expect(Array.from(b)).to.deep.equal([1, (70 * DISK_CHUNK_SIZE * 7 + 7) & 0xff]);
    d.read(199 * DISK_CHUNK_SIZE, b.subarray(0, 1));
    expect(b[0]).to.equal((199 * DISK_CHUNK_SIZE * 7) & 0xff);
    d.write(70 * DISK_CHUNK_SIZE, Uint8Array.of(9));
    expect(s1[1]!.u8[6]![0]).to.equal(1);
    expect(groups(d.saveState())[1]).to.not.equal(s1[1]);
  });
});
