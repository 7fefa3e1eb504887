// Connections to the Redis server behind the job queue, and the names every queue user agrees on.
import { Redis } from 'ioredis';
import { shortHash } from '../bench/jobs.js';
import { ToolError, UsageError } from '../errors.js';

/** Prefix of every key the queue writes (BullMQ's own keys and ours). */
export const KEY_PREFIX = 'selfrefine';
/** Pub/sub channel on which submitters name jobs to cancel; every worker listens. */
export const CANCEL_CHANNEL = `${KEY_PREFIX}:cancel`;
/** How long a cancel request is remembered for a job that has not started yet. */
export const CANCEL_TTL_SECONDS = 24 * 3600;
/** How long a first connection may take before the URL is reported as unreachable. */
const CONNECT_TIMEOUT_MS = 5000;

/** The key that marks a job as cancelled (a worker checks it before it starts the job). */
export function cancelKey(jobId: string): string {
  return `${KEY_PREFIX}:cancelled:${jobId}`;
}

/**
 * The queue of the jobs for one model's weights: workers listen only on the queue of the weights they run, so a
 * job never reaches a worker with other weights (the worker still checks the job's weights id before it runs it).
 */
export function queueNameFor(weightsId: string): string {
  return `jobs-${shortHash(weightsId, 16)}`;
}

/** Check a --redis URL (redis:// or rediss:// for TLS); a password goes in it as redis://:PASSWORD@host:port. */
export function checkRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--redis must be a URL like redis://127.0.0.1:6379 (rediss:// for TLS), got '${url}'`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new UsageError(`--redis must start with redis:// or rediss:// (TLS), got '${url}'`);
  }
  return url;
}

/** A URL for messages: the password replaced by ***. */
export function redactedUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

export interface ConnectOptions {
  /** Called once when the connection drops and once when it is back (a restarted server, a network blip). */
  readonly log?: (line: string) => void;
}

/**
 * A connection that retries forever (commands wait while Redis is away, as BullMQ's workers require), after a
 * first successful PING: an unreachable URL is reported at once instead of hanging.
 */
export async function connectRedis(url: string, options: ConnectOptions = {}): Promise<Redis> {
  checkRedisUrl(url);
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  });
  // Only a connection that once worked is reported as lost (a first failure is the error below).
  let up = false;
  let down = false;
  redis.on('error', () => {
    if (up && !down) options.log?.(`redis ${redactedUrl(url)}: connection lost; retrying`);
    down = up;
  });
  redis.on('ready', () => {
    if (down) options.log?.(`redis ${redactedUrl(url)}: connected again`);
    up = true;
    down = false;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ToolError(`cannot reach Redis at ${redactedUrl(url)} within ${CONNECT_TIMEOUT_MS / 1000} s; start redis-server or fix --redis`)), CONNECT_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    redis.disconnect();
    if (err instanceof ToolError) throw err;
    throw new ToolError(`Redis at ${redactedUrl(url)} refused the connection: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  return redis;
}
