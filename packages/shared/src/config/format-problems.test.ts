import { describe, expect, it } from 'vitest';
import { displayPath, appendPointer } from './config-path.js';
import { formatProblem, sortProblems } from './format-problems.js';
import { suggestName } from './suggest-name.js';

describe('formatProblem', () => {
  it('writes file:line:col path message', () => {
    expect(
      formatProblem({
        file: 'config/agents/a.yaml',
        line: 12,
        col: 5,
        path: 'agent.session_service.type',
        message: 'must be one of: memory, sql',
      }),
    ).toBe('config/agents/a.yaml:12:5 agent.session_service.type must be one of: memory, sql');
  });

  it('leaves out an unknown position and an empty path', () => {
    expect(
      formatProblem({ file: 'x.yaml', line: 0, col: 0, path: '', message: 'does not exist' }),
    ).toBe('x.yaml does not exist');
  });

  it('sorts by file in order of appearance, then by position, dropping duplicates', () => {
    const problem = (file: string, line: number, col: number) => ({
      file,
      line,
      col,
      path: 'p',
      message: 'm',
    });
    expect(
      sortProblems([
        problem('b', 3, 1),
        problem('a', 9, 1),
        problem('b', 1, 4),
        problem('b', 1, 4),
      ]),
    ).toEqual([problem('b', 1, 4), problem('b', 3, 1), problem('a', 9, 1)]);
  });
});

describe('displayPath', () => {
  it('renders pointers with dots and indexes', () => {
    expect(displayPath('/agent/peers/1/url')).toBe('agent.peers[1].url');
    expect(displayPath(appendPointer('/agent/model/headers', 'a/b c'))).toBe(
      'agent.model.headers["a/b c"]',
    );
    expect(displayPath('')).toBe('');
  });
});

describe('suggestName', () => {
  it('suggests the closest key for a typo and nothing for an unrelated word', () => {
    const keys = ['session_service', 'auto_summarization', 'peers', 'port'];
    expect(suggestName('session_servce', keys)).toBe('session_service');
    expect(suggestName('prot', keys)).toBe('port');
    expect(suggestName('autosumarization', keys)).toBe('auto_summarization');
    expect(suggestName('database', keys)).toBeUndefined();
  });
});
