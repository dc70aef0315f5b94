import { describe, expect, it } from 'vitest';
import { chatPath, parseRoute } from './route.js';

describe('parseRoute', () => {
  it('reads the new-chat screen from the root and /chat', () => {
    expect(parseRoute('/')).toEqual({ name: 'new-chat' });
    expect(parseRoute('/chat/')).toEqual({ name: 'new-chat' });
  });

  it('reads a session id and round-trips it through chatPath', () => {
    const id = 'web-session-7f0c2f6e-3d7a-4c8e-9a55-0d1c5a8c1b2e';
    expect(parseRoute(`/chat/${id}`)).toEqual({ name: 'chat', sessionId: id });
    expect(parseRoute(chatPath('a b/c'))).toEqual({ name: 'chat', sessionId: 'a b/c' });
  });

  it('reports unknown paths and broken escapes as not found', () => {
    expect(parseRoute('/settings')).toEqual({ name: 'not-found', pathname: '/settings' });
    expect(parseRoute('/chat/%E0%A4%A')).toEqual({ name: 'not-found', pathname: '/chat/%E0%A4%A' });
  });
});
