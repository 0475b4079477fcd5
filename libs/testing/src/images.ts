/**
 * Infrastructure images, pinned once. docker-compose.yml must use the same tags; a test in
 * the deployment suite compares them.
 */
export const infrastructureImages = {
  postgres: 'postgres:17.6-alpine',
  redis: 'redis:7.4.5-alpine',
  rabbitmq: 'rabbitmq:4.1.4-management-alpine',
} as const;
