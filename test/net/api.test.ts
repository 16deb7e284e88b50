/** The scripting API with the built-in network peer: the netping guest pings, and reverse-continue finds its last frame. */
import { expect } from 'chai';
import { Machine } from '../../dist/index.js';

describe('API: Machine with net: user', function () {
  this.timeout(60_000);

  it('runs the netping guest to its three replies and steps back to the last frame received', async () => {
    const m = Machine.fromFiles({ kernel: 'test/guests/netping.elf', net: 'user' });
    const stop = await m.runUntilPoweroff();
    expect(stop.exitCode).to.equal(0);
    expect(m.console.match(/^netping: reply from 10\.0\.2\.2 seq \d ttl 64$/gm)).to.have.length(3);
    m.breakpoints.add('net_rx');
    const back = await m.reverseContinue();
    expect(back.reason).to.equal('breakpoint');
    expect(m.board.net!.counters.rxFrames, 'frames received before the last one was handled').to.equal(4);
  });
});
