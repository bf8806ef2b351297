import { spawn } from 'child_process';
import fs from 'fs';
import path from 'path';

/** Where the harness keeps the portal's PID and log (git-ignored). */
export const OUTPUT_DIR = path.resolve(__dirname, '.output');
export const PID_FILE = path.join(OUTPUT_DIR, 'portal.pid');
export const LOG_FILE = path.join(OUTPUT_DIR, 'portal.log');
/** The guest's browser storage after sign-in (global-setup.ts), every test's starting state. */
export const GUEST_STATE = path.join(OUTPUT_DIR, 'guest-storage.json');
export const APP_URL = process.env.LAUNCHPAD_APP_URL ?? 'http://localhost:3000';
export const BACKEND_URL =
  process.env.LAUNCHPAD_BACKEND_URL ?? 'http://127.0.0.1:7007';

/** A guest token, the way the app gets one after "Enter" on the sign-in page. */
export async function guestToken(): Promise<string> {
  const res = await fetch(`${BACKEND_URL}/api/auth/guest/refresh`, {
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  if (!res.ok) throw new Error(`guest refresh answered ${res.status}`);
  const body = (await res.json()) as {
    backstageIdentity: { token: string };
  };
  return body.backstageIdentity.token;
}

async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

/** The portal is ready once the app answers and the catalog holds Launchpad instances. */
async function portalReady(): Promise<boolean> {
  if (!(await reachable(APP_URL))) return false;
  try {
    const token = await guestToken();
    const res = await fetch(
      `${BACKEND_URL}/api/catalog/entities/by-query?filter=spec.type=openedx-instance&limit=1`,
      { headers: { Authorization: `Bearer ${token}` } },
    );
    if (!res.ok) return false;
    const body = (await res.json()) as { items: unknown[] };
    return body.items.length > 0;
  } catch {
    return false;
  }
}

/**
 * Starts the portal with the README's start command in its own process group
 * (so stopping it stops the sandbox, backend and frontend together) and waits
 * until it is ready.
 */
export async function startPortal(timeoutMs: number): Promise<number> {
  if (
    (await reachable(APP_URL)) ||
    (await reachable(`${BACKEND_URL}/.backstage/health/v1/liveness`))
  ) {
    throw new Error(
      `Something already listens on ${APP_URL} or ${BACKEND_URL}; stop it first (the e2e harness starts its own portal).`,
    );
  }
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  const log = fs.openSync(LOG_FILE, 'w');
  const child = spawn('bash', ['scripts/start.sh'], {
    cwd: path.resolve(__dirname, '..'),
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, BROWSER: 'none' },
  });
  const pid = child.pid!;
  fs.writeFileSync(PID_FILE, String(pid));
  child.unref();

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `The portal exited with ${child.exitCode}; see ${LOG_FILE}`,
      );
    }
    if (await portalReady()) return pid;
    if (Date.now() > deadline) {
      stopPortal();
      throw new Error(
        `The portal was not ready after ${timeoutMs} ms; see ${LOG_FILE}`,
      );
    }
    await new Promise(r => setTimeout(r, 2_000));
  }
}

/** Stops the process group recorded in the PID file, if any. */
export function stopPortal(): void {
  if (!fs.existsSync(PID_FILE)) return;
  const pid = Number(fs.readFileSync(PID_FILE, 'utf8'));
  fs.rmSync(PID_FILE);
  // SIGTERM, up to 10 s for a clean exit, then SIGKILL and up to 5 s more:
  // the next run (or CI's next step) must not find the ports still taken.
  for (const [signal, graceMs] of [
    ['SIGTERM', 10_000],
    ['SIGKILL', 5_000],
  ] as const) {
    try {
      process.kill(-pid, signal);
    } catch {
      return; // already gone
    }
    const until = Date.now() + graceMs;
    while (Date.now() < until) {
      try {
        process.kill(-pid, 0);
      } catch {
        return;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}
