import { httpError, type ErrorContext } from './errors';

/** One request to an Argo Server or ArgoCD REST API (both under `/api/v1`). */
export interface ApiRequest {
  service: Parameters<typeof httpError>[0];
  /** The full URL, `/api/v1` and query included. */
  url: string;
  method: string;
  /** Sent as JSON when set. */
  body?: unknown;
  /** Bearer token, when the server wants one. */
  token?: string;
  /** Per-request timeout, ms; default 30 000. */
  timeoutMs?: number;
  fetch: typeof fetch;
  context: ErrorContext;
  /** Which failures are a conflict (see {@link httpError}). */
  conflict?: (status: number, grpcCode?: number) => boolean;
}

/**
 * The request and error plumbing the Argo Workflows and ArgoCD clients
 * share: JSON headers and bearer token, a bounded timeout, and a typed error
 * ({@link httpError}) for a network failure or a non-2xx answer. Returns the
 * 2xx response for the caller to read.
 */
export async function apiFetch(request: ApiRequest): Promise<Response> {
  const { body, token, context } = request;
  let response: Response;
  try {
    response = await request.fetch(request.url, {
      method: request.method,
      headers: {
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(request.timeoutMs ?? 30_000),
    });
  } catch (error) {
    throw await httpError(request.service, error, context);
  }
  if (!response.ok) {
    throw await httpError(request.service, response, context, {
      conflict: request.conflict,
    });
  }
  return response;
}
