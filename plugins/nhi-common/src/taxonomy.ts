/**
 * The five categories of non-human identity, from the taxonomy the product
 * grew from: service accounts, API keys and tokens, machine certificates, bot
 * and automation identities, and AI-agent identities.
 *
 * @public
 */
export type NhiCategory =
  | 'service-account'
  | 'api-key'
  | 'machine-certificate'
  | 'bot'
  | 'ai-agent';

/**
 * Every category with its display label, in display order.
 *
 * @public
 */
export const NHI_CATEGORIES: ReadonlyArray<{
  id: NhiCategory;
  label: string;
  description: string;
}> = [
  {
    id: 'service-account',
    label: 'Service account',
    description:
      'Cloud IAM users and roles, database, directory and Kubernetes service accounts.',
  },
  {
    id: 'api-key',
    label: 'API key or token',
    description:
      'Developer API keys, integration tokens, webhook secrets, CI/CD and registry tokens.',
  },
  {
    id: 'machine-certificate',
    label: 'Machine certificate',
    description:
      'TLS and mTLS certificates, code-signing certificates, SSH keys.',
  },
  {
    id: 'bot',
    label: 'Bot or automation',
    description: 'RPA bots, chatbots, monitoring and backup agents.',
  },
  {
    id: 'ai-agent',
    label: 'AI agent',
    description:
      'Coding assistants, autonomous agents, agent-to-agent delegation tokens, MCP server credentials.',
  },
];

/**
 * Well-known identity types and the category each belongs to. `spec.type`
 * accepts any lower-case kebab-case value so that new systems need no code
 * change; these are the ones the suite's sources emit and the UI labels.
 *
 * @public
 */
export const NHI_TYPES: ReadonlyArray<{
  id: string;
  category: NhiCategory;
  label: string;
}> = [
  { id: 'iam-user', category: 'service-account', label: 'IAM user' },
  { id: 'iam-role', category: 'service-account', label: 'IAM role' },
  {
    id: 'cloud-service-account',
    category: 'service-account',
    label: 'Cloud service account',
  },
  {
    id: 'database-account',
    category: 'service-account',
    label: 'Database account',
  },
  {
    id: 'directory-service-account',
    category: 'service-account',
    label: 'Directory service account',
  },
  {
    id: 'kubernetes-service-account',
    category: 'service-account',
    label: 'Kubernetes service account',
  },
  { id: 'api-key', category: 'api-key', label: 'API key' },
  {
    id: 'integration-token',
    category: 'api-key',
    label: 'Third-party integration token',
  },
  {
    id: 'webhook-secret',
    category: 'api-key',
    label: 'Webhook signing secret',
  },
  { id: 'cicd-token', category: 'api-key', label: 'CI/CD pipeline token' },
  {
    id: 'registry-token',
    category: 'api-key',
    label: 'Container registry token',
  },
  { id: 'oauth-client', category: 'api-key', label: 'OAuth client' },
  {
    id: 'personal-access-token',
    category: 'api-key',
    label: 'Personal access token',
  },
  {
    id: 'tls-certificate',
    category: 'machine-certificate',
    label: 'TLS certificate',
  },
  {
    id: 'mtls-client-certificate',
    category: 'machine-certificate',
    label: 'mTLS client certificate',
  },
  {
    id: 'code-signing-certificate',
    category: 'machine-certificate',
    label: 'Code-signing certificate',
  },
  { id: 'ssh-key', category: 'machine-certificate', label: 'SSH key' },
  { id: 'rpa-bot', category: 'bot', label: 'RPA bot' },
  { id: 'chatbot', category: 'bot', label: 'Chatbot' },
  { id: 'monitoring-agent', category: 'bot', label: 'Monitoring agent' },
  { id: 'backup-agent', category: 'bot', label: 'Backup agent' },
  { id: 'coding-assistant', category: 'ai-agent', label: 'Coding assistant' },
  { id: 'autonomous-agent', category: 'ai-agent', label: 'Autonomous agent' },
  {
    id: 'multi-agent-service-account',
    category: 'ai-agent',
    label: 'Multi-agent service account',
  },
  {
    id: 'agent-delegation-token',
    category: 'ai-agent',
    label: 'Agent-to-agent delegation token',
  },
  {
    id: 'mcp-credential',
    category: 'ai-agent',
    label: 'MCP server credential',
  },
  {
    id: 'github-app-installation',
    category: 'bot',
    label: 'GitHub App installation',
  },
  { id: 'deploy-key', category: 'machine-certificate', label: 'Deploy key' },
  { id: 'ci-secret', category: 'api-key', label: 'CI/CD secret' },
  {
    id: 'azure-service-principal',
    category: 'service-account',
    label: 'Azure service principal',
  },
  {
    id: 'azure-managed-identity',
    category: 'service-account',
    label: 'Azure managed identity',
  },
];

/**
 * Kinds of credential an identity can hold. Only metadata about them is ever
 * ingested (ids, dates, status), never the secret value.
 *
 * @public
 */
export type NhiCredentialKind =
  | 'access-key'
  | 'password'
  | 'token'
  | 'api-key'
  | 'client-secret'
  | 'webhook-secret'
  | 'certificate'
  | 'signing-certificate'
  | 'ssh-key';

/**
 * Every credential kind, for schemas and pickers.
 *
 * @public
 */
export const NHI_CREDENTIAL_KINDS: ReadonlyArray<NhiCredentialKind> = [
  'access-key',
  'password',
  'token',
  'api-key',
  'client-secret',
  'webhook-secret',
  'certificate',
  'signing-certificate',
  'ssh-key',
];

/**
 * Label of a category id; the id itself when unknown.
 *
 * @public
 */
export function nhiCategoryLabel(category: string): string {
  return NHI_CATEGORIES.find(c => c.id === category)?.label ?? category;
}

/**
 * Label of a type id; the id itself when unknown.
 *
 * @public
 */
export function nhiTypeLabel(type: string): string {
  return NHI_TYPES.find(t => t.id === type)?.label ?? type;
}
