"""A manifest that is not text in a known encoding is malformed, never decoded into a name: Latin-1 as a
fallback turned `bad\\xff\\xfe\\xc3(name` into a declared package (and then an orphan)."""

from __future__ import annotations

import pytest

from distscout.manifests.declaration import ParseStatus
from distscout.manifests.registry import decode_text, read_manifest

GARBAGE = b"bad\xff\xfe\xc3(name"
FILES = {
    "package.json": b'{"name": "' + GARBAGE + b'"}',
    "pyproject.toml": b'[project]\nname = "' + GARBAGE + b'"\n',
    "Cargo.toml": b'[package]\nname = "' + GARBAGE + b'"\n',
    "setup.cfg": b"[metadata]\nname = " + GARBAGE + b"\n",
    "meta.yaml": b"package:\n  name: " + GARBAGE + b"\n",
    "pom.xml": b"<project><groupId>g</groupId><artifactId>" + GARBAGE + b"</artifactId></project>",
}


@pytest.mark.parametrize("path", sorted(FILES))
def test_bytes_that_are_no_text_are_malformed(path: str) -> None:
    declaration = read_manifest(path, FILES[path])
    assert declaration is not None and declaration.status is ParseStatus.MALFORMED, declaration
    assert declaration.name is None and not declaration.intent and "UTF-8" in declaration.detail


@pytest.mark.parametrize(
    "data",
    [
        b'\xef\xbb\xbf{"name": "bom-utf8"}',
        '{"name": "bom-utf16"}'.encode("utf-16"),
        '{"name": "utf8", "description": "caf\u00e9"}'.encode(),
    ],
)
def test_unicode_with_or_without_a_byte_order_mark_reads(data: bytes) -> None:
    declaration = read_manifest("package.json", data)
    assert declaration is not None and declaration.status is ParseStatus.OK


def test_an_xml_file_in_its_declared_encoding_reads() -> None:
    pom = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n<project><groupId>org.acme</groupId>'
        "<artifactId>widget</artifactId><name>Caf\u00e9</name></project>"
    ).encode("latin-1")
    declaration = read_manifest("pom.xml", pom)
    assert declaration is not None and declaration.status is ParseStatus.OK
    assert declaration.name == "org.acme:widget"
    assert decode_text(b'<?xml version="1.0" encoding="no-such-codec"?><a>\xff</a>') is None
