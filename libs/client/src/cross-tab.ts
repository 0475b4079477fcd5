import type { User } from './client.types.js';

/** What one tab tells the others of the same origin. */
export type TabMessage =
  | { readonly type: 'token'; readonly accessToken: string; readonly expiresAt: number; readonly user: User }
  | { readonly type: 'ended'; readonly reason: string };

export interface CrossTab {
  post(message: TabMessage): void;
  /** Runs `work` while no other tab of this origin runs one under the same lock name. */
  exclusive(work: () => Promise<void>): Promise<void>;
}

/** One name for every tab: a refresh in any of them is a refresh of the shared cookie. */
const REFRESH_LOCK = 'gatehouse-refresh';

function isTabMessage(data: unknown): data is TabMessage {
  const message = data as Partial<Record<string, unknown>> | null;
  if (typeof message !== 'object' || message === null) return false;
  if (message.type === 'ended') return typeof message.reason === 'string';
  return message.type === 'token' && typeof message.accessToken === 'string' && typeof message.expiresAt === 'number' && typeof message.user === 'object';
}

/**
 * BroadcastChannel and Web Locks, each optional: without them (an old browser, a worker without
 * locks) the tab still works alone, and the server's reuse grace absorbs a concurrent refresh.
 */
export function crossTab(channelName: string, receive: (message: TabMessage) => void): CrossTab {
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(channelName) : undefined;
  if (channel) channel.onmessage = (event: MessageEvent<unknown>) => isTabMessage(event.data) && receive(event.data);
  const locks = typeof navigator === 'object' ? navigator.locks : undefined;
  return {
    post: (message) => channel?.postMessage(message),
    exclusive: async (work) => {
      await (locks ? locks.request(REFRESH_LOCK, work) : work());
    },
  };
}
