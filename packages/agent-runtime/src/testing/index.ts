/**
 * Test utilities of the agent runtime (the `@agent-mesh/agent-runtime/testing` entry): fakes of the only
 * external parts tests may fake — LLM providers — plus what compaction tests share: the long recall
 * conversation and a fake summariser's reply.
 */
export { startFakeOpenAiServer } from './fake-openai-server.js';
export { lockerConversation } from './locker-conversation.js';
export { summarisingReply } from './summarising-reply.js';
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
