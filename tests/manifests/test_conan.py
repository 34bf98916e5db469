from __future__ import annotations

import pytest

from distscout.manifests.declaration import ParseStatus
from distscout.manifests.parsers.conan import parse
from distscout.manifests.registry import read_manifest

RECIPE = """\
from conan import ConanFile


class AcmeConan(ConanFile):
    name = "acme-conan"
    version = "0.9"
    settings = "os", "arch"
"""


def test_recipe_name() -> None:
    declaration = parse(RECIPE)
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "acme-conan"
    assert declaration.intent


@pytest.mark.parametrize(
    "text",
    [
        "from conans import ConanFile\nclass A(ConanFile):\n    name = 'acme'\n",
        "import conan\nclass A(conan.ConanFile):\n    name = 'acme'\n",
        "from conan import ConanFile\nNAME = 'acme'\nclass A(ConanFile):\n    name = NAME\n",
        "from conan import ConanFile\nclass A(ConanFile):\n    _base = 'ac'\n    name = _base + 'me'\n",
        "from conan import ConanFile\nclass A(ConanFile):\n    name: str = '''acme'''\n",
        "from conan import ConanFile\nclass A(ConanFile):\n    name, version = 'acme', '1.0'\n",
        # a base recipe class in the same file
        "from conan import ConanFile\nclass Base(ConanFile):\n    settings = 'os'\n"
        "class Acme(Base):\n    name = 'acme'\n",
        # helpers with a `name` attribute do not confuse the pick
        "from conan import ConanFile\nclass Component:\n    name = 'helper'\n"
        "class A(ConanFile):\n    name = 'acme'  # the recipe\n",
        # a base class from python_requires: the only class with a name, and it looks like a recipe
        "class A(base.get_conanfile()):\n    name = 'acme'\n    version = '1'\n",
    ],
)
def test_name_forms(text: str) -> None:
    declaration = parse(text)
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "acme"


def test_conan_center_recipe_without_name() -> None:
    text = 'from conan import ConanFile\n\nclass ZlibConan(ConanFile):\n    package_type = "library"\n'
    declaration = parse(text)
    assert declaration.status is ParseStatus.NO_NAME
    assert "folder" in declaration.intent_reason


def test_name_none_counts_as_absent() -> None:
    text = "from conan import ConanFile\nclass A(ConanFile):\n    name = None\n"
    assert parse(text).status is ParseStatus.NO_NAME


def test_unrelated_named_class_is_not_the_recipe() -> None:
    text = (
        "from conan import ConanFile\nclass Opt:\n    name = 'x'\nclass A(ConanFile):\n    settings = 'os'\n"
    )
    assert parse(text).status is ParseStatus.NO_NAME


@pytest.mark.parametrize(
    "text",
    [
        "import os\nfrom conan import ConanFile\nclass A(ConanFile):\n    name = os.environ['PKG']\n",
        "from conan import ConanFile\nfrom meta import NAME\nclass A(ConanFile):\n    name = NAME\n",
        "from conan import ConanFile\nclass A(ConanFile):\n"
        "    def set_name(self):\n        self.name = 'x'\n",
    ],
)
def test_computed_names_are_unsupported(text: str) -> None:
    declaration = parse(text)
    assert declaration.status is ParseStatus.UNSUPPORTED
    assert declaration.name is None


def test_recipe_is_never_executed() -> None:
    text = "import os\nos.system('touch /tmp/distscout-pwned')\nclass A(ConanFile):\n    name = 'acme'\n"
    assert parse(text).name == "acme"


def test_conanfile_txt_has_no_name() -> None:
    declaration = parse("[requires]\nacme-conan/0.9\n\n[generators]\nCMakeDeps\n", "conanfile.txt")
    assert declaration.status is ParseStatus.NO_NAME
    assert declaration.intent_reason == "conanfile.txt lists requirements only"


@pytest.mark.parametrize(
    "text", ["class A(ConanFile)\n    name = 'x'\n", "class A(ConanFile):\nname = 'x'\n"]
)
def test_malformed(text: str) -> None:
    assert parse(text).status is ParseStatus.MALFORMED


def test_empty_file() -> None:
    assert parse("").status is ParseStatus.NO_NAME


def test_registry_dispatches_on_file_name() -> None:
    py = read_manifest("conanfile.py", ("\ufeff" + RECIPE.replace("\n", "\r\n")).encode())
    txt = read_manifest("test_package/conanfile.txt", b"[requires]\r\nacme-conan/0.9\r\n")
    assert py is not None and txt is not None
    assert (py.status, py.name, py.manifest_type) == (ParseStatus.OK, "acme-conan", "conan")
    assert py.parser_version == "conan/2"
    assert txt.status is ParseStatus.NO_NAME
