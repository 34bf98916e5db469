"""Repository links as registries spell them, and how deps.dev reads them (upstream-apis.md §1.2).

A registry keeps a package's repository link as its publisher wrote it: `git+https://github.com/Acme/Widget.git`,
`git@github.com:acme/widget.git`, `http://…/`. ecosyste.ms's reverse lookup matches that string exactly (case
aside), so it is kept raw. deps.dev canonicalizes it into a project id (`util/git` in google/deps.dev):
scheme, `git+`, user, `.git` and trailing slashes dropped; github.com and bitbucket.org need exactly two path
segments and lower-case them; gitlab.com keeps its subgroups and is lower-cased whole.

This is the emulator's own reading, on purpose apart from the client's normalization: the emulator stands for
the upstreams, so a client bug must not be mirrored here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

# Transports git itself speaks; `git+https`, `git+ssh` and `ssh+git` are npm / setuptools spellings of them.
_TRANSPORTS = frozenset({"http", "https", "ssh", "git"})
_HTTP = frozenset({"http", "https"})
_SCHEME_FORM = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>\S+)")
# `user@host:path`, the scp-like form git accepts (the colon comes before any slash)
_SCP_FORM = re.compile(r"(?:(?P<user>[^@/:\s]+)@)?(?P<host>[^@/:\s]+):(?!//)(?P<path>\S+)")
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]")
# deps.dev's project hosts -> the number of path segments a project id has there (None: two or more, as
# gitlab.com's subgroups nest); the id is lower-cased whole on all three
_PROJECT_HOSTS: dict[str, int | None] = {"github.com": 2, "bitbucket.org": 2, "gitlab.com": None}


@dataclass(frozen=True, slots=True)
class Link:
    """A repository link taken apart: the transport (`https`, `ssh`, …; `` for the scp form), the user and
    password if any, the lower-cased host, and the path as written (no leading slash, query or fragment)."""

    transport: str
    user: str
    password: str
    host: str
    path: str

    @property
    def has_credentials(self) -> bool:
        """A password anywhere, or any user on http(s), where the user part is where tokens get pasted
        (`https://tok@github.com/…`); ssh's `git@` names an account, not a secret."""
        return bool(self.password) or (bool(self.user) and self.transport in _HTTP)


def split_link(text: str) -> Link | None:
    """`text` taken apart, or None when it is no URL git could clone from (`not a url`, `acme/widget`)."""
    if not text.isprintable() or text != text.strip():
        return None
    scheme_form = _SCHEME_FORM.fullmatch(text)
    if scheme_form is not None:
        return _split_scheme_form(text, scheme_form["scheme"].lower())
    scp = _SCP_FORM.fullmatch(text)
    if scp is None or _HOST.fullmatch(scp["host"].lower()) is None:
        return None
    return Link("", scp["user"] or "", "", scp["host"].lower(), scp["path"].lstrip("/"))


def _split_scheme_form(text: str, scheme: str) -> Link | None:
    transport = scheme.removeprefix("git+").removesuffix("+git")
    if transport not in _TRANSPORTS:
        return None
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises on a port that is not a number
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if _HOST.fullmatch(host) is None:
        return None
    return Link(transport, parts.username or "", parts.password or "", host, parts.path.lstrip("/"))


def https_form(text: str | None) -> str | None:
    """`https://<host>/<path>` with the variant spellings dropped (`git+`, ssh, user, `www.`, `.git`, trailing
    slash) and the case kept; None for no link, or one without a path."""
    link = split_link(text) if text is not None else None
    if link is None:
        return None
    path = link.path.strip("/").removesuffix(".git").rstrip("/")
    return f"https://{link.host.removeprefix('www.')}/{path}" if path else None


def depsdev_project_id(text: str | None) -> str | None:
    """The deps.dev project id (`github.com/acme/widget`) a link canonicalizes to, or None when deps.dev
    has no project for it (another host, a GitHub link without exactly owner/name, no link at all)."""
    https = https_form(text)
    if https is None:
        return None
    host, _, path = https.removeprefix("https://").partition("/")
    if host not in _PROJECT_HOSTS:
        return None
    segments = path.split("/")
    wanted = _PROJECT_HOSTS[host]
    if "" in segments or len(segments) < 2 or (wanted is not None and len(segments) != wanted):
        return None
    return f"{host}/{path.lower()}"
