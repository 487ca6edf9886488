import {
  actionsOidcIssuer,
  actionsOidcSubject,
  secretCredentialKind,
  sshFingerprint,
} from './normalize';

describe('normalize helpers', () => {
  it.each([
    ['AWS_ACCESS_KEY_ID', 'access-key'],
    ['AWS_SECRET_ACCESS_KEY', 'access-key'],
    ['GCP_SA_KEY', 'access-key'],
    ['DB_PASSWORD', 'password'],
    ['SLACK_WEBHOOK_URL', 'webhook-secret'],
    ['SSH_PRIVATE_KEY', 'ssh-key'],
    ['AZURE_CLIENT_SECRET', 'client-secret'],
    ['DATADOG_API_KEY', 'api-key'],
    ['STRIPE_SECRET_KEY', 'api-key'],
    ['NPM_TOKEN', 'token'],
    ['SOMETHING', 'token'],
  ])('guesses what %s holds: %s', (name, kind) => {
    expect(secretCredentialKind(name)).toBe(kind);
  });

  it('fingerprints SSH keys as GitHub shows them', () => {
    // ssh-keygen -lf of this key prints SHA256:ZSv... for the same blob.
    const key =
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBmYgZ0iyLxqSmZ0a6xW8r4GQ6YJ0v0m7y1Vx0mK3Bn2 test';
    expect(sshFingerprint(key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(sshFingerprint(key)).toBe(
      sshFingerprint(`${key.split(' ').slice(0, 2).join(' ')}`),
    );
    expect(sshFingerprint('garbage')).toBeUndefined();
  });

  it('writes the OIDC subject template with the claims GitHub fills in braces', () => {
    expect(actionsOidcSubject('acme', [])).toBe('repo:acme/{repo}:{context}');
    expect(
      actionsOidcSubject('acme', [
        'repository_owner',
        'context',
        'job_workflow_ref',
      ]),
    ).toBe(
      'repository_owner:acme:{context}:job_workflow_ref:{job_workflow_ref}',
    );
    expect(actionsOidcIssuer('github.com')).toBe(
      'https://token.actions.githubusercontent.com',
    );
    expect(actionsOidcIssuer('ghe.acme.example')).toBe(
      'https://ghe.acme.example/_services/token',
    );
  });
});
