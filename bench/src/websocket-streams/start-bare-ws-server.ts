import { createRequire } from 'node:module';
import { startNodeProcess, type NodeProcess } from '../processes/node-process.js';

const wsModule = createRequire(import.meta.url).resolve('ws');

// The least server that streams like the gateway: a `ws` WebSocketServer on a bare HTTP server (which
// answers 200 "ok" to every request), speaking the gateway's protocol with nothing behind it. `subscribe`
// (with the reply's `text` and `intervalMs`, which the gateway does not take) sends message-start, one
// message-delta per word every `intervalMs`, then message-end; `ping` gets a `pong`.
const script = `
const http = require('node:http');
const { WebSocketServer } = require(process.env.BARE_WS_MODULE);
const server = http.createServer((request, response) => response.end('ok'));
const wss = new WebSocketServer({ server, path: '/api/v1/ws', maxPayload: 64 * 1024 });
wss.on('connection', (socket) => {
  socket.on('message', (data) => {
    const message = JSON.parse(String(data));
    if (message.type === 'ping') return socket.send(JSON.stringify({ type: 'pong' }));
    if (message.type !== 'subscribe') return;
    const { taskId, text, intervalMs } = message;
    const words = text.split(/(?<= )/);
    let seq = 0;
    const send = (event) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type: 'task-event', taskId, seq: ++seq, event }));
    };
    send({ type: 'message-start', agent: 'bare' });
    socket.send(JSON.stringify({ type: 'subscribed', taskId, fromSeq: 0 }));
    const timer = setInterval(() => {
      const word = words.shift();
      if (word !== undefined) return send({ type: 'message-delta', text: word });
      clearInterval(timer);
      send({ type: 'message-end', status: 'completed', text });
    }, intervalMs);
    socket.on('close', () => clearInterval(timer));
  });
});
server.listen(Number(process.env.BARE_PORT), '127.0.0.1');
`;

/**
 * Starts the bare `ws` server on `port` (path /api/v1/ws): the reference for what holding WebSocket
 * clients and streaming small frames to them costs any Node process, before the gateway's own work.
 */
export function startBareWsServer(port: number): NodeProcess {
  return startNodeProcess({
    name: 'bare ws server',
    args: ['-e', script],
    env: { ...process.env, BARE_PORT: String(port), BARE_WS_MODULE: wsModule },
  });
}
