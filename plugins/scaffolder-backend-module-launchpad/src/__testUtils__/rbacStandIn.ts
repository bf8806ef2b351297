import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The sandbox's Kubernetes API does not serve ServiceAccounts, Roles and
 * RoleBindings yet: this stand-in keeps those three kinds in memory (create →
 * 201, a duplicate → 409 AlreadyExists Status, get) and forwards every other
 * request to the sandbox, so the real client-node talks HTTP to both.
 */
export async function startRbacStandIn(target: string) {
  const objects = new Map<string, unknown>();
  const OWN =
    /^\/(?:api\/v1|apis\/rbac\.authorization\.k8s\.io\/v1)\/namespaces\/([^/]+)\/(serviceaccounts|roles|rolebindings)(?:\/([^/?]+))?/;
  const server = http.createServer(async (req, res) => {
    const url = req.url ?? '/';
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const own = OWN.exec(url);
    if (own) {
      const [, namespace, plural, name] = own;
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.method === 'POST') {
        const object = JSON.parse(body.toString()) as {
          metadata: { name: string };
        };
        const key = `${namespace}/${plural}/${object.metadata.name}`;
        if (objects.has(key)) {
          send(409, {
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            reason: 'AlreadyExists',
            code: 409,
            message: `${plural} "${object.metadata.name}" already exists`,
          });
          return;
        }
        objects.set(key, object);
        send(201, object);
        return;
      }
      const found = objects.get(`${namespace}/${plural}/${name}`);
      if (found) send(200, found);
      else
        send(404, {
          kind: 'Status',
          status: 'Failure',
          reason: 'NotFound',
          code: 404,
        });
      return;
    }
    const upstream = await fetch(`${target}${url}`, {
      method: req.method,
      headers: Object.fromEntries(
        Object.entries(req.headers).filter(
          (e): e is [string, string] =>
            typeof e[1] === 'string' && e[0] !== 'host',
        ),
      ),
      body: body.length ? body : undefined,
    });
    res.writeHead(upstream.status, {
      'content-type':
        upstream.headers.get('content-type') ?? 'application/json',
    });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    objects,
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}
