import { render, screen } from '@testing-library/react';
import App from './App';

describe('App', () => {
  it('opens on the guest sign-in page with one "Enter" button', async () => {
    process.env = {
      NODE_ENV: 'test',
      APP_CONFIG: [
        {
          data: {
            app: { title: 'Test' },
            backend: { baseUrl: 'http://localhost:7007' },
            techdocs: {
              storageUrl: 'http://localhost:7007/api/techdocs/static/docs',
            },
          },
          context: 'test',
        },
      ] as any,
    };

    render(App.createRoot());

    expect(await screen.findByText('Launchpad Portal')).toBeInTheDocument();
    // The e2e tests sign in through this button.
    expect(screen.getAllByRole('button', { name: 'Enter' })).toHaveLength(1);
    expect(screen.getByText('Guest')).toBeInTheDocument();
  });
});
