import { validationError } from '@gatehouse/errors';
import type { PagePosition } from './user.ports';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** An opaque, URL-safe cursor naming the last row of a page. */
export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.createdAt.toISOString(), position.id])).toString('base64url');
}

function invalidCursor(): Error {
  return validationError([{ path: 'cursor', message: '"cursor" is not a cursor this service issued' }]);
}

/** Reads a cursor from `encodeCursor`; anything else is a validation failure, never a 500. */
export function decodeCursor(cursor: string): PagePosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalidCursor();
  const [createdAt, id] = parsed as unknown[];
  if (typeof createdAt !== 'string' || !ISO_INSTANT.test(createdAt) || typeof id !== 'string' || !UUID.test(id)) {
    throw invalidCursor();
  }
  const date = new Date(createdAt);
  if (Number.isNaN(date.getTime()) || date.toISOString() !== createdAt) throw invalidCursor();
  return { createdAt: date, id: id.toLowerCase() };
}
