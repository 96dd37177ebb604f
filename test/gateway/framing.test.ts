import { describe, expect, it } from 'vitest';
import { DecodeError, FieldCursor } from '../../src/gateway/wire/field-cursor.js';
import {
  FrameReader,
  WireError,
  decodeFields,
  encodeFrame,
  encodeHandshake,
  parseVersionRange,
  type Incoming,
} from '../../src/gateway/wire/framing.js';

/** A client frame as @stoqey/ib writes it: length = payload + 1, the last field NUL-terminated too. */
const clientFrame = (fields: string[]) => encodeFrame(fields);
const opening = Buffer.concat([encodeHandshake('v100..193'), clientFrame(['71', '2', '7', ''])]);

describe('FrameReader', () => {
  it('reads the handshake, then messages, from one chunk', () => {
    const reader = new FrameReader();
    const units = reader.push(Buffer.concat([opening, clientFrame(['49', '1'])]));
    expect(units).toEqual([
      { kind: 'handshake', versions: 'v100..193' },
      { kind: 'message', fields: ['71', '2', '7', ''] },
      { kind: 'message', fields: ['49', '1'] },
    ]);
  });

  it('reads the same when the bytes come one at a time', () => {
    const reader = new FrameReader();
    const bytes = Buffer.concat([opening, clientFrame(['62', '1', '3', 'All', 'NetLiquidation,Cushion'])]);
    const units: Incoming[] = [];
    for (const byte of bytes) units.push(...reader.push(Buffer.from([byte])));
    expect(units.map((u) => (u.kind === 'message' ? u.fields[0] : u.versions))).toEqual(['v100..193', '71', '62']);
  });

  it('keeps an incomplete frame until the rest arrives, across arbitrary splits', () => {
    const bytes = Buffer.concat([opening, clientFrame(['8', '1', '0']), clientFrame(['17', '1'])]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const reader = new FrameReader();
      const units = [...reader.push(bytes.subarray(0, cut)), ...reader.push(bytes.subarray(cut))];
      expect(units).toHaveLength(4);
    }
  });

  it('decodes UTF-8 fields whose bytes are split between chunks', () => {
    const frame = clientFrame(['3', 'Zürich €']);
    const reader = new FrameReader();
    reader.push(encodeHandshake('v100..193'));
    const units = [...reader.push(frame.subarray(0, 12)), ...reader.push(frame.subarray(12))];
    expect(units).toEqual([{ kind: 'message', fields: ['3', 'Zürich €'] }]);
  });

  it('refuses a connection that does not open with API\\0, and an oversized frame', () => {
    expect(() => new FrameReader().push(Buffer.from('GET / HTTP/1.1\r\n'))).toThrow(WireError);
    const reader = new FrameReader();
    reader.push(encodeHandshake('v100..193'));
    expect(() => reader.push(Buffer.from([0x01, 0x00, 0x00, 0x00]))).toThrow(/longer than the protocol allows/);
  });
});

describe('frames and fields', () => {
  it('encodes each field NUL-terminated behind a big-endian length', () => {
    const frame = encodeFrame(['9', '1', '1000']);
    expect(frame.readUInt32BE(0)).toBe(9);
    expect(frame.subarray(4).toString('latin1')).toBe('9\u00001\u00001000\u0000');
    expect(decodeFields(frame.subarray(4))).toEqual(['9', '1', '1000']);
  });

  it('keeps empty fields, the last one included', () => {
    expect(decodeFields(encodeFrame(['4', '2', '-1', '2104', 'ok', '']).subarray(4))).toEqual(['4', '2', '-1', '2104', 'ok', '']);
  });

  it('refuses a payload without its final NUL and a field that contains NUL', () => {
    expect(() => decodeFields(Buffer.from('9\u00001'))).toThrow(WireError);
    expect(() => encodeFrame(['a\u0000b'])).toThrow(/contains NUL/);
  });

  it('reads the client version range', () => {
    expect(parseVersionRange('v100..193')).toEqual({ min: 100, max: 193 });
    expect(parseVersionRange('v193')).toEqual({ min: 193, max: 193 });
    expect(() => parseVersionRange('100..193')).toThrow(WireError);
  });
});

describe('FieldCursor', () => {
  it('reads typed fields in order and asserts the end', () => {
    const c = new FieldCursor(['3', '12', '', '1', '0', '187.25', 'x'], 'TEST');
    expect([c.id('id'), c.int('empty'), c.bool('yes'), c.bool('no'), c.num('price'), c.str('text')]).toEqual([
      12,
      undefined,
      true,
      false,
      187.25,
      'x',
    ]);
    expect(() => c.end()).not.toThrow();
  });

  it('reports leftovers, underruns and malformed values with the field name', () => {
    const left = new FieldCursor(['5', '1', 'extra'], 'TEST');
    left.skip('version');
    expect(() => left.end()).toThrow(/TEST: 1 field\(s\) left unread after field 1 \(next: "extra"\)/);
    expect(() => new FieldCursor(['5'], 'TEST').str('reqId')).toThrow(/ends at field 1, where reqId was expected/);
    expect(() => new FieldCursor(['5', '1.5'], 'TEST').int('count')).toThrow(DecodeError);
    expect(() => new FieldCursor(['5', 'yes'], 'TEST').bool('flag')).toThrow(/expected 0 or 1/);
    expect(() => new FieldCursor(['5', ''], 'TEST').id('orderId')).toThrow(/expected a whole number/);
  });
});
