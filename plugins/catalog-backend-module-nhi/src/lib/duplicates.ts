/**
 * Within a source, an identity is its `externalId` (per provider): the first
 * record with an id is the identity; any later record with the same id,
 * under whatever name, is a duplicate. Without this, two names for one id
 * would become two entities.
 */
export class ExternalIdRegistry {
  private readonly names = new Map<string, string>();

  /**
   * Registers a record; returns the run error naming both records when its
   * id was listed before, undefined when it is the first.
   */
  register(record: {
    provider: string;
    externalId: string;
    name: string;
  }): string | undefined {
    const key = `${record.provider}\n${record.externalId}`;
    const first = this.names.get(key);
    if (first === undefined) {
      this.names.set(key, record.name);
      return undefined;
    }
    return first === record.name
      ? `${record.externalId}: listed twice as "${first}"; the first one was kept`
      : `${record.externalId}: listed twice, as "${first}" and as "${record.name}"; the first ("${first}") was kept`;
  }
}
