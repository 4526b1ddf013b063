import { describe, expect, it } from 'vitest';
import { defaultPort, readPort } from '../src/config.js';

describe('readPort', () => {
  it('defaults to 8080', () => {
    expect(defaultPort).toBe(8080);
    expect(readPort({})).toBe(8080);
  });

  it('reads PORT, including 0 for a free port', () => {
    expect(readPort({ PORT: '9000' })).toBe(9000);
    expect(readPort({ PORT: '0' })).toBe(0);
  });

  it('rejects values that are not ports', () => {
    expect(() => readPort({ PORT: 'eighty' })).toThrow(/PORT must be a whole number/);
    expect(() => readPort({ PORT: '70000' })).toThrow(/PORT must be a whole number/);
  });
});
