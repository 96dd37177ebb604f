import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { IbClientMessage } from '../../src/adapters/ib/ib-session.js';
import { ACCOUNT, brokerErrorOf, useIbHarness } from './support/ib-harness.js';

const h = useIbHarness();

/** One length-prefixed frame of NUL-terminated fields, as TWS writes them. */
function frame(...fields: string[]): Buffer {
  const body = Buffer.from(fields.map((f) => `${f}\0`).join(''), 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

/** A minimal TWS that completes the handshake, then sends one frame the client cannot decode. */
function startBrokenTws(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer((socket: Socket) => {
      let greeted = false;
      socket.on('data', () => {
        if (greeted) return;
        greeted = true;
        socket.write(frame('193', '20261123 10:00:00 EST'));
        setTimeout(() => {
          socket.write(Buffer.concat([frame('15', '1', ACCOUNT), frame('9', '1', '1')]));
          // NEXT_VALID_ID with one field too many: the library reports 505 "unprocessed data left on queue".
          setTimeout(() => socket.write(frame('9', '1', '5', 'extra')), 50);
        }, 20);
      });
      socket.on('error', () => undefined);
    });
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address !== null ? address.port : 0 });
    });
  });
}

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

describe('IB adapter: a message the client cannot decode', () => {
  it('fails the session closed with kind fatal and code 505, and the hook sees the 505', async () => {
    const tws = await startBrokenTws();
    server = tws.server;
    // This test wants the 505, so it listens itself instead of through the harness (which fails on any 505).
    const seen: IbClientMessage[] = [];
    const broker = h.broker(tws.port, { onClientError: (m) => seen.push(m) });
    await broker.connect();
    await expect.poll(() => seen.some((m) => m.code === 505 && /unprocessed data/.test(m.text)), { timeout: 5000 }).toBe(true);
    const error = await brokerErrorOf(broker.accountSummary(ACCOUNT));
    expect(error).toMatchObject({ kind: 'fatal', code: 505 });
    expect(error.message).toMatch(/could not decode/);
  });
});
