import type { JSONSchemaType } from 'ajv';
import { describe, expect, it } from 'vitest';
import { isMeshError } from '@agent-mesh/shared';
import { compileBodyValidator, rejectInvalidUtf8 } from './request-validator.js';

interface Body {
  text: string;
  tags?: string[];
}

const validate = compileBodyValidator<Body>({
  type: 'object',
  properties: {
    text: { type: 'string', minLength: 1 },
    tags: { type: 'array', items: { type: 'string' }, nullable: true },
  },
  required: ['text'],
  additionalProperties: false,
} satisfies JSONSchemaType<Body>);

function problemOf(body: unknown): string {
  try {
    validate(body);
  } catch (error) {
    if (isMeshError(error, 'REQUEST_INVALID')) return error.message;
    throw error;
  }
  return 'valid';
}

describe('compileBodyValidator', () => {
  it('keeps text that looks like SQL or HTML, emoji, RTL, zero-width and control characters as it is', () => {
    const text = "'; DROP TABLE x;-- <script>alert(1)</script> 👩🏽‍💻 مرحبا \u200B\u202E \t\r\n\u0007";
    expect(validate({ text })).toEqual({ text });
  });

  it('refuses lone surrogates and NUL characters, naming the field', () => {
    expect(problemOf({ text: 'a\uD800b' })).toMatch(
      /^Invalid request body: body\.text must be valid Unicode text/,
    );
    expect(problemOf({ text: '\uDC00' })).toMatch(/lone surrogate/);
    expect(problemOf({ text: 'ok', tags: ['fine', 'nul\u0000'] })).toBe(
      'Invalid request body: body.tags[1] must not contain NUL characters (U+0000).',
    );
    expect(problemOf({ text: '\uD83D\uDE00 a pair is fine' })).toBe('valid');
  });
});

describe('rejectInvalidUtf8', () => {
  it('lets valid UTF-8 through and refuses bytes that are not, with a 400', () => {
    expect(() =>
      rejectInvalidUtf8({}, {}, Buffer.from('{"text":"héllo 👋"}'), 'utf-8'),
    ).not.toThrow();
    expect(() => rejectInvalidUtf8({}, {}, Buffer.from([0x22, 0xff, 0x22]), 'utf-8')).toThrow(
      expect.objectContaining({ status: 400, message: 'The request body is not valid UTF-8.' }),
    );
    // Another declared charset is the parser's business.
    expect(() => rejectInvalidUtf8({}, {}, Buffer.from([0xff, 0xfe]), 'utf-16le')).not.toThrow();
  });
});
