import { readFileSync, unlinkSync, existsSync } from 'node:fs';
import { writeFileAtomicSync } from '../../fs/atomic-write.js';
import { join } from 'node:path';
import type { HaltState, KillSwitch } from '../../ports/kill-switch.js';

export type { HaltState };

/** Path of the HALT file: present while the kill switch is on. */
export function haltFile(dataDir: string): string {
  return join(dataDir, 'HALT');
}

/**
 * Whether the kill switch is on. A HALT file that cannot be parsed still means halted: a person or a
 * breaker put it there, and guessing otherwise would trade against their wish.
 */
export function readHalt(dataDir: string): HaltState | undefined {
  const path = haltFile(dataDir);
  if (!existsSync(path)) return undefined;
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (parsed && typeof parsed === 'object' && 'reason' in parsed && typeof parsed.reason === 'string') {
      const p = parsed as Partial<HaltState>;
      return {
        reason: p.reason ?? '',
        at: typeof p.at === 'string' ? p.at : 'unknown',
        source: typeof p.source === 'string' ? p.source : 'unknown',
      };
    }
  } catch {
    // fall through: unreadable means halted with an unknown reason
  }
  return { reason: `HALT file ${path} exists but is unreadable`, at: 'unknown', source: 'unknown' };
}

/** Turn the kill switch on (atomically: a run never sees a half-written file). */
export function writeHalt(dataDir: string, state: HaltState): void {
  writeFileAtomicSync(haltFile(dataDir), JSON.stringify(state, null, 2) + '\n');
}

/** Turn the kill switch off; returns the state it had, if any. */
export function clearHalt(dataDir: string): HaltState | undefined {
  const previous = readHalt(dataDir);
  try {
    unlinkSync(haltFile(dataDir));
  } catch (error) {
    if (!(error instanceof Error && (error as NodeJS.ErrnoException).code === 'ENOENT')) throw error;
  }
  return previous;
}

/** The kill switch as the file `DATA_DIR/HALT`. */
export class HaltFile implements KillSwitch {
  readonly location: string;

  constructor(private readonly dataDir: string) {
    this.location = haltFile(dataDir);
  }

  read(): HaltState | undefined {
    return readHalt(this.dataDir);
  }

  turnOn(state: HaltState): void {
    writeHalt(this.dataDir, state);
  }

  turnOff(): HaltState | undefined {
    return clearHalt(this.dataDir);
  }
}
