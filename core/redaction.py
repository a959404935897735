"""Addresses shown to people and logs without the password they may carry."""


def redact_url(url) -> str:
    """``scheme://user:secret@host/…`` as ``scheme://user:…@host/…``; anything without
    credentials unchanged."""
    text = str(url)
    head, sep, tail = text.rpartition("@")
    if not sep:
        return text
    scheme, slashes, userinfo = head.partition("//")
    if not slashes:
        return "…@" + tail
    user, colon, _password = userinfo.partition(":")
    return f"{scheme}//{user}{':…' if colon else ''}@{tail}"
