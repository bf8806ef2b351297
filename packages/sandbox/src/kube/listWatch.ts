import type { Request, Response } from 'express';
import type { SandboxClock } from '../clock';
import { badRequest, failureStatus, KubeError } from './errors';
import { queryFlag, queryString } from './http';
import { apiVersionOf, type ResourceType } from './resources';
import { parseFieldSelector, parseLabelSelector } from './selectors';
import type { KubeStore, StoreChangeEvent } from './store';
import type { KubeObject } from './types';

/** How often (simulated) open watches that asked for bookmarks get one. */
const BOOKMARK_INTERVAL_MS = 60_000;

function encodeContinue(rv: number, lastKey: string) {
  return Buffer.from(JSON.stringify({ rv, start: lastKey })).toString(
    'base64url',
  );
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed.start === 'string' && typeof parsed.rv === 'number')
      return parsed;
  } catch {
    // fall through
  }
  throw badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion',
  );
}

const keyOf = (obj: KubeObject) =>
  `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;

/** List and watch handlers over one cluster's store. */
export function createListWatch(store: KubeStore, clock: SandboxClock) {
  function listBody(
    type: ResourceType,
    items: KubeObject[],
    meta: Record<string, unknown> = {},
  ) {
    return {
      kind: `${type.kind}List`,
      apiVersion: apiVersionOf(type),
      metadata: {
        resourceVersion: String(store.currentResourceVersion()),
        ...meta,
      },
      items,
    };
  }

  function listObjects(
    req: Request,
    res: Response,
    type: ResourceType,
    namespace: string | undefined,
  ) {
    const selectors = {
      namespace,
      labelSelector: queryString(req.query.labelSelector),
      fieldSelector: queryString(req.query.fieldSelector),
    };
    const limit = Number(queryString(req.query.limit) ?? 0);
    const token = queryString(req.query.continue);
    let listRv = store.currentResourceVersion();
    let items: KubeObject[];
    if (token) {
      const { rv, start } = decodeContinue(token);
      // k8s.io/apiserver storage/errors.go: a continue token from before the compaction is 410.
      if (store.isExpired(rv)) {
        throw new KubeError(
          410,
          'Expired',
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results.',
        );
      }
      listRv = rv;
      items = listAtOrCurrent(type, rv, selectors).filter(
        item => keyOf(item) > start,
      );
    } else {
      const rv = requestedListRv(req);
      if (rv === undefined) items = store.list(type, selectors);
      else {
        listRv = rv;
        items = listAtOrCurrent(type, rv, selectors);
      }
    }
    if (limit > 0 && items.length > limit) {
      const page = items.slice(0, limit);
      res.json(
        listBody(type, page, {
          resourceVersion: String(listRv),
          continue: encodeContinue(listRv, keyOf(page[page.length - 1])),
          remainingItemCount: items.length - limit,
        }),
      );
      return;
    }
    res.json(listBody(type, items, { resourceVersion: String(listRv) }));
  }

  /**
   * `resourceVersionMatch=Exact` lists at that version (410 when compacted,
   * as `The resourceVersion for the provided list is too old.`);
   * `NotOlderThan` and a bare resourceVersion serve the current state. A
   * version from the future is 504 Timeout, as the API server answers once
   * its wait for the watch cache runs out.
   */
  function requestedListRv(req: Request): number | undefined {
    const raw = queryString(req.query.resourceVersion);
    const match = queryString(req.query.resourceVersionMatch);
    if (match && match !== 'Exact' && match !== 'NotOlderThan')
      throw badRequest(
        `resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`,
      );
    if (match && !raw)
      throw badRequest(
        'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
      );
    if (!raw || raw === '0') return undefined;
    const rv = Number(raw);
    if (!Number.isInteger(rv) || rv < 0)
      throw badRequest(`invalid resource version: ${raw}`);
    if (rv > store.currentResourceVersion()) {
      throw new KubeError(
        504,
        'Timeout',
        `Too large resource version: ${rv}, current: ${store.currentResourceVersion()}`,
      );
    }
    if (match === 'Exact') {
      if (store.isExpired(rv))
        throw new KubeError(
          410,
          'Expired',
          'The resourceVersion for the provided list is too old.',
        );
      return rv;
    }
    return undefined;
  }

  function listAtOrCurrent(
    type: ResourceType,
    rv: number,
    selectors: {
      namespace?: string;
      labelSelector?: string;
      fieldSelector?: string;
    },
  ): KubeObject[] {
    const items = store.listAt(type, rv, selectors);
    if (items === 'expired')
      throw new KubeError(
        410,
        'Expired',
        'The resourceVersion for the provided list is too old.',
      );
    return items;
  }

  function watch(
    req: Request,
    res: Response,
    type: ResourceType,
    namespace: string | undefined,
  ) {
    const labels = parseLabelSelector(queryString(req.query.labelSelector));
    const fields = parseFieldSelector(queryString(req.query.fieldSelector));
    const matches = (obj: KubeObject | undefined) =>
      !!obj &&
      (!namespace || obj.metadata.namespace === namespace) &&
      labels(obj.metadata.labels) &&
      fields(obj);
    const resourceKey = `${type.group}/${type.plural}`;
    const rvParam = queryString(req.query.resourceVersion);
    const bookmarks = queryFlag(req.query.allowWatchBookmarks);
    const sendInitialEvents = queryFlag(req.query.sendInitialEvents);

    res.status(200);
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Transfer-Encoding', 'chunked');
    res.flushHeaders();
    const send = (eventType: string, object: unknown) => {
      if (!res.writableEnded)
        res.write(`${JSON.stringify({ type: eventType, object })}\n`);
    };
    const bookmark = (initialEventsEnd = false) =>
      send('BOOKMARK', {
        kind: type.kind,
        apiVersion: apiVersionOf(type),
        metadata: {
          resourceVersion: String(store.currentResourceVersion()),
          ...(initialEventsEnd
            ? { annotations: { 'k8s.io/initial-events-end': 'true' } }
            : {}),
        },
      });

    const forward = (event: StoreChangeEvent) => {
      if (event.resource !== resourceKey) return;
      const now = matches(event.object);
      if (event.type === 'MODIFIED' && event.previous) {
        const before = matches(event.previous);
        // Objects moving in or out of a selector appear as ADDED / DELETED, as with the watch cache.
        if (now && !before) send('ADDED', event.object);
        else if (!now && before) send('DELETED', event.object);
        else if (now) send('MODIFIED', event.object);
        return;
      }
      if (now) send(event.type, event.object);
    };

    if (!rvParam || rvParam === '0' || sendInitialEvents) {
      for (const obj of store.list(type, { namespace })) {
        if (matches(obj)) send('ADDED', obj);
      }
      if (sendInitialEvents) bookmark(true);
    } else {
      const rv = Number(rvParam);
      if (!Number.isInteger(rv) || rv < 0) {
        send(
          'ERROR',
          failureStatus(
            400,
            'BadRequest',
            `invalid resource version: ${rvParam}`,
          ),
        );
        res.end();
        return;
      }
      const events = store.eventsSince(rv);
      if (events === 'expired') {
        send(
          'ERROR',
          failureStatus(
            410,
            'Expired',
            `too old resource version: ${rv} (${store.oldestResourceVersion()})`,
          ),
        );
        res.end();
        return;
      }
      for (const event of events) forward(event);
    }
    if (bookmarks) bookmark();

    const unsubscribe = store.subscribe(forward);
    const bookmarkTimer = bookmarks
      ? clock.every(BOOKMARK_INTERVAL_MS, () => bookmark())
      : undefined;
    const timeoutSeconds = Number(queryString(req.query.timeoutSeconds) ?? 0);
    const timeout =
      timeoutSeconds > 0
        ? setTimeout(() => res.end(), timeoutSeconds * 1000)
        : undefined;
    const cleanup = () => {
      unsubscribe();
      bookmarkTimer?.cancel();
      if (timeout) clearTimeout(timeout);
    };
    res.on('close', cleanup);
    res.on('finish', cleanup);
  }

  return { listBody, listObjects, watch };
}
