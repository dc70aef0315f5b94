import { MemorySessionService } from './memory-session-service.js';
import { describeSessionServiceContract } from './session-service.contract.js';

describeSessionServiceContract('memory', () => {
  const service = new MemorySessionService();
  return Promise.resolve({
    service,
    openService: () => Promise.resolve(service),
    close: () => service.close(),
  });
});
