/** Raised when the environment does not satisfy a service's configuration schema. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(
      issues.length === 1
        ? `Invalid configuration: ${formatIssue(issues[0]!)}`
        : `Invalid configuration:\n${issues.map((i) => `  - ${formatIssue(i)}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

export interface ConfigIssue {
  /** Environment variable at fault. */
  variable: string;
  /** What the variable must look like. */
  expected: string;
  /** The value received (never printed for secret variables). */
  received?: string;
}

function formatIssue(issue: ConfigIssue): string {
  const got = issue.received === undefined ? 'it is not set' : `got ${JSON.stringify(issue.received)}`;
  return `${issue.variable} must be ${issue.expected} (${got})`;
}
