/**
 * gdb on a replayed recording with keyframes: `monitor info replay` counts them, and seeks and
 * reverse steps from them show exactly what the same recording without keyframes shows.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gdbBatch, runCli, useServers } from './harness.js';

const KERNEL = 'samples/kernel/kernel.elf';

describe('gdb on a recording with keyframes', function () {
  this.timeout(180_000);
  const serve = useServers();
  let dir: string;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rvrr-kf-gdb-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('seeks and reverse-steps show the same as without keyframes', async () => {
    const withKf = path.join(dir, 'kf.rvrr');
    const bare = path.join(dir, 'bare.rvrr');
    for (const [f, extra] of [[withKf, []], [bare, ['--no-keyframes']]] as const) {
      const r = runCli(['record', '--kernel', KERNEL, '--drive', 'samples/kernel/disk.img', '--console', 'none', ...extra, '-o', f]);
      expect(r.code, r.stderr).to.equal(0);
    }
    const commands = [
      'monitor info replay',
      'monitor seek 14000001', 'maintenance flush register-cache', 'reverse-stepi', 'monitor when', 'printf "pc %lx a0 %lx sp %lx\\n", $pc, $a0, $sp',
      'monitor seek 5000000', 'maintenance flush register-cache', 'printf "pc %lx a0 %lx sp %lx\\n", $pc, $a0, $sp',
      'monitor seek 9000003', 'maintenance flush register-cache', 'reverse-stepi', 'reverse-stepi', 'monitor when', 'printf "pc %lx a0 %lx sp %lx\\n", $pc, $a0, $sp',
      'x/4gx $sp',
    ];
    const outs: string[] = [];
    for (const f of [withKf, bare]) {
      const server = await serve(['replay', f, '--console', 'none']);
      outs.push(await gdbBatch(server.port, KERNEL, commands));
      await server.stop();
    }
    expect(outs[0]).to.match(/snapshots: \d+, .* budget \(4 keyframes from the recording\)/);
    expect(outs[1]).to.not.match(/keyframes from the recording/);
    const facts = (o: string) => o.split('\n').filter((l) => /^(icount |pc |0x[0-9a-f]+:)/.test(l));
    expect(facts(outs[0])).to.have.length(7);
    expect(facts(outs[0])[0]).to.match(/^icount 14000000,/);
    expect(facts(outs[0])).to.deep.equal(facts(outs[1]));
  });
});
