"""Sender verification from Authentication-Results: realistic Gmail and Outlook headers,
alignment, look-alike domains, dmarc=fail, and a header forged by the sender."""

from __future__ import annotations

import pytest

from tools.mail_policy.authentication import (
    Verification,
    parse_authentication_results,
    sender_verified,
)

GMAIL = (
    "mx.google.com;\n"
    "       dkim=pass header.i=@example.dk header.s=selector1 header.b=Ab12Cd34;\n"
    "       arc=pass (i=1 spf=pass spfdomain=example.dk dkim=pass dkdomain=example.dk"
    " dmarc=pass fromdomain=example.dk);\n"
    "       spf=pass (google.com: domain of anna@example.dk designates 203.0.113.7 as"
    " permitted sender) smtp.mailfrom=anna@example.dk;\n"
    "       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.dk"
)
OUTLOOK = (
    "spf=pass (sender IP is 203.0.113.9) smtp.mailfrom=example.dk; dkim=pass (signature was"
    " verified) header.d=example.dk;dmarc=pass action=none header.from=example.dk;"
    "compauth=pass reason=100"
)
ANNA = "Anna Jensen <anna@example.dk>"


def verify(header: str | None, sender: str | None = ANNA) -> Verification:
    return sender_verified(header, sender)


def test_gmail_header_with_dmarc_pass_is_verified() -> None:
    assert verify(GMAIL) == Verification(True, "dmarc_pass")


def test_outlook_header_without_authserv_id_is_verified() -> None:
    parsed = parse_authentication_results(OUTLOOK)
    assert parsed.authserv_id is None
    assert [r.method for r in parsed.results] == ["spf", "dkim", "dmarc", "compauth"]
    assert verify(OUTLOOK, "anna@example.dk") == Verification(True, "dmarc_pass")


def test_parser_reads_ids_results_and_properties_and_drops_comments() -> None:
    parsed = parse_authentication_results(GMAIL)
    assert parsed.authserv_id == "mx.google.com"
    spf = next(r for r in parsed.results if r.method == "spf")
    assert (spf.result, spf.properties) == ("pass", {"smtp.mailfrom": "anna@example.dk"})
    arc = next(r for r in parsed.results if r.method == "arc")
    assert arc.properties == {}  # its details were a comment


def test_missing_or_empty_header_is_not_verified() -> None:
    assert verify(None) == Verification(False, "no_authentication_results")
    assert verify("  \n ") == Verification(False, "no_authentication_results")


def test_dkim_pass_aligned_on_subdomain_is_enough() -> None:
    header = "mx.google.com; dkim=pass header.d=mail.example.dk; spf=softfail; dmarc=none"
    assert verify(header) == Verification(True, "dkim_pass_aligned")


def test_dkim_header_i_with_local_part_is_read_as_its_domain() -> None:
    header = "mx.google.com; dkim=pass header.i=newsletter@example.dk; spf=neutral"
    assert verify(header, "anna@mail.example.dk") == Verification(True, "dkim_pass_aligned")


def test_spf_pass_aligned_is_enough() -> None:
    header = "mx.google.com; dkim=none; spf=pass smtp.mailfrom=bounce@example.dk"
    assert verify(header) == Verification(True, "spf_pass_aligned")


def test_pass_for_another_domain_does_not_count() -> None:
    header = (
        "mx.google.com; dkim=pass header.i=@sendgrid.net; "
        "spf=pass smtp.mailfrom=bounces+123@sendgrid.net; dmarc=pass header.from=sendgrid.net"
    )
    assert verify(header) == Verification(False, "no_aligned_pass")


@pytest.mark.parametrize(
    ("signer", "sender"),
    [
        ("rendeta1je.dk", "info@rendetalje.dk"),  # digit one for l
        ("rendetalje.dk", "info@rendeta1je.dk"),
        ("example.dk.evil.com", "anna@example.dk"),  # the real name as a prefix
        ("evilexample.dk", "anna@example.dk"),  # a suffix without the dot
        ("dk", "anna@example.dk"),  # a bare top-level domain never aligns
        ("xn--rendetlje-l3a.dk", "info@rendetalje.dk"),  # IDN look-alike (rendetælje)
    ],
)
def test_look_alike_domains_are_not_aligned(signer: str, sender: str) -> None:
    header = f"mx.google.com; dkim=pass header.d={signer}; spf=pass smtp.mailfrom={signer}"
    assert verify(header, sender) == Verification(False, "no_aligned_pass")
    dmarc = f"mx.google.com; dmarc=pass header.from={signer}"
    assert verify(dmarc, sender) == Verification(False, "no_aligned_pass")


def test_idn_domains_compare_in_their_ascii_form() -> None:
    header = "mx.google.com; dkim=pass header.d=xn--rendetlje-l3a.dk"
    assert verify(header, "info@rendetælje.dk") == Verification(True, "dkim_pass_aligned")


def test_dmarc_pass_needs_the_exact_from_domain() -> None:
    header = "mx.google.com; dmarc=pass header.from=mail.example.dk"
    assert verify(header) == Verification(False, "no_aligned_pass")


def test_any_dmarc_fail_wins_over_passes() -> None:
    header = (
        "mx.google.com; dkim=pass header.d=example.dk; spf=pass smtp.mailfrom=example.dk;"
        " dmarc=fail (p=REJECT sp=REJECT dis=QUARANTINE) header.from=example.dk"
    )
    assert verify(header) == Verification(False, "dmarc_fail")


def test_forged_second_header_is_ignored() -> None:
    ours = "mx.google.com; dkim=none; spf=softfail smtp.mailfrom=evil.test; dmarc=none"
    forged = "mx.google.com; dkim=pass header.d=example.dk; dmarc=pass header.from=example.dk"
    assert verify(f"{ours}\n{forged}") == Verification(False, "no_aligned_pass")


def test_dmarc_fail_in_any_header_counts() -> None:
    assert verify(f"{GMAIL}\nmx.google.com; dmarc=fail header.from=example.dk").reason == (
        "dmarc_fail"
    )


def test_folded_headers_with_names_are_split_correctly() -> None:
    raw = (
        "Authentication-Results: mx.google.com;\r\n"
        "\tdkim=pass header.d=example.dk\r\n"
        "Authentication-Results: evil.test; dmarc=pass header.from=other.dk"
    )
    assert verify(raw) == Verification(True, "dkim_pass_aligned")
    assert verify(raw, "x@other.dk") == Verification(False, "no_aligned_pass")


def test_trusted_authserv_id_pins_the_first_header() -> None:
    assert sender_verified(GMAIL, ANNA, trusted_authserv_ids={"MX.google.com"}).verified
    result = sender_verified(GMAIL, ANNA, trusted_authserv_ids={"mx.rendetalje.dk"})
    assert result == Verification(False, "untrusted_authserv_id")


def test_quoted_values_and_case_are_normalised() -> None:
    header = 'MX.Google.COM; DKIM=PASS header.d="Example.DK."; SPF=fail'
    assert verify(header, "ANNA@EXAMPLE.DK") == Verification(True, "dkim_pass_aligned")


@pytest.mark.parametrize(
    "sender", [None, "", "not an address", "a@example.dk, b@example.dk", "Anna <anna>"]
)
def test_unusable_from_address_is_not_verified(sender: str | None) -> None:
    assert verify(GMAIL, sender) == Verification(False, "no_from_domain")


def test_softfail_and_neutral_are_not_passes() -> None:
    header = (
        "mx.google.com; spf=softfail smtp.mailfrom=example.dk; dkim=neutral header.d=example.dk"
    )
    assert verify(header) == Verification(False, "no_aligned_pass")
