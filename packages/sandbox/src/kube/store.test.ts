import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { SandboxClock } from '../clock';
import { createKubeApi } from './api';
import { resource } from './resources';
import { KubeStore } from './store';
import { parseLabelSelector } from './selectors';
import { eventually } from './__testUtils__';

const CONFIGMAPS = resource('', 'configmaps');
const NAMESPACES = resource('', 'namespaces');

describe('KubeStore', () => {
  const clock = new SandboxClock(1);
  afterAll(() => clock.stop(), 60_000);

  it('expires resourceVersions that fell out of the event log, answering watches with 410', async () => {
    const store = new KubeStore(clock, 5);
    store.create(NAMESPACES, { metadata: { name: 'ns' } });
    for (let i = 0; i < 10; i++)
      store.create(CONFIGMAPS, {
        metadata: { name: `c${i}`, namespace: 'ns' },
      });
    expect(store.eventsSince(1)).toBe('expired');
    expect(store.eventsSince(store.currentResourceVersion() - 2)).toHaveLength(
      2,
    );

    const app = express();
    app.use(createKubeApi({ store, clock, serverAddress: () => '127.0.0.1' }));
    const server = http.createServer(app).listen(0, '127.0.0.1');
    await new Promise(resolve => server.once('listening', resolve));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        {
          name: 'c',
          server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          skipTLSVerify: true,
        },
      ],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
      currentContext: 'c',
    });
    const events: Array<{ type: string; code?: number }> = [];
    let ended = false;
    await new Watch(kc).watch(
      '/api/v1/namespaces/ns/configmaps',
      { resourceVersion: '1' },
      (type, obj) => events.push({ type, code: obj?.code }),
      () => {
        ended = true;
      },
    );
    await eventually(async () => (ended ? true : undefined));
    expect(events).toEqual([{ type: 'ERROR', code: 410 }]);
    server.closeAllConnections();
    server.close();
  });

  it('keeps the stored status of status-subresource kinds on main-resource updates', () => {
    const store = new KubeStore(clock);
    const ns = store.create(NAMESPACES, {
      metadata: { name: 'x' },
      status: { phase: 'Active' },
    });
    const replaced = store.replace(NAMESPACES, undefined, 'x', {
      ...ns,
      status: { phase: 'Terminating' },
    });
    expect(replaced.status).toEqual({ phase: 'Active' });
    const viaStatus = store.replace(
      NAMESPACES,
      undefined,
      'x',
      { ...replaced, status: { phase: 'Terminating' } },
      { subresource: 'status' },
    );
    expect(viaStatus.status).toEqual({ phase: 'Terminating' });
  });

  it('rejects malformed label selectors with a BadRequest', () => {
    expect(() => parseLabelSelector('app in (a,b')).toThrow(/unable to parse/);
    expect(parseLabelSelector('a=1,b in (2, 3),!c')({ a: '1', b: '3' })).toBe(
      true,
    );
    expect(
      parseLabelSelector('a=1,b in (2, 3),!c')({ a: '1', b: '3', c: '' }),
    ).toBe(false);
  });
});
