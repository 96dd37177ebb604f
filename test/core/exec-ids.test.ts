import { describe, expect, it } from 'vitest';
import { compareExecRevisions, fillVersion } from '../../src/core/exec-ids.js';

describe('IB execution ids and their corrections', () => {
  it('a higher suffix after the last period is a later revision of the same execution; hexadecimal counts', () => {
    expect(compareExecRevisions('0000e0d5.6577a1b8.01.02', '0000e0d5.6577a1b8.01.01')).toBeGreaterThan(0);
    expect(compareExecRevisions('0000e0d5.6577a1b8.01.01', '0000e0d5.6577a1b8.01.02')).toBeLessThan(0);
    expect(compareExecRevisions('x.0a', 'x.09')).toBeGreaterThan(0);
    expect(compareExecRevisions('x.10', 'x.0f')).toBeGreaterThan(0);
    expect(compareExecRevisions('x.01', 'x.01')).toBe(0);
  });

  it('other executions, and ids without a revision, are not revisions of each other', () => {
    expect(compareExecRevisions('0000e0d5.6577a1b8.01.02', '0000e0d5.6577a1b8.02.01')).toBeUndefined();
    expect(compareExecRevisions('plain', 'plain2')).toBeUndefined();
    expect(compareExecRevisions('x.', 'x.01')).toBeUndefined();
    expect(compareExecRevisions('plain', 'plain')).toBe(0);
  });

  it('decides new, known (same or older copy) or correction against the recorded ids', () => {
    expect(fillVersion('a.1.01', ['b.1.01'], false)).toEqual({ kind: 'new' });
    expect(fillVersion('a.1.01', ['a.1.01'], false)).toEqual({ kind: 'known' });
    expect(fillVersion('a.1.01', ['a.1.02'], false)).toEqual({ kind: 'known' });
    expect(fillVersion('a.1.03', ['b.1.01', 'a.1.02'], false)).toEqual({ kind: 'correction', replaces: 'a.1.02' });
    expect(fillVersion('a.1.03', [], true)).toEqual({ kind: 'known' });
  });
});
