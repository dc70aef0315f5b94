import { useCallback, useRef, useState } from 'react';

/** A short message shown at the bottom of the page. */
export interface Toast {
  id: number;
  kind: 'error' | 'info';
  message: string;
}

const toastLifetimeMs = 6_000;

/** Toasts that dismiss themselves after a few seconds; at most three are shown at once. */
export function useToasts(): {
  toasts: Toast[];
  showToast(message: string, kind?: Toast['kind']): void;
  dismissToast(id: number): void;
} {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const dismissToast = useCallback((id: number) => {
    setToasts((current) => current.filter((toast) => toast.id !== id));
  }, []);

  const showToast = useCallback(
    (message: string, kind: Toast['kind'] = 'error') => {
      const id = nextId.current++;
      setToasts((current) => [...current.slice(-2), { id, kind, message }]);
      window.setTimeout(() => dismissToast(id), toastLifetimeMs);
    },
    [dismissToast],
  );

  return { toasts, showToast, dismissToast };
}
