import { DeliveryError } from '../errors/delivery-error.js';

/** Awaits a delivery that must fail, and returns its DeliveryError (anything else is a test failure). */
export async function deliveryErrorOf(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!DeliveryError.isInstance(error)) throw new Error(`expected a DeliveryError, got ${String(error)}`);
  return error;
}
