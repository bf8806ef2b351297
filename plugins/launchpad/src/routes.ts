import { createRouteRef } from '@backstage/frontend-plugin-api';

/** The fleet page (`/launchpad/fleet`). */
export const fleetRouteRef = createRouteRef();
