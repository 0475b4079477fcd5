import { decodeCursor, encodeCursor } from './page-cursor';

describe('page cursor', () => {
  it('when a position is encoded, then decoding gives it back exactly', () => {
    const position = { createdAt: new Date('2026-01-02T03:04:05.678Z'), id: '0b7e5e1c-3f2a-4d7e-9a51-6f1c2d3e4f50' };
    const cursor = encodeCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(position);
  });

  it.each([
    ['empty', ''],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['an impossible date', Buffer.from(JSON.stringify(['2026-02-31T00:00:00.000Z', '0b7e5e1c-3f2a-4d7e-9a51-6f1c2d3e4f50'])).toString('base64url')],
    ['a bad id', Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', "x' OR 1=1"])).toString('base64url')],
    ['too many parts', Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', '0b7e5e1c-3f2a-4d7e-9a51-6f1c2d3e4f50', 1])).toString('base64url')],
  ])('when the cursor is %s, then it is a validation failure on cursor', (_what, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(
      expect.objectContaining({ code: 'validation_failed', details: { errors: [expect.objectContaining({ path: 'cursor' })] } }),
    );
  });
});
