import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pingHeartbeat } from '../../src/adapters/heartbeat/ping-heartbeat.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

function listen(handler: (url: string, reply: (status: number) => void) => void): Promise<string> {
  server = createServer((req, res) => handler(req.url ?? '', (status) => res.writeHead(status).end('ok')));
  return new Promise((done) =>
    server?.listen(0, '127.0.0.1', () => done(`http://127.0.0.1:${(server?.address() as AddressInfo).port}/ping/abc`)),
  );
}

describe('the heartbeat after each run', () => {
  it('puts the exit code where the URL says {exit}, as healthchecks.io reads it', async () => {
    const seen: string[] = [];
    const url = await listen((path, reply) => {
      seen.push(path);
      reply(200);
    });
    expect(await pingHeartbeat(`${url}/{exit}`, 3, 2000)).toEqual({ ok: true, status: 200 });
    expect(await pingHeartbeat(url, 0, 2000)).toEqual({ ok: true, status: 200 });
    expect(seen).toEqual(['/ping/abc/3', '/ping/abc']);
  });

  it('reports an HTTP error instead of throwing', async () => {
    const url = await listen((_path, reply) => reply(503));
    expect(await pingHeartbeat(url, 0, 2000)).toEqual({ ok: false, reason: 'HTTP 503' });
  });

  it('does not follow a redirect to another host or port: the URL carries a token', async () => {
    const elsewhere: string[] = [];
    const other = createServer((req, res) => {
      elsewhere.push(req.url ?? '');
      res.writeHead(200).end();
    });
    await new Promise<void>((done) => other.listen(0, '127.0.0.1', () => done()));
    const target = `http://127.0.0.1:${(other.address() as AddressInfo).port}/steal`;
    const url = await listen((_path, reply) => reply(302));
    server?.removeAllListeners('request');
    server?.on('request', (_req, res) => res.writeHead(302, { location: target }).end());
    const result = await pingHeartbeat(url, 0, 2000);
    await new Promise<void>((done) => other.close(() => done()));
    // Told by its origin only: the rest of the address may carry the token.
    expect(result).toEqual({ ok: false, reason: `HTTP 302 redirect to ${new URL(target).origin}/… not followed` });
    expect(elsewhere).toEqual([]);
  });

  it('gives up after its timeout when the service does not answer', async () => {
    const url = await listen(() => undefined);
    const result = await pingHeartbeat(url, 0, 200);
    expect(result).toEqual({ ok: false, reason: 'no answer in 200 ms' });
  });
});
