import { boundProblems } from "./text/echo.js";

/**
 * An error the user caused and can fix: bad input, a missing file, a busy port.
 * The CLI prints `problems` without a stack trace and exits with code 2.
 */
export class UserError extends Error {
  readonly problems: readonly string[];
  readonly exitCode: number;

  constructor(summary: string, allProblems: readonly string[] = [], exitCode = 2) {
    // why: 150,000 bad .env lines must give a readable error, not 150,000 lines (or a RangeError).
    const problems = boundProblems(allProblems);
    super(problems.length > 0 ? `${summary}\n${problems.map((p) => `  - ${p}`).join("\n")}` : summary);
    this.name = "UserError";
    this.problems = problems;
    this.exitCode = exitCode;
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
