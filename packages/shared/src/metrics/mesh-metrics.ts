import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DatabasePoolStats } from '../database/database-types.js';

/** Which process the metrics describe; also the value of the `process` label of `agent_mesh_info`. */
export type MetricsProcessKind = 'gateway' | 'agent';

/** How a turn (gateway: a task; agent: one runner turn) ended, as counted. */
export type TurnOutcome = 'completed' | 'failed' | 'canceled' | 'interrupted';

/** What a MeshMetrics is created with. */
export interface MeshMetricsOptions {
  kind: MetricsProcessKind;
  /** Node.js process metrics (CPU, memory, event loop, GC) in the same registry (default true). */
  processMetrics?: boolean;
  /** The version reported in `agent_mesh_info`. */
  version?: string;
}

/** An Express-compatible request as the HTTP middleware reads it after routing. */
interface RoutedRequest extends IncomingMessage {
  baseUrl?: string;
  route?: { path?: unknown };
}

const turnBuckets = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
const httpBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const poolStates = ['max', 'open', 'in_use', 'idle', 'waiting'] as const;

/**
 * The Prometheus metrics of one gateway or agent process, in a registry of its own (so tests can run
 * several processes' worth side by side): HTTP requests by route and status, turns started and
 * finished by status with their latency, compactions, scheduled prunes, database pool use, open
 * WebSockets, and Node.js process metrics. `render()` gives the text exposition format for /metrics.
 */
export class MeshMetrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  readonly turnsStarted: Counter<'agent'>;
  readonly turnsFinished: Counter<'agent' | 'status'>;
  readonly turnDuration: Histogram<'agent' | 'status'>;
  readonly compactions: Counter<'agent'>;
  readonly retentionRuns: Counter<'result'>;
  readonly retentionDeletedSessions: Counter;

  constructor(options: MeshMetricsOptions) {
    const registers = [this.registry];
    new Gauge({
      name: 'agent_mesh_info',
      help: 'Always 1; the labels say which agent-mesh process and version this is.',
      labelNames: ['process', 'version'],
      registers,
    }).set({ process: options.kind, version: options.version ?? 'unknown' }, 1);
    this.httpRequests = new Counter({
      name: 'agent_mesh_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpRequestDuration = new Histogram({
      name: 'agent_mesh_http_request_duration_seconds',
      help: 'Time from request to the end of the response (whole stream for streaming responses).',
      labelNames: ['method', 'route', 'status'],
      buckets: httpBuckets,
      registers,
    });
    this.turnsStarted = new Counter({
      name: 'agent_mesh_turns_started_total',
      help:
        options.kind === 'gateway'
          ? 'Replies the gateway started streaming from an agent, by agent.'
          : 'Turns (user messages) the agent started answering.',
      labelNames: ['agent'],
      registers,
    });
    this.turnsFinished = new Counter({
      name: 'agent_mesh_turns_finished_total',
      help: 'Turns that ended, by agent and status: completed, failed, canceled or interrupted.',
      labelNames: ['agent', 'status'],
      registers,
    });
    this.turnDuration = new Histogram({
      name: 'agent_mesh_turn_duration_seconds',
      help: 'Time from the start of a turn to its end, by agent and status.',
      labelNames: ['agent', 'status'],
      buckets: turnBuckets,
      registers,
    });
    this.compactions = new Counter({
      name: 'agent_mesh_compactions_total',
      help: 'Compaction events appended to sessions (summaries replacing old turns in prompts).',
      labelNames: ['agent'],
      registers,
    });
    this.retentionRuns = new Counter({
      name: 'agent_mesh_retention_runs_total',
      help: 'Scheduled prunes, by result: pruned, skipped (another instance held the lock) or failed.',
      labelNames: ['result'],
      registers,
    });
    this.retentionDeletedSessions = new Counter({
      name: 'agent_mesh_retention_deleted_sessions_total',
      help: 'Sessions deleted by scheduled prunes of this process.',
      registers,
    });
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** The Content-Type of render()'s output. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Counts a started turn. */
  turnStarted(agent: string): void {
    this.turnsStarted.inc({ agent });
  }

  /** Counts a finished turn and observes its duration. */
  turnFinished(agent: string, status: TurnOutcome, seconds: number): void {
    this.turnsFinished.inc({ agent, status });
    this.turnDuration.observe({ agent, status }, seconds);
  }

  /**
   * Exposes the database pool as `agent_mesh_db_pool_connections{state}`, read at each scrape
   * (states the driver does not report are left out).
   */
  observePool(read: () => DatabasePoolStats | undefined): void {
    new Gauge({
      name: 'agent_mesh_db_pool_connections',
      help: 'Database connection pool: max (configured size), open, in_use, idle and waiting requests.',
      labelNames: ['state', 'provider'],
      registers: [this.registry],
      collect() {
        this.reset();
        const stats = read();
        if (stats === undefined) return;
        const values: Record<(typeof poolStates)[number], number | undefined> = {
          max: stats.max,
          open: stats.open,
          in_use: stats.inUse,
          idle: stats.idle,
          waiting: stats.waiting,
        };
        for (const state of poolStates) {
          const value = values[state];
          if (value !== undefined) this.set({ state, provider: stats.provider }, value);
        }
      },
    });
  }

  /** Adds a gauge read at each scrape, e.g. open WebSocket connections. */
  observeGauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** The metrics in the Prometheus text exposition format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * An Express middleware that counts every request when its response ends, labelled with the matched
   * route pattern (`/api/v1/sessions/:id`), never the raw path, so ids do not multiply the series.
   */
  httpMiddleware(): (request: IncomingMessage, response: ServerResponse, next: () => void) => void {
    return (request, response, next) => {
      const started = process.hrtime.bigint();
      response.once('finish', () => {
        const labels = {
          method: request.method ?? 'GET',
          route: routeOf(request as RoutedRequest),
          status: String(response.statusCode),
        };
        this.httpRequests.inc(labels);
        this.httpRequestDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      });
      next();
    };
  }
}

/** The route pattern a request matched: mount path plus route path, or `(unmatched)`. */
function routeOf(request: RoutedRequest): string {
  const base = request.baseUrl ?? '';
  const path = request.route?.path;
  if (typeof path === 'string') return `${base}${path === '/' && base !== '' ? '' : path}`;
  if (Array.isArray(path)) return `${base}${path.map(String).join('|')}`;
  return base === '' ? '(unmatched)' : base;
}
