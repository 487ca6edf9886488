import { Config } from '@backstage/config';
import {
  NHI_COMPONENT_FACT_RETRIEVER_ID,
  NHI_GROUP_FACT_RETRIEVER_ID,
  NHI_IDENTITY_FACT_RETRIEVER_ID,
} from '../retrievers/schema';

/**
 * The schedule and lifecycle the README recommends for one NHI fact
 * retriever.
 *
 * @public
 */
export type NhiFactRetrieverDefaults = {
  /** Cron expression. */
  cadence: string;
  /** How many fact rows to keep per entity. */
  lifecycle: { maxItems: number };
  /** How long a run may take. */
  timeout: { minutes: number };
  /** Whether the retriever is meant to be opt-in. */
  optIn: boolean;
};

/**
 * Recommended settings per retriever id, to copy under
 * `techInsights.factRetrievers.<id>`. The tech-insights backend schedules a
 * retriever only when that key is configured, so these are what the module
 * suggests at start-up, not values it can apply by itself.
 *
 * @public
 */
export const NHI_FACT_RETRIEVER_DEFAULTS: Record<
  string,
  NhiFactRetrieverDefaults
> = {
  [NHI_COMPONENT_FACT_RETRIEVER_ID]: {
    cadence: '0 */6 * * *',
    lifecycle: { maxItems: 2 },
    timeout: { minutes: 30 },
    optIn: false,
  },
  [NHI_GROUP_FACT_RETRIEVER_ID]: {
    cadence: '20 */6 * * *',
    lifecycle: { maxItems: 2 },
    timeout: { minutes: 30 },
    optIn: false,
  },
  [NHI_IDENTITY_FACT_RETRIEVER_ID]: {
    cadence: '40 2 * * *',
    lifecycle: { maxItems: 1 },
    timeout: { minutes: 60 },
    optIn: true,
  },
};

/**
 * How one NHI fact retriever is configured under
 * `techInsights.factRetrievers.<id>`.
 *
 * @public
 */
export type NhiFactRetrieverSetting = {
  id: string;
  /** The key is present: tech-insights will schedule the retriever. */
  scheduled: boolean;
  /** Its cron expression, when scheduled. */
  cadence?: string;
  /** Whether a lifecycle bounds the fact rows it keeps. */
  hasLifecycle: boolean;
};

/**
 * Reads how the NHI fact retrievers are configured under
 * `techInsights.factRetrievers` (the keys the tech-insights backend itself
 * reads to schedule them).
 *
 * @public
 */
export function readNhiFactRetrieverConfig(
  config: Config,
): NhiFactRetrieverSetting[] {
  return Object.keys(NHI_FACT_RETRIEVER_DEFAULTS).map(id => {
    const c = config.getOptionalConfig(`techInsights.factRetrievers.${id}`);
    return {
      id,
      scheduled: Boolean(c),
      cadence: c?.getOptionalString('cadence'),
      hasLifecycle: Boolean(c?.has('lifecycle')),
    };
  });
}

/**
 * What to tell operators at start-up about the NHI fact retrievers'
 * configuration: a warning for a default retriever that will not run or a
 * scheduled one whose facts pile up without a lifecycle, a note for the
 * opt-in identity retriever when it is off.
 *
 * @public
 */
export function describeNhiFactRetrieverConfig(
  settings: NhiFactRetrieverSetting[],
): Array<{ level: 'warn' | 'info'; message: string }> {
  const out: Array<{ level: 'warn' | 'info'; message: string }> = [];
  for (const s of settings) {
    const d = NHI_FACT_RETRIEVER_DEFAULTS[s.id];
    const key = `techInsights.factRetrievers.${s.id}`;
    const suggested = `{ cadence: '${d.cadence}', lifecycle: { maxItems: ${d.lifecycle.maxItems} }, timeout: { minutes: ${d.timeout.minutes} } }`;
    if (!s.scheduled) {
      out.push(
        d.optIn
          ? {
              level: 'info',
              message: `${s.id} is off (opt-in: one fact row per identity per run); to turn it on set ${key}: ${suggested}`,
            }
          : {
              level: 'warn',
              message: `${s.id} will not run: tech-insights schedules a fact retriever only when ${key} is configured; suggested ${suggested}`,
            },
      );
    } else if (!s.hasLifecycle) {
      out.push({
        level: 'warn',
        message: `${s.id} has no lifecycle, so its fact rows are never deleted; set ${key}.lifecycle, e.g. { maxItems: ${d.lifecycle.maxItems} }`,
      });
    }
  }
  return out;
}
