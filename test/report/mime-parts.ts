/** Test helper: the leaf parts of a MIME message, nested multiparts included, with their bodies decoded. */

export interface MimePart {
  headers: Map<string, string>;
  /** The decoded body (base64 and quoted-printable undone). */
  body: Buffer;
}

function split(raw: string): { headers: Map<string, string>; body: string } {
  const cut = raw.indexOf('\n\n');
  const head = cut === -1 ? raw : raw.slice(0, cut);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: cut === -1 ? '' : raw.slice(cut + 2) };
}

function decode(body: string, encoding = '7bit'): Buffer {
  const e = encoding.toLowerCase();
  if (e === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (e === 'quoted-printable') {
    const bytes = body.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1');
  }
  return Buffer.from(body, 'utf8');
}

/** Every non-multipart part of the message, depth first, in order. */
export function mimeParts(raw: string): MimePart[] {
  const { headers, body } = split(raw.replace(/\r\n/g, '\n'));
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!type.toLowerCase().startsWith('multipart/') || boundary === undefined) {
    return [{ headers, body: decode(body.replace(/\n$/, ''), headers.get('content-transfer-encoding')) }];
  }
  const parts: MimePart[] = [];
  for (const chunk of body.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    parts.push(...mimeParts(chunk.replace(/^\n/, '')));
  }
  return parts;
}

/** The content type of a part without its parameters. */
export const typeOf = (p: MimePart): string => (p.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
