import { UrlReaderService } from '@backstage/backend-plugin-api';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Whether a target is an http(s) URL rather than a path. */
export function isUrlTarget(target: string): boolean {
  return /^https?:\/\//i.test(target);
}

/**
 * Reads a configured target as text: a URL through Backstage's UrlReader
 * (so integrations and `backend.reading.allow` apply), a path from disk
 * (relative to the backend's working directory).
 */
export async function readTarget(
  target: string,
  urlReader: UrlReaderService,
  signal?: AbortSignal,
): Promise<string> {
  if (isUrlTarget(target)) {
    const response = await urlReader.readUrl(target, { signal });
    return (await response.buffer()).toString('utf8');
  }
  return fs.readFile(path.resolve(target), { encoding: 'utf8', signal });
}
