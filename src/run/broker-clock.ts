import { DateTime } from 'luxon';
import type { Broker } from '../ports/broker.js';
import type { Breach } from '../core/types.js';

/** The broker's clock more than this far from the machine's is worth a warning. */
export const CLOCK_SKEW_WARNING_SECONDS = 60;
/** MAX_CLOCK_SKEW_SECONDS when a caller gives none. */
export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 300;

/**
 * The broker's clock against the machine's, measured once right after connecting. Everything compared with the
 * broker's times (execution times, the executions filter) is moved onto the broker's clock with `toBroker`;
 * everything else (sessions, ages, deadlines) stays on the machine's.
 */
export interface BrokerClock {
  brokerTime: string;
  machineTime: string;
  /** The broker's clock minus the machine's, in milliseconds (negative: the broker is behind). */
  offsetMs: number;
  /** An instant read on the machine's clock, as the broker's clock read it then. */
  toBroker(machineIso: string): string;
  /** An instant the broker reported (an execution's time), as the machine's clock read it then. */
  toMachine(brokerIso: string): string;
  /** Over a minute apart: what to tell a person, naming both clocks. */
  warning?: string;
  /** Over the limit: CLOCK_SKEW, which halts the run (nothing is sent; cancels and fills still happen). */
  breach?: Breach;
}

/** Reads the broker's clock now and compares it with the machine's, read right after. */
export async function readBrokerClock(broker: Broker, machineNow: () => string, maxSkewSeconds?: number): Promise<BrokerClock> {
  const brokerTime = await broker.currentTime();
  return compareClocks(brokerTime, machineNow(), maxSkewSeconds ?? DEFAULT_MAX_CLOCK_SKEW_SECONDS);
}

/** Pure: the two readings compared. A broker time that cannot be read is treated as a breach, not as agreement. */
export function compareClocks(brokerTime: string, machineTime: string, maxSkewSeconds: number): BrokerClock {
  const broker = DateTime.fromISO(brokerTime, { zone: 'utc' });
  const machine = DateTime.fromISO(machineTime, { zone: 'utc' });
  if (!broker.isValid || !machine.isValid) {
    return {
      brokerTime,
      machineTime,
      offsetMs: 0,
      toBroker: (iso) => iso,
      toMachine: (iso) => iso,
      breach: {
        code: 'CLOCK_SKEW',
        detail: `the broker's clock read "${brokerTime}" and the machine's "${machineTime}": not comparable, so no time the broker reports can be trusted`,
      },
    };
  }
  const offsetMs = broker.toMillis() - machine.toMillis();
  const seconds = Math.abs(offsetMs) / 1000;
  const moved =
    (ms: number) =>
    (iso: string): string => {
      const at = DateTime.fromISO(iso, { zone: 'utc' });
      return at.isValid ? (at.plus({ milliseconds: ms }).toUTC().toISO({ suppressMilliseconds: true }) ?? iso) : iso;
    };
  const toBroker = moved(offsetMs);
  const toMachine = moved(-offsetMs);
  const clocks = `the broker's clock reads ${brokerTime}, this machine's ${machineTime}: ${describeOffset(offsetMs)}`;
  const clock: BrokerClock = { brokerTime, machineTime, offsetMs, toBroker, toMachine };
  if (seconds > maxSkewSeconds) {
    return {
      ...clock,
      warning: `${clocks}; over MAX_CLOCK_SKEW_SECONDS=${maxSkewSeconds}: nothing is sent until the clocks agree (set the machine's clock: NTP)`,
      breach: {
        code: 'CLOCK_SKEW',
        detail: `${clocks}, over the limit of ${maxSkewSeconds} s (MAX_CLOCK_SKEW_SECONDS); fix the machine's clock (NTP) or IB's`,
      },
    };
  }
  if (seconds > CLOCK_SKEW_WARNING_SECONDS)
    return { ...clock, warning: `${clocks}; the broker's clock is used for executions (set the machine's clock: NTP)` };
  return clock;
}

function describeOffset(offsetMs: number): string {
  const total = Math.round(Math.abs(offsetMs) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const parts = [h > 0 ? `${h} h` : '', m > 0 ? `${m} min` : '', s > 0 || total === 0 ? `${s} s` : ''].filter((p) => p !== '');
  return `the broker is ${parts.join(' ')} (${total} s) ${offsetMs < 0 ? 'behind' : 'ahead of'} the machine`;
}
