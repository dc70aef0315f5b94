import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApiClient } from './api/api-client.js';
import { TaskSocket } from './api/task-socket.js';
import { App } from './app.js';
import { ServicesContext } from './state/services-context.js';
import './styles/index.css';

// Entry of the web app: one REST client and one stream socket for the whole page, then the app.
const services = {
  api: createApiClient(),
  socket: new TaskSocket(TaskSocket.defaultUrl(window.location)),
};
const root = document.getElementById('root');
if (root === null) throw new Error('index.html must contain <div id="root">.');

createRoot(root).render(
  <StrictMode>
    <ServicesContext.Provider value={services}>
      <App />
    </ServicesContext.Provider>
  </StrictMode>,
);
