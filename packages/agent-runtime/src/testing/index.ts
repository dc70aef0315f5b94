/**
 * Test utilities of the agent runtime (the `@agent-mesh/agent-runtime/testing` entry): fakes of the only
 * external parts tests may fake — LLM providers.
 */
export { startFakeOpenAiServer } from './fake-openai-server.js';
export type {
  FakeChatRequest,
  FakeFailure,
  FakeFailurePolicy,
  FakeOpenAiServer,
  FakeOpenAiServerOptions,
  FakeRecordedRequest,
  FakeReply,
  FakeToolCall,
} from './fake-openai-server.js';
