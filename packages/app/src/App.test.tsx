import { render } from '@testing-library/react';
import App from './App';

describe('App', () => {
  jest.setTimeout(30_000);

  it('renders the demo sign-in page', async () => {
    process.env = {
      NODE_ENV: 'test',
      APP_CONFIG: [
        {
          data: {
            app: { title: 'Backstage NHI' },
            backend: { baseUrl: 'http://localhost:7007' },
          },
          context: 'test',
        },
      ] as any,
    };

    const rendered = render(<App />);

    expect(
      await rendered.findByRole(
        'button',
        { name: 'Sign in as Farah Haddad' },
        { timeout: 20000 },
      ),
    ).toBeInTheDocument();
    expect(
      rendered.getByRole('button', { name: 'Enter as guest' }),
    ).toBeInTheDocument();
  });
});
