import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parsePasswordHash, passwordHashFormat, verifyPassword } from '@agent-mesh/gateway';
import { registerAuthCommand, runHashPassword } from './auth.js';

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('agent-mesh auth hash-password', () => {
  it("names the gateway's hash format in its help", () => {
    const program = new Command('agent-mesh');
    registerAuthCommand(program);
    const hashCommand = program.commands
      .find((command) => command.name() === 'auth')
      ?.commands.find((command) => command.name() === 'hash-password');
    expect(hashCommand?.description()).toContain(`(${passwordHashFormat})`);
  });

  it('hashes a piped password without its trailing newline and prints only the hash', async () => {
    const input = new PassThrough();
    const output = collect();
    const prompts = collect();
    const running = runHashPassword({ input, output: output.stream, prompts: prompts.stream });
    input.end('s3cret pass\n');
    const hash = await running;
    expect(output.text()).toBe(`${hash}\n`);
    expect(prompts.text()).toBe('');
    const parsed = parsePasswordHash(hash, 'test');
    expect(parsed).toMatchObject({ N: 32768, r: 8, p: 3 });
    expect(await verifyPassword('s3cret pass', parsed)).toBe(true);
    expect(await verifyPassword('s3cret pass\n', parsed)).toBe(false);
  });

  it('refuses empty or multi-line input', async () => {
    for (const text of ['', '\n', 'one\ntwo\n']) {
      const input = new PassThrough();
      const output = collect();
      const running = runHashPassword({ input, output: output.stream, prompts: collect().stream });
      input.end(text);
      await expect(running).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
      expect(output.text()).toBe('');
    }
  });

  it('asks twice on a terminal without echoing, and refuses different answers', async () => {
    const terminal = (answers: string) => {
      const input = Object.assign(new PassThrough(), {
        isTTY: true,
        rawModes: [] as boolean[],
        setRawMode(raw: boolean) {
          this.rawModes.push(raw);
          return this;
        },
      });
      // Each prompt resumes the stream; type the next answer once it listens.
      const lines = answers.split('|');
      input.on('resume', () => {
        const line = lines.shift();
        if (line !== undefined) setImmediate(() => input.write(line));
      });
      return input;
    };
    const matching = terminal('pa\u007fass\r|pass\r');
    const output = collect();
    const prompts = collect();
    const hash = await runHashPassword({
      input: matching,
      output: output.stream,
      prompts: prompts.stream,
    });
    expect(prompts.text()).toBe('Password: \nRepeat the password: \n');
    expect(matching.rawModes).toEqual([true, false, true, false]);
    expect(await verifyPassword('pass', parsePasswordHash(hash, 'test'))).toBe(true);

    const differing = collect();
    await expect(
      runHashPassword({
        input: terminal('one\r|two\r'),
        output: differing.stream,
        prompts: collect().stream,
      }),
    ).rejects.toThrow('The two passwords differ');
    expect(differing.text()).toBe('');
  });
});
