import { UrlReaderService } from '@backstage/backend-plugin-api';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Whether a target is an http(s) URL rather than a path. */
export function isUrlTarget(target: string): boolean {
  return /^https?:\/\//i.test(target);
}

/** A target opened for reading its bytes, once or several times over. */
export interface OpenedTarget {
  /** The bytes from the start, in chunks; each call reads them again. */
  chunks(): AsyncIterable<Uint8Array>;
  close(): Promise<void>;
}

const CHUNK = 256 * 1024;

/**
 * Opens a configured target for reading it in chunks, as often as needed
 * with the same bytes each time: a path is opened once and read through
 * that handle (a file replaced meanwhile is not seen half old, half new); a
 * URL is fetched once and its bytes kept (outside the JavaScript heap).
 */
export async function openTarget(
  target: string,
  urlReader: UrlReaderService,
  signal?: AbortSignal,
): Promise<OpenedTarget> {
  if (isUrlTarget(target)) {
    const response = await urlReader.readUrl(target, { signal });
    const bytes = await response.buffer();
    return {
      async *chunks() {
        for (let i = 0; i < bytes.length; i += CHUNK) {
          signal?.throwIfAborted();
          yield bytes.subarray(i, i + CHUNK);
        }
      },
      async close() {},
    };
  }
  const handle = await fs.open(path.resolve(target), 'r');
  return {
    async *chunks() {
      let position = 0;
      for (;;) {
        signal?.throwIfAborted();
        // a fresh buffer each time: the consumer may keep the last chunk
        const buffer = Buffer.allocUnsafe(CHUNK);
        const { bytesRead } = await handle.read(buffer, 0, CHUNK, position);
        if (bytesRead === 0) return;
        position += bytesRead;
        yield buffer.subarray(0, bytesRead);
      }
    },
    close: () => handle.close(),
  };
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
  const opened = await openTarget(target, urlReader, signal);
  try {
    const chunks: Uint8Array[] = [];
    for await (const chunk of opened.chunks()) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    await opened.close();
  }
}
