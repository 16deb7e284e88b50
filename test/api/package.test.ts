import { expect } from 'chai';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
// The package's own name, as a user's script imports it (resolved through package.json "exports").
import { Machine, RspClient, GdbServer, Timeline, serve, type Stop } from 'rvrr';
import * as direct from '../../dist/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe("api: import from 'rvrr'", () => {
  it('resolves to dist/index.js with its types, and works', async () => {
    expect(Machine).to.equal(direct.Machine);
    expect(RspClient).to.equal(direct.RspClient);
    expect(GdbServer).to.equal(direct.GdbServer);
    expect(Timeline).to.equal(direct.Timeline);
    expect(serve).to.equal(direct.serve);
    const m = Machine.fromFiles({ kernel: path.join(ROOT, 'samples/hello/hello.elf') });
    const s: Stop = await m.runUntilPoweroff();
    expect(s.exitCode).to.equal(0);
    expect(m.timeline).to.be.instanceOf(Timeline);
  });
});
