import { createContext, useContext } from 'react';
import type { ApiClient } from '../api/api-client.js';
import type { TaskSocket } from '../api/task-socket.js';

/** The gateway connections every part of the page shares. */
export interface Services {
  api: ApiClient;
  socket: TaskSocket;
}

/** Provides the services; set once at the root in main.tsx. */
export const ServicesContext = createContext<Services | null>(null);

/** The shared services; throws when used outside the provider (a wiring bug, not a user error). */
export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (services === null)
    throw new Error('useServices() must be used inside <ServicesContext.Provider>.');
  return services;
}
