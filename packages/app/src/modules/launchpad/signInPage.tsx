import { SignInPage } from '@backstage/core-components';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';

/**
 * Guest sign-in with one click on the "Enter" button (the guest provider's
 * button, which the e2e helper relies on). Replaces the app plugin's default
 * `sign-in-page:app` so the page carries the portal's title.
 */
export const launchpadSignInPage = SignInPageBlueprint.make({
  params: {
    loader: async () => props =>
      (
        <SignInPage
          {...props}
          title="Launchpad Portal"
          align="center"
          providers={['guest']}
        />
      ),
  },
});
