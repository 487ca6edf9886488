/**
 * A privilege-escalation path: a set of actions that together let an
 * identity grant itself more than it has.
 *
 * @public
 */
export interface EscalationPath {
  /** The actions, all of which must be allowed. Named by joining them with `+`. */
  actions: string[];
  /**
   * For paths that pass a role to a service: the service principal the role
   * is passed to, evaluated as the `iam:PassedToService` condition key.
   */
  passRoleTo?: string;
}

/**
 * The privilege-escalation paths checked, from the public catalogues: Rhino
 * Security Labs' 21 AWS IAM methods as Cloudsplaining lists them
 * (`PRIVILEGE_ESCALATION_METHODS`), plus a few PassRole paths to compute
 * services from pathfinding.cloud that are common in practice (CodeBuild,
 * ECS, SageMaker, Glue jobs).
 *
 * @public
 */
export const ESCALATION_PATHS: readonly EscalationPath[] = [
  // IAM permissions on other users
  { actions: ['iam:CreateAccessKey'] },
  { actions: ['iam:CreateLoginProfile'] },
  { actions: ['iam:UpdateLoginProfile'] },
  { actions: ['iam:AddUserToGroup'] },
  // Permissions on policies
  { actions: ['iam:CreatePolicyVersion'] },
  { actions: ['iam:SetDefaultPolicyVersion'] },
  { actions: ['iam:AttachUserPolicy'] },
  { actions: ['iam:AttachGroupPolicy'] },
  { actions: ['iam:AttachRolePolicy'] },
  { actions: ['iam:PutUserPolicy'] },
  { actions: ['iam:PutGroupPolicy'] },
  { actions: ['iam:PutRolePolicy'] },
  // Updating an assume-role policy
  { actions: ['iam:UpdateAssumeRolePolicy'] },
  // iam:PassRole to a compute service
  {
    actions: ['iam:PassRole', 'ec2:RunInstances'],
    passRoleTo: 'ec2.amazonaws.com',
  },
  {
    actions: ['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction'],
    passRoleTo: 'lambda.amazonaws.com',
  },
  {
    actions: [
      'iam:PassRole',
      'lambda:CreateFunction',
      'lambda:CreateEventSourceMapping',
    ],
    passRoleTo: 'lambda.amazonaws.com',
  },
  {
    actions: ['iam:PassRole', 'glue:CreateDevEndpoint'],
    passRoleTo: 'glue.amazonaws.com',
  },
  {
    actions: ['iam:PassRole', 'cloudformation:CreateStack'],
    passRoleTo: 'cloudformation.amazonaws.com',
  },
  {
    actions: [
      'iam:PassRole',
      'datapipeline:CreatePipeline',
      'datapipeline:PutPipelineDefinition',
    ],
    passRoleTo: 'datapipeline.amazonaws.com',
  },
  {
    actions: [
      'iam:PassRole',
      'codebuild:CreateProject',
      'codebuild:StartBuild',
    ],
    passRoleTo: 'codebuild.amazonaws.com',
  },
  {
    actions: ['iam:PassRole', 'ecs:RegisterTaskDefinition', 'ecs:RunTask'],
    passRoleTo: 'ecs-tasks.amazonaws.com',
  },
  {
    actions: ['iam:PassRole', 'sagemaker:CreateNotebookInstance'],
    passRoleTo: 'sagemaker.amazonaws.com',
  },
  {
    actions: ['iam:PassRole', 'glue:CreateJob', 'glue:StartJobRun'],
    passRoleTo: 'glue.amazonaws.com',
  },
  // Privilege escalation through existing resources of services
  { actions: ['glue:UpdateDevEndpoint'] },
  { actions: ['lambda:UpdateFunctionCode'] },
  { actions: ['sagemaker:CreatePresignedNotebookInstanceUrl'] },
];

/**
 * Read actions that exfiltrate data when granted on every resource:
 * Cloudsplaining's `READ_ONLY_DATA_EXFILTRATION_ACTIONS` plus `kms:Decrypt`.
 *
 * @public
 */
export const DATA_EXFILTRATION_ACTIONS: readonly string[] = [
  's3:GetObject',
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParametersByPath',
  'secretsmanager:GetSecretValue',
  'kms:Decrypt',
];

/**
 * Actions that an administrator must be able to perform, on top of one
 * action of every AWS service: taking over IAM, the organization, logging
 * and keys. A `Deny` or a boundary that removes one of them means the
 * identity is not a full administrator.
 */
export const ADMIN_SENTINEL_ACTIONS: readonly string[] = [
  'iam:CreateUser',
  'iam:CreateRole',
  'iam:DeleteRole',
  'iam:CreatePolicy',
  'sts:AssumeRole',
  'organizations:LeaveOrganization',
  'cloudtrail:StopLogging',
  'ec2:TerminateInstances',
  's3:DeleteBucket',
  'kms:ScheduleKeyDeletion',
];

/** The name of a path: its actions joined with `+`. */
export function escalationPathName(path: EscalationPath): string {
  return path.actions.join('+');
}
