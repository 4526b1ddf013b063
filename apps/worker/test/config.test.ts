import { describe, expect, it } from 'vitest';
import { defaultIntervalMs, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('defaults INTERVAL_MS to 1000', () => {
    expect(defaultIntervalMs).toBe(1_000);
    expect(loadConfig({})).toEqual({ intervalMs: 1_000 });
    expect(loadConfig({ INTERVAL_MS: ' ' })).toEqual({ intervalMs: 1_000 });
  });

  it('reads INTERVAL_MS', () => {
    expect(loadConfig({ INTERVAL_MS: '250' })).toEqual({ intervalMs: 250 });
  });

  it('rejects values that are not a whole number of milliseconds from 10', () => {
    for (const INTERVAL_MS of ['soon', '1.5', '5', '-100', '3600001']) {
      expect(() => loadConfig({ INTERVAL_MS }), INTERVAL_MS).toThrow(/INTERVAL_MS/);
    }
  });
});
