import { describe, expect, it } from 'vitest';
import { MeshError } from '../errors/mesh-error.js';
import { isDatabaseUnavailableError } from './database-errors.js';

/** A Prisma error as the driver adapters produce it. */
function prismaError(
  code: string,
  cause: Record<string, unknown>,
  message = 'Database error',
): Error {
  return Object.assign(new Error(message), {
    name: 'PrismaClientKnownRequestError',
    code,
    meta: { driverAdapterError: { name: 'DriverAdapterError', cause } },
  });
}

describe('isDatabaseUnavailableError', () => {
  it('recognises a PostgreSQL connection terminated by an administrator (57P01)', () => {
    const error = prismaError('P2039', {
      kind: 'postgres',
      code: '57P01',
      originalCode: '57P01',
      originalMessage: 'terminating connection due to administrator command',
    });
    expect(isDatabaseUnavailableError(error)).toBe(true);
  });

  it('recognises lost clients, pool timeouts, transactions that could not start, and a locked SQLite file', () => {
    expect(
      isDatabaseUnavailableError(
        new Error('Client has encountered a connection error and is not queryable'),
      ),
    ).toBe(true);
    expect(isDatabaseUnavailableError(new Error('timeout exceeded when trying to connect'))).toBe(
      true,
    );
    expect(
      isDatabaseUnavailableError(
        Object.assign(
          new Error('Transaction API error: Unable to start a transaction in the given time.'),
          {
            code: 'P2028',
          },
        ),
      ),
    ).toBe(true);
    expect(
      isDatabaseUnavailableError(
        prismaError('P1008', { kind: 'SocketTimeout' }, 'Operation has timed out'),
      ),
    ).toBe(true);
    expect(
      isDatabaseUnavailableError(prismaError('P2010', { kind: 'postgres', originalCode: '08006' })),
    ).toBe(true);
    expect(
      isDatabaseUnavailableError(new MeshError('DATABASE_UNAVAILABLE', 'Cannot connect to …')),
    ).toBe(true);
  });

  it('leaves bugs and bad input alone', () => {
    expect(isDatabaseUnavailableError(new TypeError('x is undefined'))).toBe(false);
    expect(
      isDatabaseUnavailableError(prismaError('P2002', { kind: 'UniqueConstraintViolation' })),
    ).toBe(false);
    expect(
      isDatabaseUnavailableError(prismaError('P2010', { kind: 'postgres', originalCode: '22021' })),
    ).toBe(false);
    expect(isDatabaseUnavailableError(new MeshError('REQUEST_INVALID', 'bad'))).toBe(false);
    expect(isDatabaseUnavailableError('database is locked')).toBe(false);
  });
});
