// Shared by the web tests: the shipped model loaded once per file, a running app, a client that follows a job's
// server-sent events to its end, and a page in Debian's chromium (driven by playwright-core).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Page } from 'playwright-core';
import { loadCardModel, type CardModel } from '../../src/models/card-loader.js';
import { startWebApp, type WebApp, type WebAppOptions } from '../../src/web/server.js';
import type { JobStatus } from '../../src/web/jobs.js';

export async function withApp<T>(options: WebAppOptions, body: (app: WebApp, model: CardModel) => Promise<T>): Promise<T> {
  const model = await loadCardModel();
  try {
    const app = await startWebApp(model, { port: 0, ...options });
    try {
      return await body(app, model);
    } finally {
      await app.close();
    }
  } finally {
    await model.dispose();
  }
}

export async function postJob(app: WebApp, body: unknown): Promise<{ status: number; json: JobStatus & { error?: string } }> {
  const res = await fetch(`${app.url}/api/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as JobStatus & { error?: string } };
}

export interface StreamEvent {
  readonly type: string;
  readonly status: JobStatus;
}

/** Every event of a job's stream until the server ends it. */
export async function followEvents(app: WebApp, id: string): Promise<StreamEvent[]> {
  const res = await fetch(`${app.url}/api/jobs/${id}/events`);
  if (res.status !== 200 || res.body === null) throw new Error(`events of ${id}: HTTP ${res.status}`);
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const type = /^event: (.*)$/m.exec(block)?.[1] ?? '';
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? 'null';
      return { type, status: JSON.parse(data) as JobStatus };
    });
}

/**
 * Submits a job, follows its stream to the end and checks what every finished job shows: 202, state done, at least
 * one progress event per step, and an NFE that never goes back. Returns the job's id, last status and NFEs seen.
 */
export async function finishedJob(app: WebApp, body: { readonly steps: number }): Promise<{ id: string; last: JobStatus & { error?: string }; nfes: number[] }> {
  const { status, json } = await postJob(app, body);
  assert.equal(status, 202);
  const events = await followEvents(app, json.id);
  const last = events[events.length - 1].status as JobStatus & { error?: string };
  assert.equal(last.state, 'done', last.error ?? '');
  const nfes = events.filter((e) => e.type === 'progress').map((e) => e.status.progress?.nfe ?? -1);
  assert.ok(nfes.length >= body.steps, `one progress event per step at least, got ${nfes.length}`);
  assert.ok(nfes.every((n, i) => i === 0 || n >= nfes[i - 1]), `NFE never goes back: ${nfes.join(',')}`);
  return { id: json.id, last, nfes };
}

/** Requests that keep a job short: 6 steps, one refined step of K = 1. */
export const QUICK = { steps: 6, refine: 'pnp', plan: '1-2:1' } as const;

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The `skip` option of a test that needs chromium. */
export const NEEDS_CHROMIUM = { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} missing (apt-get install chromium)` };

/** Open `url` in a headless chromium page, run `body`, and fail if the page threw. */
export async function withPage(url: string, body: (page: Page) => Promise<void>): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(url);
    await body(page);
    assert.deepEqual(pageErrors, [], 'the page threw');
  } finally {
    await browser.close();
  }
}
