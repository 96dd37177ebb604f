import { ExitCode } from '../../errors.js';
import { operatorName } from './operator.js';
import { killSwitchOf, openApp, recordHaltEvent, recordsLine } from '../../app/compose.js';
import { loadConfig } from '../../config/load-config.js';
import { describeHome, findHome } from '../../config/home.js';
import type { CommandIo } from './command-io.js';

/**
 * `rebalancer halt --reason TEXT`: from the next check on, runs cancel the system's orders and place none.
 * The kill switch is the HALT file in DATA_DIR of the home: it is written first, and whether it is on never
 * depends on the database opening (a run may hold it, it may be corrupt). The event is recorded in the
 * database after, when it can be; a failure there is a warning, not a failed halt.
 */
export function haltCommand(io: CommandIo, options: { reason: string; now: string }): ExitCode {
  const home = findHome(io.cwd, io.env, { mayCreate: false });
  const { config } = loadConfig({ cwd: home.dir, env: io.env });
  const source = `operator ${operatorName()}`;
  const killSwitch = killSwitchOf(config);
  killSwitch.turnOn({ reason: options.reason, at: options.now, source });
  io.out(`kill switch ON: ${options.reason}`, `HALT file ${killSwitch.location}; ${describeHome(home)}`);
  afterwards(io, 'halt', () => {
    openApp(home.dir, io.env, { workingDir: io.cwd }).logger.warn({ reason: options.reason }, 'kill switch on');
    const recorded = recordHaltEvent(config, { action: 'halt', reason: options.reason, at: options.now, source });
    io.out(recorded === undefined ? 'no database yet: the halt is in the HALT file only' : `recorded in ${recorded}`);
  });
  io.out(`runs will cancel the system's open orders and send none until 'rebalancer resume'`);
  return ExitCode.ok;
}

/** `rebalancer resume [--reason TEXT]`: turn the kill switch off, recording who and why. */
export function resumeCommand(io: CommandIo, options: { reason: string; now: string }): ExitCode {
  const home = findHome(io.cwd, io.env, { mayCreate: false });
  const app = openApp(home.dir, io.env, { workingDir: io.cwd });
  const killSwitch = killSwitchOf(app.config);
  io.out(recordsLine(home, app.config));
  const previous = killSwitch.read();
  if (previous === undefined) {
    io.out(`the kill switch is already off (no ${killSwitch.location}); nothing to do`);
    return ExitCode.ok;
  }
  killSwitch.turnOff();
  app.logger.warn({ reason: options.reason, previous }, 'kill switch off');
  io.out(`kill switch OFF (it was on since ${previous.at}: ${previous.reason})`, `resumed: ${options.reason}`);
  afterwards(io, 'resume', () => {
    const recorded = recordHaltEvent(app.config, {
      action: 'resume',
      reason: options.reason,
      at: options.now,
      source: `operator ${operatorName()}`,
    });
    if (recorded === undefined) io.out('no database yet: the resume is not recorded');
  });
  return ExitCode.ok;
}

/**
 * What follows the kill switch's file: the log and the database. A failure there is printed as a warning and the
 * command still succeeds, since the HALT file, which every run reads, is already what it should be.
 */
function afterwards(io: CommandIo, action: 'halt' | 'resume', step: () => void): void {
  try {
    step();
  } catch (error) {
    io.err(
      `warning: the ${action} is in effect (runs read the HALT file), but it could not be recorded: ` +
        (error instanceof Error ? error.message : String(error)),
    );
  }
}
