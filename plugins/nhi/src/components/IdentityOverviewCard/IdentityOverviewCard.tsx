import { stringifyEntityRef } from '@backstage/catalog-model';
import { InfoCard, StructuredMetadataTable } from '@backstage/core-components';
import {
  EntityRefLink,
  EntityRefLinks,
  useEntity,
} from '@backstage/plugin-catalog-react';
import {
  ANNOTATION_NHI_SOURCE,
  nhiCategoryLabel,
  nhiTypeLabel,
  NonHumanIdentityEntity,
  NonHumanIdentitySpec,
} from '@backstage-nhi/plugin-nhi-common';
import { Box, Typography } from '@material-ui/core';
import { ReactNode } from 'react';
import { LastCertification } from '../campaigns';
import { day, relative, WithIdentityDetail } from '../shared';

function Ref(props: { value?: string; defaultKind: string }) {
  const { value, defaultKind } = props;
  if (!value) return <>—</>;
  if (!value.includes(':') && !value.includes('/')) return <>{value}</>;
  try {
    return <EntityRefLink entityRef={value} defaultKind={defaultKind} />;
  } catch {
    return <>{value}</>;
  }
}

function CreatedBy({ spec }: { spec: NonHumanIdentitySpec }) {
  const c = spec.createdBy;
  if (!c) return <>not known</>;
  if (c.type === 'unknown' && c.ref === undefined && !c.name && !c.agent) {
    // The source knows when, not who.
    return <>{c.at ? `not known; created ${day(c.at)}` : 'not known'}</>;
  }
  const who =
    c.ref !== undefined ? (
      <Ref
        value={c.ref}
        defaultKind={c.type === 'pipeline' ? 'component' : 'user'}
      />
    ) : (
      <>{c.name ?? c.agent?.id ?? c.type}</>
    );
  return (
    <Box>
      <Typography variant="body2" component="div">
        {c.type === 'agent' ? 'AI agent ' : `${c.type} `}
        {who}
        {c.at ? `, ${day(c.at)}` : ''}
      </Typography>
      {c.agent && (
        <Typography
          variant="body2"
          color="textSecondary"
          component="div"
          aria-label="delegation chain"
        >
          {'→ acting for '}
          <Ref value={c.agent.onBehalfOf} defaultKind="user" />
          {c.agent.reason ? ` · “${c.agent.reason}”` : ' · no reason given'}
          {c.agent.expiresAt
            ? ` · expires ${day(c.agent.expiresAt)}`
            : ' · no expiry given'}
        </Typography>
      )}
    </Box>
  );
}

function Permissions({ spec }: { spec: NonHumanIdentitySpec }) {
  const p = spec.permissions;
  if (!p) return <>not known</>;
  const lines: ReactNode[] = [];
  if (p.summary) lines.push(p.summary);
  if (p.admin) lines.push('administrator');
  if (p.escalation?.length)
    lines.push(`can escalate: ${p.escalation.join(', ')}`);
  if (p.serviceWildcards?.length)
    lines.push(`wildcards: ${p.serviceWildcards.join(', ')}`);
  if (p.dataExfiltration?.length)
    lines.push(`broad reads: ${p.dataExfiltration.join(', ')}`);
  if (p.scopes?.length) lines.push(`scopes: ${p.scopes.join(', ')}`);
  const t = p.trust;
  if (t?.public) lines.push('anyone can assume it');
  if (t?.services?.length) lines.push(`assumed by ${t.services.join(', ')}`);
  if (t?.organizationAccounts?.length) {
    lines.push(
      `assumed from accounts of the organization: ${t.organizationAccounts.join(
        ', ',
      )}`,
    );
  }
  if (t?.organizations?.length) {
    lines.push(`any principal of organization ${t.organizations.join(', ')}`);
  }
  if (t?.externalOrganizations?.length) {
    lines.push(
      `any principal of another organization: ${t.externalOrganizations.join(
        ', ',
      )}`,
    );
  }
  if (t?.externalAccounts?.length) {
    lines.push(
      `trusted accounts: ${t.externalAccounts
        .map(a =>
          t.externalAccountsWithoutExternalId?.includes(a)
            ? `${a} (no external id)`
            : a,
        )
        .join(', ')}`,
    );
  }
  for (const o of t?.oidc ?? []) {
    lines.push(
      `OIDC ${o.provider} ${
        o.subjectRestricted ? '(subject restricted)' : '(any subject)'
      }`,
    );
  }
  return (
    <Box>
      {lines.length
        ? lines.map((l, i) => <div key={i}>{l}</div>)
        : 'nothing notable'}
    </Box>
  );
}

/**
 * What an identity is: type, category, provider and account, external id,
 * who or what created it (with the agent delegation chain), last use,
 * environments, services using it and a permission summary.
 */
export function IdentityOverviewCard() {
  const { entity } = useEntity<NonHumanIdentityEntity>();
  return (
    <InfoCard title="Identity">
      {entity.metadata.description && (
        <Typography variant="body1" paragraph>
          {entity.metadata.description}
        </Typography>
      )}
      <WithIdentityDetail entity={entity}>
        {spec => <Overview entity={entity} s={spec} />}
      </WithIdentityDetail>
    </InfoCard>
  );
}

function Overview({
  entity,
  s,
}: {
  entity: NonHumanIdentityEntity;
  s: NonHumanIdentitySpec;
}) {
  let lastUse = 'not known';
  if (s.lastUsed?.never) lastUse = 'never used';
  else if (s.lastUsed?.notWithinDays) {
    lastUse = `not in the last ${s.lastUsed.notWithinDays} days (what its source records)`;
  } else if (s.lastUsed?.at) {
    lastUse = `${relative(s.lastUsed.at)} (${day(s.lastUsed.at)})${
      s.lastUsed.service ? ` · ${s.lastUsed.service}` : ''
    }${s.lastUsed.region ? ` · ${s.lastUsed.region}` : ''}`;
  }
  const metadata: Record<string, ReactNode> = {
    type: nhiTypeLabel(s.type),
    category: nhiCategoryLabel(s.category),
    provider: s.account ? `${s.provider} · ${s.account}` : s.provider,
    'external id': (
      <code style={{ wordBreak: 'break-all' }}>{s.externalId}</code>
    ),
    'created by': <CreatedBy spec={s} />,
    'last used': lastUse,
    'used by': s.usedBy?.length ? (
      <EntityRefLinks entityRefs={s.usedBy} defaultKind="component" />
    ) : (
      'no service declares it'
    ),
    environments: s.environments?.join(', ') || '—',
    permissions: <Permissions spec={s} />,
    source:
      entity.metadata.annotations?.[ANNOTATION_NHI_SOURCE] ??
      'declared in catalog-info.yaml',
    'last certification': (
      <LastCertification entityRef={stringifyEntityRef(entity)} />
    ),
  };
  if (s.agent) {
    metadata['acts for'] = (
      <>
        <Ref value={s.agent.onBehalfOf} defaultKind="user" />
        {s.agent.reason ? ` · ${s.agent.reason}` : ''}
        {` · ${
          s.agent.expiresAt ? `expires ${day(s.agent.expiresAt)}` : 'no expiry'
        }`}
      </>
    );
  }
  if (s.interactiveLogin) {
    metadata['interactive login'] = s.mfa
      ? 'yes, with MFA'
      : 'yes, without MFA';
  }
  return <StructuredMetadataTable metadata={metadata} />;
}
