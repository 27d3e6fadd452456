// The decision service's HTTP app (DESIGN §11, issue 14): Fastify routes over
// the library, answering the same Decision documents as `eval --format json`
// and the same effective policy as `policy show --format json`. A request
// takes the store's current loaded set once and uses only it, so a reload
// never shows it half a set. Request bodies are read by the library's own
// JSON reader (positions, duplicate keys, depth and size limits) and hosts
// are validated as the CLI validates files: a bad request gets the CLI's
// coded errors, with the JSON pointer of each value as its `path`. This
// module never reads policy files (the store does) and never listens (the
// command does); tests drive it with `app.inject`.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FastifyError, FastifyInstance, FastifyRequest, FastifyServerOptions } from 'fastify';
import { diagnostic, formatDiagnostic, isError, quote, sortDiagnostics, didYouMean, type Diagnostic } from '../errors.js';
import { evaluate, exitCodeOf, type DestinationInput } from '../evaluate/decision.js';
import { hostFromDocument } from '../inputs.js';
import { parseJsonDocument, type LoadLimits, type SourceDocument, type ValuePath } from '../load.js';
import { describePolicy } from '../report.js';
import { typeForSelection } from '../resolve.js';
import type { Host } from '../types.js';
import { entryOf, refusedEntry, type DecisionLog } from './decision-log.js';
import { createMetrics, type ServiceMetrics } from './metrics.js';
import type { Store } from './types.js';

// fastify is loaded on first use (the CLI bundle must not import packages dynamically; only `serve` needs it).
const require = createRequire(import.meta.url);

export interface AppOptions {
  store: Store;
  /** The CLI's input limits: `maxBytes` is the largest request body (413 beyond), `maxDepth` its deepest nesting. */
  limits: LoadLimits;
  /** Where each decision's log line goes (none: no decision log). Closed when the app closes. */
  decisionLog?: DecisionLog;
  /** Longest a request may take to arrive and be decided, in ms (default 10 000): past it, 503 `timeout`. */
  requestTimeoutMs?: number;
  /** Fastify's logger: pino options, or false (the default) for none. */
  logger?: FastifyServerOptions['logger'];
  /** Metrics to count into (default: a new registry with process metrics). */
  metrics?: ServiceMetrics;
}

/** The body of POST /v1/decisions (DESIGN §11). */
interface DecisionRequest {
  source: unknown;
  devices?: string[];
  destinations?: unknown[];
  destinationHosts?: string[];
  mode?: string;
}

/**
 * Codes of the error body: a Diagnostic's (the CLI's codes, for the input of
 * a request) or the service's own for what is not about the input.
 */
type ServiceCode = 'not-found' | 'method-not-allowed' | 'unsupported-media-type' | 'not-ready' | 'timeout' | 'shutting-down';

/** One error as the API answers it: the Diagnostic, with `path` (JSON pointer into the body) in place of `file`. */
export interface ApiError {
  code: string;
  message: string;
  path?: string;
  line?: number;
  col?: number;
  hint?: string;
}

/** An error answer on its way to the error handler. */
class HttpProblem extends Error {
  constructor(
    readonly statusCode: number,
    readonly errors: ApiError[],
  ) {
    super(errors[0]?.message ?? 'error');
  }
}

/** The file name given to a request body: its values' `path`s are JSON pointers from the body's root (''). */
const BODY = '';

function apiErrorOf(d: Diagnostic): ApiError {
  const e: ApiError = { code: d.code, message: d.message };
  if (d.file !== undefined) e.path = d.file;
  if (d.line !== undefined) e.line = d.line;
  if (d.col !== undefined) e.col = d.col;
  if (d.hint !== undefined) e.hint = d.hint;
  return e;
}

function problem(status: number, diagnostics: readonly Diagnostic[]): HttpProblem {
  return new HttpProblem(status, sortDiagnostics(diagnostics).map(apiErrorOf));
}

function serviceProblem(status: number, code: ServiceCode, message: string, hint?: string): HttpProblem {
  return new HttpProblem(status, [{ code, message, ...(hint === undefined ? {} : { hint }) }]);
}

/** The error body: the first error's fields at the top (code, message, path, hint), every error in `errors`. */
function errorBody(errors: readonly ApiError[]): ApiError & { errors: readonly ApiError[] } {
  return { ...errors[0]!, errors };
}

/** A JSON pointer (RFC 6901) for a value path. */
export function pointer(path: ValuePath): string {
  return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/**
 * The document of one value inside the body (a Host): positions are the
 * body's, and its `file` is the value's JSON pointer, so every diagnostic made
 * about it names where in the request it is.
 */
function subDocument(body: SourceDocument, at: ValuePath, data: unknown): SourceDocument {
  return {
    file: pointer(at),
    data,
    locate: (p, key) => ({ ...body.locate([...at, ...p], key), file: pointer([...at, ...p]) }),
    sourceText: (p) => body.sourceText([...at, ...p]),
  };
}

/** The OpenAPI document (schemas/openapi.json): beside dist/ and src/ in the package, or one level up from the CLI bundle in dist/. */
function readOpenApi(): string {
  for (const rel of ['../../schemas/openapi.json', '../schemas/openapi.json']) {
    try {
      return readFileSync(new URL(rel, import.meta.url), 'utf8');
    } catch {
      // Try the next place.
    }
  }
  throw new Error('schemas/openapi.json is missing from the package');
}

const ROUTES = ['POST /v1/decisions', 'GET /v1/policy', 'GET /health', 'GET /ready', 'GET /metrics', 'GET /openapi.json'];

/** The request body's envelope (hosts are checked by the library's Host schema, with its coded errors). */
const decisionBodySchema = {
  type: 'object',
  required: ['source'],
  additionalProperties: false,
  properties: {
    source: { type: 'object' },
    devices: { type: 'array', items: { type: 'string', minLength: 1 } },
    destinations: { type: 'array', items: { type: 'object' } },
    destinationHosts: { type: 'array', items: { type: 'string', minLength: 1 } },
    mode: { type: 'string', minLength: 1 },
  },
} as const;

const policyQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { mode: { type: 'string', minLength: 1 }, type: { type: 'string', minLength: 1 }, deviceApi: { type: 'string', minLength: 1 } },
} as const;

/** A Fastify validation error (the envelope, the query) as the CLI's schema-violation diagnostics. */
function validationDiagnostics(error: FastifyError, body: SourceDocument | undefined): Diagnostic[] {
  return (error.validation ?? []).map((v) => {
    const params = v.params;
    const parts = v.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const path: (string | number)[] = parts.map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    let message: string;
    let hint: string | undefined;
    const where = path.length === 0 ? (error.validationContext === 'querystring' ? 'the query' : 'the body') : `\`${pointer(path)}\``;
    if (v.keyword === 'additionalProperty' || v.keyword === 'additionalProperties') {
      const name = String(params.additionalProperty);
      const known = Object.keys(error.validationContext === 'querystring' ? policyQuerySchema.properties : decisionBodySchema.properties);
      message = `unknown property ${quote(name)} in ${where}`;
      hint = didYouMean(name, known) ?? `${where} takes ${known.map((k) => `\`${k}\``).join(', ')}`;
      path.push(name);
    } else if (v.keyword === 'required') {
      message = `missing required property ${quote(params.missingProperty)} in ${where}`;
      path.push(String(params.missingProperty));
    } else {
      message = `${where} ${v.message ?? 'is invalid'}`;
    }
    const at = body && error.validationContext === 'body' ? body.locate(path) : {};
    // A query parameter is named `?name`; a body value by its JSON pointer.
    const file = error.validationContext === 'querystring' ? `?${path.join('.')}` : pointer(path);
    return diagnostic('schema-violation', message, { ...at, file }, hint === undefined ? {} : { hint });
  });
}

/** The Fastify app of the decision service. */
export function buildApp(options: AppOptions): FastifyInstance {
  const { store, limits } = options;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const metrics = options.metrics ?? createMetrics(store);
  const { fastify } = require('fastify') as typeof import('fastify');
  const app = fastify({
    logger: options.logger ?? false,
    bodyLimit: limits.maxBytes,
    // A request must arrive within the time limit too (slow clients hold a connection, not the event loop).
    requestTimeout: timeoutMs,
    // Graceful shutdown: new requests on kept-alive connections get the service's 503 (the onRequest hook) while in-flight ones finish.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: false, useDefaults: false } },
  });
  const bodies = new WeakMap<FastifyRequest, SourceDocument>();
  const openapi = readOpenApi();

  // The library's JSON reader instead of JSON.parse: positions, duplicate keys, depth and value limits, coded errors.
  // Only JSON is read: Fastify's text/plain parser would hand the body schema a string (400) where 415 is the answer.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, text, done) => {
    // JSON is UTF-8 (RFC 8259): a body declared in another charset is not read as if it were.
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1];
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
      done(serviceProblem(415, 'unsupported-media-type', `unsupported charset ${quote(charset)}`, 'send the body as UTF-8 JSON (`Content-Type: application/json`)'), undefined);
      return;
    }
    const parsed = parseJsonDocument(String(text), BODY, limits);
    if (!parsed.ok) {
      const tooLarge = parsed.errors.some((e) => e.code === 'input-too-large');
      done(problem(tooLarge ? 413 : 400, parsed.errors), undefined);
      return;
    }
    bodies.set(request, parsed.value);
    done(null, parsed.value.data);
  });

  app.setErrorHandler((error: FastifyError | HttpProblem, request, reply) => {
    let answer: HttpProblem;
    if (error instanceof HttpProblem) answer = error;
    else if (error.validation) answer = problem(400, validationDiagnostics(error, bodies.get(request)));
    else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) {
      answer = problem(413, [diagnostic('input-too-large', `request body larger than ${limits.maxBytes} bytes`, { file: BODY }, { hint: 'the limit is --max-bytes' })]);
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || error.statusCode === 415) {
      answer = serviceProblem(415, 'unsupported-media-type', `unsupported content type ${quote(request.headers['content-type'] ?? '')}`, 'send the body as `Content-Type: application/json`');
    } else if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      answer = problem(400, [diagnostic('yaml-syntax', 'empty document', { file: BODY, line: 1, col: 1 })]);
    } else if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      answer = problem(error.statusCode, [diagnostic('usage', error.message.charAt(0).toLowerCase() + error.message.slice(1), { file: BODY })]);
    } else {
      request.log.error({ err: error }, 'internal error');
      answer = problem(500, [diagnostic('internal', 'internal error', {}, { hint: 'this is a bug in mdev-policy; the service log has the details' })]);
    }
    if (request.routeOptions.url === '/v1/decisions') {
      metrics.decisions.inc({ verdict: 'error' });
      // One decision log line per request (DESIGN §11), a refused one too: its status and errors.
      const set = store.current();
      options.decisionLog?.write(refusedEntry(answer.statusCode, answer.errors, set ? { policy: { name: set.base.written.metadata.name, version: set.base.written.metadata.version, digest: set.digest }, mode: set.mode, generation: set.generation } : undefined));
    }
    return reply.status(answer.statusCode).type('application/json').send(errorBody(answer.errors));
  });

  app.setNotFoundHandler((request, reply) => {
    const url = request.url.split('?')[0]!;
    // A route that exists for other methods: 405 with the methods it takes.
    const allowed = ROUTES.filter((r) => r.slice(r.indexOf(' ') + 1) === url).map((r) => r.slice(0, r.indexOf(' ')));
    if (allowed.length > 0) {
      const answer = serviceProblem(405, 'method-not-allowed', `${quote(url)} does not take ${request.method}`, `use ${allowed.map((m) => `\`${m} ${url}\``).join(' or ')}`);
      return reply.status(405).header('allow', allowed.join(', ')).type('application/json').send(errorBody(answer.errors));
    }
    const answer = serviceProblem(404, 'not-found', `no route ${quote(`${request.method} ${url}`)}`, `routes: ${ROUTES.map((r) => `\`${r}\``).join(', ')}`);
    return reply.status(404).type('application/json').send(errorBody(answer.errors));
  });

  // Graceful shutdown: once closing, a new request (on a kept-alive connection) gets the service's own 503; those in flight finish.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) {
      done();
      return;
    }
    const answer = serviceProblem(503, 'shutting-down', 'the service is shutting down', 'ask another replica, or again once it has restarted');
    void reply.status(503).header('connection', 'close').type('application/json').send(errorBody(answer.errors));
  });

  app.addHook('onResponse', (request, reply, done) => {
    metrics.requests.inc({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
    done();
  });

  // The policy reloads, in the service log: a bad edit with its coded file:line:col errors (the previous set keeps serving).
  store.onReload((outcome) => {
    if (outcome.ok) app.log.info({ generation: outcome.generation, digest: store.current()?.digest, warnings: outcome.warnings.map(formatDiagnostic) }, 'policy set reloaded');
    else app.log.error({ generation: outcome.generation, errors: outcome.errors.map(formatDiagnostic) }, 'policy reload failed: the previous set keeps serving');
  });
  const first = store.lastOutcome();
  if (first && !first.ok) app.log.error({ errors: first.errors.map(formatDiagnostic) }, store.current() ? 'policy reload failed: the previous set keeps serving' : 'no policy set loaded: not ready');

  app.addHook('onClose', async () => {
    await options.decisionLog?.close();
  });

  app.get('/health', () => Promise.resolve({ status: 'ok' }));

  app.get('/ready', async (_request, reply) => {
    const set = store.current();
    const last = store.lastOutcome();
    const lastReload = last ? { ok: last.ok, at: last.at, generation: last.generation, errors: last.errors.map(apiErrorOf), warnings: last.warnings.map(apiErrorOf) } : undefined;
    if (!set) return reply.status(503).send({ ready: false, ...(lastReload ? { lastReload } : {}) });
    return { ready: true, generation: set.generation, loadedAt: set.loadedAt, digest: set.digest, mode: set.mode, inventoryHosts: set.inventory.size, ...(lastReload ? { lastReload } : {}) };
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });

  app.get('/openapi.json', async (_request, reply) => reply.type('application/json').send(openapi));

  app.get('/v1/policy', { schema: { querystring: policyQuerySchema } }, (request) => {
    const set = store.current();
    if (!set) return Promise.reject(notReady(store));
    const query = request.query as { mode?: string; type?: string; deviceApi?: string };
    const policy = set.policyFor(query.mode);
    if (!policy.ok) return Promise.reject(problem(400, policy.errors.map((e) => ({ ...e, file: '?mode' }))));
    const type = typeForSelection(query.type, query.deviceApi);
    return Promise.resolve({ ...describePolicy(policy.value, policy.value.forType(type), type), digest: policy.value.digest, generation: set.generation, loadedAt: set.loadedAt });
  });

  app.post('/v1/decisions', { schema: { body: decisionBodySchema } }, async (request) => {
    const started = process.hrtime.bigint();
    const deadline = Date.now() + timeoutMs;
    const set = store.current();
    if (!set) throw notReady(store);
    const body = request.body as DecisionRequest;
    const doc = bodies.get(request)!;
    const errors: Diagnostic[] = [];
    const warnings: Diagnostic[] = [];
    const policy = set.policyFor(body.mode);
    if (!policy.ok) errors.push(...policy.errors.map((e) => ({ ...e, ...doc.locate(['mode']), file: '/mode' })));
    const read = (at: ValuePath, data: unknown): Host | undefined => {
      const host = hostFromDocument(subDocument(doc, at, data));
      errors.push(...host.errors.filter(isError));
      warnings.push(...host.warnings, ...host.errors.filter((e) => !isError(e)));
      return host.value;
    };
    const source = read(['source'], body.source);
    const destinations: Host[] = [];
    (body.destinations ?? []).forEach((d, i) => {
      const host = read(['destinations', i], d);
      if (host) destinations.push(host);
    });
    (body.destinationHosts ?? []).forEach((name, i) => {
      const host = set.findHost(name);
      if (host) destinations.push(host);
      else {
        errors.push(
          diagnostic('usage', `no host ${quote(name)} in the inventory`, { ...doc.locate(['destinationHosts', i]), file: pointer(['destinationHosts', i]) }, {
            hint: didYouMean(name, set.inventory.keys()) ?? (set.inventory.size === 0 ? 'the service was started without --inventory: send the destination Host inline in `destinations`' : 'send the destination Host inline in `destinations`'),
          }),
        );
      }
    });
    if ((body.destinations ?? []).length + (body.destinationHosts ?? []).length === 0) {
      errors.push(diagnostic('schema-violation', 'no destination: name at least one in `destinations` (Hosts) or `destinationHosts` (inventory host names)', { ...doc.locate([]), file: BODY }));
    }
    if (errors.length > 0 || !source || !policy.ok) throw problem(400, errors);
    // Between destinations: give other requests a turn, and stop past the time limit.
    async function* paced(): AsyncGenerator<DestinationInput> {
      for (const host of destinations) {
        if (Date.now() > deadline) throw serviceProblem(503, 'timeout', `deciding took longer than ${timeoutMs} ms`, 'ask about fewer destinations per request, or raise --request-timeout');
        yield { host, errors: [] };
        await nextTurn();
      }
    }
    const counts = { destinations: 0, compatible: 0 };
    const decision = await evaluate({ policy: policy.value, source, devices: body.devices, destinations: paced(), counts, destination: { engine: 'compiled' } });
    decision.errors = sortDiagnostics(decision.errors);
    // Nothing decided because of the input (an unknown --device, a destination too large): a bad request, as the CLI's exit code 2 with empty output.
    if (decision.errors.length > 0 && counts.destinations === 0) throw problem(decision.errors.some((e) => e.code === 'input-too-large') ? 413 : 400, decision.errors);
    const allWarnings = [...warnings, ...(decision.warnings ?? [])];
    if (allWarnings.length > 0) decision.warnings = allWarnings;
    const verdict = exitCodeOf(decision) === 2 ? 'error' : decision.compatible ? 'compatible' : 'incompatible';
    metrics.decisions.inc({ verdict });
    metrics.decisionSeconds.observe({ verdict }, Number(process.hrtime.bigint() - started) / 1e9);
    options.decisionLog?.write(entryOf(decision, destinations.map((d) => d.name), set.generation));
    return decision;
  });

  return app;
}

function notReady(store: Store): HttpProblem {
  const last = store.lastOutcome();
  return new HttpProblem(503, [
    { code: 'not-ready', message: 'no policy set is loaded', hint: 'GET /ready shows why; a fixed policy file is picked up without a restart' },
    ...(last?.errors ?? []).map(apiErrorOf),
  ]);
}
