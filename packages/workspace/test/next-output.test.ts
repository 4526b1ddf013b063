import { describe, expect, it } from 'vitest';
import { nextOutputConditionOf, nextOutputOf } from '../src/read-build-hints.js';

describe('next.config output', () => {
  it('reads a plain output and no condition', () => {
    const text = 'const config = {\n  output: "standalone",\n};\nexport default config;\n';
    expect(nextOutputOf(text)).toBe('standalone');
    expect(nextOutputConditionOf(text)).toBeUndefined();
    expect(nextOutputOf('export default { reactStrictMode: true }')).toBe('server');
  });

  it('names the environment variables a conditional output reads, directly or through a constant', () => {
    // rallly's apps/web and openstatus' dashboard, as written there.
    const rallly =
      'const nextConfig = {\n  output:\n    process.env.NEXT_PUBLIC_SELF_HOSTED === "true" ? "standalone" : undefined,\n};';
    expect(nextOutputOf(rallly)).toBe('standalone');
    expect(nextOutputConditionOf(rallly)).toEqual(['NEXT_PUBLIC_SELF_HOSTED']);
    expect(
      nextOutputConditionOf(`output: process.env['DOCKER'] ? 'standalone' : undefined,`),
    ).toEqual(['DOCKER']);
    const viaConstant =
      'const isDocker = process.env.BUILD_TARGET === "docker";\n// output: "export"\nexport default { output: isDocker ? "standalone" : undefined };';
    expect(nextOutputConditionOf(viaConstant)).toEqual(['BUILD_TARGET']);
    // A condition with nothing to read: known to be conditional, on what is unknown.
    expect(nextOutputConditionOf('output: isStandalone() ? "standalone" : undefined')).toEqual([]);
  });

  it('reads a conditional spread of the output (jitsu’s console)', () => {
    const jitsu = [
      'const nextConfig = {',
      '  experimental: { instrumentationHook: true },',
      '  ...(process.env.NEXTJS_STANDALONE_BUILD === "1"',
      '    ? {',
      '        output: "standalone",',
      '      }',
      '    : {}),',
      '  outputFileTracing: true,',
      '};',
    ].join('\n');
    expect(nextOutputOf(jitsu)).toBe('standalone');
    expect(nextOutputConditionOf(jitsu)).toEqual(['NEXTJS_STANDALONE_BUILD']);
    // An unconditional spread states no condition.
    expect(nextOutputConditionOf('const c = { ...base, output: "standalone" };')).toBeUndefined();
  });
});
