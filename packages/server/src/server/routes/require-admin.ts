import type { Context, MiddlewareHandler, Next } from 'hono';
import { tokenMatches } from '../admin-token.js';
import { HttpError } from '../http-error.js';
import type { ServerContext } from '../server-context.js';

/** The admin API's guard: `Authorization: Bearer <admin token>`, or 401 saying so. */
export function requireAdmin(context: ServerContext): MiddlewareHandler {
  return async function requireAdmin(c: Context, next: Next) {
    const header = c.req.header('authorization') ?? '';
    const token = /^Bearer +(.+)$/i.exec(header)?.[1];
    if (!tokenMatches(token, context.adminToken)) {
      // Told apart: a token sent and refused is a wrong or rotated token, not a missing header.
      const problem =
        token === undefined
          ? 'send Authorization: Bearer <admin token> (TRIAGE_ADMIN_TOKEN)'
          : 'the admin token sent is not this server’s (TRIAGE_ADMIN_TOKEN, or the one it printed on first start)';
      throw new HttpError(401, problem, { 'www-authenticate': 'Bearer' });
    }
    await next();
  };
}
