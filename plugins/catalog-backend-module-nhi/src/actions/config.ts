import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/**
 * `nhi.actions`: how the sources' remediation actions are run.
 *
 * @public
 */
export interface NhiActionsConfig {
  /**
   * The two-person rule: these actions run only after a second person with
   * `nhi.action.confirm` confirms them. Off by default; when on, it covers
   * the destructive actions unless `actions` lists others.
   */
  twoPersonRule: { enabled: boolean; actions?: string[] };
  /** AI-agent identities created through the portal. */
  agentIdentity: { defaultExpiryHours: number; maxExpiryHours: number };
  /**
   * What happens when an agent-created identity passes its `expires-at`:
   * `off` (the findings say so), `report` (its owner is notified, once, and
   * it is in the action log), `deactivate` (also disabled, reversibly: keys
   * deactivated, a deny-all policy on a role).
   */
  expiryEnforcement: {
    mode: 'off' | 'report' | 'deactivate';
    schedule: SchedulerServiceTaskScheduleDefinition;
  };
}

const MODES = ['off', 'report', 'deactivate'] as const;

function hours(c: Config, key: string, fallback: number, max: number) {
  const value = c.getOptionalNumber(key) ?? fallback;
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    throw new InputError(
      `nhi.actions.agentIdentity.${key} must be a number of hours above 0 and at most ${max}, got ${value}`,
    );
  }
  return value;
}

/**
 * Reads `nhi.actions`, applying the defaults (two-person rule off, agent
 * identities for 24 hours and at most a week, expiry enforcement off).
 * Throws an `InputError` naming the bad key.
 *
 * @public
 */
export function readNhiActionsConfig(config: Config): NhiActionsConfig {
  const c = config.getOptionalConfig('nhi.actions');
  const two = c?.getOptionalConfig('twoPersonRule');
  const agent = c?.getOptionalConfig('agentIdentity');
  const expiry = c?.getOptionalConfig('expiryEnforcement');
  const maxExpiryHours = agent
    ? hours(agent, 'maxExpiryHours', 168, 24 * 366)
    : 168;
  const defaultExpiryHours = agent
    ? hours(agent, 'defaultExpiryHours', 24, 24 * 366)
    : 24;
  if (defaultExpiryHours > maxExpiryHours) {
    throw new InputError(
      `nhi.actions.agentIdentity.defaultExpiryHours (${defaultExpiryHours}) is above maxExpiryHours (${maxExpiryHours})`,
    );
  }
  const mode = expiry?.getOptionalString('mode') ?? 'off';
  if (!(MODES as readonly string[]).includes(mode)) {
    throw new InputError(
      `nhi.actions.expiryEnforcement.mode must be one of ${MODES.join(
        ', ',
      )}, got ${JSON.stringify(mode)}`,
    );
  }
  return {
    twoPersonRule: {
      enabled: two?.getOptionalBoolean('enabled') ?? false,
      ...(two?.has('actions')
        ? { actions: two.getStringArray('actions') }
        : {}),
    },
    agentIdentity: { defaultExpiryHours, maxExpiryHours },
    expiryEnforcement: {
      mode: mode as NhiActionsConfig['expiryEnforcement']['mode'],
      schedule: expiry?.has('schedule')
        ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
            expiry.getConfig('schedule'),
          )
        : {
            frequency: { minutes: 15 },
            timeout: { minutes: 10 },
            initialDelay: { minutes: 1 },
          },
    },
  };
}
