import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApiClient } from './api/api-client.js';
import { TaskSocket } from './api/task-socket.js';
import { App } from './app.js';
import { AuthGate, watchUnauthenticated } from './components/auth-gate.js';
import { ServicesContext } from './state/services-context.js';
import './styles/index.css';

// Entry of the web app: one REST client and one stream socket for the whole page, then the app once the
// browser is signed in (AuthGate shows the sign-in page in auth mode password).
const services = {
  api: watchUnauthenticated(createApiClient()),
  socket: new TaskSocket(TaskSocket.defaultUrl(window.location)),
};
const root = document.getElementById('root');
if (root === null) throw new Error('index.html must contain <div id="root">.');

createRoot(root).render(
  <StrictMode>
    <ServicesContext.Provider value={services}>
      <AuthGate>
        <App />
      </AuthGate>
    </ServicesContext.Provider>
  </StrictMode>,
);
