import type { AgentCard, AgentExtension, AgentInterface } from '@a2a-js/sdk';
import { duplicateInterfacesForLegacy } from '@a2a-js/sdk/compat/v0_3';
import { agentManagementBasePath, type AgentConfig } from '@agent-mesh/shared';

/** The A2A extension an agent card uses to say whether the agent's sessions survive a restart. */
export const sessionPersistenceExtensionUri =
  'https://agent-mesh.dev/extensions/session-persistence/v1';

/**
 * Params of the session-persistence extension: `memory` sessions are lost on restart, so a gateway can
 * warn; `management` is the path of the agent management API below the agent's URL (`/mesh/v1`).
 */
export interface SessionPersistenceParams {
  persistence: 'memory' | 'sql';
  behavior: 'PERSISTENT' | 'RUN_BASED';
  management?: string;
}

/** Path of the HTTP+JSON (REST) binding below the agent's URL; JSON-RPC is served at the URL itself. */
export const restPath = '/rest';

/** The agent-runtime version put in the card. */
export const agentCardVersion = '0.1.0';

/** Reads the session-persistence params from any agent card, when the agent declares them. */
export function sessionPersistenceOf(
  card: Pick<AgentCard, 'capabilities'>,
): SessionPersistenceParams | undefined {
  const extension = card.capabilities?.extensions.find(
    (item) => item.uri === sessionPersistenceExtensionUri,
  );
  const params = extension?.params as Partial<SessionPersistenceParams> | undefined;
  if (params?.persistence !== 'memory' && params?.persistence !== 'sql') return undefined;
  return {
    persistence: params.persistence,
    behavior: params.behavior ?? 'PERSISTENT',
    ...(typeof params.management === 'string' ? { management: params.management } : {}),
  };
}

/**
 * Builds the agent card served at /.well-known/agent-card.json: JSON-RPC at `url` and HTTP+JSON at
 * `url/rest`, each declared for A2A 1.0 and 0.3 (so older clients work), streaming on, and the
 * session-persistence extension (which also names the management API's path). `url` must be the real
 * address (after port 0 was resolved).
 */
export function createAgentCard(
  config: AgentConfig,
  url: string,
  peerNames: readonly string[] = [],
): AgentCard {
  const base = url.replace(/\/+$/, '');
  const interfaces: AgentInterface[] = [
    { url: base, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' },
    { url: `${base}${restPath}`, protocolBinding: 'HTTP+JSON', tenant: '', protocolVersion: '1.0' },
  ];
  const persistence: SessionPersistenceParams = {
    persistence: config.session_service.type,
    behavior: config.session_service.default_behavior,
    management: agentManagementBasePath,
  };
  const extensions: AgentExtension[] = [
    {
      uri: sessionPersistenceExtensionUri,
      description:
        persistence.persistence === 'sql'
          ? 'Sessions are stored in a database and survive a restart of the agent.'
          : 'Sessions live in process memory: a restart of the agent forgets every conversation.',
      required: false,
      params: { ...persistence },
    },
  ];
  const hasToken = config.auth.token !== '';
  const skills: AgentCard['skills'] = [
    {
      id: 'chat',
      name: 'Chat',
      description:
        config.description ||
        `Answers messages as agent "${config.name}", remembering the conversation.`,
      tags: ['chat'],
      examples: [],
      inputModes: [],
      outputModes: [],
      securityRequirements: [],
    },
  ];
  if (peerNames.length > 0) {
    skills.push({
      id: 'delegate',
      name: 'Delegate to a peer',
      description:
        `A message starting with "@<peer> " (or "ask <peer>: ") is forwarded to that peer agent in the same ` +
        `conversation, and its answer is the reply. Peers: ${peerNames.join(', ')}.`,
      tags: ['delegation'],
      examples: peerNames.slice(0, 1).map((name) => `@${name} what do you know about this?`),
      inputModes: [],
      outputModes: [],
      securityRequirements: [],
    });
  }
  return {
    name: config.name,
    description: config.description || `agent-mesh agent "${config.name}"`,
    supportedInterfaces: duplicateInterfacesForLegacy(interfaces, ['JSONRPC', 'HTTP+JSON']),
    provider: undefined,
    version: agentCardVersion,
    capabilities: {
      streaming: true,
      pushNotifications: false,
      extensions,
      extendedAgentCard: false,
    },
    securitySchemes: hasToken
      ? {
          bearer: {
            scheme: {
              $case: 'httpAuthSecurityScheme',
              value: {
                description: 'The shared A2A token (agent.auth.token).',
                scheme: 'Bearer',
                bearerFormat: '',
              },
            },
          },
        }
      : {},
    securityRequirements: hasToken ? [{ schemes: { bearer: { list: [] } } }] : [],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills,
    signatures: [],
  };
}
