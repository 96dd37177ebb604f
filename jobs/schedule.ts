#!/usr/bin/env node
/**
 * The schedule as a thin entry point: `node dist/jobs/schedule.js` is `rebalancer schedule` (node-cron starts
 * the hourly job in New York time until SIGINT/SIGTERM). Everything else lives in src/app.
 */
import { startSchedule } from '../src/app/schedule.js';
import { untilSignal } from '../src/cli/until-signal.js';

const schedule = startSchedule({ cwd: process.cwd(), env: process.env, out: (line) => process.stdout.write(`${line}\n`) });
const signal = await untilSignal();
process.stdout.write(`${signal}: stopping the schedule (a job in flight finishes on its own)\n`);
await schedule.stop();
