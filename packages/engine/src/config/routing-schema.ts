import { CHANNELS, type RoutingPolicy } from '@triage/core';
import { z } from 'zod';
import { ConfigError } from '../errors/config-error.js';

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** A routing policy as the config file and `createEngine({ routing })` take it. */
export const routingSchema = z
  .object({
    rules: z.array(
      z
        .object({
          priority: z.array(z.enum(['P0', 'P1', 'P2', 'P3', 'unset'])).optional(),
          severity: z.array(z.enum(['critical', 'high', 'medium', 'low'])).optional(),
          channels: z.array(
            z.enum(CHANNELS, {
              error: (issue) => `unknown channel "${issue.input}"; channels are ${CHANNELS.join(', ')}`,
            }),
          ),
        })
        .strict(),
    ),
    quietHours: z
      .object({
        start: z.string().regex(HH_MM, 'must be HH:MM'),
        end: z.string().regex(HH_MM, 'must be HH:MM'),
        timeZone: z.string().optional(),
      })
      .strict()
      .optional(),
    always: z.array(z.enum(CHANNELS)).optional(),
  })
  .strict();

/** A quiet-hours time zone the runtime does not know made every alert throw: refused up front. */
export function checkTimeZone(routing: RoutingPolicy, label: string): RoutingPolicy {
  const zone = routing.quietHours?.timeZone;
  if (zone) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
    } catch {
      throw new ConfigError(`${label}routing.quietHours.timeZone: unknown time zone "${zone}"`);
    }
  }
  return routing;
}

/**
 * Routing given in code, checked as the config file's is: a quiet hour written "7:00" or an unknown
 * time zone made every alert throw, counted as a failure, and nobody was told.
 */
export function checkedRouting(routing: RoutingPolicy): RoutingPolicy {
  const parsed = routingSchema.safeParse(routing);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`routing.${issue.path.join('.')}: ${issue.message}`.replace(/\.: /, ': '));
  }
  return checkTimeZone(routing, '');
}
