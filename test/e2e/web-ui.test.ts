import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createTempDir,
  getFreePort,
  repoRoot,
  startAgentProcess,
  startMeshProcess,
  stopMeshProcesses,
  waitFor,
  type AgentProcess,
  type MeshProcess,
  type TempDir,
} from './helpers/index.js';
import { launchWebUiBrowser, type WebUiBrowser } from './helpers/web-ui-browser.js';

// The web UI in a real Chromium against a real gateway and a real agent (built-in model, streaming one
// word every `delay_ms`), both on SQLite files in a temp folder, restarted with SIGKILL mid-reply.

const webIndex = join(repoRoot, 'packages/gateway/web/dist/index.html');
const wordDelayMs = 150;
/** Chatter the built-in model echoes back as "You said: …" (no facts, no question), 30 words long. */
const longMessage = (label: string): string =>
  `${label} ` +
  'alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike november oscar ' +
  'papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu one two three';

let temp: TempDir;
let agentConfig: string;
let gatewayConfig: string;
let agent: AgentProcess;
let gateway: MeshProcess;
let gatewayUrl: string;
let browser: WebUiBrowser;

async function startGateway(): Promise<MeshProcess> {
  const started = startMeshProcess(['gateway', '--config', gatewayConfig], { cwd: temp.path });
  await started.waitForLog(
    (entry) => typeof entry.msg === 'string' && entry.msg.includes('listening on'),
  );
  await waitFor(async () => (await fetch(`${gatewayUrl}/healthz`)).ok, {
    description: `${gatewayUrl}/healthz`,
  });
  return started;
}

/** The agent bubbles as the page shows them. */
async function readReplies(page: Page): Promise<{ status: string; text: string }[]> {
  return page.$$eval('[data-role="agent"]', (elements) =>
    elements.map((element) => ({
      status: element.getAttribute('data-status') ?? '',
      text: (element.querySelector('.markdown')?.textContent ?? '').trim(),
    })),
  );
}

async function lastReply(page: Page): Promise<{ status: string; text: string } | undefined> {
  return (await readReplies(page)).at(-1);
}

async function send(page: Page, text: string): Promise<void> {
  const input = page.getByRole('textbox', { name: 'Message' });
  await input.fill(text);
  await input.press('Enter');
}

beforeAll(async () => {
  if (!existsSync(webIndex)) {
    throw new Error(`${webIndex} is missing: build the web UI first with \`pnpm build\`.`);
  }
  temp = createTempDir('web-ui');
  const [agentPort, gatewayPort, deadPort] = await Promise.all([
    getFreePort(),
    getFreePort(),
    getFreePort(),
  ]);
  gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  agentConfig = temp.write(
    'assistant.yaml',
    [
      'agent:',
      '  name: assistant',
      '  description: Remembers what you tell it.',
      `  port: ${agentPort}`,
      `  model: { provider: builtin, name: recall, context_window: 4096, delay_ms: ${wordDelayMs} }`,
      '  session_service:',
      '    type: sql',
      `    database_url: sqlite:///${join(temp.path, 'agent.db')}`,
      '',
    ].join('\n'),
  );
  gatewayConfig = temp.write(
    'gateway.yaml',
    [
      'gateway:',
      `  port: ${gatewayPort}`,
      '  session_service:',
      '    type: sql',
      `    database_url: sqlite:///${join(temp.path, 'gateway.db')}`,
      '  agents:',
      `    - { name: assistant, url: "http://127.0.0.1:${agentPort}" }`,
      `    - { name: researcher, url: "http://127.0.0.1:${deadPort}", description: Never started in this test. }`,
      '',
    ].join('\n'),
  );
  // The agent first, so the gateway finds it available at once.
  agent = await startAgentProcess(agentConfig, { cwd: temp.path });
  gateway = await startGateway();
  browser = await launchWebUiBrowser({ artifactsFolder: 'web-ui' });
});

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') {
    // Leave the evidence: what the page showed and what the processes said.
    await browser.screenshot(`failed-${task.name.replace(/\W+/g, '-')}`);
    console.error(
      `gateway output:\n${gateway.output().slice(-4000)}\nagent output:\n${agent.output().slice(-4000)}`,
    );
  }
  // Page errors, console errors and CSP violations fail the test that caused them.
  expect(browser.problems.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await stopMeshProcesses();
  temp?.remove();
});

describe('the web UI', () => {
  it('starts a chat and streams the reply, which survives a refresh mid-stream', async () => {
    const { page } = browser;
    await page.goto(gatewayUrl);
    // The page runs under its own strict policy: no inline script, connections only to the gateway.
    const policy = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    await expect.poll(() => page.locator('.agent-card').count()).toBe(2);
    const researcher = page.locator('.agent-card', { hasText: 'researcher' });
    await expect.poll(() => researcher.locator('input').isDisabled()).toBe(true);
    expect(await researcher.textContent()).toContain('Unavailable');
    await browser.screenshot('01-new-chat');

    const message = longMessage('Streaming');
    await send(page, message);
    await page.waitForURL(/\/chat\/web-session-[0-9a-f-]+$/);
    const chatUrl = page.url();

    // The reply grows while it streams.
    const first = await waitFor(
      async () => {
        const reply = await lastReply(page);
        return reply?.status === 'running' && reply.text.split(' ').length >= 3 ? reply : undefined;
      },
      { description: 'the reply to start streaming' },
    );
    const grown = await waitFor(
      async () => {
        const reply = await lastReply(page);
        return reply !== undefined && reply.text.length > first.text.length ? reply : undefined;
      },
      { description: 'the reply to grow' },
    );
    expect(grown.text.startsWith(first.text), JSON.stringify({ first, grown })).toBe(true);
    expect(grown.status).toBe('running');

    // Refresh while it still streams: the page reopens the same chat, shows the text so far and goes on.
    await page.reload();
    expect(page.url()).toBe(chatUrl);
    const resumed = await waitFor(async () => (await lastReply(page)) ?? undefined, {
      description: 'the reply to show after the refresh',
    });
    expect(resumed.status, 'the reply should still stream after the refresh').toBe('running');
    await waitFor(
      async () =>
        ((await lastReply(page))?.text.length ?? 0) >
        Math.max(resumed.text.length, grown.text.length),
      { description: 'the reply to keep growing after the refresh' },
    );
    await expect
      .poll(() => page.getByRole('button', { name: 'Stop the reply' }).isVisible())
      .toBe(true);
    await browser.screenshot('02-streaming-after-refresh');
    const done = await waitFor(
      async () => {
        const reply = await lastReply(page);
        return reply?.status === 'completed' ? reply : undefined;
      },
      { description: 'the reply to complete after the refresh', timeoutMs: 30_000 },
    );
    expect(done.text).toBe(`You said: ${message}`);
    expect(await page.locator('[data-role="user"]').allTextContents()).toEqual([
      expect.stringContaining(message),
    ]);
    const listed = page.locator('.session-item');
    expect(await listed.count()).toBe(1);
    expect(await listed.first().textContent()).toContain('Streaming alpha bravo');
    await browser.screenshot('03-completed-after-refresh');
  });

  it('keeps the history when the gateway and the agent are killed mid-reply, and retries the cut reply', async () => {
    const { page } = browser;
    const message = longMessage('Interrupted');
    await send(page, message);
    await waitFor(
      async () => {
        const reply = await lastReply(page);
        return reply?.status === 'running' && reply.text.split(' ').length >= 4;
      },
      { description: 'the second reply to stream' },
    );

    const untolerate = browser.tolerate(/WebSocket|Failed to load resource|ERR_CONNECTION_REFUSED/);
    await Promise.all([gateway.kill('SIGKILL'), agent.kill('SIGKILL')]);
    agent = await startAgentProcess(agentConfig, { cwd: temp.path });
    gateway = await startGateway();

    // Without a refresh, the page reconnects, resubscribes from the last event it has and learns the end.
    await waitFor(async () => (await lastReply(page))?.status === 'interrupted', {
      description: 'the open page to show the cut reply as interrupted after reconnecting',
    });
    untolerate();
    await page.reload();
    const replies = await waitFor(
      async () => {
        const all = await readReplies(page);
        return all.length === 2 && all[1]?.status === 'interrupted' ? all : undefined;
      },
      { description: 'the history with the cut reply marked interrupted' },
    );
    expect(replies[0]).toEqual({
      status: 'completed',
      text: `You said: ${longMessage('Streaming')}`,
    });
    expect(`You said: ${message}`.startsWith(replies[1]?.text ?? '')).toBe(true);
    expect(replies[1]?.text).toContain('You said: Interrupted');
    expect(await page.locator('.badge--interrupted').textContent()).toBe('Interrupted');
    await browser.screenshot('04-history-after-restart');

    await page.getByRole('button', { name: 'Retry' }).click();
    const retried = await waitFor(
      async () => {
        const all = await readReplies(page);
        return all.length === 3 && all[2]?.status === 'completed' ? all[2] : undefined;
      },
      { description: 'the retried reply to complete', timeoutMs: 30_000 },
    );
    expect(retried.text).toBe(`You said: ${message}`);
    await browser.screenshot('05-retried');
  });

  it('shows HTML in a message as text and never creates its elements', async () => {
    const { page } = browser;
    const html = '<img src=x onerror=alert(1)>';
    await send(page, `My note is ${html}`);
    const reply = await waitFor(
      async () => {
        const last = await lastReply(page);
        return last?.status === 'completed' && last.text.includes('note') ? last : undefined;
      },
      { description: 'the reply quoting the HTML' },
    );
    expect(reply.text).toBe(`Got it: your note is ${html}.`);
    expect(await page.locator('[data-role="user"]').last().textContent()).toContain(html);
    await expect.poll(() => page.getByText(html).count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('img').count()).toBe(0);
    expect(browser.dialogs).toEqual([]);
    await browser.screenshot('06-html-as-text');

    // The same chat in dark mode on a phone, with the chat list as a drawer.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 390, height: 844 });
    const sidebar = page.getByRole('navigation', { name: 'Chats' });
    await expect.poll(() => sidebar.isVisible()).toBe(false);
    await browser.screenshot('06b-dark-narrow');
    await page.getByRole('button', { name: 'Open chat list' }).click();
    await expect.poll(async () => (await sidebar.boundingBox())?.x).toBe(0);
    await browser.screenshot('06c-dark-narrow-drawer');
    await page.keyboard.press('Escape');
    await expect.poll(() => sidebar.isVisible()).toBe(false);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('stops a streaming reply, records feedback and renames and deletes chats', async () => {
    const { page } = browser;
    await send(page, longMessage('Stopping'));
    await waitFor(
      async () => {
        const reply = await lastReply(page);
        return reply?.status === 'running' && reply.text.split(' ').length >= 3;
      },
      { description: 'the reply to be stopped to stream' },
    );
    await page.getByRole('button', { name: 'Stop the reply' }).click();
    await waitFor(async () => (await lastReply(page))?.status === 'canceled', {
      description: 'the reply to show as stopped',
    });
    expect(await page.locator('.badge--canceled').last().textContent()).toBe('Stopped');

    // Feedback on the first reply, kept by the gateway across a reload.
    const firstReply = page.locator('[data-role="agent"]').first();
    await firstReply.getByRole('button', { name: 'Good reply' }).click();
    await expect
      .poll(() =>
        firstReply.getByRole('button', { name: 'Good reply' }).getAttribute('aria-pressed'),
      )
      .toBe('true');
    const taskId = await firstReply.getAttribute('data-task-id');
    await waitFor(
      async () => {
        const task = await page.evaluate(async (id) => {
          const response = await fetch(
            `/api/v1/sessions/${location.pathname.split('/').pop()}/messages`,
          );
          const body = (await response.json()) as {
            messages: { taskId: string; role: string; feedback?: unknown }[];
          };
          return body.messages.find((item) => item.taskId === id && item.role === 'agent');
        }, taskId);
        return JSON.stringify(task?.feedback) === JSON.stringify({ rating: 'up' });
      },
      { description: 'the feedback to be stored' },
    );
    await browser.screenshot('07-stopped-and-rated');

    // Rename inline, then see the name survive a reload.
    const item = page.locator('.session-item').first();
    await item.hover();
    await item.getByRole('button', { name: /^Rename/ }).click();
    const nameInput = page.getByRole('textbox', { name: 'Chat name' });
    await nameInput.fill('Renamed in the browser');
    await nameInput.press('Enter');
    await page.reload();
    await expect
      .poll(() => page.locator('.session-item__name').first().textContent())
      .toBe('Renamed in the browser');
    await expect
      .poll(() => page.locator('.top-bar__title').textContent())
      .toBe('Renamed in the browser');

    // Delete with confirmation: back to a new chat, and the list is empty.
    await page.locator('.session-item').first().hover();
    await page.getByRole('button', { name: /^Delete/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this chat?' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await browser.screenshot('08-delete-confirmation');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(`${gatewayUrl}/`);
    await expect.poll(() => page.locator('.session-item').count()).toBe(0);
    await page.reload();
    await expect.poll(() => page.getByText('No chats yet').isVisible()).toBe(true);
  });

  it('pages the chat list with Load more', async () => {
    const { page } = browser;
    const names = Array.from({ length: 23 }, (_, index) => `Paged chat ${index + 1}`);
    await page.evaluate(async (toCreate) => {
      for (const name of toCreate) {
        const response = await fetch('/api/v1/sessions', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ agent: 'assistant', name }),
        });
        if (response.status !== 201)
          throw new Error(`POST /api/v1/sessions answered ${response.status}`);
      }
    }, names);
    await page.reload();
    await expect.poll(() => page.locator('.session-item').count()).toBe(20);
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => page.locator('.session-item').count()).toBe(23);
    expect((await page.locator('.session-item__name').allTextContents()).sort()).toEqual(
      [...names].sort(),
    );
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    await browser.screenshot('09-paged-chat-list');
  });

  // Last, because its cookie replaces the one of the SQL gateway (cookies are per host, not per port).
  it('warns that history is lost on restart when the gateway keeps it in memory', async () => {
    const { page } = browser;
    const port = await getFreePort();
    const memoryUrl = `http://127.0.0.1:${port}`;
    const file = temp.write(
      'gateway-memory.yaml',
      [
        'gateway:',
        `  port: ${port}`,
        '  session_service: { type: memory }',
        '  agents:',
        `    - { name: assistant, url: "${agent.url}" }`,
        '',
      ].join('\n'),
    );
    const memoryGateway = startMeshProcess(['gateway', '--config', file], { cwd: temp.path });
    await memoryGateway.waitForLog(
      (entry) => typeof entry.msg === 'string' && entry.msg.includes('listening on'),
    );
    await page.goto(memoryUrl);
    const notice = page.getByRole('alert').filter({ hasText: 'History is kept in memory' });
    await expect.poll(() => notice.isVisible()).toBe(true);
    expect(await notice.textContent()).toBe(
      'History is kept in memory and will be lost when the gateway restarts.',
    );
    await browser.screenshot('10-memory-notice');
    await memoryGateway.kill('SIGTERM');
  });
});
