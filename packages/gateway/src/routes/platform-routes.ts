import type { RequestHandler } from 'express';
import { MeshError, type PlatformServiceConfig } from '@agent-mesh/shared';

/**
 * Answers /api/v1/platform/* with 501: without `platform_service.database_url` the platform service is
 * not configured (the message says how to configure it); with one, this gateway version has no platform
 * endpoints yet.
 */
export function createPlatformHandler(platform: PlatformServiceConfig): RequestHandler {
  return () => {
    if (platform.database_url === '') {
      throw new MeshError(
        'NOT_IMPLEMENTED',
        'Platform service is not configured: set PLATFORM_DATABASE_URL (gateway.platform_service.database_url) to enable the /api/v1/platform endpoints.',
      );
    }
    throw new MeshError('NOT_IMPLEMENTED', 'This gateway version has no platform endpoints yet.');
  };
}
