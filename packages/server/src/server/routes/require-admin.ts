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
      throw new HttpError(401, 'send Authorization: Bearer <admin token> (TRIAGE_ADMIN_TOKEN)', {
        'www-authenticate': 'Bearer',
      });
    }
    await next();
  };
}
