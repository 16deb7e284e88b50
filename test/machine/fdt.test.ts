import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cells64, decodeDtb, encodeDtb, FdtNode, findNode, type DecodedNode } from '../../dist/machine/fdt.js';
import { buildVirtDtb } from '../../dist/machine/virt-dt.js';
import { planBoot } from '../../dist/machine/virt-boot.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rvrr-fdt-'));

/** dtc's source rendering of a blob, failing the test on any dtc error. */
function dtcDecompile(dtb: Uint8Array): { dts: string; warnings: string } {
  const f = path.join(tmp, `t${Math.random().toString(36).slice(2)}.dtb`);
  fs.writeFileSync(f, dtb);
  const r = spawnSync('dtc', ['-I', 'dtb', '-O', 'dts', f], { encoding: 'utf8' });
  expect(r.status, r.stderr).to.equal(0);
  return { dts: r.stdout, warnings: r.stderr };
}

function dtcCompile(dts: string): Uint8Array {
  const f = path.join(tmp, `t${Math.random().toString(36).slice(2)}.dts`);
  fs.writeFileSync(f, dts);
  return new Uint8Array(execFileSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', f]));
}

/** Every node path -> its properties, with phandle references replaced by the target's path. */
function flatten(root: DecodedNode, phandleProps: Record<string, number[]>): Map<string, Map<string, string>> {
  const byPhandle = new Map<number, string>();
  const walk = (n: DecodedNode, p: string, f: (n: DecodedNode, p: string) => void): void => {
    f(n, p);
    for (const c of n.children) walk(c, p === '/' ? `/${c.name}` : `${p}/${c.name}`, f);
  };
  walk(root, '/', (n, p) => {
    const ph = n.props.get('phandle');
    if (ph) byPhandle.set(Buffer.from(ph).readUInt32BE(0), p);
  });
  const out = new Map<string, Map<string, string>>();
  walk(root, '/', (n, p) => {
    const props = new Map<string, string>();
    for (const [k, v] of n.props) {
      if (k === 'phandle') continue;
      const refs = phandleProps[k];
      if (refs) {
        // cells at positions refs[i] (mod stride refs[0]) are phandles
        const cells = Array.from({ length: v.length / 4 }, (_, i) => Buffer.from(v).readUInt32BE(i * 4));
        const [stride, ...pos] = refs;
        props.set(k, cells.map((c, i) => (pos.includes(i % stride) ? byPhandle.get(c) ?? `?${c}` : String(c))).join(' '));
      } else props.set(k, Buffer.from(v).toString('hex'));
    }
    out.set(p, props);
  });
  return out;
}

const PHANDLE_PROPS: Record<string, number[]> = {
  'interrupt-parent': [1, 0],
  'interrupts-extended': [2, 0],
  regmap: [1, 0],
  cpu: [1, 0],
};

describe('machine/fdt', () => {
  it('writes a DTB v17 that dtc decodes, with each property name stored once', () => {
    const root = new FdtNode('').prop('#address-cells', 2).prop('#size-cells', 2).prop('model', 'm');
    root.child('a@1').prop('reg', cells64(1, 0x100000000)).prop('compatible', ['x,y', 'z']).prop('flag', true);
    root.child('b').prop('model', 'n').prop('bytes', Uint8Array.of(1, 2, 3));
    const dtb = encodeDtb(root, { reservations: [{ address: 0x80000000, size: 0x1000 }] });
    const { dts } = dtcDecompile(dtb);
    expect(dts).to.match(/\/memreserve\/\s+0x0*80000000 0x0*1000;/);
    expect(dts).to.include('reg = <0x00 0x01 0x01 0x00>;');
    expect(dts).to.include('compatible = "x,y\\0z";');
    expect(dts).to.include('flag;');
    expect(dts).to.include('bytes = [01 02 03];');
    const dv = new DataView(dtb.buffer);
    expect(dv.getUint32(0)).to.equal(0xd00dfeed);
    expect(dv.getUint32(4)).to.equal(dtb.length);
    expect(dv.getUint32(20)).to.equal(17);
    const strings = Buffer.from(dtb.subarray(dv.getUint32(12), dv.getUint32(12) + dv.getUint32(32))).toString('latin1');
    expect(strings.split('\0').filter((s) => s === 'model')).to.have.length(1);
  });

  it('round-trips the virt tree through dtc (dtb -> dts -> dtb) unchanged', () => {
    const dtb = buildVirtDtb({ memoryBytes: 256 << 20, smp: 2, virtioSlots: [0, 1, 2, 3, 4, 5, 6, 7], bootargs: 'console=ttyS0', initrd: { start: 0x88200000, end: 0x88300000 } });
    const { dts, warnings } = dtcDecompile(dtb);
    // QEMU's tree draws the same interrupt_provider remark (its cpu intc nodes are alike); nothing else.
    const other = warnings.split('\n').filter((l) => l !== '' && !/Warning \(interrupt_provider\): \/cpus\/cpu@\d\/interrupt-controller: Missing #address-cells/.test(l));
    expect(other).to.deep.equal([]);
    const again = decodeDtb(dtcCompile(dts));
    const ours = decodeDtb(dtb);
    expect(flatten(again.root, {})).to.deep.equal(flatten(ours.root, {}));
  });

  it('describes the same board as QEMU 7.2 (-smp 3, rv64imafdc, virtio slots, test, rtc)', () => {
    const qdtb = path.join(tmp, 'qemu.dtb');
    execFileSync('qemu-system-riscv64', [
      '-machine', `virt,dumpdtb=${qdtb}`, '-smp', '3', '-m', '256M', '-nographic',
      '-cpu', 'rv64,h=false,zba=false,zbb=false,zbc=false,zbs=false,sstc=false,Zihintpause=false',
    ], { stdio: 'pipe' });
    const qemu = flatten(decodeDtb(new Uint8Array(fs.readFileSync(qdtb))).root, PHANDLE_PROPS);
    const ours = flatten(decodeDtb(buildVirtDtb({ memoryBytes: 256 << 20, smp: 3, virtioSlots: [0, 1, 2, 3, 4, 5, 6, 7] })).root, PHANDLE_PROPS);
    // Devices QEMU has that this board does not emulate.
    const absent = /^\/(pmu|fw-cfg@|flash@|platform-bus@|soc\/pci@)/;
    for (const p of qemu.keys()) if (!absent.test(p)) expect(ours.has(p), `node ${p}`).to.equal(true);
    for (const [p, props] of ours) {
      expect(qemu.has(p), `our node ${p} exists in QEMU's tree`).to.equal(true);
      const q = qemu.get(p)!;
      for (const [k, v] of props) {
        if (k === 'mmu-type') {
          // QEMU announces sv48; our MMU implements Sv39 only.
          expect(Buffer.from(v, 'hex').toString()).to.equal('riscv,sv39\0');
          continue;
        }
        expect(v, `${p} ${k}`).to.equal(q.get(k));
      }
      const missing = [...q.keys()].filter((k) => !props.has(k) && !(p === '/chosen' && k === 'rng-seed'));
      expect(missing, `properties of ${p}`).to.deep.equal([]);
    }
  });

  it('fills /chosen as QEMU 7.2 does for -kernel -initrd -append', () => {
    const qdtb = path.join(tmp, 'qemu-chosen.dtb');
    const initrd = path.join(tmp, 'initrd.bin');
    fs.writeFileSync(initrd, Buffer.alloc(5000, 7));
    const kernel = new URL('../../test/machine/fixtures/hello.elf', import.meta.url);
    execFileSync('qemu-system-riscv64', [
      '-machine', `virt,dumpdtb=${qdtb}`, '-bios', 'none', '-nographic', '-kernel', kernel.pathname,
      '-initrd', initrd, '-append', 'console=ttyS0 root=/dev/ram',
    ], { stdio: 'pipe' });
    const q = findNode(decodeDtb(new Uint8Array(fs.readFileSync(qdtb))).root, '/chosen')!;
    const plan = planBoot({ kernel: new Uint8Array(fs.readFileSync(kernel)), initrd: new Uint8Array(5000), append: 'console=ttyS0 root=/dev/ram' });
    const ours = findNode(decodeDtb(plan.dtb).root, '/chosen')!;
    q.props.delete('rng-seed');
    const hexProps = (m: Map<string, Uint8Array>) => new Map([...m].map(([k, v]) => [k, Buffer.from(v).toString('hex')]));
    expect(hexProps(ours.props)).to.deep.equal(hexProps(q.props));
  });

  it('puts bootargs and the initrd range in /chosen', () => {
    const t = decodeDtb(buildVirtDtb({ memoryBytes: 128 << 20, smp: 1, virtioSlots: [0], bootargs: 'root=/dev/vda rw', initrd: { start: 0x84200000, end: 0x84300010 } }));
    const chosen = findNode(t.root, '/chosen')!;
    expect(Buffer.from(chosen.props.get('bootargs')!).toString()).to.equal('root=/dev/vda rw\0');
    expect(Buffer.from(chosen.props.get('stdout-path')!).toString()).to.equal('/soc/serial@10000000\0');
    expect(Buffer.from(chosen.props.get('linux,initrd-start')!).toString('hex')).to.equal('84200000');
    expect(Buffer.from(chosen.props.get('linux,initrd-end')!).toString('hex')).to.equal('84300010');
    expect(findNode(t.root, '/soc/virtio_mmio@10001000')).to.not.equal(undefined);
    expect(findNode(t.root, '/soc/virtio_mmio@10002000')).to.equal(undefined);
  });
});
