import { appendFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { nodeStableReadIo, readStableFile, type StableFile, type StableReadIo } from '../../src/forecast/read-stable-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stable-read-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
const FAST = { tries: 3, pauseMs: 1, maxBytes: 1024, timeoutMs: 5000 };

/** The real file system, with `read` of every open file replaced by `read(file, limit, path)`. */
function withRead(read: (file: StableFile, limit: number, path: string) => Promise<Uint8Array>): StableReadIo {
  return {
    ...nodeStableReadIo,
    async open(path) {
      const file = await nodeStableReadIo.open(path);
      return { ...file, read: (limit) => read(file, limit, path) };
    },
  };
}

/** The real file system, but each read also appends to the file (in place) while "a strategy is writing it". */
function writerDuringReads(times: number): StableReadIo & { reads: number } {
  const io = Object.assign(
    withRead(async (file, limit, path) => {
      const bytes = await file.read(limit);
      io.reads += 1;
      if (io.reads <= times) await appendFile(path, ' "more"');
      return bytes;
    }),
    { reads: 0 },
  );
  return io;
}

describe('readStableFile', () => {
  test('reads a file that holds still', async () => {
    const path = join(dir, 'a.json');
    await writeFile(path, '{"a": 1}');
    const result = await readStableFile(path, nodeStableReadIo, FAST);
    expect(result.ok && text(result.bytes)).toBe('{"a": 1}');
  });

  test('a file changed between the two stats is read again, and the settled content returned', async () => {
    const path = join(dir, 'a.json');
    await writeFile(path, '{"a": 1}');
    const io = writerDuringReads(1);
    const result = await readStableFile(path, io, FAST);
    expect(io.reads).toBe(2);
    expect(result.ok && text(result.bytes)).toBe('{"a": 1} "more"');
  });

  test('a file that keeps changing fails after three reads', async () => {
    const path = join(dir, 'a.json');
    await writeFile(path, '{"a": 1}');
    const io = writerDuringReads(Infinity);
    const result = await readStableFile(path, io, FAST);
    expect(io.reads).toBe(3);
    expect(result).toEqual({
      ok: false,
      problem:
        'file changed while being read (3 tries); write the forecast to a temporary name such as name.json.tmp and rename it when complete',
    });
  });

  test('a file replaced by a rename during the read is no problem: the version opened is read whole, once', async () => {
    const path = join(dir, 'a.json');
    await writeFile(path, '{"old": 1}');
    let reads = 0;
    const io = withRead(async (file, limit) => {
      const bytes = await file.read(limit);
      reads += 1;
      if (reads === 1) {
        await writeFile(join(dir, 'a.json.tmp'), '{"new": 1}');
        await rename(join(dir, 'a.json.tmp'), path);
      }
      return bytes;
    });
    const result = await readStableFile(path, io, FAST);
    expect(reads).toBe(1);
    expect(result.ok && text(result.bytes)).toBe('{"old": 1}');
  });

  test('a file larger than the limit is refused without being read', async () => {
    const path = join(dir, 'big.json');
    await writeFile(path, 'x'.repeat(1025));
    let reads = 0;
    const io = withRead(async () => ((reads += 1), new Uint8Array()));
    const result = await readStableFile(path, io, FAST);
    expect(reads).toBe(0);
    expect(result).toEqual({ ok: false, problem: 'file is 1025 bytes, over the limit of 1024 bytes; not read' });
  });

  test('a directory is not a regular file', async () => {
    await mkdir(join(dir, 'x.json'));
    expect(await readStableFile(join(dir, 'x.json'), nodeStableReadIo, FAST)).toEqual({
      ok: false,
      problem: 'a directory, not a regular file; not read',
    });
  });

  test('a missing file, or a read that fails, is a problem, not an exception', async () => {
    const missing = await readStableFile(join(dir, 'none.json'), nodeStableReadIo, FAST);
    expect(!missing.ok && missing.problem).toMatch(/^cannot read file \(ENOENT: no such file or directory/);
    await writeFile(join(dir, 'a.json'), '{}');
    const failing = withRead(() => Promise.reject(new Error('EIO: i/o error')));
    expect(await readStableFile(join(dir, 'a.json'), failing, FAST)).toEqual({ ok: false, problem: 'cannot read file (EIO: i/o error)' });
  });
});
