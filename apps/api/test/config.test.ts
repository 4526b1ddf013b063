import { describe, expect, it } from 'vitest';
import { defaultPort, readPort } from '../src/config.js';

describe('readPort', () => {
  it('defaults to 3000', () => {
    expect(readPort({})).toBe(defaultPort);
    expect(defaultPort).toBe(3000);
    expect(readPort({ PORT: '  ' })).toBe(3000);
  });

  it('reads PORT, including 0 for a free port', () => {
    expect(readPort({ PORT: '8081' })).toBe(8081);
    expect(readPort({ PORT: '0' })).toBe(0);
  });

  it('rejects values that are not ports', () => {
    for (const PORT of ['http', '3000.5', '-1', '65536']) {
      expect(() => readPort({ PORT })).toThrow(/PORT must be a whole number/);
    }
  });
});
