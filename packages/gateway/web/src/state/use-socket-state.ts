import { useSyncExternalStore } from 'react';
import type { SocketState } from '../api/task-socket.js';
import { useServices } from './services-context.js';

/** The stream connection's state, re-rendering when it changes (for the "Reconnecting…" pill). */
export function useSocketState(): SocketState {
  const { socket } = useServices();
  return useSyncExternalStore(
    (onChange) => socket.onStateChange(onChange),
    () => socket.getState(),
  );
}
