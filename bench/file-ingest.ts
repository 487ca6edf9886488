/*
 * Benchmark of the file inventory source: writes the demo generator's
 * inventory of N identities (JSON, or YAML with --yaml) and reads it with
 * FileInventorySource into an emit that takes --emit-ms per batch (standing
 * in for the pipeline's writes, so the read sees back-pressure). The read
 * runs in a fresh child process so its peak RSS is the read's alone. Prints
 * identities/s, batches, peak RSS (VmHWM) and RSS before the read. Run by
 * hand, never in CI:
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/file-ingest.ts --identities 315000
 *
 * Options: --identities N (100000), --yaml, --emit-ms N (20), --keep (leave
 * the generated file in the work folder).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileInventorySource } from '@backstage-nhi/plugin-catalog-backend-module-nhi';
import { writeDemoInventory } from '@backstage-nhi/demo-data';
import { arg, flag, peakRss, readCounting } from './lib';

const mb = (b: number) => `${Math.round(b / 1024 / 1024)} MB`;

/** The child: reads the file and prints one JSON line of figures. */
async function readOnly(file: string, emitMs: number) {
  const rssBefore = process.memoryUsage().rss;
  const source = FileInventorySource.fromConfig(
    { id: 'bench', target: file },
    { urlReader: {} as any },
  );
  const { summary, emitted, batches, wallMs } = await readCounting(
    source,
    emitMs,
  );
  process.stdout.write(
    `${JSON.stringify({
      emitted,
      batches,
      wallMs,
      complete: summary.complete,
      errors: summary.errors.length,
      firstError: summary.errors[0]?.message,
      rssBefore,
      peak: peakRss(),
    })}\n`,
  );
}

async function main() {
  const readIndex = process.argv.indexOf('--read-only');
  if (readIndex >= 0) {
    await readOnly(process.argv[readIndex + 1], arg('emit-ms', 20));
    return;
  }
  const identities = arg('identities', 100_000);
  const yaml = flag('yaml');
  const emitMs = arg('emit-ms', 20);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nhi-file-bench-'));
  const file = path.join(dir, yaml ? 'inventory.yaml' : 'inventory.json');
  const g0 = Date.now();
  writeDemoInventory(path.join(dir, 'inventory.json'), { identities });
  if (yaml) {
    // the same identities as YAML: what a hand-kept inventory looks like
    const jsYaml = await import('js-yaml');
    const doc = JSON.parse(
      fs.readFileSync(path.join(dir, 'inventory.json'), 'utf8'),
    );
    fs.writeFileSync(file, jsYaml.dump(doc, { lineWidth: -1 }));
    fs.rmSync(path.join(dir, 'inventory.json'));
  }
  const bytes = fs.statSync(file).size;
  const generateMs = Date.now() - g0;

  const child = spawnSync(
    process.execPath,
    [
      '--require',
      '@backstage/cli/config/nodeTransform.cjs',
      __filename,
      '--read-only',
      file,
      '--emit-ms',
      String(emitMs),
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (!flag('keep')) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (child.status !== 0) {
    throw new Error(`the read failed:\n${child.stderr}`);
  }
  const r = JSON.parse(child.stdout.trim().split('\n').pop()!);
  const lines = [
    `inventory              ${identities} identities, ${mb(bytes)} of ${
      yaml ? 'YAML' : 'JSON'
    } (written in ${(generateMs / 1000).toFixed(1)} s)${
      flag('keep') ? ` at ${file}` : ''
    }`,
    `identities emitted     ${r.emitted} in ${r.batches} batches (complete: ${
      r.complete
    }, errors: ${r.errors}${r.firstError ? `, first: ${r.firstError}` : ''})`,
    `wall time              ${(r.wallMs / 1000).toFixed(
      1,
    )} s (emit waits ${emitMs} ms per batch)`,
    `identities/s           ${Math.round(r.emitted / (r.wallMs / 1000))}`,
    `peak RSS               ${mb(r.peak)} (before the read: ${mb(
      r.rssBefore,
    )})`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch(e => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
});
