"""A small service using the official Python Sentry SDK (Debian's python3-sentry-sdk 1.9).

Run with Debian's interpreter: /usr/bin/python3 app.py DSN (or with TRIAGE_SENTRY_DSN set). It
reports, in order, flushing after each so they arrive in this order:

1. a chained exception (`raise RuntimeError(...) from KeyError`) caught and sent with
   capture_exception, after an INFO line of Python's logging (a breadcrumb, through the SDK's
   logging integration); sent to /store/ as gzipped JSON with X-Sentry-Auth, as 1.9 sends events;
2. an error logged with logging.error: an event of its own, its template and params (`logentry`);
3. capture_message at level "warning";
4. capture_message at level "fatal" with an attachment, which makes the SDK send it in an envelope;
5. the application session started at start-up, ended: a `session` envelope item; and a message
   dropped by before_send, which the SDK counts in a `client_report` envelope item.

Bodies are gzipped and authenticated by X-Sentry-Auth, as the SDK does by default. Nothing random:
every run sends the same events but for ids, times, ports and the machine's contexts. (The SDK's
stdlib integration records the SDK's own requests to the DSN as `httplib` breadcrumbs: 1.9 does.)
"""

import logging
import os
import sys

import sentry_sdk
from sentry_sdk import Hub

dsn = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TRIAGE_SENTRY_DSN")
if not dsn:
    sys.exit("usage: app.py DSN (or set TRIAGE_SENTRY_DSN)")


def before_send(event, hint):
    # What the application chose not to report: the SDK counts it in a client report.
    if event.get("message") == "heartbeat":
        return None
    return event


sentry_sdk.init(
    dsn=dsn,
    release="inventory@2.3.1",
    environment="staging",
    server_name="worker-3",
    sample_rate=1.0,
    send_client_reports=True,
    before_send=before_send,
)
sentry_sdk.set_tag("warehouse", "ams-2")
sentry_sdk.set_user({"id": "7", "email": "lin@example.com"})
Hub.current.start_session(session_mode="application")

# INFO lines reach the SDK's breadcrumb handler only if the logger lets them through.
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
logger = logging.getLogger("inventory.stock")

STOCK = {"sku-1": 4}


def load_stock(sku):
    return STOCK[sku]


def reserve(sku, quantity):
    try:
        available = load_stock(sku)
    except KeyError as error:
        raise RuntimeError(f"cannot reserve {quantity} of {sku}: unknown SKU") from error
    return available - quantity


def main():
    logger.info("reserving %d of %s for order %s", 2, "sku-9", "o-1017")
    try:
        reserve("sku-9", 2)
    except RuntimeError:
        sentry_sdk.capture_exception()
    sentry_sdk.flush(timeout=10)

    logger.error("supplier feed %s returned %d items, expected %d", "acme", 0, 120)
    sentry_sdk.flush(timeout=10)

    sentry_sdk.capture_message("stock of sku-1 low: 4 left", level="warning")
    sentry_sdk.flush(timeout=10)

    with sentry_sdk.push_scope() as scope:
        scope.add_attachment(
            bytes=b"sku,count\nsku-1,4\n", filename="ledger.csv", content_type="text/csv"
        )
        sentry_sdk.capture_message("inventory ledger out of balance", level="fatal")
    sentry_sdk.flush(timeout=10)

    sentry_sdk.capture_message("heartbeat", level="info")
    Hub.current.end_session()
    sentry_sdk.flush(timeout=10)


if __name__ == "__main__":
    main()
