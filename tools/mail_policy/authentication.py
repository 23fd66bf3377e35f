"""Is the From address of an inbound mail vouched for by our receiving server? (RFC 8601)

Our server (Gmail, Outlook) records SPF, DKIM and DMARC results in an Authentication-Results
header. The sender is verified when one result passes *for the From domain*: DMARC pass with
header.from equal to it, or DKIM pass whose signing domain (header.d, or the domain of
header.i) is aligned with it, or SPF pass whose smtp.mailfrom domain is aligned with it.
Aligned means equal or one a subdomain of the other (DMARC's relaxed alignment, without a
public-suffix list). Any dmarc=fail means not verified, whatever else passed.

Decisions:

- A sender can write Authentication-Results headers into its own mail; the receiving server
  prepends its own above them. So only the first header counts as evidence (several headers
  arrive joined by "\\n", topmost first; a line starting with white space continues the
  previous header). `trusted_authserv_ids` pins that first header to our server's id; Outlook
  omits the id altogether, which the parser accepts. A dmarc=fail in *any* header still
  counts: a forged failure can only hurt the forger.
- In a subdomain relation the shorter domain needs at least two labels, so a signature for a
  bare top-level domain ("dk") never aligns with everything under it.
- Domains are compared case-insensitively, without a trailing dot, IDNA-encoded.
- Comments "(…)" and quoted values are understood; unknown methods and properties are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from email.utils import getaddresses


@dataclass(frozen=True, slots=True)
class Verification:
    verified: bool
    reason: str  # e.g. "dmarc_pass", "dkim_pass_aligned", "dmarc_fail", "no_aligned_pass"


@dataclass(frozen=True, slots=True)
class MethodResult:
    method: str  # "spf", "dkim", "dmarc", …
    result: str  # "pass", "fail", "softfail", "none", …
    properties: dict[str, str] = field(default_factory=dict)  # "header.d" → "example.dk"


@dataclass(frozen=True, slots=True)
class AuthenticationResults:
    authserv_id: str | None
    results: tuple[MethodResult, ...]


_HEADER_NAME = re.compile(r"^\s*authentication-results\s*:\s*", re.IGNORECASE)
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_RANK = ("dmarc_pass", "dkim_pass_aligned", "spf_pass_aligned")  # the strongest evidence first


def _strip_comments(value: str) -> str:
    """Drop RFC 5322 comments (nested, with escapes), leaving quoted strings alone."""
    out: list[str] = []
    depth, quoted, escaped = 0, False, False
    for ch in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(ch)
        elif ch == "\\":
            escaped = True
            if depth == 0:
                out.append(ch)
        elif quoted:
            quoted = ch != '"'
            out.append(ch)
        elif ch == '"' and depth == 0:
            quoted = True
            out.append(ch)
        elif ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            out.append(" " if depth == 0 else "")
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _unfold(raw: str) -> list[str]:
    headers: list[str] = []
    for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line.strip():
            continue
        if line[0] in " \t" and headers:
            headers[-1] += " " + line.strip()
        else:
            headers.append(_HEADER_NAME.sub("", line).strip())
    return headers


def parse_authentication_results(value: str) -> AuthenticationResults:
    """One header value: the server's id (None when omitted, as Outlook does) and results."""
    text = _strip_comments(value)
    text = _QUOTED.sub(lambda m: re.sub(r"[\s;]", "", m.group(1)), text)
    segments = re.sub(r"\s*=\s*", "=", text).split(";")
    authserv_id = None
    first = segments[0].split()
    if first and "=" not in first[0]:
        authserv_id, segments = first[0].casefold(), segments[1:]
    results: list[MethodResult] = []
    for segment in segments:
        tokens = segment.split()
        if not tokens or "=" not in tokens[0]:
            continue
        method, _, result = tokens[0].casefold().partition("=")
        pairs = (token.partition("=") for token in tokens[1:])
        props = {key.casefold(): val for key, eq, val in pairs if eq and "." in key}
        results.append(MethodResult(method.split("/")[0], result, props))
    return AuthenticationResults(authserv_id, tuple(results))


def _domain(value: str | None) -> str:
    """The domain of "example.dk", "@example.dk" or "anna@example.dk", normalised."""
    domain = (value or "").strip().strip("<>").rpartition("@")[2].strip().rstrip(".").casefold()
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def _aligned(signer: str, author: str) -> bool:
    if not signer or not author:
        return False
    if signer == author:
        return True
    return (signer.endswith("." + author) and "." in author) or (
        author.endswith("." + signer) and "." in signer
    )


def _from_domain(from_address: str | None) -> str | None:
    if not from_address:
        return None
    addresses = [a for _, a in getaddresses([from_address]) if a]
    if len(addresses) != 1 or "@" not in addresses[0]:
        return None
    return _domain(addresses[0]) or None


def _verdict(result: MethodResult, author: str) -> str | None:
    if result.result != "pass":
        return None
    props = result.properties
    if result.method == "dmarc" and _domain(props.get("header.from")) == author:
        return "dmarc_pass"
    if result.method == "dkim" and any(
        _aligned(_domain(props.get(key)), author) for key in ("header.d", "header.i")
    ):
        return "dkim_pass_aligned"
    if result.method == "spf" and _aligned(_domain(props.get("smtp.mailfrom")), author):
        return "spf_pass_aligned"
    return None


def sender_verified(
    authentication_results: str | None,
    from_address: str | None,
    *,
    trusted_authserv_ids: Collection[str] = (),
) -> Verification:
    """Whether the first Authentication-Results header vouches for the From domain."""
    headers = [parse_authentication_results(h) for h in _unfold(authentication_results or "")]
    if not headers:
        return Verification(False, "no_authentication_results")
    if any(r.method == "dmarc" and r.result == "fail" for h in headers for r in h.results):
        return Verification(False, "dmarc_fail")
    author = _from_domain(from_address)
    if author is None:
        return Verification(False, "no_from_domain")
    ours = headers[0]
    trusted = {t.casefold() for t in trusted_authserv_ids}
    if trusted and ours.authserv_id not in trusted:
        return Verification(False, "untrusted_authserv_id")
    verdicts = sorted((v for r in ours.results if (v := _verdict(r, author))), key=_RANK.index)
    return Verification(True, verdicts[0]) if verdicts else Verification(False, "no_aligned_pass")
