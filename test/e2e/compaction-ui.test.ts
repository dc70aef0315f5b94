import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createTempDir,
  getFreePort,
  repoRoot,
  startAgentProcess,
  stopMeshProcesses,
  waitFor,
  type AgentProcess,
  type TempDir,
} from './helpers/index.js';
import { startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.js';
import { launchWebUiBrowser, type WebUiBrowser } from './helpers/web-ui-browser.js';

// "Compress conversation" in a real Chromium against a real gateway and real agents (built-in model,
// SQLite): the context-usage bar under the input, the confirmation, the checkpoint card with its
// summary, the complete history, and the note on a reply whose turn compacted by itself.

const webIndex = join(repoRoot, 'packages/gateway/web/dist/index.html');
const facts = [
  'My name is Ada Lovelace.',
  'I live in London.',
  'My favourite colour is teal.',
  'I have a cat called Babbage.',
];
const filler =
  'I am writing this down so that we can come back to it much later in this chat. It is a long ' +
  'note, full of words, that only exists to make the conversation longer than the window allows.';

let temp: TempDir;
let agent: AgentProcess;
let gateway: GatewayProcess;
let browser: WebUiBrowser;

async function readEntries(page: Page): Promise<{ role: string; text: string }[]> {
  return page.$$eval('.message-list__messages > *', (elements) =>
    elements.map((element) => ({
      role: element.getAttribute('data-role') ?? '',
      text:
        element.getAttribute('data-role') === 'system'
          ? (element.querySelector('.checkpoint__title')?.textContent ?? '')
          : (element.querySelector('.bubble--user, .markdown')?.textContent ?? '').trim(),
    })),
  );
}

async function send(page: Page, text: string, replies: number): Promise<void> {
  const input = page.getByRole('textbox', { name: 'Message' });
  await input.fill(text);
  await input.press('Enter');
  await waitFor(
    async () => {
      const statuses = await page.$$eval('[data-role="agent"]', (elements) =>
        elements.map((element) => element.getAttribute('data-status')),
      );
      return statuses.length === replies && statuses.every((status) => status === 'completed');
    },
    { description: `reply ${replies} to complete`, timeoutMs: 30_000 },
  );
}

/** Waits until CSS transitions (tooltip fade, chevron turn) have finished, for a clean screenshot. */
async function settle(page: Page): Promise<void> {
  await page.waitForFunction(() =>
    document.getAnimations().every((animation) => animation.playState !== 'running'),
  );
}

async function usageLabel(page: Page): Promise<string> {
  return ((await page.locator('.context-usage__label').textContent()) ?? '').trim();
}

beforeAll(async () => {
  if (!existsSync(webIndex)) {
    throw new Error(`${webIndex} is missing: build the web UI first with \`pnpm build\`.`);
  }
  temp = createTempDir('compaction-ui');
  const [agentPort, smallPort] = await Promise.all([getFreePort(), getFreePort()]);
  const agentYaml = (name: string, port: number, window: number): string =>
    temp.write(
      `${name}.yaml`,
      [
        'agent:',
        `  name: ${name}`,
        '  description: Remembers what you tell it.',
        `  port: ${port}`,
        `  model: { provider: builtin, name: recall, context_window: ${window} }`,
        '  session_service:',
        '    type: sql',
        `    database_url: sqlite:///${join(temp.path, `${name}.db`)}`,
        '  auto_summarization:',
        '    compaction_percentage: 0.5',
        '',
      ].join('\n'),
    );
  const gatewayYaml = temp.write(
    'gateway.yaml',
    [
      'gateway:',
      '  port: 0',
      '  session_service:',
      '    type: sql',
      `    database_url: sqlite:///${join(temp.path, 'gateway.db')}`,
      '  agents:',
      `    - { name: assistant, url: "http://127.0.0.1:${agentPort}" }`,
      `    - { name: notes, url: "http://127.0.0.1:${smallPort}" }`,
      '',
    ].join('\n'),
  );
  // "notes" has a small window, so a long chat overflows it and compacts during a turn.
  [agent] = await Promise.all([
    startAgentProcess(agentYaml('assistant', agentPort, 2048), { cwd: temp.path }),
    startAgentProcess(agentYaml('notes', smallPort, 1500), { cwd: temp.path }),
  ]);
  gateway = await startGatewayProcess(gatewayYaml, { cwd: temp.path });
  browser = await launchWebUiBrowser({
    artifactsFolder: 'compaction-ui',
    viewport: { width: 1280, height: 900 },
  });
});

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') {
    await browser.screenshot(`failed-${task.name.replace(/\W+/g, '-')}`);
    console.error(
      `gateway output:\n${gateway.output().slice(-4000)}\nagent output:\n${agent.output().slice(-3000)}`,
    );
  }
  expect(browser.problems.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await stopMeshProcesses();
  temp?.remove();
});

describe('compressing a conversation in the web UI', () => {
  it('shows the usage bar, compresses after confirmation, and keeps every message with a checkpoint card', async () => {
    const { page } = browser;
    await page.goto(gateway.url);
    await send(page, facts[0] ?? '', 1);
    await page.waitForURL(/\/chat\/web-session-[0-9a-f-]+$/);

    // The bar shows tokens against the agent's window; two messages and a low percentage: no button.
    await expect.poll(() => usageLabel(page)).toMatch(/^\d[\d,]* \/ 2,048 · (<1|\d+)%$/);
    expect(await page.locator('.context-usage').getAttribute('data-level')).toBe('low');
    expect(await page.getByRole('button', { name: 'Compress conversation' }).count()).toBe(0);

    for (const [index, fact] of facts.slice(1).entries()) await send(page, fact, index + 2);
    const compress = page.getByRole('button', { name: 'Compress conversation' });
    await expect.poll(() => compress.isVisible()).toBe(true);
    // Refreshed after each reply: the context grew.
    const before = await usageLabel(page);
    const tokensBefore = Number(before.split(' ')[0]?.replace(/,/g, ''));
    expect(tokensBefore).toBeGreaterThan(0);

    // The tooltip has the exact numbers and the compaction count.
    await page.locator('.context-usage').hover();
    const tooltip = page.getByRole('tooltip');
    await expect.poll(() => tooltip.isVisible()).toBe(true);
    const tooltipText = (await tooltip.textContent()) ?? '';
    expect(tooltipText).toContain(`${before.split(' ')[0]} of 2,048 tokens used`);
    expect(tooltipText).toContain('Not compressed yet.');
    expect(tooltipText).toContain('Model: builtin/recall');
    await settle(page);
    await browser.screenshot('01-usage-tooltip');

    await compress.click();
    const dialog = page.getByRole('dialog', { name: 'Compress this conversation?' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    const dialogText = (await dialog.textContent()) ?? '';
    expect(dialogText).toContain('assistant will summarise the oldest 50% of the turns');
    expect(dialogText).toContain('every message stays visible here');
    await settle(page);
    await browser.screenshot('02-confirm');
    // Cancel changes nothing.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await page.locator('[data-kind="compaction"]').count()).toBe(0);

    await compress.click();
    await dialog.getByRole('button', { name: 'Compress conversation' }).click();
    const card = page.locator('[data-kind="compaction"]');
    await expect.poll(() => card.count()).toBe(1);
    expect(await card.locator('.checkpoint__title').textContent()).toBe('Conversation compressed');
    expect(await card.locator('.checkpoint__facts').textContent()).toContain(
      '2 earlier turns summarised',
    );
    await card.getByText('Show summary').click();
    await expect.poll(() => card.locator('.checkpoint__summary-body').isVisible()).toBe(true);
    expect(await card.locator('.checkpoint__summary-body').textContent()).toContain('Ada Lovelace');

    // Every original message is still shown, the checkpoint after them.
    const entries = await readEntries(page);
    expect(entries.map((entry) => entry.role)).toEqual([
      ...facts.flatMap(() => ['user', 'agent']),
      'system',
    ]);
    expect(entries.filter((entry) => entry.role === 'user').map((entry) => entry.text)).toEqual(
      facts,
    );

    // The bar is refreshed: an estimate now, and less context than before.
    await expect.poll(() => usageLabel(page)).toMatch(/^≈/);
    const after = await usageLabel(page);
    expect(Number(after.slice(1).split(' ')[0]?.replace(/,/g, ''))).toBeLessThan(tokensBefore);

    await send(page, 'What is my name?', 5);
    expect((await readEntries(page)).at(-1)).toEqual({
      role: 'agent',
      text: 'Your name is Ada Lovelace.',
    });
    await page.mouse.move(0, 0);
    await settle(page);
    await browser.screenshot('03-checkpoint-card');

    // After a refresh the history comes from the gateway: the card is still in its place.
    await page.reload();
    await expect.poll(async () => (await readEntries(page)).length).toBe(11);
    expect((await readEntries(page)).map((entry) => entry.role)).toEqual([
      ...facts.flatMap(() => ['user', 'agent']),
      'system',
      'user',
      'agent',
    ]);
    await expect.poll(() => usageLabel(page)).toMatch(/\/ 2,048 · /);
    await page.locator('[data-kind="compaction"]').getByText('Show summary').click();
    await page.locator('.message-list').evaluate((element) => {
      const card = element.querySelector('[data-kind="compaction"]');
      card?.scrollIntoView({ block: 'center' });
    });
    await settle(page);
    await browser.screenshot('compaction-ui');
  });

  it('notes a reply whose turn compacted by itself and shows its checkpoint', async () => {
    const { page } = browser;
    await page.goto(gateway.url);
    await page.locator('.agent-card', { hasText: 'notes' }).click();
    await send(page, 'My name is Ada Lovelace.', 1);
    await page.waitForURL(/\/chat\/web-session-[0-9a-f-]+$/);
    let replies = 1;
    for (let turn = 1; turn <= 30; turn += 1) {
      replies += 1;
      await send(page, `Locker ${turn} has code ${4700 + turn}. ${filler}`, replies);
      if ((await page.locator('[data-compaction-note]').count()) > 0) break;
    }
    const note = page.locator('[data-compaction-note]');
    expect(await note.count()).toBe(1);
    expect(await note.textContent()).toMatch(
      /^Context was full: notes summarised \d+ earlier turns? before answering\.$/,
    );
    // The checkpoint card of that turn sits between its message and the reply.
    const card = page.locator('[data-kind="compaction"][data-reason="overflow"]');
    await expect.poll(() => card.count()).toBe(1);
    const roles = (await readEntries(page)).map((entry) => entry.role);
    expect(roles.slice(-3)).toEqual(['user', 'system', 'agent']);
    expect(await card.locator('.checkpoint__title').textContent()).toBe(
      'Context full · compressed automatically',
    );
    await card.getByText('Show summary').click();
    expect(await card.locator('.checkpoint__summary-body').textContent()).toContain('Ada Lovelace');
    await expect.poll(async () => (await usageLabel(page)).endsWith('%')).toBe(true);
    await page.mouse.move(0, 0);
    await settle(page);
    await browser.screenshot('04-automatic-compaction');
  });
});
