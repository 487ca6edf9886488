import { test, expect } from '@playwright/test';
import { api, eventually, screenshot, signInAs } from './harness/fixtures';

/** Waits until the demo AWS source has been read once. */
async function awsRead() {
  await eventually(
    async () =>
      (
        await api<{ items: any[] }>('/api/catalog/nhi/sources')
      ).items.find(s => s.key === 'aws:demo')?.lastRun?.status,
    status => status === 'succeeded',
    240_000,
  );
}

test.describe('remediation actions and AI-agent identities', () => {
  test.beforeAll(async () => {
    test.setTimeout(300_000);
    await awsRead();
  });

  test('a developer creates an AI-agent identity with the template; the catalog has it at once with its delegation chain', async ({
    page,
  }) => {
    test.setTimeout(480_000);
    const agentId = `e2e-agent-${Date.now().toString(36)}`;
    await signInAs(page, 'Jade Thompson');
    await page.goto('/create');
    const card = page
      .locator('article, .MuiCard-root')
      .filter({ hasText: 'AI-agent identity' })
      .first();
    await expect(card).toBeVisible({ timeout: 60_000 });
    await card.getByRole('button', { name: 'Choose' }).click();

    // nothing given: the form refuses to go on to the review
    await page.getByRole('button', { name: 'Review' }).click();
    await expect(page.getByLabel('Agent id')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Create' })).toHaveCount(0);

    await page.getByLabel('Agent id').fill(agentId);
    await page.getByLabel('Reason').fill('refactors the payments service');
    await expect(page.getByLabel('Expires in (hours)')).toHaveValue('24');
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('button', { name: 'Create' }).click();

    const open = page.getByRole('link', { name: 'Open the agent identity' });
    await expect(open).toBeVisible({ timeout: 120_000 });
    await screenshot(page, 'agent-identity-template-done');
    await open.click();
    await expect(page).toHaveURL(/\/catalog\/default\/nonhumanidentity\//);
    const name = new URL(page.url()).pathname.split('/').pop()!;

    // in the catalog (emitted by the action, then processed), with the
    // relation to the human
    const entity = await eventually(
      () =>
        api(
          `/api/catalog/entities/by-name/nonhumanidentity/default/${name}`,
        ).catch(() => undefined),
      e => !!e?.relations?.some((r: any) => r.type === 'actsOnBehalfOf'),
      // the catalog may still be processing the demo's first ingest
      300_000,
    );
    expect(entity?.relations).toContainEqual({
      type: 'actsOnBehalfOf',
      targetRef: 'user:default/jade.thompson',
    });

    // the identity page: created by the agent, acting for Jade
    await page.reload();
    const chain = page.getByLabel('delegation chain');
    await expect(chain).toContainText(/jade\.thompson|Jade Thompson/, {
      timeout: 60_000,
    });
    await expect(chain).toContainText('refactors the payments service');
    await screenshot(page, 'agent-identity-page');

    const { spec } = await api(
      `/api/catalog/nhi/identities/detail?entityRef=nonhumanidentity:default/${name}`,
    );
    expect(spec.createdBy).toMatchObject({
      type: 'agent',
      agent: {
        id: agentId,
        onBehalfOf: 'user:default/jade.thompson',
        reason: 'refactors the payments service',
      },
    });
    const hours =
      (Date.parse(spec.createdBy.agent.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23);
    expect(hours).toBeLessThanOrEqual(24);
    expect(spec.risk.findings.map((f: any) => f.ruleId)).not.toContain(
      'NHI-AGENT-CREATED-UNTAGGED',
    );

    // in the action log, as Jade
    const created = (
      await api<{ items: any[] }>(
        '/api/catalog/nhi/actions/requests?status=succeeded',
      )
    ).items.find(r => r.input?.agentId === agentId);
    expect(created).toMatchObject({
      action: 'agent-identity:create',
      requestedBy: 'user:default/jade.thompson',
      entityRef: `nonhumanidentity:default/${name}`,
    });
  });

  test('a developer may not deactivate a key; the security team deactivates a dormant key from the identity page after its dry run', async ({
    page,
  }) => {
    test.setTimeout(480_000);
    // an AWS user with a dormant, active access key
    const { items } = await api<{ items: any[] }>(
      '/api/catalog/nhi/inventory?provider=aws&rule=NHI-DORMANT-CREDENTIAL&limit=50',
    );
    let target: { name: string; key: string } | undefined;
    for (const item of items) {
      // in the summary, but maybe not yet processed into the catalog
      const detail = await api(
        `/api/catalog/nhi/identities/detail?entityRef=nonhumanidentity:default/${item.metadata.name}`,
      ).catch(() => undefined);
      if (!detail) continue;
      const { spec } = detail;
      const finding = spec.risk.findings.find(
        (f: any) => f.ruleId === 'NHI-DORMANT-CREDENTIAL',
      );
      const key = (spec.credentials ?? []).find(
        (c: any) =>
          c.kind === 'access-key' &&
          c.status === 'active' &&
          finding?.evidence?.includes(c.id),
      );
      if (spec.type === 'iam-user' && key) {
        target = { name: item.metadata.name, key: key.id };
        break;
      }
    }
    expect(target).toBeDefined();
    const entityRef = `nonhumanidentity:default/${target!.name}`;

    // without nhi.action.run the route refuses, and nothing changes
    await expect(
      api('/api/catalog/nhi/actions/access-key:deactivate/run', {
        as: 'jade.thompson',
        method: 'POST',
        body: JSON.stringify({
          entityRef,
          input: { accessKeyId: target!.key },
          reason: 'looks unused',
        }),
      }),
    ).rejects.toThrow(/403/);

    await signInAs(page, 'Farah Haddad');
    await page.goto(`/catalog/default/nonhumanidentity/${target!.name}`);
    await page
      .getByRole('button', { name: `Deactivate key ${target!.key}` })
      .first()
      .click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByText('Dry run: what would change')).toBeVisible();
    await expect(dialog.getByRole('table')).toContainText(target!.key);
    await expect(dialog.getByRole('table')).toContainText('Inactive');
    await dialog
      .getByLabel(/Why\?/)
      .fill('dormant for months; the owner confirmed it is unused');
    await screenshot(page, 'deactivate-key-dry-run');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await expect(dialog).toBeHidden({ timeout: 60_000 });

    // the next read of the source shows the key inactive
    const credential = await eventually(
      async () =>
        (
          await api(`/api/catalog/nhi/identities/detail?entityRef=${entityRef}`)
        ).spec.credentials.find((c: any) => c.id === target!.key),
      c => c?.status === 'inactive',
      300_000,
    );
    expect(credential.status).toBe('inactive');
    await page.reload();
    await expect(
      page.getByRole('row').filter({ hasText: target!.key }).first(),
    ).toContainText('inactive');
    await screenshot(page, 'deactivate-key-done');

    const log = await api<{ items: any[] }>(
      `/api/catalog/nhi/actions/requests?entityRef=${entityRef}`,
    );
    expect(log.items[0]).toMatchObject({
      action: 'access-key:deactivate',
      status: 'succeeded',
      requestedBy: 'user:default/farah.haddad',
      reason: 'dormant for months; the owner confirmed it is unused',
    });
  });
});
