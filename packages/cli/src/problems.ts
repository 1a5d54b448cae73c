// Problems found in schedule files, each with the position it was found at.

/** One problem in a schedule file, at a 1-based line and column. */
export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** `FILE:LINE:COLUMN: message`, the form editors and CI annotations understand. */
export function formatProblem(problem: Problem): string {
  return `${problem.file}:${problem.line}:${problem.column}: ${problem.message}`;
}

/** Problems in file order, then by position, so that output is stable. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column,
  );
}

/** An error that ends a command with exit code 2: bad usage or bad configuration. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A schedule that failed validation; carries every problem found. */
export class InvalidScheduleError extends UsageError {
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    super(sortProblems(problems).map(formatProblem).join('\n'));
    this.problems = sortProblems(problems);
  }
}
