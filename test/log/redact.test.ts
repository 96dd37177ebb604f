import { describe, expect, it } from 'vitest';
import { redactDeep, redactSecrets } from '../../src/log/redact.js';

describe('redactSecrets', () => {
  it('replaces every occurrence of each secret with ***', () => {
    expect(redactSecrets('pw=hunter2 and again hunter2', ['hunter2'])).toBe('pw=*** and again ***');
  });

  it('ignores empty secrets', () => {
    expect(redactSecrets('nothing to hide', ['', 'zzz'])).toBe('nothing to hide');
  });

  it('masks a longer secret whole even when a shorter one is inside it', () => {
    expect(redactSecrets('url smtp://u:pw@h end', ['pw', 'smtp://u:pw@h'])).toBe('url *** end');
  });

  it('masks the password of any scheme://user:pass@host URL, listed or not', () => {
    expect(redactSecrets('connect smtps://bob:s3cr%40t@mail.example.com:465 failed', [])).toBe(
      'connect smtps://bob:***@mail.example.com:465 failed',
    );
    expect(redactSecrets('see https://example.com/a:b@c and http://host/path', [])).toBe(
      'see https://example.com/a:b@c and http://host/path',
    );
  });

  it('treats secrets literally, not as patterns', () => {
    expect(redactSecrets('a.b a+b (x)', ['a.b', '(x)'])).toBe('*** a+b ***');
  });
});

describe('redactDeep', () => {
  it('redacts strings inside objects and arrays without changing the input', () => {
    const input = { a: 'x hunter2', nested: { list: ['hunter2', 3, null], ok: true } };
    expect(redactDeep(input, ['hunter2'])).toEqual({ a: 'x ***', nested: { list: ['***', 3, null], ok: true } });
    expect(input.a).toBe('x hunter2');
  });

  it('keeps errors as errors, with message, stack and cause redacted', () => {
    const error = new TypeError('login hunter2 refused', { cause: new Error('inner hunter2') });
    const copy = redactDeep(error, ['hunter2']);
    expect(copy).toBeInstanceOf(TypeError);
    const e = copy as TypeError;
    expect(e.message).toBe('login *** refused');
    expect(e.stack).not.toContain('hunter2');
    expect((e.cause as Error).message).toBe('inner ***');
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = { s: 'hunter2' };
    a.self = a;
    const copy = redactDeep(a, ['hunter2']) as Record<string, unknown>;
    expect(copy.s).toBe('***');
    expect(copy.self).toBe(copy);
  });
});
