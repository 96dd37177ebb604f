import { userInfo } from 'node:os';

/** The user running a command, as the records name who did something by hand ("operator <name>"). */
export function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
