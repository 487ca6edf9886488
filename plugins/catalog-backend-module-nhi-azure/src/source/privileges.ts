/*
 * What Entra directory roles and Microsoft Graph application permissions
 * mean for the three verdicts every source gives (administrator-equivalent,
 * escalation paths, data exfiltration). Built-in roles are known by their
 * template id (the same in every tenant) and, failing that, their name;
 * Graph permissions by their value (`Application.ReadWrite.All`), mapped
 * from the app-role ids of Microsoft Graph's service principal.
 */

/** How a grant counts. */
export interface PrivilegeMeaning {
  /** `admin`: administrator-equivalent; `escalation`: a path to more; `data`: reads data broadly. */
  verdict: 'admin' | 'escalation' | 'data';
  /** What the holder can do, for the summary and the escalation path. */
  why: string;
  /** Also a service-wide grant (all of a service), for `serviceWildcards`. */
  wildcard?: boolean;
}

/**
 * Built-in directory roles that matter, by template id. Others are listed in
 * the summary only.
 *
 * @public
 */
export const PRIVILEGED_DIRECTORY_ROLES: Record<
  string,
  PrivilegeMeaning & { name: string }
> = {
  '62e90394-69f5-4237-9190-012177145e10': {
    name: 'Global Administrator',
    verdict: 'admin',
    why: 'manages everything in the tenant',
  },
  'e8611ab8-c189-46e8-94e1-60213ab1f814': {
    name: 'Privileged Role Administrator',
    verdict: 'admin',
    why: 'can assign any directory role, Global Administrator included, to itself',
  },
  '7be44c8a-adaf-4e2a-84d6-ab2649e08a13': {
    name: 'Privileged Authentication Administrator',
    verdict: 'admin',
    why: "can reset any user's sign-in methods, Global Administrators' included",
  },
  'e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8': {
    name: 'Partner Tier2 Support',
    verdict: 'admin',
    why: "can reset any user's password, Global Administrators' included",
  },
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3': {
    name: 'Application Administrator',
    verdict: 'escalation',
    why: 'add a credential to any application, then act with its permissions',
  },
  '158c047a-c907-4556-b7ef-446551a6b5f7': {
    name: 'Cloud Application Administrator',
    verdict: 'escalation',
    why: 'add a credential to any application, then act with its permissions',
  },
  '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2': {
    name: 'Hybrid Identity Administrator',
    verdict: 'escalation',
    why: 'change federation and synchronization settings to sign in as others',
  },
  'fe930be7-5e62-47db-91af-98c3a49a38b1': {
    name: 'User Administrator',
    verdict: 'escalation',
    why: "reset non-administrators' passwords and manage groups",
  },
  'c4e39bd9-1100-46d3-8c65-fb160da0071f': {
    name: 'Authentication Administrator',
    verdict: 'escalation',
    why: "reset non-administrators' sign-in methods",
  },
  'fdd7a751-b60b-444a-984c-02652fe8fa1c': {
    name: 'Groups Administrator',
    verdict: 'escalation',
    why: 'add itself to groups and to what they grant',
  },
  'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9': {
    name: 'Conditional Access Administrator',
    verdict: 'escalation',
    why: 'turn off the conditional-access policies that protect sign-ins',
  },
  '3a2c62db-5318-420d-8d74-23affee5d9d5': {
    name: 'Intune Administrator',
    verdict: 'escalation',
    why: "run scripts on managed devices, administrators' included",
  },
  '29232cdf-9323-42fd-ade2-1d097af3e4de': {
    name: 'Exchange Administrator',
    verdict: 'data',
    why: 'can read every mailbox',
  },
  'f28a1f50-f6e7-4571-818b-6a12f2af6b6c': {
    name: 'SharePoint Administrator',
    verdict: 'data',
    why: 'can read every SharePoint site and OneDrive',
  },
};

const ROLES_BY_NAME = new Map(
  Object.values(PRIVILEGED_DIRECTORY_ROLES).map(r => [r.name.toLowerCase(), r]),
);

/** The meaning of a built-in role by template id, else by name. */
export function directoryRoleMeaning(
  templateId: string | undefined,
  name: string | undefined,
): (PrivilegeMeaning & { name: string }) | undefined {
  return (
    (templateId && PRIVILEGED_DIRECTORY_ROLES[templateId.toLowerCase()]) ||
    (name ? ROLES_BY_NAME.get(name.toLowerCase()) : undefined)
  );
}

/**
 * Actions of custom directory roles that open an escalation path: writing an
 * application's or service principal's credentials, or granting app roles.
 */
const ESCALATING_ACTIONS: Array<[RegExp, string]> = [
  [
    /^microsoft\.directory\/(applications|servicePrincipals)\/(credentials\/update|allProperties\/(allTasks|update))$/i,
    'add a credential to applications, then act with their permissions',
  ],
  [
    /^microsoft\.directory\/servicePrincipals\/(appRoleAssignedTo\/update|managePermissionGrantsForAll\.\w+)$/i,
    'grant application permissions',
  ],
  [/^microsoft\.directory\/roleAssignments\//i, 'assign directory roles'],
];

/** What a custom role's allowed actions let it do, if anything that escalates. */
export function customRoleMeaning(
  allowedActions: string[],
): PrivilegeMeaning | undefined {
  const found = new Set<string>();
  for (const action of allowedActions) {
    for (const [pattern, why] of ESCALATING_ACTIONS) {
      if (pattern.test(action)) found.add(why);
    }
  }
  return found.size
    ? { verdict: 'escalation', why: [...found].join('; ') }
    : undefined;
}

/** Microsoft Graph's application id, the same in every tenant. @public */
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/**
 * Microsoft Graph application permissions that matter, by value.
 *
 * @public
 */
export const PRIVILEGED_GRAPH_PERMISSIONS: Record<string, PrivilegeMeaning> = {
  'RoleManagement.ReadWrite.Directory': {
    verdict: 'admin',
    why: 'can assign any directory role, Global Administrator included, to itself',
  },
  'AppRoleAssignment.ReadWrite.All': {
    verdict: 'admin',
    why: 'can grant itself any application permission, RoleManagement.ReadWrite.Directory included',
  },
  'Application.ReadWrite.All': {
    verdict: 'admin',
    why: 'can add a credential to any application, then act with its permissions',
  },
  'UserAuthenticationMethod.ReadWrite.All': {
    verdict: 'admin',
    why: 'can add a sign-in method to any user, Global Administrators included',
  },
  'Directory.ReadWrite.All': {
    verdict: 'escalation',
    why: 'write most of the directory: users, groups and their memberships',
    wildcard: true,
  },
  'User.ReadWrite.All': {
    verdict: 'escalation',
    why: "rewrite any non-administrator's account",
  },
  'User-PasswordProfile.ReadWrite.All': {
    verdict: 'escalation',
    why: "reset non-administrators' passwords",
  },
  'Group.ReadWrite.All': {
    verdict: 'escalation',
    why: 'add itself to groups and to what they grant',
  },
  'GroupMember.ReadWrite.All': {
    verdict: 'escalation',
    why: 'add itself to groups and to what they grant',
  },
  'Policy.ReadWrite.ConditionalAccess': {
    verdict: 'escalation',
    why: 'turn off the conditional-access policies that protect sign-ins',
  },
  'Application.ReadWrite.OwnedBy': {
    verdict: 'escalation',
    why: 'add a credential to the applications it owns',
  },
  'Mail.Read': { verdict: 'data', why: 'every mailbox' },
  'Mail.ReadWrite': { verdict: 'data', why: 'every mailbox' },
  'Mail.ReadBasic.All': { verdict: 'data', why: 'every mailbox (headers)' },
  'Files.Read.All': { verdict: 'data', why: "every user's files" },
  'Files.ReadWrite.All': { verdict: 'data', why: "every user's files" },
  'Sites.Read.All': { verdict: 'data', why: 'every SharePoint site' },
  'Sites.ReadWrite.All': { verdict: 'data', why: 'every SharePoint site' },
  'Sites.FullControl.All': {
    verdict: 'data',
    why: 'every SharePoint site, with full control',
    wildcard: true,
  },
  'Chat.Read.All': { verdict: 'data', why: 'every Teams chat' },
  'ChannelMessage.Read.All': {
    verdict: 'data',
    why: 'every Teams channel message',
  },
  'Calendars.Read': { verdict: 'data', why: 'every calendar' },
  'Contacts.Read': { verdict: 'data', why: "every user's contacts" },
  'Notes.Read.All': { verdict: 'data', why: 'every OneNote notebook' },
};

/**
 * Tenants whose applications are Microsoft's own (first-party): the
 * `appOwnerOrganizationId` of Microsoft's service principals.
 *
 * @public
 */
export const MICROSOFT_TENANT_IDS = new Set([
  'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
  '72f988bf-86f1-41af-91ab-2d7cd011db47',
]);
