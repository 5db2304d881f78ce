/** One invalid input field: where (dotted path) and why. */
export interface FieldError {
  field: string;
  message: string;
}

/** RFC 9457 problem details, as served with `application/problem+json`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  request_id?: string;
  /** Validation problems: one entry per field at fault. */
  errors?: FieldError[];
  /** RFC 9457 extension members (e.g. `budget_id`, `retry_after_s`). */
  [member: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Where brainmesh's problem types are documented; `about:blank` when the status says it all. */
export const PROBLEM_TYPE_BASE = 'https://docs.brainmesh.dev/problems/';

export const PROBLEM_TYPES = {
  validation: `${PROBLEM_TYPE_BASE}validation`,
} as const;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  499: 'Client Closed Request',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The HTTP status phrase, the title RFC 9457 asks for with `about:blank`. */
export function statusTitle(status: number): string {
  return TITLES[status] ?? 'Error';
}

/** A problem with the status phrase as title and `about:blank` type unless `extra` says more. */
export function problem(status: number, detail: string, extra: Partial<Problem> = {}): Problem {
  return { type: 'about:blank', title: statusTitle(status), status, detail, ...extra };
}
