/**
 * The alerts the hourly job sends itself, before a run could start (a corrupt database here), are pushed too, as
 * the run's own alerts are: one request per service, the secrets masked, the job's exit code unchanged.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runHourlyRebalance } from '../../src/app/hourly-job.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((done) => s.close(() => done()))));
});

/** A webhook on loopback that records each JSON body it receives. */
async function webhook(): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(body));
      res.writeHead(200).end();
    });
  });
  servers.push(server);
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/k8Zq3xW9vB2mN7pL`, bodies };
}

describe('pushes of the alerts the job sends itself', () => {
  it('a run that cannot start (a corrupt database): the alert is emailed and pushed, exit 1, the webhook URL in no output', async () => {
    const hook = await webhook();
    const root = mkdtempSync(join(tmpdir(), 'push-job-'));
    mkdirSync(join(root, 'data'));
    mkdirSync(join(root, 'forecasts'));
    writeFileSync(join(root, 'data', 'rebalancer.sqlite'), 'this is not a database, it was overwritten by mistake');
    const lines: string[] = [];
    const code = await runHourlyRebalance({
      cwd: root,
      env: {
        FORECAST_DIR: join(root, 'forecasts'),
        DATA_DIR: join(root, 'data'),
        LOG_DIR: join(root, 'logs'),
        PUSH_WEBHOOK_URL: hook.url,
        PUSH_TIMEOUT_MS: '2000',
      },
      now: '2026-11-23T15:35:00Z',
      dryRun: false,
      out: (l) => void lines.push(l),
      err: (l) => void lines.push(l),
    });
    expect(code).toBe(1);
    expect(hook.bodies).toHaveLength(1);
    expect(hook.bodies[0]).toMatchObject({ outcome: 'FAILED', exitCode: 1, tradingState: 'HALTED' });
    expect((hook.bodies[0] as { text: string }).text).toMatch(/not a database|corrupt|storage error/i);
    expect(lines).toEqual(expect.arrayContaining(['push webhook sent']));
    expect(lines.join('\n')).not.toContain('k8Zq3xW9vB2mN7pL');
  });
});
