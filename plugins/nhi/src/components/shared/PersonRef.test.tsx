import { renderNhi } from '../../__testUtils__/render';
import { screen } from '@testing-library/react';
import { withPeople } from '../../__testUtils__/people';
import { PersonRef } from './PersonRef';

describe('PersonRef', () => {
  it('shows a user by display name, linked to their page', async () => {
    await renderNhi(
      withPeople(<PersonRef entityRef="user:default/priya.raman" />),
    );
    expect(screen.getByRole('link', { name: 'Priya Raman' })).toHaveAttribute(
      'href',
      '/catalog/default/user/priya.raman',
    );
  });

  it('reads a bare name as a user', async () => {
    await renderNhi(withPeople(<PersonRef entityRef="farah.haddad" />));
    expect(screen.getByRole('link', { name: 'Farah Haddad' })).toHaveAttribute(
      'href',
      '/catalog/default/user/farah.haddad',
    );
  });

  it('shows what is not a person as it is, without a link', async () => {
    await renderNhi(
      withPeople(
        <>
          <PersonRef entityRef="plugin:catalog" />
          {' / '}
          <PersonRef entityRef="not a ref: at all" />
          {' / '}
          <PersonRef />
        </>,
      ),
    );
    expect(
      screen.getByText('plugin:catalog / not a ref: at all / unknown'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('link')).not.toBeInTheDocument();
  });
});
