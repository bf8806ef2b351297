import { startPortal } from './portal';

export default async function globalSetup() {
  const started = Date.now();
  // A cold start compiles the frontend: minutes on two cores.
  await startPortal(10 * 60_000);
  // eslint-disable-next-line no-console
  console.log(`portal ready in ${Math.round((Date.now() - started) / 1000)}s`);
}
