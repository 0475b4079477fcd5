import { hashTag } from './redis-script';
import { redisKeys } from './redis-keys';

describe('hashTag (the part of a key Redis Cluster hashes)', () => {
  it.each([
    ['sessions:{u1}', 'u1'],
    ['sess:{u1}', 'u1'],
    ['rl:login:203.0.113.9', 'rl:login:203.0.113.9'],
    ['a:{}:{b}', 'a:{}:{b}'],
    ['a:{b', 'a:{b'],
    ['a:{b}{c}', 'b'],
  ])('when the key is %s, then Redis hashes %s', (key, tag) => {
    expect(hashTag(key)).toBe(tag);
  });

  it("when keys are used together in one script, then they carry one tag: a user's sessions, an account's login counters", () => {
    expect(hashTag(redisKeys.legacySessions('u1'))).toBe(hashTag(redisKeys.sessions('u1')));
    const account = [
      redisKeys.loginPair('acct', '203.0.113.9'),
      redisKeys.loginFailures('acct'),
      redisKeys.loginTrusted('acct'),
      redisKeys.loginCleared('acct'),
    ];
    expect(new Set(account.map(hashTag))).toEqual(new Set(['acct']));
  });
});
