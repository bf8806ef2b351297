/** One HTTP exchange seen by {@link countingFetch}. */
export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  /** Time to the response headers, ms. */
  ms: number;
}

/**
 * A fetch that records every request it sends (the real fetch underneath):
 * tests and the benchmark count GitHub requests with it. `tamper` may rewrite
 * a JSON response (e.g. to make a tree look truncated).
 */
export function countingFetch(
  options: {
    tamper?: (path: string, body: unknown) => unknown;
  } = {},
) {
  const requests: RecordedRequest[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const start = performance.now();
    const response = await fetch(request);
    const ms = Math.round(performance.now() - start);
    const url = new URL(request.url);
    const path = `${url.pathname}${url.search}`;
    requests.push({
      method: request.method,
      path,
      status: response.status,
      ms,
    });
    if (options.tamper && response.ok) {
      const body = options.tamper(path, await response.clone().json());
      if (body !== undefined) {
        const headers = new Headers(response.headers);
        headers.delete('content-length');
        headers.delete('content-encoding');
        return new Response(JSON.stringify(body), {
          status: response.status,
          headers,
        });
      }
    }
    return response;
  };
  return {
    fetch: recordingFetch,
    requests,
    /** Requests recorded since the last reset, then forgets them. */
    take(): RecordedRequest[] {
      return requests.splice(0, requests.length);
    },
  };
}
