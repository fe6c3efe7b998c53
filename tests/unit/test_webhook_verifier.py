"""WebhookVerifier (entrypoints/http/webhooks.py): whether a request to the Server URL comes
from Vapi, with each credential Vapi can be configured with — a bearer token (in a header of
our choice), the legacy X-Vapi-Secret, or an HMAC over timestamp and body. Without a secret
nothing is accepted; any change to a signed request is refused."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict

from entrypoints.http.webhooks import WebhookVerifier

SECRET = "whsec-7d1f0c2b9a"
BODY = b'{"message": {"type": "status-update", "status": "ringing"}}'
NOW = 1_772_443_867.25  # seconds since the epoch, 2026-03-02


def headers(**values: str) -> CIMultiDict[str]:
    """Request headers as aiohttp hands them over: names compare case-insensitively."""
    return CIMultiDict({name.replace("_", "-"): value for name, value in values.items()})


def sign(body: bytes, stamp: str, secret: str = SECRET) -> str:
    """Vapi's signature: hex HMAC-SHA256 of "{timestamp}.{body}"."""
    return hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signed(body: bytes = BODY, stamp: str | None = None, secret: str = SECRET) -> CIMultiDict[str]:
    stamp = stamp if stamp is not None else str(int(NOW))
    return headers(x_timestamp=stamp, x_signature=sign(body, stamp, secret))


HMAC = WebhookVerifier(mode="hmac", secret=SECRET)


# --- bearer --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [f"Bearer {SECRET}", f"bearer {SECRET}", f"BEARER {SECRET}"])
def test_the_bearer_token_in_authorization_is_accepted(value):
    verifier = WebhookVerifier(mode="bearer", secret=SECRET)

    assert verifier.verify(headers(Authorization=value), BODY)
    assert verifier.verify(headers(authorization=value), BODY)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "Bearer",
        "Bearer ",
        f"Bearer {SECRET}x",
        f"Bearer {SECRET[:-1]}",
        f"Bearer {SECRET.upper()}",
        f"Basic {SECRET}",
        f"Bearer  {SECRET}",
        f"Bearer {SECRET} ",
    ],
    ids=repr,
)
def test_any_other_authorization_is_refused(value):
    verifier = WebhookVerifier(mode="bearer", secret=SECRET)

    assert not verifier.verify(headers(Authorization=value), BODY)


def test_a_request_without_the_header_is_refused():
    verifier = WebhookVerifier(mode="bearer", secret=SECRET)

    assert not verifier.verify(headers(), BODY)
    assert not verifier.verify(headers(X_Vapi_Secret=SECRET), BODY)


def test_the_bearer_token_may_come_in_a_header_of_our_choice():
    verifier = WebhookVerifier(mode="bearer", secret=SECRET, header="X-Acme-Token")

    assert verifier.verify(headers(X_Acme_Token=f"Bearer {SECRET}"), BODY)
    assert verifier.verify(headers(x_acme_token=f"Bearer {SECRET}"), BODY)
    # The configured header only: the token elsewhere proves nothing.
    assert not verifier.verify(headers(Authorization=f"Bearer {SECRET}"), BODY)
    assert not verifier.verify(headers(X_Acme_Token="Bearer nope"), BODY)


# --- X-Vapi-Secret -------------------------------------------------------------------------


def test_the_legacy_secret_header_is_accepted():
    verifier = WebhookVerifier(mode="x-vapi-secret", secret=SECRET)

    assert verifier.verify(headers(X_Vapi_Secret=SECRET), BODY)
    assert verifier.verify(headers(x_vapi_secret=SECRET), BODY)


@pytest.mark.parametrize(
    "sent",
    [
        headers(X_Vapi_Secret=f"Bearer {SECRET}"),
        headers(X_Vapi_Secret=SECRET + "x"),
        headers(X_Vapi_Secret=""),
        headers(Authorization=f"Bearer {SECRET}"),
        headers(),
    ],
    ids=["with a bearer prefix", "wrong", "empty", "in authorization", "absent"],
)
def test_anything_else_is_refused_in_legacy_mode(sent):
    assert not WebhookVerifier(mode="x-vapi-secret", secret=SECRET).verify(sent, BODY)


# --- HMAC ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stamp",
    [str(int(NOW)), str(int(NOW * 1000)), f"{NOW:.3f}"],
    ids=["seconds", "milliseconds", "fractional seconds"],
)
def test_a_signature_of_the_timestamp_and_body_is_accepted(stamp):
    assert HMAC.verify(signed(stamp=stamp), BODY, now=NOW)


def test_the_signature_may_say_its_algorithm_and_be_in_capitals():
    stamp = str(int(NOW))
    digest = sign(BODY, stamp)

    for signature in (f"sha256={digest}", digest.upper(), f"SHA256={digest.upper()}"):
        sent = headers(x_timestamp=stamp, x_signature=signature)
        assert HMAC.verify(sent, BODY, now=NOW), signature


@pytest.mark.parametrize("unit", [1, 1000], ids=["seconds", "milliseconds"])
@pytest.mark.parametrize("direction", [1, -1], ids=["late", "early"])
def test_a_timestamp_within_the_skew_is_accepted_and_beyond_it_refused(unit, direction):
    verifier = WebhookVerifier(mode="hmac", secret=SECRET, max_skew_seconds=300)

    def sent_at(offset: int) -> CIMultiDict[str]:
        return signed(stamp=str(round((NOW - direction * offset) * unit)))

    assert verifier.verify(sent_at(299), BODY, now=NOW)
    assert not verifier.verify(sent_at(301), BODY, now=NOW)
    assert not verifier.verify(sent_at(86_400), BODY, now=NOW)


def test_a_tampered_body_or_timestamp_is_refused():
    stamp = str(int(NOW))
    sent = signed(stamp=stamp)

    assert not HMAC.verify(sent, BODY + b" ", now=NOW)
    assert not HMAC.verify(sent, BODY.replace(b"ringing", b"ended"), now=NOW)
    moved = headers(x_timestamp=str(int(NOW) + 1), x_signature=sent["x-signature"])
    assert not HMAC.verify(moved, BODY, now=NOW)


@pytest.mark.parametrize(
    "sent",
    [
        headers(),
        headers(x_signature=sign(BODY, str(int(NOW)))),
        headers(x_timestamp=str(int(NOW))),
        headers(x_timestamp="yesterday", x_signature=sign(BODY, "yesterday")),
        headers(x_timestamp="nan", x_signature=sign(BODY, "nan")),
        headers(x_timestamp="inf", x_signature=sign(BODY, "inf")),
        headers(x_timestamp="", x_signature=sign(BODY, "")),
        signed(secret="another-secret"),
        headers(Authorization=f"Bearer {SECRET}"),
        headers(X_Vapi_Secret=SECRET),
    ],
    ids=[
        "nothing",
        "no timestamp",
        "no signature",
        "a word for a timestamp",
        "nan",
        "inf",
        "empty timestamp",
        "another secret",
        "a bearer token",
        "the legacy header",
    ],
)
def test_a_request_that_is_not_signed_with_the_secret_is_refused(sent):
    assert not HMAC.verify(sent, BODY, now=NOW)


@pytest.mark.parametrize(
    "sent",
    [
        headers(),
        headers(x_signature=sign(BODY, str(int(NOW)))),
        headers(x_timestamp=str(int(NOW))),
        headers(x_timestamp=str(int(NOW)), x_signature=""),
        headers(x_timestamp="yesterday", x_signature=sign(BODY, "yesterday")),
        signed(stamp=str(int(NOW) - 301)),
        signed(stamp=str((int(NOW) + 301) * 1000)),
        headers(Authorization=f"Bearer {SECRET}"),
    ],
    ids=[
        "nothing",
        "no timestamp",
        "no signature",
        "empty signature",
        "a word for a timestamp",
        "stale",
        "from the future, in ms",
        "a bearer token",
    ],
)
def test_hmac_headers_that_cannot_be_signed_now_refuse_before_the_body(sent):
    """The body is read only for headers that could carry a valid signature: a stranger
    without one, or with a timestamp outside the skew, is refused on the headers alone."""
    assert not HMAC.admits_headers(sent, now=NOW)


@pytest.mark.parametrize(
    "stamp", [str(int(NOW) - 299), str(int(NOW * 1000))], ids=["seconds", "milliseconds"]
)
def test_fresh_hmac_headers_let_the_body_be_read_and_the_body_decides(stamp):
    sent = signed(stamp=stamp)

    assert HMAC.admits_headers(sent, now=NOW)
    # Admitting the headers is not accepting the request: the signature covers the body.
    assert HMAC.verify(sent, BODY, now=NOW)
    assert not HMAC.verify(sent, BODY + b" ", now=NOW)
    wrong = headers(x_timestamp=stamp, x_signature="0" * 64)
    assert HMAC.admits_headers(wrong, now=NOW)
    assert not HMAC.verify(wrong, BODY, now=NOW)


@pytest.mark.parametrize("mode", ["bearer", "x-vapi-secret"])
def test_without_a_body_signature_the_headers_alone_decide(mode):
    verifier = WebhookVerifier(mode=mode, secret=SECRET)
    right = headers(Authorization=f"Bearer {SECRET}", X_Vapi_Secret=SECRET)
    wrong = headers(Authorization=f"Bearer {SECRET}x", X_Vapi_Secret=f"{SECRET}x")

    assert verifier.admits_headers(right, now=NOW)
    assert not verifier.admits_headers(wrong, now=NOW)
    assert not WebhookVerifier(mode=mode).admits_headers(right, now=NOW)


def test_the_clock_defaults_to_now():
    """Without `now`, a request signed two days ago is stale whatever its signature."""
    assert not HMAC.verify(signed(stamp=str(int(NOW) - 2 * 86_400)), BODY)


# --- no secret -----------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [None, ""], ids=["none", "empty"])
@pytest.mark.parametrize("mode", ["bearer", "x-vapi-secret", "hmac"])
def test_without_a_secret_nothing_is_accepted(mode, secret):
    verifier = WebhookVerifier(mode=mode, secret=secret)
    attempts = [
        headers(),
        headers(Authorization="Bearer "),
        headers(Authorization="Bearer"),
        headers(Authorization=""),
        headers(X_Vapi_Secret=""),
        headers(x_timestamp=str(int(NOW)), x_signature=sign(BODY, str(int(NOW)), "")),
    ]

    assert not any(verifier.verify(sent, BODY, now=NOW) for sent in attempts)


def test_the_secret_never_shows_in_the_verifiers_repr():
    assert SECRET not in repr(WebhookVerifier(mode="bearer", secret=SECRET))


# --- any change is refused -----------------------------------------------------------------

mutations = st.sampled_from(["body", "timestamp", "signature"])


@settings(max_examples=150, deadline=None)
@given(
    body=st.binary(max_size=200),
    offset=st.integers(min_value=-299, max_value=299),
    what=mutations,
    data=st.data(),
)
def test_any_change_to_a_signed_request_is_refused(body, offset, what, data):
    stamp = str(int(NOW) + offset)
    signature = sign(body, stamp)
    assert HMAC.verify(headers(x_timestamp=stamp, x_signature=signature), body, now=NOW)

    if what == "body":
        changed = data.draw(st.binary(max_size=200).filter(lambda b: b != body))
        sent, sent_body = headers(x_timestamp=stamp, x_signature=signature), changed
    elif what == "timestamp":
        other = data.draw(
            st.integers(min_value=int(NOW) - 299, max_value=int(NOW) + 299).map(str)
            | st.sampled_from([f"{stamp}.0", f"0{stamp}", f"+{stamp}", f"{stamp}000"])
        )
        sent, sent_body = headers(x_timestamp=other, x_signature=signature), body
        if other == stamp:
            return
    else:
        other = data.draw(st.text("0123456789abcdef", min_size=64, max_size=64))
        sent, sent_body = headers(x_timestamp=stamp, x_signature=other), body
        if other == signature:
            return

    assert not HMAC.verify(sent, sent_body, now=NOW)


@settings(max_examples=100, deadline=None)
@given(token=st.text(max_size=40), mode=st.sampled_from(["bearer", "x-vapi-secret"]))
def test_any_token_but_the_secret_is_refused(token, mode):
    verifier = WebhookVerifier(mode=mode, secret=SECRET)
    name = "Authorization" if mode == "bearer" else "X-Vapi-Secret"
    prefix = "Bearer " if mode == "bearer" else ""
    value = f"{prefix}{token}"
    sent = headers(**{name.replace("-", "_"): value})

    assert verifier.verify(sent, BODY) == (token == SECRET)


# --- regressions ---------------------------------------------------------------------------

# aiohttp decodes header bytes that are not UTF-8 with surrogateescape: lone surrogates.
ODD = "\udcff"
STAMP = str(int(NOW))


@pytest.mark.parametrize(
    ("verifier", "sent"),
    [
        (WebhookVerifier(mode="bearer", secret=SECRET), headers(Authorization=f"Bearer {ODD}")),
        (
            WebhookVerifier(mode="bearer", secret=SECRET),
            headers(Authorization=f"Bearer {SECRET}{ODD}"),
        ),
        (WebhookVerifier(mode="bearer", secret=SECRET), headers(Authorization=ODD * 8)),
        (
            WebhookVerifier(mode="bearer", secret=SECRET, header="X-Acme-Token"),
            headers(X_Acme_Token=f"{ODD}{SECRET}"),
        ),
        (WebhookVerifier(mode="x-vapi-secret", secret=SECRET), headers(X_Vapi_Secret=ODD)),
        (
            WebhookVerifier(mode="x-vapi-secret", secret=SECRET),
            headers(X_Vapi_Secret=f"{SECRET}\udc80"),
        ),
        (HMAC, headers(x_timestamp=STAMP, x_signature=ODD * 64)),
        (HMAC, headers(x_timestamp=STAMP, x_signature=sign(BODY, STAMP) + ODD)),
        (HMAC, headers(x_timestamp=STAMP, x_signature=f"sha256={ODD}")),
        (HMAC, headers(x_timestamp=STAMP + ODD, x_signature=sign(BODY, STAMP))),
    ],
    ids=[
        "bearer",
        "bearer after the secret",
        "bearer without a prefix",
        "our own header",
        "legacy",
        "legacy after the secret",
        "hmac signature",
        "hmac after the signature",
        "hmac with its algorithm",
        "hmac timestamp",
    ],
)
def test_a_header_that_is_not_utf8_is_refused_never_a_crash(verifier, sent):
    """A crash would be a 500 for anyone who sends such a header, instead of a 401."""
    assert verifier.verify(sent, BODY, now=NOW) is False


@settings(max_examples=60, deadline=None)
@given(
    raw=st.binary(min_size=1, max_size=40),
    mode=st.sampled_from(["bearer", "x-vapi-secret", "hmac"]),
)
def test_any_header_bytes_are_refused_unless_they_are_the_secret(raw, mode):
    value = raw.decode("utf-8", "surrogateescape")
    verifier = WebhookVerifier(mode=mode, secret=SECRET)
    sent = {
        "bearer": headers(Authorization=f"Bearer {value}"),
        "x-vapi-secret": headers(X_Vapi_Secret=value),
        "hmac": headers(x_timestamp=STAMP, x_signature=value),
    }[mode]
    matches = raw == (sign(BODY, STAMP) if mode == "hmac" else SECRET).encode()

    assert verifier.verify(sent, BODY, now=NOW) is matches
