import { MeshError } from '@agent-mesh/shared';

/** A keyset position: a timestamp and an id breaking ties. */
export interface KeysetPosition {
  time: Date;
  id: string;
}

/** Encodes a keyset position as an opaque URL-safe cursor. */
export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.time.toISOString(), position.id])).toString(
    'base64url',
  );
}

/** Decodes a cursor made by encodeCursor; anything else is a 400 naming the parameter. */
export function decodeCursor(cursor: string, parameter: string): KeysetPosition {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string') {
      const time = new Date(value[0]);
      if (!Number.isNaN(time.getTime())) return { time, id: value[1] };
    }
  } catch {
    // Reported below.
  }
  throw new MeshError(
    'REQUEST_INVALID',
    `Query parameter "${parameter}" is not a cursor this API returned; pass the value of a previous response as is.`,
    { parameter },
  );
}
