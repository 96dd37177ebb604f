import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StorageError } from '../errors.js';
import { writeFileAtomicSync } from '../fs/atomic-write.js';
import { stateSchema, type SimState } from './sim-state.js';

/**
 * Where and how the simulated account is kept between runs and gateway starts: `<dataDir>/sim/state.json`,
 * pretty-printed JSON, written atomically.
 */

/** Where the state of the simulation under `dataDir` lives. */
export function stateFile(dataDir: string): string {
  return join(dataDir, 'sim', 'state.json');
}

/**
 * Reads the state; undefined when there is none yet. A file that is unreadable, not JSON or not a state is a
 * StorageError naming it: resetting it silently would throw away the user's simulated history.
 */
export function loadState(dataDir: string): SimState | undefined {
  const file = stateFile(dataDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StorageError(`${file}: cannot read the simulator state: ${(err as Error).message}`, file, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new StorageError(`${file}: corrupt simulator state (not JSON: ${(err as Error).message}); fix or delete it to start over`, file);
  }
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.map(String).join('.') || '(root)';
    throw new StorageError(`${file}: corrupt simulator state (${where}: ${issue?.message}); fix or delete it to start over`, file);
  }
  return parsed.data;
}

/** Writes the state atomically: a synced temporary file renamed over the old one, so a crash leaves one or the other. */
export function saveState(dataDir: string, state: SimState): void {
  writeFileAtomicSync(stateFile(dataDir), `${JSON.stringify(state, null, 2)}\n`);
}
