/**
 * The TWS API socket framing, server side (API v100+). The client opens with `API\0`, a 4-byte big-endian
 * length and its version range (`v100..193`, no NUL); after that every message in both directions is a 4-byte
 * big-endian length and that many bytes of NUL-terminated UTF-8 fields, the last one terminated too. TCP
 * splits and joins frames at will, so the reader keeps whatever is incomplete until more bytes arrive.
 */

/**
 * The only server version this gateway speaks: the highest @stoqey/ib 1.6 knows. TWS answers a client with the
 * highest version both sides support, so a client offering any range that includes 193 is served at 193.
 */
export const SERVER_VERSION = 193;
/** The client's own limit: it drops the connection on a longer frame (its error 502). */
export const MAX_FRAME_BYTES = 0xffffff;

const MAGIC = Buffer.from('API\0', 'latin1');
const NUL = 0;

/** A protocol violation by the client: the connection cannot continue. */
export class WireError extends Error {
  override readonly name = 'WireError';
}

/** One complete unit from the client: the opening version range, then messages as fields. */
export type Incoming = { kind: 'handshake'; versions: string } | { kind: 'message'; fields: string[] };

/** Accumulates socket chunks and yields complete handshakes and messages, in order. */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);
  private greeted = false;

  /** Adds a chunk; returns every unit it completes. Throws a WireError on bytes that cannot be a frame. */
  push(chunk: Buffer): Incoming[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const out: Incoming[] = [];
    for (;;) {
      const unit = this.greeted ? this.nextMessage() : this.nextHandshake();
      if (unit === undefined) return out;
      out.push(unit);
    }
  }

  private nextHandshake(): Incoming | undefined {
    const prefix = Math.min(this.buffer.length, MAGIC.length);
    if (!this.buffer.subarray(0, prefix).equals(MAGIC.subarray(0, prefix))) {
      throw new WireError(
        `the connection does not start with "API\\0" (got ${JSON.stringify(this.buffer.subarray(0, 8).toString('latin1'))})`,
      );
    }
    const body = this.take(MAGIC.length);
    if (body === undefined) return undefined;
    this.greeted = true;
    return { kind: 'handshake', versions: body.toString('utf8') };
  }

  private nextMessage(): Incoming | undefined {
    const payload = this.take(0);
    return payload === undefined ? undefined : { kind: 'message', fields: decodeFields(payload) };
  }

  /** Removes `skip` bytes, a length and that many bytes from the buffer; undefined while they are incomplete. */
  private take(skip: number): Buffer | undefined {
    if (this.buffer.length < skip + 4) return undefined;
    const length = this.buffer.readUInt32BE(skip);
    if (length > MAX_FRAME_BYTES) throw new WireError(`a frame of ${length} bytes is longer than the protocol allows`);
    if (this.buffer.length < skip + 4 + length) return undefined;
    const payload = this.buffer.subarray(skip + 4, skip + 4 + length);
    this.buffer = this.buffer.subarray(skip + 4 + length);
    return payload;
  }
}

/** Splits a frame's payload into fields; every field, the last included, must end with NUL. */
export function decodeFields(payload: Buffer): string[] {
  if (payload.length === 0 || payload[payload.length - 1] !== NUL) {
    throw new WireError(`a frame whose last field is not NUL-terminated: ${JSON.stringify(payload.toString('utf8'))}`);
  }
  return payload
    .subarray(0, payload.length - 1)
    .toString('utf8')
    .split('\0');
}

/** Encodes fields as one frame: a length, then each field NUL-terminated (what the client's reader expects). */
export function encodeFrame(fields: readonly string[]): Buffer {
  for (const field of fields) {
    // A NUL inside a value would shift every later field of the message: a bug here, never a client's fault.
    if (field.includes('\0')) throw new Error(`invariant: a field to send contains NUL: ${JSON.stringify(field)}`);
  }
  const payload = Buffer.from(fields.map((f) => `${f}\0`).join(''), 'utf8');
  if (payload.length > MAX_FRAME_BYTES) throw new Error(`invariant: a ${payload.length}-byte frame is too long for the client`);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(payload.length);
  return Buffer.concat([length, payload]);
}

/** The client's offered version range, from `v100..193` (or a single `v193`). */
export function parseVersionRange(text: string): { min: number; max: number } {
  const match = /^v(\d+)(?:\.\.(\d+))?$/.exec(text);
  if (match === null) throw new WireError(`not a version range: ${JSON.stringify(text)} (expected e.g. "v100..193")`);
  const min = Number(match[1]);
  return { min, max: match[2] === undefined ? min : Number(match[2]) };
}

/**
 * The version TWS would answer a client's offered range with: the highest both support, i.e. SERVER_VERSION when
 * the range includes it; otherwise why the client is refused (its newest version is older than ours, or its
 * oldest is newer).
 */
export function negotiateVersion(range: { min: number; max: number }): { version: number } | { refused: string } {
  if (range.min > range.max) return { refused: `its lowest version ${range.min} is above its highest ${range.max}` };
  if (range.max < SERVER_VERSION) {
    return { refused: `its highest is ${range.max}, older than server version ${SERVER_VERSION}: upgrade the client library` };
  }
  if (range.min > SERVER_VERSION) {
    return {
      refused: `its lowest is ${range.min}, newer than server version ${SERVER_VERSION}: the client cannot speak ${SERVER_VERSION}`,
    };
  }
  return { version: SERVER_VERSION };
}

/** Encodes the client's opening bytes (for tests and tools that speak to the gateway without a library). */
export function encodeHandshake(versions: string): Buffer {
  const body = Buffer.from(versions, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([MAGIC, length, body]);
}
