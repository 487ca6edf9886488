/* Helpers the benchmark scripts share. */
import fs from 'node:fs';
import type { NhiIdentitySource } from '@backstage-nhi/plugin-nhi-node';
import type { JsonObject } from '@backstage/types';

/** A numeric `--name N` option; throws on anything but a number ≥ 0. */
export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`--${name} needs a number, got ${process.argv[i + 1]}`);
  }
  return value;
}

/**
 * The spec file of BENCH_SPEC (see bare-catalog.ts): a JSON object, or a
 * clear error naming the file.
 */
export function readSpec(file: string): JsonObject {
  let spec: unknown;
  try {
    spec = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`BENCH_SPEC ${file} is not a readable JSON file: ${e}`);
  }
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new Error(`BENCH_SPEC ${file} must hold a JSON object (a spec)`);
  }
  return spec as JsonObject;
}

/** Whether `--name` was given. */
export const flag = (name: string) => process.argv.includes(`--${name}`);

/** A logger that prints only warnings and errors. */
export const quietLogger: any = {
  info() {},
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
  debug() {},
  child: () => quietLogger,
};

/** A line with the time of day, for long runs. */
export const log = (message: string) =>
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

/** The 95th percentile of some samples. */
export function p95(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)];
}

/** Runs `fn` n times one after the other: p95 and median in ms. */
export async function timed(n: number, fn: () => Promise<unknown>) {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { p95: p95(samples), median: samples[Math.floor(n / 2)] };
}

/**
 * Times each query 20 times and prints its p95 and median, one line each,
 * the names padded to `width`.
 */
export async function printTimings(
  figures: Array<[string, () => Promise<unknown>]>,
  width: number,
) {
  for (const [name, fn] of figures) {
    const { p95: high, median } = await timed(20, fn);
    console.log(
      `${name.padEnd(width)} p95 ${high
        .toFixed(0)
        .padStart(5)} ms   median ${median.toFixed(0).padStart(5)} ms`,
    );
  }
}

/** A PostgreSQL table's size with its indexes, as pg_size_pretty prints it. */
export async function tableSize(
  knex: { raw(sql: string): Promise<{ rows: Array<{ size: string }> }> },
  table: string,
): Promise<string> {
  const result = await knex.raw(
    `select pg_size_pretty(pg_total_relation_size('${table}')) as size`,
  );
  return result.rows[0].size;
}

/** A process's peak resident set (VmHWM) in bytes; this process by default. */
export function peakRss(pid: number | 'self' = 'self'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

/**
 * Reads a source into an emit that only counts (and waits `emitMs` per
 * batch, standing in for the pipeline's writes).
 */
export async function readCounting(source: NhiIdentitySource, emitMs = 0) {
  let emitted = 0;
  let batches = 0;
  // loaded here, not at the top: the bare backend imports this file and
  // loads nothing of the suite (a dynamic import() gives undefined names
  // under Backstage's node transform; require does not)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { silentLogger } = require('@backstage-nhi/plugin-nhi-node/testUtils');
  const t0 = Date.now();
  const summary = await source.read({
    logger: silentLogger,
    signal: new AbortController().signal,
    async emit(records) {
      emitted += records.length;
      batches++;
      if (emitMs) await new Promise(r => setTimeout(r, emitMs));
    },
  });
  return { summary, emitted, batches, wallMs: Date.now() - t0 };
}
