import { describe, expect, it } from 'vitest';
import { clickLabel, greeting } from '../src/client/greeting.js';

describe('greeting', () => {
  it('depends on the local hour', () => {
    const at = (hour: number) => new Date(2026, 0, 1, hour, 30);
    expect(greeting(at(3))).toBe('Good night');
    expect(greeting(at(9))).toBe('Good morning');
    expect(greeting(at(12))).toBe('Good afternoon');
    expect(greeting(at(20))).toBe('Good evening');
  });
});

describe('clickLabel', () => {
  it('uses the singular for one click', () => {
    expect(clickLabel(0)).toBe('Clicked 0 times');
    expect(clickLabel(1)).toBe('Clicked 1 time');
    expect(clickLabel(2)).toBe('Clicked 2 times');
  });
});
