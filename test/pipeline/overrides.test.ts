import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/errors.js';
import { samplerConfigFromFlags } from '../../src/cli/sampler-options.js';
import { findPreset, PHYSICS_DEFAULTS } from '../../src/pipeline/config.js';
import { DEFAULT_SAMPLER_CONFIG, samplerConfigFromOverrides } from '../../src/pipeline/overrides.js';

test('typed overrides and the same CLI flags give the same configuration', () => {
  const typed = samplerConfigFromOverrides(PHYSICS_DEFAULTS, { solver: 'euler', steps: 12, shift: 5, cfg: 4, plan: '1-3:2', tau: Infinity, restart: 4, restartRepeats: 2 });
  const flags = samplerConfigFromFlags({ solver: 'euler', steps: '12', shift: '5', cfg: '4', plan: '1-3:2', tau: 'inf', restart: '4', restartRepeats: '2' }, PHYSICS_DEFAULTS);
  assert.deepEqual(typed, flags);
  assert.deepEqual(typed.grid, { kind: 'flow', shift: 5 });
  assert.deepEqual(typed.refine, { mode: 'pnp', plan: '1-3:2', tau: Infinity, earlyExit: true });
  assert.deepEqual(typed.restart, { atStep: 4, sigmaHigh: 0.9, steps: 3, repeats: 2 });
});

test('no overrides leave the base; a preset replaces it; window/k write a plan; an explicit grid sets the steps', () => {
  assert.deepEqual(samplerConfigFromOverrides(PHYSICS_DEFAULTS, {}), { ...PHYSICS_DEFAULTS, restart: undefined, freeInit: undefined });
  assert.deepEqual(samplerConfigFromOverrides(PHYSICS_DEFAULTS, { preset: 'cosmos-predict2.5-2b' }).grid, findPreset('cosmos-predict2.5-2b').config.grid);
  const window = samplerConfigFromOverrides(DEFAULT_SAMPLER_CONFIG, { steps: 10, window: 0.3, k: 1 });
  assert.deepEqual(window.refine, { mode: 'pnp', plan: '0-2:1', tau: 0.25, earlyExit: true });
  const explicit = samplerConfigFromOverrides(DEFAULT_SAMPLER_CONFIG, { sigmas: [1, 0.5, 0.2, 0] });
  assert.equal(explicit.steps, 3);
  const adaptive = samplerConfigFromOverrides(PHYSICS_DEFAULTS, { refine: 'adaptive', stopBelow: 0.1 });
  assert.deepEqual(adaptive.refine, { mode: 'adaptive', plan: '1-6:2', tau: 0.25, stopBelow: 0.1 });
});

test('bad overrides are one-line usage errors that name the field the way the caller names it', () => {
  const cases: [Parameters<typeof samplerConfigFromOverrides>[1], RegExp][] = [
    [{ steps: 0 }, /^steps must be an integer ≥ 1, got 0$/],
    [{ steps: 2.5 }, /^steps must be an integer ≥ 1, got 2.5$/],
    [{ shift: -1 }, /^shift must be a positive number, got -1$/],
    [{ cfg: Infinity }, /^cfg must be a finite number, got inf$/],
    [{ tau: -0.5 }, /^tau must be a number ≥ 0/],
    [{ refine: 'none', plan: '1-2:1' }, /^plan needs refine pnp or refine adaptive$/],
    [{ sigmas: [1, 0.5], shift: 3 }, /^give either sigmas or shift, not both$/],
    [{ sigmas: [1, 2] }, /^sigmas must be σ values in \[0, 1\], got 2$/],
    [{ cfgLow: 2 }, /^cfgLow needs cfgBoundary/],
    [{ restartSigma: 0.5 }, /need restart <step>$/],
    [{ freeinitSteps: 3 }, /need freeinit <passes>$/],
    [{ plan: 'x' }, /^malformed refinement plan item 'x'/],
    [{ solver: 'rk4' as 'euler' }, /^solver must be one of euler, heun, unipc, dpmpp-2m, got 'rk4'$/],
    [{ refine: 'adaptive', tau: 0 }, /adaptive refinement needs τ > 0/],
  ];
  for (const [overrides, message] of cases) {
    assert.throws(() => samplerConfigFromOverrides(PHYSICS_DEFAULTS, overrides), (e: Error) => e instanceof UsageError && message.test(e.message) && !e.message.includes('\n'), JSON.stringify(overrides));
  }
  assert.throws(() => samplerConfigFromFlags({ steps: '0' }, PHYSICS_DEFAULTS), /^UsageError: --steps must be an integer ≥ 1, got 0$/);
  assert.throws(() => samplerConfigFromFlags({ restartSigma: '0.5' }), /--restart-sigma, --restart-steps and --restart-repeats need --restart <step>/);
});
