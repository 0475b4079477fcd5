/*
 * OAuth scopes of the user admin API. A service token (client credentials) needs the `admin` role
 * and the scope of the operation; user admins need the role alone, as scopes only narrow what a
 * service may do. The auth service offers clients these by default (`OAUTH_SCOPES` is
 * `users:read users:write`): renaming one here means changing it there too.
 */

/** Lets a service list users: `GET /api/admin/users`. */
export const USERS_READ_SCOPE = 'users:read';

/** Lets a service delete users: `DELETE /api/admin/users/:id`. */
export const USERS_WRITE_SCOPE = 'users:write';
