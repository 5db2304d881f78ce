import { AllDeploymentsFailedError, NoHealthyDeploymentError } from '../routing';
import { AiError, AiErrorCode, aiErrorStatus } from '../domain/ai-error';
import { UpstreamError } from '../domain/upstream';

/** How a failed call is reported to the client and recorded in the ledger. */
export interface CallFailure {
  error: AiError;
  errorClass: string;
  httpStatus: number;
}

/**
 * Maps what the routing loop threw to the client's error. The provider's own message is passed on
 * only when the provider refused the request itself (400: the client can fix it); other upstream
 * errors are summarised without upstream details.
 */
export function toCallFailure(err: unknown): CallFailure {
  if (err instanceof AiError)
    return { error: err, errorClass: err.code, httpStatus: aiErrorStatus(err.code).http };
  if (err instanceof NoHealthyDeploymentError) {
    const retryAfterS = Math.max(1, Math.ceil((err.retryAfterMs ?? 1000) / 1000));
    return failure(
      new AiError(
        AiErrorCode.NoHealthyDeployment,
        `Every deployment of this route is failing (circuit breakers open); retry in ${retryAfterS} s.`,
        { extensions: { retry_after_s: retryAfterS } },
      ),
      'no_healthy_deployment',
    );
  }
  if (err instanceof AllDeploymentsFailedError)
    return fromUpstream(err.lastError, err.retryAfterMs, err.attempts.length);
  if (err instanceof UpstreamError) return fromUpstream(err, err.retryAfterMs, 1);
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'Cancelled' || name === 'AbortError')
    return failure(new AiError(AiErrorCode.Cancelled, 'The client cancelled the request.'), 'cancelled');
  throw err;
}

function fromUpstream(err: UpstreamError, retryAfterMs: number | undefined, attempts: number): CallFailure {
  switch (err.kind) {
    case 'bad_request':
      return failure(
        new AiError(
          AiErrorCode.UpstreamRejected,
          `The provider rejected the request: ${err.options.upstreamMessage ?? err.message}`,
        ),
        'bad_request',
      );
    case 'cancelled':
      return failure(new AiError(AiErrorCode.Cancelled, 'The client cancelled the request.'), 'cancelled');
    case 'timeout':
      return failure(
        new AiError(
          AiErrorCode.UpstreamTimeout,
          `The provider did not answer in time (${attempts} attempt(s)).`,
        ),
        'timeout',
      );
    case 'rate_limited': {
      const extensions: Record<string, number> = {};
      if (retryAfterMs !== undefined)
        extensions['retry_after_s'] = Math.max(1, Math.ceil(retryAfterMs / 1000));
      return failure(
        new AiError(
          AiErrorCode.UpstreamFailed,
          `Every deployment is rate limited by its provider (${attempts} attempt(s)); retry later.`,
          { extensions },
        ),
        'rate_limited',
      );
    }
    default:
      return failure(
        new AiError(
          AiErrorCode.UpstreamFailed,
          `The provider call failed after ${attempts} attempt(s) (${err.kind}${err.status ? ` ${err.status}` : ''}).`,
        ),
        err.kind,
      );
  }
}

function failure(error: AiError, errorClass: string): CallFailure {
  return { error, errorClass, httpStatus: aiErrorStatus(error.code).http };
}
