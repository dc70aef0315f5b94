import { ApiError } from './api-error.js';
import { sendRequest } from './send-request.js';
import type {
  AgentInfo,
  ChatSession,
  CompactResult,
  ContextUsage,
  DeletedSession,
  Feedback,
  FeedbackRating,
  GatewayInfo,
  MessagePage,
  SentMessage,
  SessionPage,
  TaskInfo,
  TaskStatus,
} from './api-types.js';

/** The typed REST calls the web app makes; every method rejects with an ApiError. */
export interface ApiClient {
  getConfig(): Promise<GatewayInfo>;
  listAgents(): Promise<AgentInfo[]>;
  listSessions(options?: { limit?: number; cursor?: string | null }): Promise<SessionPage>;
  createSession(input: { agent: string; name?: string }): Promise<ChatSession>;
  getSession(sessionId: string): Promise<ChatSession>;
  renameSession(sessionId: string, name: string): Promise<ChatSession>;
  deleteSession(sessionId: string): Promise<DeletedSession>;
  getContextUsage(sessionId: string): Promise<ContextUsage>;
  /** Compresses the conversation; without a percentage the agent's own setting applies. */
  compactSession(sessionId: string, percentage?: number): Promise<CompactResult>;
  listMessages(
    sessionId: string,
    options?: { limit?: number; before?: string | null },
  ): Promise<MessagePage>;
  sendMessage(sessionId: string, text: string, clientMessageId?: string): Promise<SentMessage>;
  getTask(taskId: string): Promise<TaskInfo>;
  cancelTask(taskId: string): Promise<{ taskId: string; status: TaskStatus }>;
  retryTask(taskId: string): Promise<{ taskId: string }>;
  sendFeedback(
    taskId: string,
    rating: FeedbackRating,
    comment?: string,
  ): Promise<{ taskId: string } & Feedback>;
}

/** Creates the REST client for a gateway at `baseUrl` (empty: the page's own origin); cookies carry identity. */
export function createApiClient(baseUrl = ''): ApiClient {
  const api = `${baseUrl}/api/v1`;

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const answer = await sendRequest(method, `${api}${path}`, body);
    if (answer.status === 204) return undefined as T;
    if (answer.body === undefined) {
      throw new ApiError(
        'BAD_RESPONSE',
        `${method} ${path} answered ${answer.status} without a JSON body.`,
        answer.status,
      );
    }
    return answer.body as T;
  }

  const query = (params: Record<string, string | number | null | undefined>): string => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined && value !== null) search.set(key, String(value));
    }
    const text = search.toString();
    return text === '' ? '' : `?${text}`;
  };
  const id = encodeURIComponent;

  return {
    getConfig: () => request('GET', '/config'),
    listAgents: async () => (await request<{ agents: AgentInfo[] }>('GET', '/agents')).agents,
    listSessions: (options = {}) =>
      request('GET', `/sessions${query({ limit: options.limit, cursor: options.cursor })}`),
    createSession: (input) => request('POST', '/sessions', input),
    getSession: (sessionId) => request('GET', `/sessions/${id(sessionId)}`),
    renameSession: (sessionId, name) => request('PATCH', `/sessions/${id(sessionId)}`, { name }),
    deleteSession: (sessionId) => request('DELETE', `/sessions/${id(sessionId)}`),
    getContextUsage: (sessionId) => request('GET', `/sessions/${id(sessionId)}/context-usage`),
    compactSession: (sessionId, percentage) =>
      request(
        'POST',
        `/sessions/${id(sessionId)}/compact`,
        percentage === undefined ? {} : { percentage },
      ),
    listMessages: (sessionId, options = {}) =>
      request(
        'GET',
        `/sessions/${id(sessionId)}/messages${query({ limit: options.limit, before: options.before })}`,
      ),
    sendMessage: (sessionId, text, clientMessageId) =>
      request('POST', `/sessions/${id(sessionId)}/messages`, { text, clientMessageId }),
    getTask: (taskId) => request('GET', `/tasks/${id(taskId)}`),
    cancelTask: (taskId) => request('POST', `/tasks/${id(taskId)}/cancel`, {}),
    retryTask: (taskId) => request('POST', `/tasks/${id(taskId)}/retry`, {}),
    sendFeedback: (taskId, rating, comment) =>
      request(
        'POST',
        `/tasks/${id(taskId)}/feedback`,
        comment === undefined ? { rating } : { rating, comment },
      ),
  };
}
