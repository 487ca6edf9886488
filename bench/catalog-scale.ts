/*
 * Scale benchmark: the real backend's NHI pipeline against the bare catalog,
 * both on the local PostgreSQL. Run by hand, never in CI:
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/catalog-scale.ts --identities 100000
 *
 * 1. Generates N identities: a share (--aws-share, 0.3) as an AWS
 *    organisation served by the repository's IAM-compatible endpoint in this
 *    process, the rest as the demo generator's file inventory.
 * 2. Starts the real backend (packages/backend, app-config.yaml plus an
 *    override: PostgreSQL with database prefix `nhibench_`, the demo data off,
 *    the two sources pointed at what step 1 made) and waits until every
 *    identity is stitched and queryable through the catalog API.
 * 3. Measures there: the NHI page's first inventory page and its counts (p95
 *    of 20 each), claim-to-catalog latency (a developer claims, the team lead
 *    approves, the owner shows in the catalog), and two more runs of both sources
 *    with the input unchanged.
 * 4. Starts a bare backend (catalog only, bench/bare-catalog.ts) with a
 *    trivial provider of N minimal entities on a fresh database (prefix
 *    `nhibare_`), sent as the pipeline sends its own (delta mutations of
 *    1,000), and waits until they are all queryable: the catalog's own
 *    ceiling on this machine.
 * 5. Prints both, their ratio, IAM API calls per identity and each backend's
 *    peak RSS (VmHWM of the backend process).
 *
 * When the server runs with autovacuum off (as this machine's does), the
 * bench ANALYZEs each catalog database's tables by autovacuum's rule while it
 * ingests and VACUUM ANALYZEs it before timing queries.
 *
 * Options: --identities N (450000), --aws-share F (0.3), --skip-bare,
 * --skip-nhi, --bare-full (the bare provider sends one full mutation instead),
 * --bare-owners K (0: the bare entities' owners become K real Group entities),
 * BENCH_SPEC=file.json (a spec merged into every bare entity, see
 * bare-catalog.ts),
 * --heap-mb M (1536: each backend runs with --max-old-space-size=M, as the
 * README's production command; 0 leaves V8's default, which on a large host
 * lets the heap grow lazily far past what is live), --live-heap (every 5
 * minutes and at the end, force a garbage collection in each backend through
 * its inspector and record the heap still in use: what the backend really
 * holds, as against its RSS),
 * --timeout-min M (180), --port P (7207), --bare-port P (7208),
 * --steady-min M (15: after the re-runs, the NHI backend's and PostgreSQL's
 * CPU over M minutes with nothing asked of them, as a share of the machine;
 * 0 skips it).
 *
 * With the figures it prints the catalog search rows per identity (and per
 * bare entity), by field.
 * PostgreSQL: BENCH_PG (postgresql://postgres@127.0.0.1:5432). Databases with
 * the two prefixes are dropped before each run.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { CatalogClient } from '@backstage/catalog-client';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  generateIamCompany,
  startIamEndpoint,
} from '@backstage-nhi/plugin-catalog-backend-module-nhi-aws/testUtils';
import { loadCompany, writeDemoInventory } from '@backstage-nhi/demo-data';
// the NHI page's own queries, so that the bench times what the page asks
import {
  INVENTORY_FACETS,
  INVENTORY_FIELDS,
  OVERVIEW_FACETS,
} from '../plugins/nhi/src/components/NhiPage/filters';
import {
  inventoryFacets,
  inventoryPage,
} from '../plugins/nhi/src/components/NhiPage/inventoryData';
import { NhiClient } from '@backstage-nhi/plugin-nhi-common';
import { arg, flag, log, peakRss, readSpec, timed } from './lib';

const ROOT = path.resolve(__dirname, '..');
const PG = process.env.BENCH_PG ?? 'postgresql://postgres@127.0.0.1:5432';

const N = arg('identities', 450_000);
const AWS_SHARE = arg('aws-share', 0.3);
const TIMEOUT_MS = arg('timeout-min', 180) * 60_000;
const PORT = arg('port', 7207);
const BARE_PORT = arg('bare-port', 7208);
const BARE_OWNERS = arg('bare-owners', 0);
/** Minutes of steady state measured after the NHI side's re-runs (0: none). */
const STEADY_MIN = arg('steady-min', 15);
const HEAP_MB = arg('heap-mb', 1536);
const LIVE_HEAP = flag('live-heap');
// checked here, not first in the bare backend after the NHI side's long run
if (!Number.isInteger(BARE_OWNERS)) {
  throw new Error(`--bare-owners needs a whole number, got ${BARE_OWNERS}`);
}
if (process.env.BENCH_SPEC) readSpec(process.env.BENCH_SPEC);
// a heap too small for the backend to start would only show as "backend exited"
if (HEAP_MB !== 0 && (!Number.isInteger(HEAP_MB) || HEAP_MB < 256)) {
  throw new Error(
    `--heap-mb needs a whole number of megabytes, at least 256 (or 0 for V8's default), got ${HEAP_MB}`,
  );
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;
/** The PostgreSQL connection of a backend's config. */
function pgConnection() {
  const pg = new URL(PG);
  return {
    client: 'pg',
    connection: {
      host: pg.hostname,
      port: Number(pg.port || 5432),
      user: decodeURIComponent(pg.username || 'postgres'),
      password: decodeURIComponent(pg.password),
    },
  };
}

/** Runs `fn` over a connection to the server's `postgres` database. */
async function withAdmin<T>(fn: (admin: Knex) => Promise<T>): Promise<T> {
  const admin = knexFactory({ client: 'pg', connection: `${PG}/postgres` });
  try {
    return await fn(admin);
  } finally {
    await admin.destroy();
  }
}

/** Drops the databases a previous run left (each plugin has its own). */
async function dropDatabases(prefix: string) {
  await withAdmin(async knex => {
    const { rows } = await knex.raw(
      'SELECT datname FROM pg_database WHERE datname LIKE ?',
      [`${prefix}%`],
    );
    for (const { datname } of rows) {
      await knex.raw('DROP DATABASE ?? WITH (FORCE)', [datname]);
    }
  });
}

/**
 * A backend child process, its peak RSS sampled from /proc; with
 * `--live-heap`, also its live heap (see {@link LiveHeap}).
 */
class Backend {
  readonly child: ChildProcess;
  readonly started = Date.now();
  peakKb = 0;
  readonly liveHeap?: LiveHeap;
  #timer: NodeJS.Timeout;

  constructor(
    script: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    logFile: string,
  ) {
    const out = fs.openSync(logFile, 'w');
    const nodeArgs = [
      ...(HEAP_MB ? [`--max-old-space-size=${HEAP_MB}`] : []),
      ...(LIVE_HEAP ? ['--inspect=127.0.0.1:0'] : []),
    ];
    this.child = spawn(
      process.execPath,
      [
        ...nodeArgs,
        '--require',
        '@backstage/cli/config/nodeTransform.cjs',
        script,
        ...args,
      ],
      {
        cwd: path.join(ROOT, 'packages/backend'),
        // NODE_OPTIONS (e.g. --cpu-prof) reach both backends; the flags
        // above come after them and win
        env: { ...process.env, ...env },
        stdio: ['ignore', out, out],
        detached: true,
      },
    );
    this.#timer = setInterval(() => this.#sample(), 500);
    if (LIVE_HEAP) this.liveHeap = new LiveHeap(logFile);
  }

  #sample() {
    try {
      const hwm = peakRss(this.child.pid!) / 1024;
      this.peakKb = Math.max(this.peakKb, hwm);
    } catch {
      // exited
    }
  }

  get alive() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop() {
    this.#sample();
    clearInterval(this.#timer);
    if (this.alive) await this.liveHeap?.sample();
    this.liveHeap?.stop();
    if (!this.alive) return;
    process.kill(-this.child.pid!, 'SIGTERM');
    for (let i = 0; i < 40 && this.alive; i++) await sleep(250);
    if (this.alive) process.kill(-this.child.pid!, 'SIGKILL');
  }
}

/**
 * The heap a backend still uses after a full garbage collection, sampled
 * every 5 minutes through the inspector the backend was started with (its
 * address is the first `ws://` line of the backend's log). Each sample forces
 * one collection, a fraction of a second of the backend's time.
 */
class LiveHeap {
  peakBytes = 0;
  samples = 0;
  #timer: NodeJS.Timeout;
  #url?: string;

  constructor(private readonly logFile: string) {
    this.#timer = setInterval(() => this.sample(), 5 * 60_000);
  }

  async sample() {
    try {
      this.#url ??= fs
        .readFileSync(this.logFile, 'utf8')
        .match(/ws:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+/)?.[0];
      if (!this.#url) return;
      const ws = new WebSocket(this.#url);
      try {
        await new Promise((resolve, reject) => {
          ws.onopen = resolve;
          ws.onerror = reject;
        });
        let id = 0;
        const call = (method: string) =>
          new Promise<any>((resolve, reject) => {
            const mine = ++id;
            const timer = setTimeout(
              () => reject(new Error(`${method} timed out`)),
              60_000,
            );
            ws.addEventListener('message', ev => {
              const data = JSON.parse(String(ev.data));
              if (data.id !== mine) return;
              clearTimeout(timer);
              resolve(data.result);
            });
            ws.send(JSON.stringify({ id: mine, method }));
          });
        await call('HeapProfiler.collectGarbage');
        const { usedSize } = await call('Runtime.getHeapUsage');
        this.peakBytes = Math.max(this.peakBytes, usedSize);
        this.samples++;
      } finally {
        ws.close();
      }
    } catch (e) {
      log(`  live heap not sampled: ${e}`);
    }
  }

  stop() {
    clearInterval(this.#timer);
  }
}

/**
 * What autovacuum would do, when the server runs without it (this machine's
 * PostgreSQL has `autovacuum = off`): every 15 s, ANALYZE each table of a
 * backend's catalog database that changed by more than autovacuum's analyze
 * threshold (50 rows + 10% of the table) since it was last analyzed, and
 * VACUUM ANALYZE the database once before queries are timed. With autovacuum
 * on it does nothing.
 */
class Maintenance {
  #knex?: ReturnType<typeof knexFactory>;
  #timer?: NodeJS.Timeout;
  #busy = false;
  analyzeRuns = 0;

  private constructor(readonly database: string) {}

  static async start(database: string): Promise<Maintenance> {
    const m = new Maintenance(database);
    const { rows } = await withAdmin(admin => admin.raw('SHOW autovacuum'));
    if (rows[0]?.autovacuum === 'on') return m;
    log(
      `autovacuum is off on this server: the bench analyzes ${database} by autovacuum's rule instead`,
    );
    m.#knex = knexFactory({
      client: 'pg',
      connection: `${PG}/${database}`,
      pool: { min: 0, max: 1 },
    });
    m.#timer = setInterval(() => void m.#analyzeChanged(), 15_000);
    return m;
  }

  async #analyzeChanged() {
    if (!this.#knex || this.#busy) return;
    let tables: string[] = [];
    try {
      const { rows } = await this.#knex.raw(
        `SELECT relname FROM pg_stat_user_tables
          WHERE n_mod_since_analyze > 50 + 0.1 * GREATEST(n_live_tup - n_mod_since_analyze, 0)`,
      );
      tables = rows.map((r: { relname: string }) => r.relname);
    } catch {
      return; // the database is not created yet
    }
    for (const table of tables) {
      await this.#run(`ANALYZE "${table.replace(/"/g, '""')}"`);
    }
  }

  async #run(sql: string) {
    if (!this.#knex || this.#busy) return;
    this.#busy = true;
    try {
      await this.#knex.raw(sql);
      this.analyzeRuns++;
    } catch {
      // the database is not created yet
    } finally {
      this.#busy = false;
    }
  }

  /** VACUUM ANALYZE now, as autovacuum would have after a bulk load. */
  async vacuum() {
    while (this.#busy) await sleep(100);
    if (this.#knex) await this.#run('VACUUM ANALYZE');
  }

  async stop() {
    clearInterval(this.#timer);
    await this.#knex?.destroy();
  }
}

/**
 * Polls `fn` until it returns a value, or throws at the deadline. Between two
 * polls it waits `everyMs`, or 10 times as long as the last poll took if that
 * is longer. Counting the catalog's entities is a scan of every entity's
 * `kind` search row (1.3 s and 560 MB of buffers at 60,000 identities, ~10 s
 * at 450,000); polled every 2 s it kept one PostgreSQL core ~40% busy beside
 * the ingestion it times. This keeps the bench's own counting under a tenth
 * of one core at any N, for a resolution of ten counts' time. (At 60,000 it
 * made no measurable difference to either side: 531.5 s / 309.7 s against
 * 514.7 s / 312.4 s polled every 2 s.)
 */
async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  backend: Backend,
  everyMs = 2000,
): Promise<T> {
  const deadline = Date.now() + TIMEOUT_MS;
  let said = Date.now();
  for (;;) {
    if (!backend.alive)
      throw new Error(`backend exited while waiting for ${what}`);
    const polled = Date.now();
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      // not up yet; said once a minute, so that a lasting failure shows
      if (Date.now() - said > 60_000) {
        said = Date.now();
        log(`  still waiting for ${what}: ${e}`);
      }
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(Math.max(everyMs, 10 * (Date.now() - polled)));
  }
}

// ---------------------------------------------------------------------------

interface NhiFigures {
  identities: number;
  firstRunMs: number;
  sourceRunsMs: Record<string, number>;
  iamCalls: number;
  awsIdentities: number;
  reruns: Array<
    Array<{
      key: string;
      ms: number;
      changed: number;
      unchanged: number;
      /** Identities sent to the catalog (the rest changed only in the summary). */
      emitted: number;
    }>
  >;
  pageP95: number;
  unownedP95: number;
  catalogPageMax: number;
  catalogCountsMax: number;
  pageSearchP95: number;
  countsP95: number;
  inventoryCountsP95: number;
  claimToCatalogMs: number;
  peakKb: number;
  liveHeap?: LiveHeap;
  /** Catalog search rows per identity, by field (two levels of the key). */
  searchRows: SearchRows;
  /** CPU while nothing is asked of it, after the first import and re-runs. */
  steady?: SteadyCpu;
}

type SearchRows = { perEntity: number; byField: Array<[string, number]> };
type SteadyCpu = { minutes: number; backendPct: number; postgresPct: number };

/**
 * The catalog's search rows of one kind's entities, per entity and by field
 * (the key's first two levels: `spec.credentials`, `relations.ownedby`…):
 * what each entity costs the catalog's biggest table.
 */
async function searchRows(database: string, kind: string): Promise<SearchRows> {
  const knex = knexFactory({ client: 'pg', connection: `${PG}/${database}` });
  try {
    const { rows } = await knex.raw(
      `select split_part(s.key, '.', 1) || coalesce('.' || nullif(split_part(s.key, '.', 2), ''), '') as field,
              count(*)::int as n
         from search s
         join (select entity_id from search where key = 'kind' and value = ?) k
           on k.entity_id = s.entity_id
        group by 1 order by 2 desc`,
      [kind],
    );
    const { rows: count } = await knex.raw(
      `select count(*)::int as n from search where key = 'kind' and value = ?`,
      [kind],
    );
    const entities = Math.max(1, count[0].n);
    const byField: Array<[string, number]> = rows.map(
      (r: { field: string; n: number }) => [r.field, r.n / entities],
    );
    return {
      perEntity: byField.reduce((a, [, n]) => a + n, 0),
      byField,
    };
  } finally {
    await knex.destroy();
  }
}

/** CPU seconds (user + system) of a process so far, from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime (fields 14 and 15 of stat; 12 and 13 after the name)
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The process and every descendant (the backend's workers). */
function tree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      const children = fs
        .readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, 'utf8')
        .trim();
      if (children) out.push(...children.split(' ').map(Number));
    } catch {
      // gone
    }
  }
  return out;
}

/** Every PostgreSQL process of the machine (the server and its backends). */
function postgresPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter(d => /^\d+$/.test(d))
    .map(Number)
    .filter(pid => {
      try {
        return (
          fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres'
        );
      } catch {
        return false;
      }
    });
}

/**
 * The backend's and PostgreSQL's CPU over `minutes` with nothing asked of
 * them (after the first import and the re-runs), as a share of the machine
 * (all cores). PostgreSQL's processes come and go: each one's CPU counts
 * from the window's start, or from its birth within it.
 */
async function steadyCpu(pid: number, minutes: number): Promise<SteadyCpu> {
  const cores = os.cpus().length;
  log(`steady state: measuring CPU for ${minutes} minutes`);
  const sum = (pids: number[]) =>
    new Map(pids.map(p => [p, cpuSeconds(p)] as const));
  const backendStart = sum(tree(pid));
  const pgStart = sum(postgresPids());
  const started = Date.now();
  await new Promise(r => setTimeout(r, minutes * 60_000));
  const seconds = (Date.now() - started) / 1000;
  const delta = (start: Map<number, number>, pids: number[]) =>
    pids.reduce((a, p) => a + cpuSeconds(p) - (start.get(p) ?? 0), 0);
  const backendCpu = delta(backendStart, tree(pid));
  const pgCpu = delta(pgStart, postgresPids());
  const pct = (cpu: number) => (100 * cpu) / (seconds * cores);
  const figures = {
    minutes,
    backendPct: pct(backendCpu),
    postgresPct: pct(pgCpu),
  };
  log(
    `steady state over ${minutes} min: backend ${figures.backendPct.toFixed(
      1,
    )}%, PostgreSQL ${figures.postgresPct.toFixed(1)}% of ${cores} cores`,
  );
  return figures;
}

async function runNhi(tmp: string): Promise<NhiFigures> {
  const awsCount = Math.round(N * AWS_SHARE);
  const fileCount = N - awsCount;
  log(`generating ${awsCount} AWS identities and ${fileCount} file identities`);
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  const teams = loadCompany().teams.map(t => t.name);
  const model = generateIamCompany({
    accounts: Math.max(3, Math.ceil(awsCount / 15000)),
    identities: awsCount,
    teams,
    now: today,
  });
  const endpoint = await startIamEndpoint({ model });
  const inventory = path.join(tmp, 'inventory.json');
  // with the demo's secret-scanner report, matched to credentials as in the demo
  const leakReport = path.join(tmp, 'gitleaks.json');
  writeDemoInventory(inventory, { identities: fileCount, leakReport });
  log(
    `inventory ${Math.round(
      fs.statSync(inventory).size / 1e6,
    )} MB; IAM endpoint ${endpoint.url}`,
  );

  await dropDatabases('nhibench_');
  const schedule = {
    frequency: { hours: 24 },
    timeout: { hours: 3 },
    initialDelay: { seconds: 1 },
  };
  const override = {
    backend: {
      baseUrl: `http://localhost:${PORT}`,
      listen: { port: PORT },
      database: { ...pgConnection(), prefix: 'nhibench_' },
    },
    nhiDemo: { enabled: false },
    nhi: {
      sources: {
        aws: { demo: { endpoint: endpoint.url, schedule } },
        file: { demo: { target: inventory, schedule } },
        // the demo's other sources read fakes the demo starts (off here):
        // kept from running during the measurement
        ...Object.fromEntries(
          ['kubernetes', 'github', 'gcp', 'azure'].map(type => [
            type,
            {
              demo: { schedule: { ...schedule, initialDelay: { hours: 23 } } },
            },
          ]),
        ),
      },
      leaks: { 'demo-gitleaks': { target: leakReport } },
    },
    // kept out of the measurement: they read the whole catalog on their own schedule
    techInsights: {
      factRetrievers: {
        nhiComponentFactRetriever: { cadence: '0 0 1 1 *' },
        nhiGroupFactRetriever: { cadence: '0 0 1 1 *' },
      },
    },
    search: {
      collators: {
        catalog: {
          schedule: {
            frequency: { hours: 24 },
            timeout: { hours: 1 },
            initialDelay: { hours: 12 },
          },
        },
      },
    },
  };
  const configFile = path.join(tmp, 'bench-nhi.json');
  fs.writeFileSync(configFile, JSON.stringify(override));
  const logFile = path.join(tmp, 'backend-nhi.log');
  log(`starting the backend (log: ${logFile})`);
  const maintenance = await Maintenance.start('nhibench_catalog');
  const backend = new Backend(
    'src/index.ts',
    ['--config', '../../app-config.yaml', '--config', configFile],
    { NODE_ENV: 'development' },
    logFile,
  );
  try {
    const base = `http://localhost:${PORT}`;
    const tokenOf = async (user?: string) => {
      const res = await fetch(
        `${base}/api/auth/${user ? 'demo' : 'guest'}/refresh?env=development`,
        {
          headers: {
            'X-Requested-With': 'XMLHttpRequest',
            ...(user ? { 'x-nhi-demo-user': user } : {}),
          },
        },
      );
      if (!res.ok) throw new Error(`sign-in ${res.status}`);
      return (await res.json()).backstageIdentity.token as string;
    };
    // Backstage tokens last an hour and a large run takes longer: the
    // guest's token, renewed every ten minutes
    let guest = { token: '', at: 0 };
    const guestToken = async () => {
      if (Date.now() - guest.at > 10 * 60_000) {
        guest = { token: await tokenOf(), at: Date.now() };
      }
      return guest.token;
    };
    const call = async (p: string, init?: RequestInit & { as?: string }) => {
      const res = await fetch(`${base}${p}`, {
        ...init,
        headers: {
          Authorization: `Bearer ${
            init?.as ? await tokenOf(init.as) : await guestToken()
          }`,
          'Content-Type': 'application/json',
        },
      });
      if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    await until('the backend', () => guestToken(), backend);
    // what the catalog and NHI clients fetch with: as the guest
    const asGuest = {
      fetch: async (input: RequestInfo | URL, init?: RequestInit) =>
        fetch(input, {
          ...init,
          headers: {
            ...init?.headers,
            Authorization: `Bearer ${await guestToken()}`,
          },
        }),
    };
    const catalog = new CatalogClient({
      discoveryApi: { getBaseUrl: async () => `${base}/api/catalog` },
      fetchApi: asGuest,
    });
    const nhiCount = async () =>
      (
        await catalog.queryEntities({
          filter: { kind: 'NonHumanIdentity' },
          limit: 1,
          fields: ['metadata.name'],
        })
      ).totalItems;
    type Run = {
      key: string;
      lastRun: null | {
        status: string;
        startedAt: string;
        finishedAt?: string;
        counts: Record<string, number>;
      };
    };
    // the two sources the bench feeds (the demo's others are kept idle)
    const runs = async (): Promise<Run[]> =>
      ((await call('/api/catalog/nhi/sources')).items as Run[]).filter(
        r => r.key === 'file:demo' || r.key === 'aws:demo',
      );
    const sourceMs = (r: Run) =>
      Date.parse(r.lastRun!.finishedAt!) - Date.parse(r.lastRun!.startedAt);

    // 1. the first run: every identity stitched and queryable
    let lastLog = 0;
    const first = await until(
      'every identity in the catalog',
      async () => {
        const items = await runs();
        const done = items.every(
          r => r.lastRun?.finishedAt && r.lastRun.status !== 'running',
        );
        const expected = items.reduce(
          (s, r) =>
            s +
            (r.lastRun
              ? r.lastRun.counts.read - (r.lastRun.counts.invalid ?? 0)
              : 0),
          0,
        );
        const count = await nhiCount();
        if (Date.now() - lastLog > 30_000) {
          lastLog = Date.now();
          log(
            `  ${count} identities queryable; sources ${items
              .map(
                r =>
                  `${r.key} ${r.lastRun?.status ?? 'pending'} ${
                    r.lastRun?.counts.read ?? 0
                  }`,
              )
              .join(', ')}; RSS peak ${mb(backend.peakKb)}`,
          );
        }
        return done && count >= expected && expected > 0
          ? { items, count, at: Date.now() }
          : undefined;
      },
      backend,
    );
    const firstRunMs = first.at - backend.started;
    log(
      `first run: ${first.count} identities queryable after ${secs(
        firstRunMs,
      )}`,
    );
    const iamCalls = endpoint.totalCalls();

    // 2. the NHI page at N: first inventory page, a search, the counts —
    // through the page's own data functions (the summary once it is ready)
    await maintenance.vacuum();
    const nhiApi = new NhiClient({
      discoveryApi: { getBaseUrl: async id => `${base}/api/${id}` },
      fetchApi: asGuest,
    });
    const summary = await until(
      'the inventory summary',
      async () => {
        const answer = await nhiApi.queryInventory({ limit: 1 });
        return answer.ready ? answer : undefined;
      },
      backend,
    );
    log(`inventory summary ready: ${summary.totalCount} identities`);
    const apis = { nhiApi, catalogApi: catalog };
    // a key id to search for: credentials are an identity's detail
    const [withKey] = (
      await catalog.queryEntities({
        filter: { kind: 'NonHumanIdentity', 'spec.category': 'api-key' },
        fields: ['kind', 'metadata.name', 'metadata.namespace'],
        limit: 1,
      })
    ).items;
    const keyId = withKey
      ? (await nhiApi.getIdentityDetail(stringifyEntityRef(withKey))).spec
          .credentials
      : undefined;
    const term = keyId?.find(c => c.id)?.id ?? 'AKIA';
    const page = await timed(20, () =>
      inventoryPage(apis, {}, { offset: 0, limit: 20 }),
    );
    const unownedPage = await timed(20, () =>
      inventoryPage(apis, { owner: 'unowned' }, { offset: 0, limit: 20 }),
    );
    const search = await timed(20, () =>
      inventoryPage(apis, { q: term }, { offset: 0, limit: 20 }),
    );
    // the page opens on its overview (five counts), the inventory tab asks
    // for four; each is one request, timed on its own
    const counts = await timed(20, () =>
      inventoryFacets(apis, {}, OVERVIEW_FACETS),
    );
    const inventoryCounts = await timed(20, () =>
      inventoryFacets(apis, { provider: 'aws' }, INVENTORY_FACETS),
    );
    log(
      `NHI page p95: first page ${page.p95.toFixed(
        0,
      )} ms, unowned ${unownedPage.p95.toFixed(
        0,
      )} ms, search "${term}" ${search.p95.toFixed(
        0,
      )} ms, counts ${counts.p95.toFixed(
        0,
      )} ms (inventory's ${inventoryCounts.p95.toFixed(0)} ms)`,
    );
    // for comparison: the same through the catalog's query API (the page's
    // fallback when the summary cannot answer), fewer samples
    const catalogPage = await timed(5, () =>
      catalog.queryEntities({
        filter: { kind: 'NonHumanIdentity' },
        fields: INVENTORY_FIELDS,
        limit: 20,
        offset: 0,
        orderFields: { field: 'metadata.name', order: 'asc' },
      }),
    );
    const catalogCounts = await timed(5, () =>
      catalog.getEntityFacets({
        filter: { kind: 'NonHumanIdentity' },
        facets: OVERVIEW_FACETS,
      }),
    );
    log(
      `catalog query API (the fallback), worst of 5: first page ${catalogPage.p95.toFixed(
        0,
      )} ms, overview counts ${catalogCounts.p95.toFixed(0)} ms`,
    );

    // 3. claim to catalog at N
    const { items: unowned } = await catalog.queryEntities({
      filter: { kind: 'NonHumanIdentity', 'spec.ownership.status': 'unowned' },
      fields: ['metadata.name'],
      limit: 1,
    });
    const name = unowned[0].metadata.name;
    const claim = await call('/api/nhi/claims', {
      as: 'priya.raman',
      method: 'POST',
      body: JSON.stringify({
        entityRef: `nonhumanidentity:default/${name}`,
        group: 'group:default/shipping',
        justification: 'benchmark: claim-to-catalog latency',
      }),
    });
    const approvedAt = Date.now();
    await call(`/api/nhi/claims/${claim.id}/approve`, {
      as: 'omar.farouk',
      method: 'POST',
      body: JSON.stringify({ comment: 'benchmark' }),
    });
    await until(
      'the claimed owner in the catalog',
      async () => {
        const e = await catalog.getEntityByRef(
          `nonhumanidentity:default/${name}`,
        );
        return e?.spec?.owner === 'group:default/shipping' ? true : undefined;
      },
      backend,
      100,
    );
    const claimToCatalogMs = Date.now() - approvedAt;
    log(`claim to catalog: ${secs(claimToCatalogMs)}`);

    // 4. two more runs of each source with the input unchanged: the second
    // also picks up what the first could not see yet (components' declared
    // identities, agents and people that reached the catalog after it ran),
    // the third is the steady state
    const reruns: Run[][] = [];
    let previous = first.items;
    for (let i = 0; i < 2; i++) {
      const before = new Map(previous.map(r => [r.key, r.lastRun!.startedAt]));
      for (const r of previous) {
        const [type, id] = r.key.split(':');
        // starting a run is an operator's action: a security reviewer
        await call(`/api/catalog/nhi/sources/${type}/${id}/run`, {
          method: 'POST',
          as: 'farah.haddad',
        });
      }
      previous = await until(
        'the re-runs',
        async () => {
          const items = await runs();
          return items.every(
            r =>
              r.lastRun &&
              r.lastRun.startedAt !== before.get(r.key) &&
              r.lastRun.finishedAt &&
              r.lastRun.status !== 'running',
          )
            ? items
            : undefined;
        },
        backend,
        500,
      );
      reruns.push(previous);
      log(
        `run ${i + 2}: ${previous
          .map(
            r =>
              `${r.key} ${secs(sourceMs(r))} (changed ${
                r.lastRun!.counts.changed
              })`,
          )
          .join(', ')}`,
      );
    }

    return {
      identities: first.count,
      firstRunMs,
      sourceRunsMs: Object.fromEntries(
        first.items.map(r => [r.key, sourceMs(r)]),
      ),
      iamCalls,
      awsIdentities:
        first.items.find(r => r.key.startsWith('aws:'))?.lastRun?.counts.read ??
        0,
      reruns: reruns.map(items =>
        items.map(r => ({
          key: r.key,
          ms: sourceMs(r),
          changed: r.lastRun!.counts.changed,
          unchanged: r.lastRun!.counts.unchanged,
          emitted: r.lastRun!.counts.emitted ?? r.lastRun!.counts.changed,
        })),
      ),
      searchRows: await searchRows('nhibench_catalog', 'nonhumanidentity'),
      steady: STEADY_MIN
        ? await steadyCpu(backend.child.pid!, STEADY_MIN)
        : undefined,
      pageP95: page.p95,
      unownedP95: unownedPage.p95,
      catalogPageMax: catalogPage.p95,
      catalogCountsMax: catalogCounts.p95,
      pageSearchP95: search.p95,
      countsP95: counts.p95,
      inventoryCountsP95: inventoryCounts.p95,
      claimToCatalogMs,
      peakKb: backend.peakKb,
      // read after stop(), which takes the last sample
      liveHeap: backend.liveHeap,
    };
  } finally {
    await maintenance.stop();
    await backend.stop();
    await endpoint.stop();
  }
}

async function runBare(tmp: string) {
  await dropDatabases('nhibare_');
  const logFile = path.join(tmp, 'backend-bare.log');
  log(`starting the bare catalog with ${N} minimal entities (log: ${logFile})`);
  const configFile = path.join(tmp, 'bench-bare.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({
      backend: {
        baseUrl: `http://localhost:${BARE_PORT}`,
        listen: { port: BARE_PORT },
        database: { ...pgConnection(), prefix: 'nhibare_' },
        auth: { dangerouslyDisableDefaultAuthPolicy: true },
      },
      catalog: {
        processingInterval: { minutes: 30 },
        rules: [{ allow: ['Resource'] }],
      },
    }),
  );
  const maintenance = await Maintenance.start('nhibare_catalog');
  const backend = new Backend(
    path.join(ROOT, 'bench/bare-catalog.ts'),
    ['--config', configFile],
    {
      BENCH_ENTITIES: String(N),
      BENCH_MUTATION: flag('bare-full') ? 'full' : 'delta',
      BENCH_OWNERS: String(BARE_OWNERS),
      // the bare backend runs in packages/backend: a path from here
      ...(process.env.BENCH_SPEC && {
        BENCH_SPEC: path.resolve(process.env.BENCH_SPEC),
      }),
    },
    logFile,
  );
  try {
    const base = `http://localhost:${BARE_PORT}/api/catalog`;
    let lastLog = 0;
    const count = await until(
      'every entity in the bare catalog',
      async () => {
        const res = await fetch(
          `${base}/entities/by-query?limit=1&fields=metadata.name&filter=kind=resource,spec.type=bench`,
        );
        if (!res.ok) return undefined;
        const { totalItems } = await res.json();
        if (Date.now() - lastLog > 30_000) {
          lastLog = Date.now();
          log(
            `  ${totalItems} entities queryable; RSS peak ${mb(
              backend.peakKb,
            )}`,
          );
        }
        return totalItems >= N ? totalItems : undefined;
      },
      backend,
    );
    const ms = Date.now() - backend.started;
    return {
      count,
      ms,
      peakKb: backend.peakKb,
      liveHeap: backend.liveHeap,
      searchRows: await searchRows('nhibare_catalog', 'resource'),
    };
  } finally {
    await maintenance.stop();
    await backend.stop();
  }
}

/** How the backends' heap was set and, with --live-heap, what was live. */
function heapNote(live?: LiveHeap) {
  const cap = HEAP_MB ? ` (heap cap ${HEAP_MB} MB)` : " (V8's default heap)";
  if (!live?.samples) return cap;
  return `${cap}; live heap after GC peaked at ${Math.round(
    live.peakBytes / 1e6,
  )} MB (${live.samples} samples)`;
}

/**
 * The server settings that decide how much of the catalog's tables and
 * indexes stay in memory and how often PostgreSQL checkpoints while the
 * catalog writes: printed with the figures, since they move both sides.
 */
async function serverSettings(): Promise<string> {
  return withAdmin(async admin => {
    const { rows } = await admin.raw(
      `SELECT name, setting, unit FROM pg_settings WHERE name = ANY(?) ORDER BY name`,
      [
        [
          'shared_buffers',
          'effective_cache_size',
          'max_wal_size',
          'checkpoint_timeout',
          'autovacuum',
        ],
      ],
    );
    const { rows: version } = await admin.raw('SHOW server_version');
    const settings = (
      rows as Array<{ name: string; setting: string; unit: string | null }>
    ).map(({ name, setting, unit }) => {
      if (unit === '8kB') return { name, kb: Number(setting) * 8 };
      if (unit === 'MB') return { name, kb: Number(setting) * 1024 };
      return { name, text: `${setting}${unit ?? ''}` };
    });
    const buffersKb = settings.find(r => r.name === 'shared_buffers')?.kb;
    // the README's sizing; the bench README's rows say which they ran on
    const small =
      buffersKb !== undefined && buffersKb < 1024 * 1024
        ? ' (not sized for the catalog: see "Running at NHI scale" in the README)'
        : '';
    return `PostgreSQL ${version[0].server_version}: ${settings
      .map(r => `${r.name} ${r.kb !== undefined ? mb(r.kb) : r.text}`)
      .join(', ')}${small}`;
  });
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nhi-bench-'));
  log(`N = ${N}; PostgreSQL ${PG}; work folder ${tmp}`);
  const server = await serverSettings();
  log(server);
  const nhi = flag('skip-nhi') ? undefined : await runNhi(tmp);
  const bare = flag('skip-bare') ? undefined : await runBare(tmp);

  console.log('\n=== results ===');
  console.log(`server                        ${server}`);
  console.log(
    `identities requested          ${N} (${Math.round(AWS_SHARE * 100)}% AWS)`,
  );
  if (nhi) {
    const rate = nhi.identities / (nhi.firstRunMs / 1000);
    console.log(
      `NHI pipeline                  ${nhi.identities} queryable in ${secs(
        nhi.firstRunMs,
      )} from backend start (${Math.round(rate)} identities/s)`,
    );
    console.log(
      `  source runs                 ${Object.entries(nhi.sourceRunsMs)
        .map(([k, v]) => `${k} ${secs(v)}`)
        .join(', ')}`,
    );
    console.log(
      `  IAM API calls / identity    ${(
        nhi.iamCalls / Math.max(1, nhi.awsIdentities)
      ).toFixed(3)} (${nhi.iamCalls} calls, ${
        nhi.awsIdentities
      } AWS identities)`,
    );
    nhi.reruns.forEach((items, i) => {
      const slowest = Math.max(...items.map(r => r.ms));
      console.log(
        `  run ${i + 2}, input unchanged    ${items
          .map(
            r =>
              `${r.key} ${secs(r.ms)} (${r.changed} changed, ${
                r.emitted
              } sent to the catalog, ${r.unchanged} unchanged)`,
          )
          .join(', ')}: ${((slowest / nhi.firstRunMs) * 100).toFixed(
          1,
        )}% of the first`,
      );
    });
    console.log(
      `  backend peak RSS            ${mb(nhi.peakKb)}${heapNote(
        nhi.liveHeap,
      )}`,
    );
    console.log(
      `  NHI page p95                first page ${nhi.pageP95.toFixed(
        0,
      )} ms; unowned ${nhi.unownedP95.toFixed(
        0,
      )} ms; key-id search ${nhi.pageSearchP95.toFixed(
        0,
      )} ms; counts ${nhi.countsP95.toFixed(
        0,
      )} ms (inventory's ${nhi.inventoryCountsP95.toFixed(0)} ms)`,
    );
    console.log(
      `  catalog API (fallback)      first page ${nhi.catalogPageMax.toFixed(
        0,
      )} ms; overview counts ${nhi.catalogCountsMax.toFixed(
        0,
      )} ms (worst of 5)`,
    );
    console.log(`  claim to catalog            ${secs(nhi.claimToCatalogMs)}`);
    console.log(
      `  search rows / identity      ${nhi.searchRows.perEntity.toFixed(
        1,
      )}: ${nhi.searchRows.byField
        .map(([f, n]) => `${f} ${n.toFixed(2)}`)
        .join(', ')}`,
    );
    if (nhi.steady) {
      console.log(
        `  steady state (${
          nhi.steady.minutes
        } min)     backend ${nhi.steady.backendPct.toFixed(
          1,
        )}%, PostgreSQL ${nhi.steady.postgresPct.toFixed(
          1,
        )}% of the machine (catalog.processingInterval as app-config.yaml)`,
      );
    }
  }
  if (bare) {
    console.log(
      `bare catalog                  ${bare.count} queryable in ${secs(
        bare.ms,
      )} from backend start (${Math.round(
        bare.count / (bare.ms / 1000),
      )} entities/s); peak RSS ${mb(bare.peakKb)}${heapNote(bare.liveHeap)}`,
    );
    console.log(
      `  search rows / entity        ${bare.searchRows.perEntity.toFixed(1)}`,
    );
    // not the minimal entities: say so beside the figure
    const variant = [
      BARE_OWNERS ? `owners are ${BARE_OWNERS} real groups` : '',
      process.env.BENCH_SPEC ? `spec from ${process.env.BENCH_SPEC}` : '',
    ].filter(Boolean);
    if (variant.length) {
      console.log(`  bare entities               ${variant.join('; ')}`);
    }
  }
  if (nhi && bare) {
    console.log(
      `ratio NHI / bare              ${(nhi.firstRunMs / bare.ms).toFixed(2)}x`,
    );
  }
}

main().then(
  () => process.exit(0),
  e => {
    console.error(e);
    process.exit(1);
  },
);
