import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { describeGitHubError, requestErrorStatus } from './github';

/** What was being done, and where: the parts of a message a user acts on. */
export interface ErrorContext {
  /** e.g. `read the cluster repository`, `sync application demo-staging` */
  action: string;
  cluster?: string;
  /** `owner/name` (or `host/owner/name`) */
  repository?: string;
}

/** The service that answered (or did not). */
type Service = 'GitHub' | 'Kubernetes' | 'ArgoCD' | 'Argo Server';

function where(context: ErrorContext): string {
  const parts = [
    context.cluster && `cluster ${context.cluster}`,
    context.repository && `repository ${context.repository}`,
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** A cause carrying only the upstream name and message: no request options, headers or tokens. */
function sanitizedCause(name: string, message: string): Error {
  const cause = new Error(message);
  cause.name = name;
  return cause;
}

/**
 * The @backstage/errors type for an HTTP status: 400/422 the input, 401/403
 * access, 404 missing, 409/412 a conflict (a moved head, a running
 * operation), 429/5xx/no answer the service. `rateLimited` turns GitHub's
 * 403 rate-limit answer into ServiceUnavailableError.
 */
export function errorForStatus(
  service: Service,
  status: number | undefined,
  upstreamMessage: string,
  context: ErrorContext,
  options: { rateLimited?: boolean; conflict?: boolean } = {},
): Error {
  const answered =
    status === undefined
      ? `${service} did not answer`
      : `${service} answered ${status}`;
  const message = `Could not ${context.action}${where(context)}: ${answered}`;
  const cause = sanitizedCause(`${service}Error`, upstreamMessage);
  if (status === undefined || status === 429 || status >= 500) {
    return new ServiceUnavailableError(message, cause);
  }
  if (options.rateLimited) {
    return new ServiceUnavailableError(
      `${message} (rate limit exceeded)`,
      cause,
    );
  }
  if (options.conflict || status === 409 || status === 412) {
    return new ConflictError(message, cause);
  }
  if (status === 401 || status === 403) {
    return new NotAllowedError(message, cause);
  }
  if (status === 404) return new NotFoundError(message, cause);
  if (status === 400 || status === 422) return new InputError(message, cause);
  return new ServiceUnavailableError(message, cause);
}

function headerOf(error: unknown, name: string): string | undefined {
  if (error === null || typeof error !== 'object' || !('response' in error)) {
    return undefined;
  }
  const response = (error as { response?: { headers?: unknown } }).response;
  const headers = response?.headers;
  if (headers && typeof headers === 'object' && name in headers) {
    const value = (headers as Record<string, unknown>)[name];
    return value === undefined ? undefined : String(value);
  }
  return undefined;
}

/** GitHub GraphQL error types, as the REST status that means the same. */
const GRAPHQL_STATUS: Record<string, number> = {
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  RATE_LIMITED: 403,
  STALE_DATA: 409,
  UNPROCESSABLE: 422,
  INTERNAL: 500,
};

/** The first `errors[].type` of an Octokit GraphqlResponseError, if it is one. */
function graphqlErrorType(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== 'GraphqlResponseError') {
    return undefined;
  }
  const errors = (error as { errors?: Array<{ type?: unknown }> }).errors;
  const type = errors?.[0]?.type;
  return typeof type === 'string' ? type : 'UNKNOWN';
}

/**
 * An Octokit failure (RequestError, a network error, a GraphQL error) as a
 * typed error. A 403 with `x-ratelimit-remaining: 0` or a secondary-limit
 * message is the service being busy, not a permission problem
 * (docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api).
 */
export function githubError(error: unknown, context: ErrorContext): Error {
  if (isTypedError(error)) return error;
  const graphql = graphqlErrorType(error);
  if (graphql) {
    // GraphQL answers 200 with `errors[].type` (docs.github.com/en/graphql/
    // guides/forming-calls-with-graphql): map the type as its REST status.
    const message = (error as Error).message;
    const status = GRAPHQL_STATUS[graphql] ?? 400;
    return errorForStatus('GitHub', status, message, context, {
      rateLimited: graphql === 'RATE_LIMITED',
    });
  }
  const status = requestErrorStatus(error);
  const message = describeGitHubError(error);
  const rateLimited =
    status === 403 &&
    (headerOf(error, 'x-ratelimit-remaining') === '0' ||
      /rate limit/i.test(message));
  return errorForStatus('GitHub', status, message, context, { rateLimited });
}

const TYPED = new Set([
  'InputError',
  'NotAllowedError',
  'NotFoundError',
  'ConflictError',
  'ServiceUnavailableError',
]);

/** Already one of ours (or @backstage/errors'): passed through unchanged. */
function isTypedError(error: unknown): error is Error {
  return error instanceof Error && TYPED.has(error.name);
}

/**
 * A `@kubernetes/client-node` failure as a typed error. 1.x throws
 * ApiException with the HTTP `code` and the response `body` (a Status JSON
 * text whose `message` says what is wrong); a connection failure has a
 * string `code` (ECONNREFUSED) and no status.
 */
export function kubernetesError(error: unknown, context: ErrorContext): Error {
  if (isTypedError(error)) return error;
  const fields =
    error !== null && typeof error === 'object'
      ? (error as { code?: unknown; body?: unknown; message?: unknown })
      : {};
  const status = typeof fields.code === 'number' ? fields.code : undefined;
  let message =
    typeof fields.message === 'string' ? fields.message : String(error);
  if (status !== undefined) {
    message = statusMessage(fields.body) ?? `HTTP ${status}`;
  } else if (typeof fields.code === 'string') {
    message = `${message} (${fields.code})`;
  }
  return errorForStatus('Kubernetes', status, message, context);
}

/** The `message` of a Kubernetes Status (or gRPC-gateway error) body, text or parsed. */
function statusMessage(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.slice(0, 300) || undefined;
    }
  }
  if (parsed && typeof parsed === 'object' && 'message' in parsed) {
    const message = (parsed as { message: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return undefined;
}

/**
 * A failed `fetch` call to a REST API without an official client (ArgoCD,
 * Argo Server): the answer's status and the message of its
 * `{ error, code, message }` body (gRPC-gateway), or the network cause.
 */
export async function httpError(
  service: Service,
  failure: Response | unknown,
  context: ErrorContext,
  options: { conflict?: (status: number, grpcCode?: number) => boolean } = {},
): Promise<Error> {
  if (failure instanceof Response) {
    const text = await failure.text().catch(() => '');
    const message = statusMessage(text) ?? failure.statusText;
    let grpcCode: number | undefined;
    try {
      const code = (JSON.parse(text) as { code?: unknown }).code;
      grpcCode = typeof code === 'number' ? code : undefined;
    } catch {
      grpcCode = undefined;
    }
    return errorForStatus(service, failure.status, message, context, {
      conflict: options.conflict?.(failure.status, grpcCode),
    });
  }
  if (isTypedError(failure)) return failure;
  return errorForStatus(service, undefined, networkCause(failure), context);
}

/** Node's fetch says only "fetch failed"; the cause chain names the reason. */
function networkCause(error: unknown): string {
  const parts: string[] = [];
  for (
    let e: unknown = error;
    e && typeof e === 'object' && parts.length < 4;
    e = (e as { cause?: unknown }).cause
  ) {
    const { message, code, name } = e as {
      message?: unknown;
      code?: unknown;
      name?: unknown;
    };
    if (name === 'TimeoutError') parts.push('timed out');
    else if (typeof message === 'string')
      parts.push(typeof code === 'string' ? `${message} (${code})` : message);
  }
  return parts.join(': ') || String(error);
}
