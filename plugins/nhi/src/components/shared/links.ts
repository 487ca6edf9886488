import { NHI_KIND } from '@backstage-nhi/plugin-nhi-common';

/** Catalog list link for identities matching filters (kind preset). */
export function catalogListLink(filters: Record<string, string>) {
  const params = new URLSearchParams({
    'filters[kind]': NHI_KIND.toLowerCase(),
    'filters[user]': 'all',
  });
  for (const [k, v] of Object.entries(filters)) params.set(`filters[${k}]`, v);
  return `/catalog?${params.toString()}`;
}

/** Path of an identity's page from its ref or name. */
export function identityPath(refOrName: string) {
  const name = refOrName.includes('/')
    ? refOrName.slice(refOrName.lastIndexOf('/') + 1)
    : refOrName;
  const namespace = refOrName.includes('/')
    ? refOrName.slice(refOrName.indexOf(':') + 1, refOrName.indexOf('/'))
    : 'default';
  return `/catalog/${namespace}/nonhumanidentity/${name}`;
}
