import { ConflictError } from '@backstage/errors';
import {
  NhiIdentitySource,
  nhiSourceKey,
} from '@backstage-nhi/plugin-nhi-node';

/**
 * The sources the pipeline runs, one provider each: throws a
 * `ConflictError` when two share a key (type and id), since their runs and
 * emitted entities are kept by key.
 */
export function collectSources(
  sources: NhiIdentitySource[],
): NhiIdentitySource[] {
  const keys = new Set<string>();
  for (const source of sources) {
    const key = nhiSourceKey(source);
    if (keys.has(key)) {
      throw new ConflictError(
        `NHI source ${key} is configured twice; source ids must be unique per type`,
      );
    }
    keys.add(key);
  }
  return sources;
}
