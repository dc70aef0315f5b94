import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import { MeshError } from '@agent-mesh/shared';

/**
 * The gateway's password hash format, for the help text. Written out rather than imported so that
 * registering the command does not load the gateway; auth.test.ts checks it matches the gateway's.
 */
const hashFormat = 'scrypt$N$r$p$salt$hash';

/** Where `auth hash-password` reads and writes; a terminal gets a hidden prompt asked twice. */
export interface HashPasswordIo {
  input: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  /** The hash, and nothing else, goes here. */
  output: Writable;
  /** Prompts go here, so `output` can be captured. */
  prompts: Writable;
}

/**
 * Reads a password (hidden prompt with confirmation on a terminal; otherwise all of stdin, one
 * trailing newline removed) and returns its scrypt hash for `gateway.auth.users[].password_hash`.
 */
export async function runHashPassword(io: HashPasswordIo): Promise<string> {
  let password: string;
  if (io.input.isTTY === true && io.input.setRawMode) {
    password = await promptHidden(io, 'Password: ');
    const again = await promptHidden(io, 'Repeat the password: ');
    if (again !== password) {
      throw new MeshError('REQUEST_INVALID', 'The two passwords differ; nothing was printed.');
    }
  } else {
    password = (await readAll(io.input)).replace(/\r?\n$/, '');
  }
  if (password === '') {
    throw new MeshError(
      'REQUEST_INVALID',
      'The password is empty. Type it at the prompt or pipe it in: printf %s "$PASSWORD" | agent-mesh auth hash-password',
    );
  }
  if (/[\r\n]/.test(password)) {
    throw new MeshError(
      'REQUEST_INVALID',
      'The input has more than one line; pipe in only the password (one trailing newline is allowed).',
    );
  }
  // Loaded on use: the gateway package is heavy, and only this command of the CLI needs it here.
  const { hashPassword } = await import('@agent-mesh/gateway');
  const hash = await hashPassword(password);
  io.output.write(`${hash}\n`);
  return hash;
}

/** Registers `agent-mesh auth hash-password`. */
export function registerAuthCommand(program: Command): void {
  const auth =
    program.commands.find((command) => command.name() === 'auth') ??
    program.command('auth').description('Work with gateway sign-in (auth.mode: password).');
  auth
    .command('hash-password')
    .description(
      `Read a password (hidden prompt, or stdin when piped) and print its scrypt hash (${hashFormat}) for gateway.auth.users[].password_hash.`,
    )
    .action(async () => {
      await runHashPassword({
        input: process.stdin,
        output: process.stdout,
        prompts: process.stderr,
      });
    });
}

function readAll(input: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    input.on('data', (chunk: Buffer | string) =>
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk),
    );
    input.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    input.once('error', reject);
  });
}

/** Reads one line from a terminal in raw mode without echoing it. */
function promptHidden(io: HashPasswordIo, question: string): Promise<string> {
  const { input, prompts } = io;
  prompts.write(question);
  input.setRawMode?.(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error): void => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      prompts.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const character of chunk.toString()) {
        if (character === '\r' || character === '\n') {
          finish();
          return;
        }
        if (character === '\u0003' || character === '\u0004') {
          finish(new MeshError('REQUEST_INVALID', 'Canceled; nothing was printed.'));
          return;
        }
        if (character === '\u007f' || character === '\b') value = [...value].slice(0, -1).join('');
        else value += character;
      }
    };
    input.on('data', onData);
  });
}
