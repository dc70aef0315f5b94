import { describe, expect, it } from 'vitest';
import { substituteEnv } from './substitute-env.js';

describe('substituteEnv', () => {
  it('replaces several variables and defaults in one string', () => {
    const result = substituteEnv('http://${HOST, localhost}:${PORT, 80}/${PATH_PART}', {
      PORT: '8080',
      PATH_PART: 'api',
    });
    expect(result).toEqual({ value: 'http://localhost:8080/api', changed: true, problems: [] });
  });

  it('allows an empty default, written bare or quoted', () => {
    expect(substituteEnv('[${A, }][${B,}][${C, ""}]', {}).value).toBe('[][][]');
  });

  it('keeps commas and spaces inside a quoted default', () => {
    expect(substituteEnv("${GREETING, 'hello, world' }", {}).value).toBe('hello, world');
  });

  it('treats an empty variable as unset, so its default applies', () => {
    expect(substituteEnv('${PORT, 8000}', { PORT: '' }).value).toBe('8000');
  });

  it('turns $${VAR} into a literal ${VAR} without reading the environment', () => {
    const result = substituteEnv('cost: $${PRICE} and ${PRICE}', { PRICE: '3' });
    expect(result.value).toBe('cost: ${PRICE} and 3');
    expect(result.problems).toEqual([]);
  });

  it('reports every variable that is missing and has no default, with its offset', () => {
    const result = substituteEnv('${USER_NAME}@${DB_HOST, localhost}/${DB_NAME}', {});
    expect(result.problems.map((problem) => [problem.variable, problem.index])).toEqual([
      ['USER_NAME', 0],
      ['DB_NAME', 35],
    ]);
    expect(result.problems[0]?.message).toContain('USER_NAME is not set');
  });

  it('reports an unclosed or invalid expression instead of passing it through silently', () => {
    expect(substituteEnv('${HOST', {}).problems[0]?.message).toContain('unclosed');
    expect(substituteEnv('${1BAD}', {}).problems[0]?.message).toContain(
      'invalid variable expression',
    );
    expect(substituteEnv('${A, ${B}}', {}).problems[0]?.message).toContain('not supported');
  });

  it('leaves strings without ${ untouched', () => {
    expect(substituteEnv('plain $HOME text', {})).toEqual({
      value: 'plain $HOME text',
      changed: false,
      problems: [],
    });
  });
});
