import { Knex } from 'knex';

/** Whether an error is a deadlock or serialization failure worth retrying. */
function isRetryable(e: unknown): boolean {
  const code = (e as { code?: string })?.code;
  return code === '40P01' || code === '40001' || code === 'SQLITE_BUSY';
}

/**
 * Runs `fn` in a transaction, again (up to five times, after a short
 * randomized wait) when the database answers a deadlock, a serialization
 * failure or a busy SQLite file; any other error, or the fifth, is thrown.
 * The stores of this plugin write every change and its audit entry this way.
 */
export async function inRetriedTransaction<T>(
  knex: Knex,
  fn: (tx: Knex.Transaction) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await knex.transaction(fn);
    } catch (e) {
      if (attempt < 5 && isRetryable(e)) {
        await new Promise(r =>
          setTimeout(r, 20 * attempt + Math.random() * 30),
        );
        continue;
      }
      throw e;
    }
  }
}
