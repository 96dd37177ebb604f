import { connect, type Socket } from 'node:net';
import { EventName } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { encodeFrame, encodeHandshake } from '../../src/gateway/wire/framing.js';
import { connectClient, eventually, onCleanup, once, startTestGateway } from './helpers.js';

/**
 * What a TWS API client other than @stoqey/ib meets on connect, over a raw socket: the version range it
 * offers is negotiated as TWS does (the highest version both sides speak), and the requests IB's own clients
 * send in the versions they send them are read.
 */

interface RawClient {
  /** Every frame received so far, as fields. */
  readonly frames: string[][];
  readonly closed: Promise<void>;
  send(fields: string[]): void;
  /** Resolves with the frames received once `until` matches one of them (or rejects after 3 s). */
  waitFor(until: (fields: string[]) => boolean): Promise<string[][]>;
}

/** A client that speaks the framing by hand: `API\0` and its version range, then length-prefixed frames. */
function rawClient(port: number, versions: string): RawClient {
  const socket: Socket = connect(port, '127.0.0.1');
  const frames: string[][] = [];
  let buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 4 && buffer.length >= 4 + buffer.readUInt32BE(0)) {
      const payload = buffer.subarray(4, 4 + buffer.readUInt32BE(0));
      buffer = buffer.subarray(4 + payload.length);
      frames.push(payload.toString('utf8').replace(/\0$/, '').split('\0'));
    }
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('connect', () => socket.write(encodeHandshake(versions)));
  onCleanup(async () => {
    socket.destroy();
    await closed;
  });
  return {
    frames,
    closed,
    send: (fields) => socket.write(encodeFrame(fields)),
    waitFor: async (until) => {
      await eventually(() => expect(frames.some(until)).toBe(true));
      return frames;
    },
  };
}

/** Connects with `versions`, starts the API as client 9 and waits for the next valid id. */
async function startedClient(port: number, versions: string): Promise<RawClient> {
  const client = rawClient(port, versions);
  await client.waitFor(() => true);
  client.send(['71', '2', '9', '']);
  await client.waitFor((f) => f[0] === '9');
  return client;
}

const errorsIn = (frames: string[][]) => frames.filter((f) => f[0] === '4' && !['2104', '2106', '2158'].includes(f[3] ?? ''));

describe('version negotiation', () => {
  it('answers 193 to a client offering v100..200 (a newer IB client), and serves it', async () => {
    const { gateway } = await startTestGateway();
    const client = rawClient(gateway.port, 'v100..200');
    const [first] = await client.waitFor(() => true);
    expect(first?.[0]).toBe('193');
    expect(first?.[1]).toMatch(/^\d{8} \d{2}:\d{2}:\d{2} /);
    client.send(['71', '2', '9', '']);
    await client.waitFor((f) => f[0] === '9');
    expect(client.frames.find((f) => f[0] === '15')).toEqual(['15', '1', 'DU1234567']);
    client.send(['49', '1']);
    await client.waitFor((f) => f[0] === '49');
    expect(gateway.stats().decodeErrors).toEqual([]);
  });

  it.each(['v193', 'v150..193', 'v193..250'])('answers 193 to %s', async (versions) => {
    const { gateway } = await startTestGateway();
    const client = rawClient(gateway.port, versions);
    const [first] = await client.waitFor(() => true);
    expect(first?.[0]).toBe('193');
    expect(gateway.stats().decodeErrors).toEqual([]);
  });

  it.each([
    ['v100..150', /v100\.\.150.*highest is 150.*193/],
    ['v194..200', /v194\.\.200.*lowest is 194.*193/],
  ])('refuses %s: no reply, the socket closed, and a log line that says why', async (versions, why) => {
    const lines: string[] = [];
    const { gateway } = await startTestGateway(undefined, { onProblem: (line) => lines.push(line) });
    const client = rawClient(gateway.port, versions);
    await client.closed;
    expect(client.frames).toEqual([]);
    expect(gateway.stats().decodeErrors).toEqual([expect.stringMatching(why)]);
    expect(lines.some((l) => why.test(l))).toBe(true);
  });

  it('still connects @stoqey/ib, which offers v100..193', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7);
    expect(client.nextValidId).toBeGreaterThan(0);
    expect(client.api.serverVersion).toBe(193);
  });
});

describe('CANCEL_MKT_DATA in the versions real clients send', () => {
  it('reads version 2 (IB Python/Java EClient) and version 1 (@stoqey/ib) without a reply; refuses garbage with 320', async () => {
    const { gateway } = await startTestGateway();
    const client = await startedClient(gateway.port, 'v100..193');
    client.send(['2', '2', '5']); // IB's EClient: VERSION = 2
    client.send(['2', '1', '6']); // @stoqey/ib: version 1
    client.send(['49', '1']);
    await client.waitFor((f) => f[0] === '49');
    expect(errorsIn(client.frames)).toEqual([]);
    expect(gateway.stats().decodeErrors).toEqual([]);

    for (const garbage of [
      ['2', '3', '7'],
      ['2', '2'],
      ['2', '2', '7', 'extra'],
      ['2', 'x', '7'],
    ]) {
      const before = errorsIn(client.frames).length;
      client.send(garbage);
      await eventually(() => expect(errorsIn(client.frames)).toHaveLength(before + 1));
      expect(errorsIn(client.frames)[before]?.[3]).toBe('320');
    }
    expect(gateway.stats().decodeErrors).toHaveLength(4);
  });

  it('takes @stoqey/ib cancelMktData as before', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7);
    client.api.cancelMktData(12);
    const time = once(client.api, EventName.currentTime);
    client.api.reqCurrentTime();
    await time;
    expect(client.errors).toEqual([]);
    expect(gateway.stats().decodeErrors).toEqual([]);
  });
});
