// Reads a crontab: `<5 or 6 fields | @descriptor> <command>` lines, `NAME=value` lines, comments.
import { dirname } from 'node:path';
import { checkCron, checkName, checkTimeZone, derivedName } from './checks.js';
import type { Problem } from './problems.js';
import type { JobSpec, ScheduleFile } from './spec.js';

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;
const NAME_COMMENT = /^#\s*name:\s*(.*)$/;
/**
 * What a sixth field (day of week, seconds first) may look like; anything else is the first word of
 * the command. Checked before compiling so that most lines are compiled once.
 */
const FIELD_LIKE = /^(?:[0-9*?,/LW#-]|SUN|MON|TUE|WED|THU|FRI|SAT)+$/i;

interface Token {
  readonly text: string;
  /** 0-based offset in the line. */
  readonly offset: number;
}

function tokens(line: string): Token[] {
  return [...line.matchAll(/\S+/g)].map((m) => ({ text: m[0], offset: m.index ?? 0 }));
}

/** A `NAME=value` line's value without one pair of surrounding quotes, as shells and cron write it. */
function unquote(value: string): string {
  const trimmed = value.trim();
  const quote = trimmed[0];
  if ((quote === '"' || quote === "'") && trimmed.length >= 2 && trimmed.endsWith(quote)) {
    return trimmed.slice(1, -1);
  }
  return trimmed;
}

/**
 * Parses a crontab's text into jobs, collecting every problem with its position instead of stopping
 * at the first. `file` names the file in problems; commands run in the file's directory.
 */
export function parseCrontab(file: string, text: string): { schedule: ScheduleFile; problems: Problem[] } {
  const problems: Problem[] = [];
  const jobs: JobSpec[] = [];
  const env: Record<string, string> = {};
  let timeZone: string | undefined;
  let pendingName: { name: string; line: number } | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const lineNumber = index + 1;
    const problem = (offset: number, message: string) =>
      problems.push({ file, line: lineNumber, column: offset + 1, message });
    const line = raw.replace(/\s+$/, '');
    const start = line.length - line.trimStart().length;
    const content = line.trimStart();
    if (content === '') return;
    if (content.startsWith('#')) {
      const named = NAME_COMMENT.exec(content);
      if (named !== null) {
        const name = (named[1] ?? '').trim();
        const why = checkName(name);
        if (why !== undefined) problem(start, why);
        else pendingName = { name, line: lineNumber };
      }
      return;
    }
    const assignment = ASSIGNMENT.exec(content);
    if (assignment !== null) {
      const key = assignment[1] as string;
      const value = unquote(assignment[2] ?? '');
      if (key === 'TZ' || key === 'CRON_TZ') {
        const why = checkTimeZone(value);
        if (why !== undefined) problem(start + content.indexOf('=') + 1, why);
        else timeZone = value;
      } else {
        env[key] = value;
      }
      return;
    }
    const parts = tokens(line);
    const first = parts[0] as Token;
    let fieldCount: number;
    let withSeconds = false;
    if (first.text.startsWith('@')) {
      if (first.text === '@reboot') {
        problem(
          first.offset,
          '@reboot is not supported (a job runs on a schedule; use "once" in a YAML file)',
        );
        pendingName = undefined;
        return;
      }
      fieldCount = first.text === '@every' ? 2 : 1;
    } else {
      // Six fields when the sixth looks like a field and the six compile as seconds-first cron;
      // otherwise the sixth token is the command's first word.
      const sixth = parts[5];
      fieldCount = 5;
      if (parts.length > 6 && sixth !== undefined && FIELD_LIKE.test(sixth.text)) {
        const candidate = line.slice(first.offset, sixth.offset + sixth.text.length);
        if (checkCron(candidate, true).ok) {
          fieldCount = 6;
          withSeconds = true;
        }
      }
    }
    const lastField = parts[fieldCount - 1];
    const commandToken = parts[fieldCount];
    if (lastField === undefined || commandToken === undefined) {
      problem(
        lastField === undefined ? first.offset : line.length,
        lastField === undefined
          ? `expected ${fieldCount} schedule fields and a command`
          : 'missing command after the schedule',
      );
      pendingName = undefined;
      return;
    }
    const expression = line.slice(first.offset, lastField.offset + lastField.text.length);
    const command = line.slice(commandToken.offset);
    const compiled = checkCron(expression, withSeconds);
    const name = pendingName?.name ?? derivedName(expression, command);
    pendingName = undefined;
    if (!compiled.ok) {
      problem(first.offset + compiled.offset, compiled.message);
      return;
    }
    jobs.push({
      name,
      definition: compiled.definition,
      scheduleText: expression,
      timeZone,
      action: { kind: 'shell', script: command },
      env: { ...env },
      cwd: dirname(file),
      options: {},
      noLocker: false,
      position: { file, line: lineNumber, column: first.offset + 1 },
    });
  });
  if (pendingName !== undefined) {
    problems.push({
      file,
      line: pendingName.line,
      column: 1,
      message: `"# name: ${pendingName.name}" names no job (no job line follows it)`,
    });
  }
  return { schedule: { file, jobs, locker: undefined }, problems };
}
