import { generateGcpCompany } from './generateGcpCompany';
import { GcpEndpoint, startGcpEndpoint } from './gcpEndpoint';

const model = generateGcpCompany({ serviceAccounts: 60, seed: 2 });
let endpoint: GcpEndpoint;

afterEach(() => endpoint?.stop());

const get = (path: string, token = endpoint.accessToken) =>
  fetch(`${endpoint.url}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });

describe('startGcpEndpoint', () => {
  it('pages a list with pageSize, pageToken and nextPageToken', async () => {
    endpoint = await startGcpEndpoint({ model });
    const project = model.projects[0];
    const ids: string[] = [];
    let token = '';
    for (let n = 0; n < 50; n++) {
      const res = await get(
        `/v1/projects/${project.projectId}/serviceAccounts?pageSize=3${
          token ? `&pageToken=${token}` : ''
        }`,
      );
      const body = await res.json();
      ids.push(...body.accounts.map((a: { email: string }) => a.email));
      token = body.nextPageToken;
      if (!token) break;
    }
    expect(ids).toEqual(project.serviceAccounts.map(sa => sa.email));
    // A token of another list is refused.
    const res = await get(
      `/v1/projects/${model.projects[1].projectId}/serviceAccounts?pageToken=${
        (
          await (
            await get(
              `/v1/projects/${project.projectId}/serviceAccounts?pageSize=1`,
            )
          ).json()
        ).nextPageToken
      }`,
    );
    expect(res.status).toBe(400);
    expect((await res.json()).error.status).toBe('INVALID_ARGUMENT');
  });

  it('answers refusals, disabled APIs and throttling in Google’s error shape', async () => {
    const project = model.projects[0].projectId;
    endpoint = await startGcpEndpoint({
      model,
      faults: {
        denied: { [project]: ['iam.serviceAccounts.list'] },
        assetInventoryDisabled: [project],
      },
    });
    const denied = await get(`/v1/projects/${project}/serviceAccounts`);
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({
      error: {
        code: 403,
        message: `Permission 'iam.serviceAccounts.list' denied on resource 'projects/${project}' (or it may not exist).`,
        status: 'PERMISSION_DENIED',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'IAM_PERMISSION_DENIED',
            domain: 'iam.googleapis.com',
            metadata: {
              permission: 'iam.serviceAccounts.list',
              resource: `projects/${project}`,
            },
          },
        ],
      },
    });
    const disabled = await (
      await get(
        `/v1/projects/${project}/assets?assetTypes=iam.googleapis.com/ServiceAccountKey&contentType=RESOURCE`,
      )
    ).json();
    expect(disabled.error.details[0]).toMatchObject({
      reason: 'SERVICE_DISABLED',
      metadata: { service: 'cloudasset.googleapis.com' },
    });
    const anonymous = await get(`/v1/projects/${project}/serviceAccounts`, 'x');
    expect(anonymous.status).toBe(401);
    await endpoint.stop();

    endpoint = await startGcpEndpoint({
      model,
      faults: { throttleRate: 1, retryAfterSeconds: 3 },
    });
    const first = await get('/v3/projects:search');
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    expect((await first.json()).error.status).toBe('RESOURCE_EXHAUSTED');
    const second = await get('/v3/projects:search');
    expect(second.status).toBe(403);
    expect((await second.json()).error.errors[0].reason).toBe(
      'rateLimitExceeded',
    );
    expect(endpoint.throttled).toBe(2);
  });

  it('lists keys through IAM and Cloud Asset alike, system-managed ones apart', async () => {
    endpoint = await startGcpEndpoint({ model });
    const project = model.projects.find(p =>
      p.serviceAccounts.some(sa => sa.keys.length),
    )!;
    const sa = project.serviceAccounts.find(x => x.keys.length)!;
    const viaIam = await (
      await get(
        `/v1/projects/${project.projectId}/serviceAccounts/${sa.email}/keys?keyTypes=USER_MANAGED`,
      )
    ).json();
    expect(
      viaIam.keys.map((k: { name: string }) => k.name.split('/').pop()),
    ).toEqual(sa.keys.map(k => k.id));
    const assets = await (
      await get(
        `/v1/projects/${project.projectId}/assets?assetTypes=iam.googleapis.com/ServiceAccountKey&contentType=RESOURCE`,
      )
    ).json();
    const mine = assets.assets.filter((a: { resource: { parent: string } }) =>
      a.resource.parent.endsWith(`/${sa.uniqueId}`),
    );
    expect(mine.map((a: any) => a.resource.data.keyType).sort()).toEqual(
      [...sa.keys.map(() => 'USER_MANAGED'), 'SYSTEM_MANAGED'].sort(),
    );
  });
});
