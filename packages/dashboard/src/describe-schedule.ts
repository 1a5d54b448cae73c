// A job's schedule in two forms: compact text (what a config file would say) and English words.
import { type AtTime, formatDuration, type JobDefinition } from 'tscron';
import { describeCron } from './describe-cron.js';
import { clockTime, durationWords, every, everyDuration, listOf, ordinal, WEEKDAYS } from './english.js';

/**
 * The schedule as compact text: the cron expression as written, `every 5m0s`, `daily 09:00`, ...
 *
 * @example
 * ```ts
 * scheduleText(cronJob('0 9 * * 1-5')); // '0 9 * * 1-5'
 * scheduleText(durationJob('90s')); // 'every 1m30s'
 * ```
 */
export function scheduleText(definition: JobDefinition): string {
  switch (definition.kind) {
    case 'cron':
      return definition.expression;
    case 'duration':
      return `every ${formatDuration(definition.every)}`;
    case 'durationRandom':
      return `every ${formatDuration(definition.min)} to ${formatDuration(definition.max)}`;
    case 'daily':
      return `${intervalText('daily', definition.interval)} ${times(definition.atTimes)}`;
    case 'weekly': {
      const days = definition.weekdays.map((day) => WEEKDAYS[day]?.slice(0, 3)).join(',');
      return `${intervalText('weekly', definition.interval)} ${days} ${times(definition.atTimes)}`;
    }
    case 'monthly':
      return `${intervalText('monthly', definition.interval)} ${definition.days.join(',')} ${times(definition.atTimes)}`;
    case 'oneTime':
      return definition.at === 'immediately'
        ? 'once, immediately'
        : `once at ${definition.at.map((ms) => new Date(ms).toISOString()).join(', ')}`;
  }
}

/**
 * The schedule in English, for people: `at 09:30, on Monday through Friday`, `every 5 minutes`.
 *
 * @example
 * ```ts
 * describeSchedule(weeklyJob(2, [Weekday.Monday], [atTime(9)])); // 'every 2 weeks on Monday at 09:00'
 * ```
 */
export function describeSchedule(definition: JobDefinition): string {
  switch (definition.kind) {
    case 'cron':
      return describeCron(definition.expression, definition.withSeconds);
    case 'duration':
      return everyDuration(definition.every);
    case 'durationRandom':
      return `at random intervals of ${durationWords(definition.min)} to ${durationWords(definition.max)}`;
    case 'daily':
      return `${every(definition.interval, 'day')} at ${timeWords(definition.atTimes)}`;
    case 'weekly': {
      const days = listOf(definition.weekdays.map((day) => WEEKDAYS[day] ?? String(day)));
      return `${every(definition.interval, 'week')} on ${days} at ${timeWords(definition.atTimes)}`;
    }
    case 'monthly': {
      const days = listOf(definition.days.map(dayOfMonthWords));
      return `${every(definition.interval, 'month')} on ${days} at ${timeWords(definition.atTimes)}`;
    }
    case 'oneTime':
      return definition.at === 'immediately'
        ? 'once, immediately'
        : `once at ${listOf(definition.at.map((ms) => new Date(ms).toISOString()))}`;
  }
}

function intervalText(kind: string, interval: number): string {
  return interval === 1 ? kind : `${kind}/${interval}`;
}

function times(atTimes: readonly AtTime[]): string {
  return atTimes.map((at) => clockTime(at.hours, at.minutes, at.seconds)).join(',');
}

function timeWords(atTimes: readonly AtTime[]): string {
  return listOf(atTimes.map((at) => clockTime(at.hours, at.minutes, at.seconds)));
}

/** `1` → `the 1st`, `-1` → `the last day`, `-2` → `the 2nd-to-last day`. */
function dayOfMonthWords(day: number): string {
  if (day === -1) return 'the last day';
  if (day < 0) return `the ${ordinal(-day)}-to-last day`;
  return `the ${ordinal(day)}`;
}
