/**
 * A random id for a message the browser is about to send (sent as `clientMessageId`, so a resend is
 * idempotent). Built on `getRandomValues`, which, unlike `randomUUID`, also exists on plain-http origins.
 */
export function createLocalId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
