import { useState } from 'react';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  renderInTestApp,
  TestApiProvider,
} from '@backstage/frontend-test-utils';
import type { ApiHolder } from '@backstage/core-plugin-api';
import type { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import launchpadPlugin from '../../alpha/plugin';
import {
  launchpadApiRef,
  type LaunchpadApi,
  type LaunchpadClusterSummary,
  type SlugAvailability,
} from '../../api';
import {
  LaunchpadClusterPicker,
  launchpadClusterValidation,
} from './LaunchpadClusterPicker';
import {
  LaunchpadReleasePicker,
  launchpadReleaseValidation,
} from './LaunchpadReleasePicker';
import {
  LaunchpadSlugPicker,
  launchpadSlugValidation,
} from './LaunchpadSlugPicker';
import { suggestSlug } from './slugs';

// A busy machine can take longer than the default to render.
const slow = { timeout: 10_000 };

const CLUSTERS: LaunchpadClusterSummary[] = [
  {
    name: 'staging',
    title: 'Staging',
    environment: 'staging',
    domain: 'staging.learn.acme.test',
    hasCredentials: true,
    missingCredentials: [],
  },
  {
    name: 'production',
    title: 'Production',
    environment: 'production',
    domain: 'learn.acme.test',
    hasCredentials: false,
    missingCredentials: ['kubernetes.token'],
  },
];

/** What the backend answers: `demo` is taken, the rest is free. */
function availability(cluster: string, slug: string): SlugAvailability {
  const domain = CLUSTERS.find(c => c.name === cluster)!.domain;
  const taken = slug === 'demo';
  return {
    available: !taken,
    reasons: taken
      ? [
          {
            field: 'slug',
            message: `slug "demo" is taken in ${cluster}: instances/demo exists in acme-edu/launchpad-cluster-${cluster}`,
          },
        ]
      : [],
    lmsHost: `${slug}.${domain}`,
    studioHost: `studio.${slug}.${domain}`,
    namespace: slug,
  };
}

function fakeApi() {
  return {
    listClusters: jest.fn(async () => CLUSTERS),
    getSlugAvailability: jest.fn(async (cluster: string, slug: string) =>
      availability(cluster, slug),
    ),
  } as unknown as jest.Mocked<LaunchpadApi>;
}

const holder = (api: LaunchpadApi): ApiHolder => ({
  get: (ref =>
    ref.id === launchpadApiRef.id ? api : undefined) as ApiHolder['get'],
});

/** The scaffolder's form, reduced to what a field sees: its value and the whole form's data. */
function Form(props: {
  field: (p: FieldExtensionComponentProps<string>) => JSX.Element | null;
  name: string;
  initial: Record<string, string | undefined>;
  title: string;
  onValues?: (values: Record<string, string | undefined>) => void;
  platformNames?: string[];
}) {
  const { field: Field, name, title } = props;
  const [values, setValues] = useState(props.initial);
  props.onValues?.(values);
  const fieldProps = {
    formData: values[name],
    onChange: (value?: string) => setValues(v => ({ ...v, [name]: value })),
    formContext: { formData: values },
    schema: { title },
    uiSchema: {},
    idSchema: { $id: `root_${name}` },
    rawErrors: [],
    required: true,
  } as unknown as FieldExtensionComponentProps<string>;
  return (
    <>
      {props.platformNames?.map(p => (
        <button
          key={p}
          onClick={() => setValues(v => ({ ...v, platformName: p }))}
        >
          name {p}
        </button>
      ))}
      <Field {...fieldProps} />
    </>
  );
}

/** Renders one field in the reduced form; the function returned reads the form's latest data. */
async function renderField(
  api: LaunchpadApi,
  props: Omit<Parameters<typeof Form>[0], 'onValues'>,
) {
  let values: Record<string, string | undefined> = {};
  await renderInTestApp(
    <TestApiProvider apis={[[launchpadApiRef, api]]}>
      <Form
        {...props}
        onValues={v => {
          values = v;
        }}
      />
    </TestApiProvider>,
  );
  return () => values;
}

describe('suggestSlug', () => {
  it.each([
    ['Chemistry 201', 'chemistry-201'],
    ['  École d’Été — Physique  ', 'ecole-d-ete-physique'],
    ['A very long platform name for a school', 'a-very-long-platform-n'],
    ['Summer   School!!', 'summer-school'],
    ['Name ending at the limit-x', 'name-ending-at-the-lim'],
    ['---', ''],
    [undefined, ''],
  ])('%j → %j', (name, slug) => {
    expect(suggestSlug(name)).toBe(slug);
    expect(slug.length).toBeLessThanOrEqual(22);
  });
});

describe('LaunchpadSlugPicker', () => {
  it('suggests the slug from the platform name and shows the hosts once it is free', async () => {
    const api = fakeApi();
    const values = await renderField(api, {
      field: LaunchpadSlugPicker,
      name: 'slug',
      title: 'Instance name (slug)',
      initial: { cluster: 'staging', platformName: 'Chemistry 201' },
    });
    await waitFor(() => expect(values().slug).toBe('chemistry-201'), slow);
    expect(
      await screen.findByTestId('launchpad-slug-hosts', {}, slow),
    ).toHaveTextContent(
      'LMS: https://chemistry-201.staging.learn.acme.test · Studio: https://studio.chemistry-201.staging.learn.acme.test',
    );
    expect(screen.getByTestId('launchpad-slug-status')).toHaveTextContent(
      'chemistry-201 is available in staging',
    );
    expect(api.getSlugAvailability).toHaveBeenCalledWith(
      'staging',
      'chemistry-201',
      expect.anything(),
    );
  });

  it('checks once after typing stops, and says why a slug is taken', async () => {
    const api = fakeApi();
    await renderField(api, {
      field: LaunchpadSlugPicker,
      name: 'slug',
      title: 'Instance name (slug)',
      initial: { cluster: 'staging' },
    });
    await userEvent.type(screen.getByTestId('launchpad-slug-input'), 'demo');
    expect(
      await screen.findByText(/slug "demo" is taken in staging/, {}, slow),
    ).toBeVisible();
    // Four keystrokes, one request: the debounce waits for the last one.
    expect(api.getSlugAvailability.mock.calls.map(c => c[1])).toEqual(['demo']);
  });

  it('shows an invalid slug at once, without asking the backend', async () => {
    const api = fakeApi();
    await renderField(api, {
      field: LaunchpadSlugPicker,
      name: 'slug',
      title: 'Instance name (slug)',
      initial: { cluster: 'staging' },
    });
    await userEvent.type(screen.getByTestId('launchpad-slug-input'), 'Chem_1');
    expect(screen.getByTestId('launchpad-slug-status')).toHaveTextContent(
      /lowercase letters, digits and hyphens/,
    );
    // Longer than the debounce: still nothing asked.
    await act(() => new Promise(r => setTimeout(r, 600)));
    expect(api.getSlugAvailability).not.toHaveBeenCalled();
  });

  it('stops following the platform name once the user typed a slug', async () => {
    const api = fakeApi();
    const values = await renderField(api, {
      field: LaunchpadSlugPicker,
      name: 'slug',
      title: 'Instance name (slug)',
      initial: { cluster: 'staging', platformName: 'Physics' },
      platformNames: ['Biology'],
    });
    await waitFor(() => expect(values().slug).toBe('physics'), slow);
    const input = screen.getByTestId('launchpad-slug-input');
    await userEvent.clear(input);
    await userEvent.type(input, 'phys-1');
    await userEvent.click(screen.getByRole('button', { name: 'name Biology' }));
    expect(values()).toMatchObject({ platformName: 'Biology', slug: 'phys-1' });
  });

  it('validation refuses a taken or invalid slug so the form cannot be submitted', async () => {
    const api = fakeApi();
    const run = async (slug: string) => {
      const errors: string[] = [];
      await launchpadSlugValidation(
        slug,
        { addError: (e: string) => errors.push(e) } as never,
        {
          apiHolder: holder(api),
          formData: { cluster: 'staging' },
          schema: {},
        },
      );
      return errors;
    };
    expect(await run('demo')).toEqual([
      'slug "demo" is taken in staging: instances/demo exists in acme-edu/launchpad-cluster-staging',
    ]);
    expect(await run('chem-201')).toEqual([]);
    expect((await run('a'.repeat(23)))[0]).toContain('at most 22 characters');
    expect(api.getSlugAvailability).toHaveBeenCalledTimes(2);

    api.getSlugAvailability.mockRejectedValueOnce(
      new Error('503 Service Unavailable'),
    );
    expect(await run('chem-202')).toEqual([
      'Could not check the name: 503 Service Unavailable',
    ]);
  });
});

describe('LaunchpadClusterPicker', () => {
  it('offers the configured clusters; one without credentials cannot be chosen', async () => {
    const api = fakeApi();
    const values = await renderField(api, {
      field: LaunchpadClusterPicker,
      name: 'cluster',
      title: 'Cluster',
      initial: {},
    });
    // Only staging is usable: chosen without asking.
    await waitFor(() => expect(values().cluster).toBe('staging'), slow);
    expect(
      screen.getByText('Hosts end in .staging.learn.acme.test'),
    ).toBeVisible();
    await userEvent.click(screen.getByRole('button', { name: /Staging/ }));
    const listbox = within(screen.getByRole('listbox'));
    const production = listbox.getByRole('option', { name: /Production/ });
    expect(production).toHaveTextContent('no credentials (kubernetes.token)');
    expect(production).toHaveAttribute('aria-disabled', 'true');
  });

  it('offers a cluster without ArgoCD with a warning that a commit needs it; validation lets it through', async () => {
    const api = fakeApi();
    const [staging, production] = CLUSTERS;
    api.listClusters.mockResolvedValue([
      { ...staging, missingCredentials: ['argocd'] },
      production,
    ]);
    const values = await renderField(api, {
      field: LaunchpadClusterPicker,
      name: 'cluster',
      title: 'Cluster',
      initial: {},
    });
    // Still the one usable cluster: chosen without asking.
    await waitFor(() => expect(values().cluster).toBe('staging'), slow);
    expect(
      screen.getByText(
        'Hosts end in .staging.learn.acme.test; publishing as a commit needs argocd (a pull request does not)',
      ),
    ).toBeVisible();
    await userEvent.click(screen.getByRole('button', { name: /Staging/ }));
    const option = within(screen.getByRole('listbox')).getByRole('option', {
      name: /Staging/,
    });
    expect(option).toHaveTextContent(
      'publishing as a commit needs argocd (a pull request does not)',
    );
    expect(option).not.toHaveAttribute('aria-disabled', 'true');
    const errors: string[] = [];
    await launchpadClusterValidation(
      'staging',
      { addError: (e: string) => errors.push(e) } as never,
      { apiHolder: holder(api), formData: {}, schema: {} },
    );
    expect(errors).toEqual([]);
  });

  it('validation refuses an unknown cluster and one without credentials', async () => {
    const api = fakeApi();
    const run = async (cluster: string) => {
      const errors: string[] = [];
      await launchpadClusterValidation(
        cluster,
        { addError: (e: string) => errors.push(e) } as never,
        { apiHolder: holder(api), formData: {}, schema: {} },
      );
      return errors;
    };
    expect(await run('staging')).toEqual([]);
    expect(await run('qa')).toEqual([
      'cluster "qa" is not a Launchpad cluster; configured: staging, production',
    ]);
    expect(await run('production')).toEqual([
      'cluster "production" has no credentials configured (kubernetes.token)',
    ]);
  });
});

describe('LaunchpadReleasePicker', () => {
  it('suggests recent named releases with their Tutor version', async () => {
    await renderField(fakeApi(), {
      field: LaunchpadReleasePicker,
      name: 'release',
      title: 'Open edX release',
      initial: { release: 'release/teak.3' },
    });
    await userEvent.click(screen.getByTestId('launchpad-release-input'));
    await userEvent.clear(screen.getByTestId('launchpad-release-input'));
    expect(
      await screen.findByRole(
        'option',
        { name: 'release/teak.3 (Tutor v20)' },
        slow,
      ),
    ).toBeVisible();
    expect(
      screen.getByRole('option', { name: 'release/ulmo.1 (Tutor v21)' }),
    ).toBeVisible();
  });

  it('shows and validates the release/<name>.<n> form', async () => {
    await renderField(fakeApi(), {
      field: LaunchpadReleasePicker,
      name: 'release',
      title: 'Open edX release',
      initial: {},
    });
    await userEvent.type(screen.getByTestId('launchpad-release-input'), 'teak');
    expect(
      screen.getByText(
        /"teak" is not an Open edX release; use release\/<name>.<n>/,
      ),
    ).toBeVisible();
    const errors: string[] = [];
    const field = { addError: (e: string) => errors.push(e) } as never;
    const context = { apiHolder: holder(fakeApi()), formData: {}, schema: {} };
    await launchpadReleaseValidation('teak', field, context);
    await launchpadReleaseValidation('release/teak.3', field, context);
    await launchpadReleaseValidation('release/verawood.1', field, context);
    expect(errors).toEqual([
      '"teak" is not an Open edX release; use release/<name>.<n>, e.g. release/teak.3',
    ]);
  });
});

describe('form field extensions', () => {
  it('are part of the launchpad plugin with stable ids', () => {
    for (const id of [
      'scaffolder-form-field:launchpad/cluster-picker',
      'scaffolder-form-field:launchpad/slug-picker',
      'scaffolder-form-field:launchpad/release-picker',
    ]) {
      expect(launchpadPlugin.getExtension(id as never)).toBeDefined();
    }
  });
});
