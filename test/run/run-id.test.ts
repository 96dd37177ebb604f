import { describe, expect, it } from 'vitest';
import { newRunId } from '../../src/run/run-id.js';

describe('run ids', () => {
  it('carry 48 random bits after the second, so runs started in the same second (two installations) never share one', () => {
    const ids = Array.from({ length: 2000 }, () => newRunId('2026-11-23T15:35:00Z'));
    for (const id of ids) expect(id).toMatch(/^20261123T153500Z-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
