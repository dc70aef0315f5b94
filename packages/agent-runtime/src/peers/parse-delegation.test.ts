import { describe, expect, it } from 'vitest';
import { parseDelegation } from './parse-delegation.js';

const peers = ['researcher', 'writer'];

describe('parseDelegation', () => {
  it.each([
    ['@researcher what is A2A?', { peer: 'researcher', text: 'what is A2A?' }],
    ['@Researcher: find the paper', { peer: 'researcher', text: 'find the paper' }],
    [
      '  ask writer: draft a haiku\nabout rain',
      { peer: 'writer', text: 'draft a haiku\nabout rain' },
    ],
    ['Ask RESEARCHER:hello', { peer: 'researcher', text: 'hello' }],
  ])('forwards %j', (text, expected) => {
    expect(parseDelegation(text, peers)).toEqual(expected);
  });

  it.each([
    'hello @researcher what is A2A?',
    '@stranger what is A2A?',
    '@researcher',
    '@researcher    ',
    'ask researcher what is A2A?',
    'email me at @researcher.org',
  ])('leaves %j to the model', (text) => {
    expect(parseDelegation(text, peers)).toBeUndefined();
  });
});
