import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import { LaunchpadClient } from './LaunchpadClient';

// The client's own URL building and error translation; the backend's router
// and its answers are tested against the sandbox in launchpad-backend.
function client(answer: () => Response) {
  const urls: string[] = [];
  const discoveryApi: DiscoveryApi = {
    getBaseUrl: async plugin => `http://localhost:7007/api/${plugin}`,
  };
  const fetchApi: FetchApi = {
    fetch: async input => {
      urls.push(String(input));
      return answer();
    },
  };
  return { api: new LaunchpadClient({ discoveryApi, fetchApi }), urls };
}

const ref = { kind: 'Component', namespace: 'staging', name: 'demo' };

describe('LaunchpadClient.getInstanceHistory', () => {
  it('asks the history route of the instance, with the limit', async () => {
    const body = {
      entityRef: 'component:staging/demo',
      items: [],
      enabled: true,
    };
    const { api, urls } = client(
      () =>
        new Response(JSON.stringify(body), {
          headers: { 'Content-Type': 'application/json' },
        }),
    );
    await expect(api.getInstanceHistory(ref)).resolves.toEqual(body);
    await api.getInstanceHistory(ref, { limit: 20 });
    expect(urls).toEqual([
      'http://localhost:7007/api/launchpad/instances/staging/demo/history',
      'http://localhost:7007/api/launchpad/instances/staging/demo/history?limit=20',
    ]);
  });

  it('encodes the names and turns an error answer into a ResponseError', async () => {
    const { api, urls } = client(
      () =>
        new Response(
          JSON.stringify({
            error: { name: 'NotFoundError', message: 'no such instance' },
            response: { statusCode: 404 },
          }),
          { status: 404, headers: { 'Content-Type': 'application/json' } },
        ),
    );
    const error = await api
      .getInstanceHistory({ ...ref, name: 'a/b' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect((error as ResponseError).statusCode).toBe(404);
    expect((error as ResponseError).body.error.message).toBe(
      'no such instance',
    );
    expect(urls[0]).toBe(
      'http://localhost:7007/api/launchpad/instances/staging/a%2Fb/history',
    );
  });
});
