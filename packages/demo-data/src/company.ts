import { resolvePackagePath } from '@backstage/backend-plugin-api';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import {
  ANNOTATION_NHI_IDENTITIES,
  ANNOTATION_NHI_LEADS,
} from '@backstage-nhi/plugin-nhi-common';

/** A team of the demo company. */
export interface Team {
  name: string;
  title: string;
  email?: string;
  members: Array<{ name: string; email?: string }>;
  leads: string[];
  components: string[];
}

/** A component of the demo company, with the identities it declares. */
export interface Component {
  name: string;
  owner: string;
  lifecycle: string;
  declares: string[];
}

/** The demo organisation as the generator sees it. */
export interface Company {
  teams: Team[];
  components: Component[];
}

/** The repository's `examples/` folder. */
export const EXAMPLES_DIR = resolvePackagePath(
  '@backstage-nhi/demo-data',
  '../../examples',
);

type Doc = {
  kind: string;
  metadata: {
    name: string;
    title?: string;
    annotations?: Record<string, string>;
  };
  spec?: any;
};

/**
 * Reads the demo organisation from the catalog files in `examples/`: teams
 * with their members and leads, components with their owners and
 * declarations.
 */
export function loadCompany(dir: string = EXAMPLES_DIR): Company {
  const docs: Doc[] = [];
  for (const file of ['org.yaml', 'entities.yaml']) {
    for (const d of yaml.loadAll(
      fs.readFileSync(path.join(dir, file), 'utf8'),
    )) {
      if (d) docs.push(d as Doc);
    }
  }
  const teams = docs
    .filter(
      d =>
        d.kind === 'Group' &&
        d.spec?.type === 'team' &&
        d.metadata.name !== 'guests',
    )
    .map(
      (g): Team => ({
        name: g.metadata.name,
        title: g.metadata.title ?? g.metadata.name,
        email: g.spec?.profile?.email,
        leads: (g.metadata.annotations?.[ANNOTATION_NHI_LEADS] ?? '')
          .split(',')
          .map(s => s.trim().replace(/^user:(default\/)?/, ''))
          .filter(Boolean),
        members: [],
        components: [],
      }),
    );
  const byName = new Map(teams.map(t => [t.name, t]));
  for (const u of docs.filter(d => d.kind === 'User')) {
    for (const group of u.spec?.memberOf ?? []) {
      byName.get(group)?.members.push({
        name: u.metadata.name,
        email: u.spec?.profile?.email,
      });
    }
  }
  const components = docs
    .filter(d => d.kind === 'Component')
    .map(
      (c): Component => ({
        name: c.metadata.name,
        owner: String(c.spec?.owner ?? '').replace(/^group:(default\/)?/, ''),
        lifecycle: c.spec?.lifecycle ?? 'production',
        declares: (c.metadata.annotations?.[ANNOTATION_NHI_IDENTITIES] ?? '')
          .split(/[,\n]/)
          .map(s => s.trim())
          .filter(Boolean),
      }),
    );
  for (const c of components) byName.get(c.owner)?.components.push(c.name);
  return { teams: teams.filter(t => t.members.length > 0), components };
}
