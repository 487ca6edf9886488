import { repositoryOwnersFromCodeowners } from './codeowners';

describe('repositoryOwnersFromCodeowners', () => {
  it('takes the last catch-all rule, teams, users and e-mails', () => {
    expect(
      repositoryOwnersFromCodeowners(
        [
          '# comment',
          '*  @acme/old-team',
          '',
          '/src/ @acme/src-owners',
          '*  @acme/payments @jade docs@acme.example  # trailing comment',
          '/docs/ @acme/writers',
        ].join('\n'),
      ),
    ).toEqual({
      teams: ['payments'],
      users: ['jade'],
      emails: ['docs@acme.example'],
    });
  });

  it('has nothing to say without a catch-all rule', () => {
    expect(repositoryOwnersFromCodeowners('/src/ @acme/src\n')).toBeUndefined();
  });

  it('lets a later catch-all rule without owners remove ownership', () => {
    expect(repositoryOwnersFromCodeowners('* @acme/a\n*\n')).toEqual({
      teams: [],
      users: [],
      emails: [],
    });
  });
});
