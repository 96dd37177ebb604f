/** The kinds of value, as zod schemas: what they take, what they give, and the problem they name. */
import { describe, expect, it } from 'vitest';
import { boolean, choice, host, mailbox, mailboxList, number, url, wholeNumber } from '../../src/config/values.js';
import { effectiveText, MAX_VALUE_LENGTH, variable } from '../../src/config/variable.js';

const problemOf = (result: { success: boolean; error?: { issues: { message: string }[] } }) => result.error?.issues[0]?.message;

describe('numbers', () => {
  it('take decimal notation only, and name every bound in one problem', () => {
    const port = wholeNumber({ min: 1, max: 65535 });
    expect(port.parse('4002')).toBe(4002);
    expect(port.parse('4.002e3')).toBe(4002);
    for (const wrong of ['0x10', '0b1', 'Infinity', '1e400', '', ' ', '1_000', '70000', '0', '2.5']) {
      expect(problemOf(port.safeParse(wrong)), wrong).toBe('must be a whole number >= 1 and <= 65535');
    }
    const cushion = number({ min: 0, lt: 1 });
    expect(cushion.parse('.05')).toBe(0.05);
    expect(problemOf(cushion.safeParse('1'))).toBe('must be a number >= 0 and < 1');
    expect(problemOf(number({ gt: 0 }).safeParse('-0'))).toBe('must be a number > 0');
  });
});

describe('choices and booleans', () => {
  it('take any case and give the spelling listed', () => {
    const priority = choice(['Patient', 'Normal', 'Urgent']);
    expect(priority.parse('URGENT')).toBe('Urgent');
    expect(problemOf(priority.safeParse('Fast'))).toBe('must be one of Patient, Normal, Urgent');
    expect(['TRUE', 'Yes', '1', 'false', 'NO', '0'].map((w) => boolean.parse(w))).toEqual([true, true, true, false, false, false]);
    expect(problemOf(boolean.safeParse('on'))).toBe('must be one of true, false, yes, no, 1, 0');
  });
});

describe('hosts', () => {
  it('take names with underscores, IPv4, IPv6 (brackets dropped) and IPv6 with a zone, as node:net does', () => {
    for (const name of ['ib_gateway', 'gw.example.com.', '10.0.0.7', '::1', 'fe80::1%eth0']) expect(host.parse(name), name).toBe(name);
    expect(host.parse('[::1]')).toBe('::1');
    expect(host.parse('[fe80::1%eth0]')).toBe('fe80::1%eth0');
  });

  it('refuse ports, schemes, wrong addresses and numbers that are no address', () => {
    for (const wrong of [
      '127.0.0.1:4002',
      'http://gw',
      '999.1.1.1',
      '1.2.3',
      '[127.0.0.1]',
      '-gw',
      'a..b',
      `${'a'.repeat(64)}.com`,
      'fe80::1%',
    ]) {
      expect(problemOf(host.safeParse(wrong)), wrong).toBe('must be a host name or IP address, without scheme or port');
    }
  });
});

describe('addresses and URLs', () => {
  it('take an address bare, with a display name, or on a local host; lists are trimmed', () => {
    const from = mailbox('wrong');
    for (const address of ['bot@example.com', 'Rebalancer <bot@example.com>', 'rebalancer@localhost'])
      expect(from.parse(address)).toBe(address);
    for (const wrong of ['nobody', 'a@b@c', 'a@b, c@d', '"q"@x', '<a@b>x']) expect(problemOf(from.safeParse(wrong)), wrong).toBe('wrong');
    expect(mailboxList('wrong').parse(' a@example.com , Bob <b@example.com>,')).toEqual(['a@example.com', 'Bob <b@example.com>']);
    expect(problemOf(mailboxList('wrong').safeParse(',,'))).toBe('wrong');
  });

  it('name the problem of a URL: not a URL, then the scheme, then the host', () => {
    const smtp = url(['smtp', 'smtps'], 'smtps://host');
    expect(smtp.parse('SMTPS://u:pw@Mail.Example.com')).toBe('SMTPS://u:pw@Mail.Example.com');
    expect(problemOf(smtp.safeParse('not a url'))).toBe('must be a URL like smtps://host');
    expect(problemOf(smtp.safeParse('mailto:bot@example.com'))).toBe('must start with smtp:// or smtps://');
    expect(problemOf(smtp.safeParse('smtp://'))).toBe('must name a host, e.g. smtps://host');
  });
});

describe('a variable', () => {
  const port = variable('PORT', wholeNumber({ min: 1, max: 65535 }), { default: '4002' });
  const secret = variable('TOKEN', url(['https'], 'https://host'), { secret: true });

  it('is trimmed, and unset when blank: then its default applies, or it is undefined', () => {
    expect(effectiveText('  7 ', '1')).toBe('7');
    expect(port.schema.parse(' 7497 ')).toBe(7497);
    expect(port.schema.parse('   ')).toBe(4002);
    expect(port.schema.parse(undefined)).toBe(4002);
    expect(secret.schema.parse('')).toBeUndefined();
  });

  it('gives one message, the first problem, quoting the value unless it is secret', () => {
    expect(problemOf(port.schema.safeParse(' 0 '))).toBe('must be a whole number >= 1 and <= 65535 (got "0")');
    expect(port.schema.safeParse('0').error?.issues).toHaveLength(1);
    expect(problemOf(secret.schema.safeParse('ftp://u:hunter2@host'))).toBe('must start with https:// (value hidden)');
    expect(problemOf(port.schema.safeParse('1\n2'))).toBe('must not contain control characters (line breaks, tabs, NUL) (got "1\\n2")');
    const long = '1'.repeat(MAX_VALUE_LENGTH + 1);
    expect(problemOf(port.schema.safeParse(long))).toMatch(/^is too long \(4097 characters; at most 4096\) \(got "1{77}\.\.\."\)$/);
  });
});
