import { randomBytes } from 'node:crypto';
import type { Logger } from '@agent-mesh/shared';
import type { GatewayStore } from './gateway-store.js';

/** The gateway_settings key of a generated session secret. */
export const sessionSecretSettingKey = 'session_secret_key';

/**
 * Returns the key that signs session cookies: `session_secret_key` from YAML when set; otherwise, with
 * `sql` persistence, a key generated once and kept in gateway_settings (the first instance to start
 * wins, so a restart or a second instance does not sign users out); with `memory`, a key for this
 * process only. The last two log a warning.
 */
export async function resolveSessionSecret(options: {
  configured: string;
  store: GatewayStore;
  logger: Logger;
}): Promise<string> {
  if (options.configured !== '') return options.configured;
  if (options.store.persistence === 'sql') {
    const generated = randomBytes(48).toString('base64url');
    const secret = await options.store.setSettingIfAbsent(sessionSecretSettingKey, generated);
    options.logger.warn(
      secret === generated
        ? 'gateway.session_secret_key is empty: generated a session key and stored it in the gateway database (gateway_settings). Set SESSION_SECRET_KEY to manage it yourself.'
        : 'gateway.session_secret_key is empty: using the session key stored in the gateway database (gateway_settings). Set SESSION_SECRET_KEY to manage it yourself.',
    );
    return secret;
  }
  options.logger.warn(
    'gateway.session_secret_key is empty and history is in memory: using a key for this process only, so browsers get new sessions after a restart. Set SESSION_SECRET_KEY to keep them.',
  );
  return randomBytes(48).toString('base64url');
}
