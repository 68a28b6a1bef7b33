#!/usr/bin/env python3
"""Writes hmac-vectors.json: webhook signature test vectors for Inlet's HMAC-family verifiers (InletSignatures).

Run from anywhere:  python3 Tests/Fixtures/signatures/generate_hmac_vectors.py
It creates (once) a virtual environment under <repository>/.inlet/vectors-venv, installs the pinned official SDKs
there, re-runs itself inside it, and rewrites hmac-vectors.json next to this file. The output is deterministic (fixed
secrets, bodies and clocks), so a re-run without changes gives the same file; tests never run this script, they read
the committed JSON.

Where the signatures come from, per provider ("source" in every vector says which):
  * Stripe   - the official `stripe` SDK: stripe.WebhookSignature.generate_signature_header signs, verify_header checks
               (with time.time pinned to the vector's clock for the tolerance checks).
  * Slack    - the official `slack_sdk`: slack_sdk.signature.SignatureVerifier (fixed Clock) signs and checks; plus the
               example published in Slack's "Verifying requests from Slack" article, checked by the SDK.
  * HubSpot  - the official `hubspot-api-client`: hubspot.utils.signature.Signature.get_signature signs and is_valid
               checks (clock pinned). The SDK signs the URI it is given; decoding HubSpot's listed percent-encodings
               first is the caller's job per HubSpot's docs, done here by hubspot_signed_uri() below.
  * Paddle   - the official `paddle-python-sdk` (Paddle Billing): PaddleSignature.calculate_hmac signs,
               Notifications.Verifier checks (clock pinned).
  * GitHub   - the example published in GitHub's "Validating webhook deliveries" article, plus vectors from an
               independent implementation of the documented rule (GitHub ships no Python SDK verifier).
  * Shopify, Linear, Zoom, Intercom, Jira Cloud, Bitbucket Cloud, generic HMAC - no official Python SDK verifies
               these, so the signatures come from an independent implementation of each provider's documented rule
               with Python's standard `hmac` module (functions below, one per provider, citing the rule).
Vectors with "expect" other than "valid" are requests the provider's rule rejects (the SDK's own verdict where there
is an SDK: "sdk_accepts" records it); "expect" names the SignatureRejection reason Inlet must give.
"""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
VENV = os.path.join(REPOSITORY, ".inlet", "vectors-venv")
OUTPUT = os.path.join(HERE, "hmac-vectors.json")
PINNED = {
    "stripe": "16.1.0",
    "slack-sdk": "3.47.0",
    "hubspot-api-client": "12.0.0",
    "paddle-python-sdk": "1.16.1",
}


def ensure_venv():
    """Re-executes this script inside the pinned virtual environment, creating it when needed."""
    python = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    requirements = [f"{name}=={version}" for name, version in PINNED.items()]
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements], check=True)
    os.execv(python, [python, os.path.abspath(__file__), *sys.argv[1:]])


ensure_venv()

from importlib.metadata import version as installed_version  # noqa: E402

import stripe  # noqa: E402
import stripe._webhook  # noqa: E402
from slack_sdk.signature import Clock, SignatureVerifier  # noqa: E402
import hubspot.utils.signature as hubspot_signature  # noqa: E402
from paddle_billing.Notifications import Secret, Verifier as PaddleVerifier  # noqa: E402
from paddle_billing.Notifications.PaddleSignature import PaddleSignature  # noqa: E402

for name, pinned in PINNED.items():
    assert installed_version(name) == pinned, f"{name} {installed_version(name)} is installed, {pinned} is pinned"

NOW = 1_763_700_000  # the receiver's clock in every vector (Unix seconds)
URL_BASE = "https://inlet.example.com/webhooks"
vectors = []


def add(name, provider, source, secrets, headers, body, expect="valid", now=NOW, method="POST", url=None,
        sdk_accepts=None, reproduce=None, **options):
    """Records one vector. `reproduce` holds what Inlet's signing helper needs to produce the same header."""
    vector = {
        "name": name,
        "provider": provider,
        "source": source,
        "secrets": secrets,
        "method": method,
        "url": url or f"{URL_BASE}/{provider}/acme",
        "headers": [[k, v] for k, v in headers],
        "body": body,
        "now": now,
        "expect": expect,
    }
    if sdk_accepts is not None:
        vector["sdk_accepts"] = sdk_accepts
    if reproduce is not None:
        vector["reproduce"] = reproduce
    vector.update(options)
    vectors.append(vector)


class pinned_clock:
    """Pins time.time() (used by the Stripe SDK's tolerance check) while verifying."""

    def __init__(self, now):
        self.now = now

    def __enter__(self):
        self.saved = time.time
        time.time = lambda: float(self.now)

    def __exit__(self, *exc):
        time.time = self.saved


JSON_BODY = '{"id":"evt_1","type":"invoice.paid","data":{"object":{"amount":4200,"note":"caf\u00e9 \u2713"}}}'

# --- Stripe (official SDK) -----------------------------------------------------------------------------------------
STRIPE_SOURCE = f"stripe {PINNED['stripe']} (WebhookSignature.generate_signature_header / verify_header)"
stripe_secret = "whsec_test_0d2f6c4a1b8e4c3f9a7d5e1b2c3d4e5f"
stripe_previous = "whsec_test_previous_7f1e2d3c4b5a69788796a5b4"


def stripe_accepts(body, header, secret, now, tolerance=300):
    with pinned_clock(now):
        try:
            return stripe.WebhookSignature.verify_header(body, header, secret, tolerance)
        except stripe.SignatureVerificationError:
            return False


header = stripe.WebhookSignature.generate_signature_header(JSON_BODY, stripe_secret, timestamp=NOW - 12)
assert stripe_accepts(JSON_BODY, header, stripe_secret, NOW)
add("stripe: one v1 signature", "stripe", STRIPE_SOURCE, [stripe_secret], [("Stripe-Signature", header)], JSON_BODY,
    sdk_accepts=True, reproduce={"timestamp": NOW - 12})

# Rolling a secret: Stripe sends one v1 per active secret, and a v0 in test mode.
old = stripe.WebhookSignature.generate_signature_header(JSON_BODY, stripe_previous, timestamp=NOW)
new = stripe.WebhookSignature.generate_signature_header(JSON_BODY, stripe_secret, timestamp=NOW)
rolled = f"t={NOW},v1={old.split('v1=')[1]},v1={new.split('v1=')[1]},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"
assert stripe_accepts(JSON_BODY, rolled, stripe_secret, NOW) and stripe_accepts(JSON_BODY, rolled, stripe_previous, NOW)
add("stripe: two v1 entries while the secret rolls, and a v0; the integration holds only the new secret", "stripe",
    STRIPE_SOURCE, [stripe_secret], [("Stripe-Signature", rolled)], JSON_BODY, sdk_accepts=True)
add("stripe: rotation on Inlet's side, the second configured secret matches", "stripe", STRIPE_SOURCE,
    ["whsec_some_other_secret_entirely", stripe_secret], [("Stripe-Signature", header)], JSON_BODY, sdk_accepts=True)
assert not stripe_accepts(JSON_BODY + " ", header, stripe_secret, NOW)
add("stripe: body altered after signing", "stripe", STRIPE_SOURCE, [stripe_secret], [("Stripe-Signature", header)],
    JSON_BODY + " ", expect="signature_mismatch", sdk_accepts=False)
assert not stripe_accepts(JSON_BODY, header, "whsec_wrong", NOW)
add("stripe: wrong secret", "stripe", STRIPE_SOURCE, ["whsec_wrong"], [("Stripe-Signature", header)], JSON_BODY,
    expect="signature_mismatch", sdk_accepts=False)
stale = stripe.WebhookSignature.generate_signature_header(JSON_BODY, stripe_secret, timestamp=NOW - 301)
assert not stripe_accepts(JSON_BODY, stale, stripe_secret, NOW)
add("stripe: timestamp 301 s old, tolerance 300 s", "stripe", STRIPE_SOURCE, [stripe_secret],
    [("Stripe-Signature", stale)], JSON_BODY, expect="timestamp_out_of_tolerance", sdk_accepts=False)
edge = stripe.WebhookSignature.generate_signature_header(JSON_BODY, stripe_secret, timestamp=NOW - 300)
assert stripe_accepts(JSON_BODY, edge, stripe_secret, NOW)
add("stripe: timestamp exactly 300 s old is still accepted", "stripe", STRIPE_SOURCE, [stripe_secret],
    [("Stripe-Signature", edge)], JSON_BODY, sdk_accepts=True)
assert not stripe_accepts(JSON_BODY, edge, stripe_secret, NOW, tolerance=60)
add("stripe: configured tolerance of 60 s", "stripe", STRIPE_SOURCE, [stripe_secret], [("Stripe-Signature", edge)],
    JSON_BODY, expect="timestamp_out_of_tolerance", sdk_accepts=False, tolerance_seconds=60)
only_v0 = f"t={NOW},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"
assert not stripe_accepts(JSON_BODY, only_v0, stripe_secret, NOW)
add("stripe: only a v0 signature", "stripe", STRIPE_SOURCE, [stripe_secret], [("Stripe-Signature", only_v0)],
    JSON_BODY, expect="signature_malformed", sdk_accepts=False)

# --- Slack (official SDK) ------------------------------------------------------------------------------------------
SLACK_SOURCE = f"slack_sdk {PINNED['slack-sdk']} (signature.SignatureVerifier)"


class FixedClock(Clock):
    def __init__(self, now):
        self.fixed = now

    def now(self):
        return float(self.fixed)


# Slack's published example ("Verifying requests from Slack"), checked by the SDK before it is written down.
SLACK_DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_DOC_TIMESTAMP = 1531420618
SLACK_DOC_BODY = ("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
                  "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
                  "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
                  "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
SLACK_DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
doc_verifier = SignatureVerifier(SLACK_DOC_SECRET, clock=FixedClock(SLACK_DOC_TIMESTAMP))
assert doc_verifier.generate_signature(timestamp=str(SLACK_DOC_TIMESTAMP), body=SLACK_DOC_BODY) == SLACK_DOC_SIGNATURE
assert doc_verifier.is_valid(SLACK_DOC_BODY, str(SLACK_DOC_TIMESTAMP), SLACK_DOC_SIGNATURE)
add("slack: the example published in Slack's docs", "slack",
    "Slack docs, https://api.slack.com/authentication/verifying-requests-from-slack (checked by " + SLACK_SOURCE + ")",
    [SLACK_DOC_SECRET], [("X-Slack-Request-Timestamp", str(SLACK_DOC_TIMESTAMP)), ("X-Slack-Signature", SLACK_DOC_SIGNATURE)],
    SLACK_DOC_BODY, now=SLACK_DOC_TIMESTAMP, sdk_accepts=True, reproduce={"timestamp": SLACK_DOC_TIMESTAMP})

slack_secret = "e3b0c44298fc1c149afbf4c8996fb924"
slack = SignatureVerifier(slack_secret, clock=FixedClock(NOW))
slack_body = '{"token":"x","team_id":"T1","event":{"type":"message","text":"h\u00e9llo"},"type":"event_callback","event_id":"Ev1"}'
signature = slack.generate_signature(timestamp=str(NOW - 5), body=slack_body)
assert slack.is_valid(slack_body, str(NOW - 5), signature)
slack_headers = [("X-Slack-Request-Timestamp", str(NOW - 5)), ("X-Slack-Signature", signature)]
add("slack: an Events API callback", "slack", SLACK_SOURCE, [slack_secret], slack_headers, slack_body,
    sdk_accepts=True, reproduce={"timestamp": NOW - 5})
add("slack: rotation, the second configured secret matches", "slack", SLACK_SOURCE, ["0" * 32, slack_secret],
    slack_headers, slack_body, sdk_accepts=True)
assert not slack.is_valid(slack_body.replace("h\u00e9llo", "hello"), str(NOW - 5), signature)
add("slack: body altered after signing", "slack", SLACK_SOURCE, [slack_secret], slack_headers,
    slack_body.replace("h\u00e9llo", "hello"), expect="signature_mismatch", sdk_accepts=False)
old_signature = slack.generate_signature(timestamp=str(NOW - 301), body=slack_body)
assert not slack.is_valid(slack_body, str(NOW - 301), old_signature)
add("slack: timestamp 301 s old", "slack", SLACK_SOURCE, [slack_secret],
    [("X-Slack-Request-Timestamp", str(NOW - 301)), ("X-Slack-Signature", old_signature)], slack_body,
    expect="timestamp_out_of_tolerance", sdk_accepts=False)
future_signature = slack.generate_signature(timestamp=str(NOW + 301), body=slack_body)
assert not slack.is_valid(slack_body, str(NOW + 301), future_signature)
add("slack: timestamp 301 s in the future", "slack", SLACK_SOURCE, [slack_secret],
    [("X-Slack-Request-Timestamp", str(NOW + 301)), ("X-Slack-Signature", future_signature)], slack_body,
    expect="timestamp_out_of_tolerance", sdk_accepts=False)

# --- HubSpot v3 (official SDK; URI decoding per HubSpot's docs) ------------------------------------------------------
HUBSPOT_SOURCE = f"hubspot-api-client {PINNED['hubspot-api-client']} (utils.signature.Signature v3) over the URI decoded per HubSpot's docs"
HUBSPOT_DECODED = {"%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$", "%27": "'", "%28": "(",
                   "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";"}


def hubspot_signed_uri(url):
    """HubSpot's documented rule: decode exactly these encodings (hex digits of either case), in one pass."""
    out, i = [], 0
    while i < len(url):
        token = url[i:i + 3].upper()
        if url[i] == "%" and token in HUBSPOT_DECODED:
            out.append(HUBSPOT_DECODED[token])
            i += 3
        else:
            out.append(url[i])
            i += 1
    return "".join(out)


class pinned_hubspot_clock:
    def __init__(self, now):
        self.now = now

    def __enter__(self):
        now = self.now
        base = hubspot_signature.datetime

        class Pinned(base):
            @classmethod
            def now(cls, tz=None):
                return base.fromtimestamp(now, tz)

        self.saved = hubspot_signature.datetime
        hubspot_signature.datetime = Pinned

    def __exit__(self, *exc):
        hubspot_signature.datetime = self.saved


def hubspot_accepts(signature, secret, body, url, method, timestamp, now):
    with pinned_hubspot_clock(now):
        try:
            return hubspot_signature.Signature.is_valid(signature, secret, body, hubspot_signed_uri(url), method, "v3", timestamp)
        except Exception:  # the SDK raises InvalidSignatureTimestampError for a stale timestamp
            return False


hubspot_secret = "a1b2c3d4-e5f6-4789-abcd-ef0123456789"
hubspot_body = '[{"eventId":100,"subscriptionId":12345,"portalId":62515,"occurredAt":1763699990000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","appId":54321}]'
for label, url in [
    ("a plain URL", "https://inlet.example.com/webhooks/hubspot/acme"),
    ("a query string with encodings HubSpot decodes (%3A %2F %40 %2C %3B %28 %29, lower-case %2f) and one it keeps (%20)",
     "https://inlet.example.com/webhooks/hubspot/acme?redirect=https%3A%2F%2Fexample.com%2fcb&user=a%40b.c&list=1%2C2%3B3&x=%28y%29&q=two%20words"),
]:
    ts = str(NOW * 1000 - 1500)
    signature = hubspot_signature.Signature.get_signature(hubspot_secret, hubspot_body, "v3", hubspot_signed_uri(url), "POST", ts)
    assert hubspot_accepts(signature, hubspot_secret, hubspot_body, url, "POST", ts, NOW)
    headers = [("X-HubSpot-Request-Timestamp", ts), ("X-HubSpot-Signature-v3", signature)]
    add(f"hubspot: {label}", "hubspot", HUBSPOT_SOURCE, [hubspot_secret], headers, hubspot_body, url=url,
        sdk_accepts=True, reproduce={"timestamp": NOW * 1000 - 1500})
    if "%20" in url:
        # %20 is not in HubSpot's list: a URL that spells it '+' is a different URL and must not match.
        add("hubspot: the same signature on a URL spelling %20 as '+' (an encoding HubSpot does not decode)",
            "hubspot", HUBSPOT_SOURCE, [hubspot_secret], headers, hubspot_body, url=url.replace("%20", "+"),
            expect="signature_mismatch", sdk_accepts=hubspot_accepts(signature, hubspot_secret, hubspot_body, url.replace("%20", "+"), "POST", ts, NOW))
ts = str((NOW - 301) * 1000)
stale_signature = hubspot_signature.Signature.get_signature(hubspot_secret, hubspot_body, "v3", f"{URL_BASE}/hubspot/acme", "POST", ts)
assert not hubspot_accepts(stale_signature, hubspot_secret, hubspot_body, f"{URL_BASE}/hubspot/acme", "POST", ts, NOW)
add("hubspot: timestamp 301 s old", "hubspot", HUBSPOT_SOURCE, [hubspot_secret],
    [("X-HubSpot-Request-Timestamp", ts), ("X-HubSpot-Signature-v3", stale_signature)], hubspot_body,
    expect="timestamp_out_of_tolerance", sdk_accepts=False)
ts = str(NOW * 1000)
get_signature = hubspot_signature.Signature.get_signature(hubspot_secret, "", "v3", f"{URL_BASE}/hubspot/acme?portalId=62515", "GET", ts)
assert hubspot_accepts(get_signature, hubspot_secret, "", f"{URL_BASE}/hubspot/acme?portalId=62515", "GET", ts, NOW)
add("hubspot: a GET with an empty body", "hubspot", HUBSPOT_SOURCE, [hubspot_secret],
    [("X-HubSpot-Request-Timestamp", ts), ("X-HubSpot-Signature-v3", get_signature)], "", method="GET",
    url=f"{URL_BASE}/hubspot/acme?portalId=62515", sdk_accepts=True)
assert not hubspot_accepts(get_signature, hubspot_secret, "", f"{URL_BASE}/hubspot/acme?portalId=62515", "POST", ts, NOW)
add("hubspot: the method is signed (GET signature on a POST)", "hubspot", HUBSPOT_SOURCE, [hubspot_secret],
    [("X-HubSpot-Request-Timestamp", ts), ("X-HubSpot-Signature-v3", get_signature)], "", method="POST",
    url=f"{URL_BASE}/hubspot/acme?portalId=62515", expect="signature_mismatch", sdk_accepts=False)

# --- Paddle Billing (official SDK) ---------------------------------------------------------------------------------
PADDLE_SOURCE = f"paddle-python-sdk {PINNED['paddle-python-sdk']} (Notifications.PaddleSignature / Verifier)"


class PaddleRequest:
    def __init__(self, header, body):
        self.headers = {"Paddle-Signature": header}
        self.body = body.encode("utf-8")


def paddle_accepts(header, body, secrets, now):
    # The package re-exports the class under the module's name, so reach the module itself.
    verifier_module = sys.modules["paddle_billing.Notifications.Verifier"]
    saved = verifier_module.time
    verifier_module.time = lambda: float(now)
    try:
        return PaddleVerifier().verify(PaddleRequest(header, body), [Secret(s) for s in secrets])
    except ConnectionRefusedError:  # the SDK's way of saying no secret matched
        return False
    finally:
        verifier_module.time = saved


def paddle_h1(secret, ts, body):
    return PaddleSignature.calculate_hmac(secret, f"{ts}:{body}".encode("utf-8")).hexdigest()


paddle_secret = "pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI5vEI"
paddle_previous = "pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_previousKeyPreviousKey0000000"
paddle_body = '{"event_id":"evt_01h","event_type":"transaction.completed","occurred_at":"2026-11-21T04:40:00Z","notification_id":"ntf_01h","data":{"id":"txn_01h","total":"\u20ac42"}}'
header = f"ts={NOW - 2};h1={paddle_h1(paddle_secret, NOW - 2, paddle_body)}"
assert paddle_accepts(header, paddle_body, [paddle_secret], NOW)
add("paddle: one h1 signature", "paddle", PADDLE_SOURCE, [paddle_secret], [("Paddle-Signature", header)], paddle_body,
    sdk_accepts=True, reproduce={"timestamp": NOW - 2})
rotating = f"ts={NOW};h1={paddle_h1(paddle_previous, NOW, paddle_body)};h1={paddle_h1(paddle_secret, NOW, paddle_body)}"
assert paddle_accepts(rotating, paddle_body, [paddle_secret], NOW)
add("paddle: two h1 entries while the secret key rotates", "paddle", PADDLE_SOURCE, [paddle_secret],
    [("Paddle-Signature", rotating)], paddle_body, sdk_accepts=True)
assert paddle_accepts(header, paddle_body, [paddle_previous, paddle_secret], NOW)
add("paddle: rotation on Inlet's side, the second configured secret matches", "paddle", PADDLE_SOURCE,
    [paddle_previous, paddle_secret], [("Paddle-Signature", header)], paddle_body, sdk_accepts=True)
assert not paddle_accepts(header, paddle_body, [paddle_secret], NOW + 4)
add("paddle: timestamp 6 s old, the SDKs' 5 s tolerance", "paddle", PADDLE_SOURCE, [paddle_secret],
    [("Paddle-Signature", header)], paddle_body, now=NOW + 4, expect="timestamp_out_of_tolerance", sdk_accepts=False)
assert not paddle_accepts(header, paddle_body.replace("42", "43"), [paddle_secret], NOW)
add("paddle: body altered after signing", "paddle", PADDLE_SOURCE, [paddle_secret], [("Paddle-Signature", header)],
    paddle_body.replace("42", "43"), expect="signature_mismatch", sdk_accepts=False)

# --- Independent implementations of documented rules (no official Python SDK verifies these) ---------------------
INDEPENDENT = "independent Python hmac implementation of the documented rule (no official Python SDK verifies it): "


def hmac_digest(algorithm, secret, message):
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8") if isinstance(message, str) else message,
                    getattr(hashlib, algorithm)).digest()


# GitHub: X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256(secret, body); legacy X-Hub-Signature = "sha1=" + hex SHA-1.
GITHUB_DOC_SECRET, GITHUB_DOC_BODY = "It's a Secret to Everybody", "Hello, World!"
GITHUB_DOC_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
assert "sha256=" + hmac_digest("sha256", GITHUB_DOC_SECRET, GITHUB_DOC_BODY).hex() == GITHUB_DOC_SIGNATURE
add("github: the example published in GitHub's docs", "github",
    "GitHub docs, https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries",
    [GITHUB_DOC_SECRET], [("X-Hub-Signature-256", GITHUB_DOC_SIGNATURE)], GITHUB_DOC_BODY, reproduce={})
github_secret = "gh-webhook-secret-2026"
github_body = '{"action":"opened","number":7,"pull_request":{"title":"na\u00efve \u2603"}}'
sha256 = "sha256=" + hmac_digest("sha256", github_secret, github_body).hex()
sha1 = "sha1=" + hmac_digest("sha1", github_secret, github_body).hex()
rule = INDEPENDENT + "GitHub 'Validating webhook deliveries'"
add("github: both headers, as GitHub sends them", "github", rule, [github_secret],
    [("X-Hub-Signature", sha1), ("X-Hub-Signature-256", sha256)], github_body, reproduce={})
add("github: legacy SHA-1 only, accepted when opted in", "github", rule, [github_secret],
    [("X-Hub-Signature", sha1)], github_body, accept_legacy_sha1=True)
add("github: legacy SHA-1 only, refused by default", "github", rule, [github_secret],
    [("X-Hub-Signature", sha1)], github_body, expect="signature_missing")
add("github: a bad SHA-256 header is not rescued by a good SHA-1 one", "github", rule, [github_secret],
    [("X-Hub-Signature", sha1), ("X-Hub-Signature-256", "sha256=" + "0" * 64)], github_body,
    expect="signature_mismatch", accept_legacy_sha1=True)

# Shopify: X-Shopify-Hmac-SHA256 = base64 HMAC-SHA256(client secret, body).
shopify_secret = "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"
shopify_body = '{"id":820982911946154508,"email":"jon@example.com","note":"gr\u00fc\u00dfe","total_price":"199.00"}'
value = base64.b64encode(hmac_digest("sha256", shopify_secret, shopify_body)).decode()
rule = INDEPENDENT + "Shopify 'Verify the webhook'"
add("shopify: an order webhook", "shopify", rule, [shopify_secret], [("X-Shopify-Hmac-SHA256", value)], shopify_body,
    reproduce={})
add("shopify: rotation, the second configured secret matches", "shopify", rule, ["shpss_old", shopify_secret],
    [("X-Shopify-Hmac-SHA256", value)], shopify_body)

# Linear: Linear-Signature = hex HMAC-SHA256(secret, body); body.webhookTimestamp (ms) within 60 s.
linear_secret = "lin_wh_7c1d2e3f4a5b6c7d8e9f"
rule = INDEPENDENT + "Linear 'Webhooks: securing webhooks'"
for label, offset_ms, expect in [("fresh", -1200, "valid"), ("61 s old", -61_000, "timestamp_out_of_tolerance")]:
    body = ('{"action":"create","type":"Issue","data":{"id":"i1","title":"Fix \\u00e9 {nested: [1,2]}","webhookTimestamp":1}'
            f',"url":"https://linear.app/x","webhookTimestamp":{NOW * 1000 + offset_ms},"webhookId":"w1"}}')
    add(f"linear: webhookTimestamp {label}", "linear", rule, [linear_secret],
        [("Linear-Signature", hmac_digest("sha256", linear_secret, body).hex())], body, expect=expect,
        reproduce={} if expect == "valid" else None)

# Zoom: x-zm-signature = "v0=" + hex HMAC-SHA256(secret token, "v0:<x-zm-request-timestamp>:<body>").
zoom_secret = "zoomSecretToken1234567890"
zoom_body = '{"event":"meeting.started","payload":{"account_id":"a","object":{"id":"1","topic":"R\u00e9union"}},"event_ts":1763699999000}'
rule = INDEPENDENT + "Zoom 'Verify webhook events'"
for ts, expect in [(NOW - 3, "valid"), (NOW - 301, "timestamp_out_of_tolerance")]:
    add(f"zoom: timestamp {NOW - ts} s old", "zoom", rule, [zoom_secret],
        [("x-zm-request-timestamp", str(ts)), ("x-zm-signature", "v0=" + hmac_digest("sha256", zoom_secret, f"v0:{ts}:{zoom_body}").hex())],
        zoom_body, expect=expect, reproduce={"timestamp": ts} if expect == "valid" else None)

# Intercom: X-Hub-Signature = "sha1=" + hex HMAC-SHA1(client secret, body).
intercom_secret = "intercom-client-secret-abc123"
intercom_body = '{"type":"notification_event","topic":"conversation.user.created","id":"notif_1","data":{"item":{"body":"\u00a1Hola!"}}}'
add("intercom: a notification", "intercom", INDEPENDENT + "Intercom 'Signed notifications'", [intercom_secret],
    [("X-Hub-Signature", "sha1=" + hmac_digest("sha1", intercom_secret, intercom_body).hex())], intercom_body, reproduce={})

# Jira Cloud and Bitbucket Cloud: X-Hub-Signature = "sha256=" + hex HMAC-SHA256(secret, body).
for provider, doc, body in [
    ("jira", "Jira Cloud 'Secure admin webhooks'", '{"webhookEvent":"jira:issue_updated","issue":{"key":"ABC-1","fields":{"summary":"\u00dcbersicht"}}}'),
    ("bitbucket", "Bitbucket Cloud 'Manage webhooks: secure webhooks'", '{"push":{"changes":[]},"repository":{"full_name":"team/r\u00e9po"}}'),
]:
    secret = f"{provider}-webhook-secret-9f8e7d"
    add(f"{provider}: a delivery", provider, INDEPENDENT + doc, [secret],
        [("X-Hub-Signature", "sha256=" + hmac_digest("sha256", secret, body).hex())], body, reproduce={})

# Generic HMAC: each vector carries the GenericHMACOptions it is verified with.
rule = INDEPENDENT + "the generic HMAC options it carries"
generic_secret = "generic-shared-secret"
body = '{"id":"msg_1","kind":"ping","text":"\u65e5\u672c"}'
add("generic: sha512, base64url, '{id}.{timestamp}.{body}' with a named header, timestamp in ms", "generic", rule,
    [generic_secret],
    [("X-Acme-Id", "msg_1"), ("X-Acme-Timestamp", str(NOW * 1000)),
     ("X-Acme-Signature", base64.urlsafe_b64encode(hmac_digest("sha512", generic_secret, f"msg_1.{NOW * 1000}.{body}")).decode().rstrip("="))],
    body, generic_options={"algorithm": "sha512", "encoding": "base64url", "header": "X-Acme-Signature",
                           "signed": "{id}.{timestamp}.{body}", "headers": {"id": "X-Acme-Id"},
                           "timestamp_header": "X-Acme-Timestamp", "timestamp_unit": "ms", "tolerance_seconds": 60})
add("generic: sha1, base64, prefix, body only", "generic", rule, [generic_secret],
    [("X-Sig", "sig=" + base64.b64encode(hmac_digest("sha1", generic_secret, body)).decode())], body,
    generic_options={"algorithm": "sha1", "encoding": "base64", "header": "X-Sig", "prefix": "sig="})
add("generic: default options (sha256, hex, body) with '{method} {url}' and literal braces", "generic", rule,
    [generic_secret],
    [("X-Signature", hmac_digest("sha256", generic_secret, f"{{POST {URL_BASE}/generic/acme}}{body}").hex())], body,
    generic_options={"header": "X-Signature", "signed": "{{{method} {url}}}{body}"})
stale_ts = NOW - 100
add("generic: timestamp 100 s old against a 60 s tolerance", "generic", rule, [generic_secret],
    [("X-Ts", str(stale_ts)), ("X-Signature", hmac_digest("sha256", generic_secret, f"{stale_ts}.{body}").hex())], body,
    expect="timestamp_out_of_tolerance",
    generic_options={"header": "X-Signature", "signed": "{timestamp}.{body}", "timestamp_header": "X-Ts", "tolerance_seconds": 60})

document = {
    "about": "Webhook signature vectors for InletSignatures' HMAC-family verifiers; see the generator's docstring for where each comes from.",
    "generator": "Tests/Fixtures/signatures/generate_hmac_vectors.py",
    "libraries": PINNED,
    "python": sys.version.split()[0],
    "vectors": vectors,
}
with open(OUTPUT, "w", encoding="utf-8") as file:
    json.dump(document, file, indent=1, ensure_ascii=False)
    file.write("\n")
print(f"wrote {len(vectors)} vectors to {os.path.relpath(OUTPUT, REPOSITORY)}")
