import { ExitCode } from '../../errors.js';
import { killSwitchOf, openApp, openStore } from '../../app/compose.js';
import type { CommandIo } from './command-io.js';
import { userInfo } from 'node:os';

/** `rebalancer halt --reason TEXT`: from the next check on, runs cancel the system's orders and place none. */
export function haltCommand(io: CommandIo, options: { reason: string; now: string }): ExitCode {
  const app = openApp(io.cwd, io.env);
  const source = `operator ${safeUser()}`;
  killSwitchOf(app.config).turnOn({ reason: options.reason, at: options.now, source });
  const store = openStore(app.config);
  try {
    store.recordHaltEvent({ action: 'halt', reason: options.reason, at: options.now, source });
  } finally {
    store.close();
  }
  app.logger.warn({ reason: options.reason }, 'kill switch on');
  io.out(`kill switch ON: ${options.reason}`, `runs will cancel the system's open orders and send none until 'rebalancer resume'`);
  return ExitCode.ok;
}

/** `rebalancer resume [--reason TEXT]`: turn the kill switch off, recording who and why. */
export function resumeCommand(io: CommandIo, options: { reason: string; now: string }): ExitCode {
  const app = openApp(io.cwd, io.env);
  const killSwitch = killSwitchOf(app.config);
  const previous = killSwitch.read();
  if (previous === undefined) {
    io.out('the kill switch is already off; nothing to do');
    return ExitCode.ok;
  }
  killSwitch.turnOff();
  const store = openStore(app.config);
  try {
    store.recordHaltEvent({ action: 'resume', reason: options.reason, at: options.now, source: `operator ${safeUser()}` });
  } finally {
    store.close();
  }
  app.logger.warn({ reason: options.reason, previous }, 'kill switch off');
  io.out(`kill switch OFF (it was on since ${previous.at}: ${previous.reason})`, `resumed: ${options.reason}`);
  return ExitCode.ok;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
