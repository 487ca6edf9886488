import { render } from '@testing-library/react';
import App from './App';

describe('App', () => {
  it('renders the guest sign-in page', async () => {
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
        { name: 'Enter' },
        { timeout: 10000 },
      ),
    ).toBeInTheDocument();
  });
});
