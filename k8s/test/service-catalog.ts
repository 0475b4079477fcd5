import type Joi from 'joi';
import { authConfigSchema, loadAuthConfig } from '../../services/auth/src/config';
import { loadUserConfig, userConfigSchema } from '../../services/user/src/config';
import { gatewayConfigSchema, loadGatewayConfig } from '../../gateway/src/config';
import { loadNotificationConfig, notificationConfigSchema } from '../../services/notification/src/config';

export type Env = Record<string, string | undefined>;

/** One Gatehouse process as the deployment sees it: where it lives, its port, its config. */
export interface DeployedService {
  readonly name: 'gateway' | 'auth' | 'user' | 'notification';
  readonly packageDir: string;
  readonly port: number;
  readonly schema: Joi.ObjectSchema;
  readonly load: (env: Env) => unknown;
  /** Keys the deployment must set even where the schema has a default. */
  readonly alwaysProvided: readonly string[];
}

// Every service will read the broker URL (next issue); the manifests provide it already.
const common = ['NODE_ENV', 'AMQP_URL'];

/** The variables notification's author announced; all must be set in a deployment. */
const notificationKeys = ['PORT', 'DATABASE_URL', 'AMQP_URL', 'EVENTS_EXCHANGE', 'SMTP_URL', 'MAIL_FROM', 'APP_URL', 'LOG_LEVEL', 'NODE_ENV'];

export const deployedServices: readonly DeployedService[] = [
  { name: 'gateway', packageDir: 'gateway', port: 8080, schema: gatewayConfigSchema, load: loadGatewayConfig, alwaysProvided: common },
  // Production constrains these three (key required, cookies Secure, cost >= 10): the
  // manifests state them explicitly rather than lean on defaults.
  {
    name: 'auth',
    packageDir: 'services/auth',
    port: 4001,
    schema: authConfigSchema,
    load: loadAuthConfig,
    alwaysProvided: [...common, 'JWT_PRIVATE_KEY_FILE', 'COOKIE_SECURE', 'BCRYPT_COST'],
  },
  { name: 'user', packageDir: 'services/user', port: 4002, schema: userConfigSchema, load: loadUserConfig, alwaysProvided: common },
  {
    name: 'notification',
    packageDir: 'services/notification',
    port: 4003,
    schema: notificationConfigSchema,
    load: loadNotificationConfig,
    // Without SMTP_URL it writes mail to MAIL_DIR, which a read-only root filesystem refuses.
    alwaysProvided: [...common, ...notificationKeys],
  },
];

export function deployedService(name: string): DeployedService {
  const service = deployedServices.find((s) => s.name === name);
  if (!service) throw new Error(`unknown service ${name}`);
  return service;
}

const loopback = /127\.0\.0\.1|localhost/;

/**
 * The variables a deployment must set for this service: what production requires, what the
 * broker migration adds, and every key whose default points at the developer's machine
 * (`127.0.0.1` is the container itself once deployed). With `localOrigins`, defaults naming
 * `localhost` (browser origins) are acceptable, as for the local compose stack.
 */
export function keysToProvide(service: DeployedService, options: { localOrigins: boolean }): string[] {
  const keys = new Set(service.alwaysProvided);
  const described = (service.schema.describe().keys ?? {}) as Record<string, { flags?: { default?: unknown; presence?: string } }>;
  for (const [key, description] of Object.entries(described)) {
    const fallback = description.flags?.default;
    if (description.flags?.presence === 'required') keys.add(key);
    if (typeof fallback === 'string') {
      const pointsAtLoopback = options.localOrigins ? /127\.0\.0\.1/.test(fallback) : loopback.test(fallback);
      if (pointsAtLoopback) keys.add(key);
    }
  }
  const { error } = service.schema.validate({ NODE_ENV: 'production' }, { abortEarly: false });
  for (const detail of error?.details ?? []) {
    if (detail.type === 'any.required' && typeof detail.path[0] === 'string') keys.add(detail.path[0]);
  }
  return [...keys].sort();
}
