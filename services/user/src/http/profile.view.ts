import type { Profile } from '../domain/user.ports';

/** The public JSON shape of a profile. */
export function profileBody(profile: Profile) {
  return {
    id: profile.id,
    email: profile.email,
    name: profile.name,
    bio: profile.bio,
    avatarUrl: profile.avatarUrl,
    locale: profile.locale,
    roles: profile.roles,
    emailVerified: profile.emailVerified,
    createdAt: profile.createdAt.toISOString(),
    updatedAt: profile.updatedAt.toISOString(),
  };
}
