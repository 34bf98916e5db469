from __future__ import annotations

import os
import warnings
from collections.abc import Callable

import pytest

from distscout.manifests.declaration import ParseStatus
from distscout.manifests.parsers._setup_py_pattern import scan_setup_call
from distscout.manifests.parsers.setup_py import parse
from distscout.manifests.registry import read_manifest
from tests.linear import assert_linear


def _name(text: str) -> str | None:
    declaration = parse(text)
    assert declaration.status is ParseStatus.OK, declaration
    return declaration.name


def test_literal_name_with_distutils() -> None:
    text = "from distutils.core import setup\nsetup(\n    name='legacy-widget',\n    version='0.1',\n)\n"
    declaration = parse(text)
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "legacy-widget"
    assert declaration.intent


def test_name_through_module_constant() -> None:
    text = (
        "import os\nfrom setuptools import setup, find_packages\n\n"
        'NAME = "acme-tools"\nVERSION = os.environ.get("V", "0.4.1")\n\n'
        "setup(\n    name=NAME,\n    version=VERSION,\n    packages=find_packages('src'),\n)\n"
    )
    assert _name(text) == "acme-tools"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('PREFIX = "acme"\nSUFFIX = \'tools\'\nsetup(name=PREFIX + "-" + SUFFIX)', "acme-tools"),
        ('setup(name=("acme"\n      "-tools"))', "acme-tools"),
        ('BASE = "acme"\nsetup(name=f"{BASE}-tools")', "acme-tools"),
        ('NAME = "acme"\nNAME += "-tools"\nsetup(name=NAME)', "acme-tools"),
        ('NAME, VERSION = "acme-tools", "1.0"\nsetup(name=NAME, version=VERSION)', "acme-tools"),
        ('NAME: str = "acme-tools"\nsetup(name=NAME)', "acme-tools"),
        ('A = B = "acme-tools"\nsetup(name=B)', "acme-tools"),
        ('setup(name="""acme-tools""")', "acme-tools"),
        ("setup(name='''acme-tools''')", "acme-tools"),
        ('setup(name=r"acme-tools")', "acme-tools"),
        ('INFO = {"name": "acme-tools"}\nsetup(name=INFO["name"])', "acme-tools"),
    ],
)
def test_static_expressions(text: str, expected: str) -> None:
    assert _name(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        'META = {"name": "acme-tools", "version": "1"}\nsetup(**META)',
        'META = dict(name="acme-tools", version="1")\nsetup(**META)',
        'BASE = {"version": "1"}\nMETA = dict(BASE, name="acme-tools")\nsetup(**META)',
        'META = {"version": "1"}\nMETA["name"] = "acme-tools"\nsetup(**META)',
        'setup(name="acme-tools", **extra_kwargs)',
        'META = {**unknown, "name": "acme-tools"}\nsetup(**META)',
    ],
)
def test_kwargs_dicts(text: str) -> None:
    assert _name(text) == "acme-tools"


@pytest.mark.parametrize(
    "text",
    [
        "import setuptools\nsetuptools.setup(name='acme-tools')",
        "import setuptools as st\nst.setup(name='acme-tools')",
        "from setuptools import setup as s\ns(name='acme-tools')",
        "import distutils.core\ndistutils.core.setup(name='acme-tools')",
        "from skbuild import setup\nsetup(name='acme-tools')",
    ],
)
def test_aliased_imports(text: str) -> None:
    assert _name(text) == "acme-tools"


def test_constants_visible_inside_main_function() -> None:
    text = (
        "from setuptools import setup\n\n"
        "def main():\n    name = NAME + '-tools'\n    setup(name=name)\n\n"
        "NAME = 'acme'\n\nif __name__ == '__main__':\n    main()\n"
    )
    assert _name(text) == "acme-tools"


def test_unconditional_value_wins_over_conditional_override() -> None:
    text = 'import os\nNAME = "acme"\nif os.getenv("NIGHTLY"):\n    NAME += "-nightly"\nsetup(name=NAME)'
    assert _name(text) == "acme"


def test_wrapper_around_setup_uses_the_call_that_names_the_package() -> None:
    text = (
        "from setuptools import setup as _setup\n"
        "def setup(**kwargs):\n    _setup(**kwargs)\n"
        "setup(name='acme-tools')\n"
    )
    assert _name(text) == "acme-tools"


def test_comments_do_not_matter() -> None:
    text = (
        "# setup(name='wrong')\nfrom setuptools import setup  # noqa\n"
        "setup(\n    # the distribution name\n    name='acme-tools',  # not 'other'\n)\n"
    )
    assert _name(text) == "acme-tools"


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("import os\nsetup(name=os.getenv('PKG_NAME'))", "os.getenv"),
        ("from acme import __title__\nsetup(name=__title__)", "imported from acme"),
        ("import acme\nsetup(name=acme.__name__)", "acme.__name__"),
        ("setup(name=get_name())", "get_name"),
        ("setup(name=UNDEFINED)", "UNDEFINED"),
        (
            "about = {}\nexec(open('acme/__about__.py').read(), about)\nsetup(name=about['__title__'])",
            "__title__",
        ),
        ("setup(**get_kwargs())", "get_kwargs"),
        ("NAME = 'acme'\nsetup(name=NAME.lower())", "NAME.lower"),
    ],
)
def test_computed_names_are_unsupported(text: str, detail: str) -> None:
    declaration = parse(text)
    assert declaration.status is ParseStatus.UNSUPPORTED
    assert declaration.name is None
    assert not declaration.intent
    assert "computed" in declaration.detail
    assert detail in declaration.detail


def test_hostile_setup_py_is_never_executed() -> None:
    marker = "/tmp/distscout-pwned"
    if os.path.exists(marker):
        os.remove(marker)
    text = "import os\nos.system('touch /tmp/distscout-pwned')\nsetup(name=__import__('os').getenv('N'))"
    declaration = read_manifest("setup.py", text)
    assert declaration is not None
    assert declaration.status is ParseStatus.UNSUPPORTED
    assert "computed" in declaration.detail
    assert not os.path.exists(marker)


def test_setup_without_name_points_to_other_files() -> None:
    declaration = parse("from setuptools import setup\nsetup()\n")
    assert declaration.status is ParseStatus.NO_NAME
    assert "setup.cfg" in declaration.intent_reason


@pytest.mark.parametrize("text", ["", "# nothing here\n", "import sys\nprint(sys.argv)\n"])
def test_no_setup_call(text: str) -> None:
    assert parse(text).status is ParseStatus.NO_NAME


@pytest.mark.parametrize(
    "text",
    [
        "from setuptools import setup\nsetup(name='acme'",
        'print "python 2"\nNAME = "acme"\nsetup(name=NAME)',
        "setup(name=" + "(" * 300 + "'a'" + ")" * 300 + ")",
        "x = " + "'a' + " * 200_000 + "'a'",
    ],
)
def test_malformed(text: str) -> None:
    declaration = parse(text)
    assert declaration.status is ParseStatus.MALFORMED
    assert declaration.detail


@pytest.mark.parametrize(
    "text",
    [
        'A = "ab"\n' + "A = A + A\n" * 64 + "setup(name=A)",  # doubling must not exhaust memory
        "setup(name=" + '"a" + ' * 500 + '"a")',  # deep but parseable
        "L = []\n" + "L = [L, L]\n" * 2000 + "setup(name=L)",  # a shared tree with 2**2000 paths
    ],
)
def test_pathological_values_end_as_a_status(text: str) -> None:
    assert parse(text).status is ParseStatus.UNSUPPORTED


def test_shared_classifier_tree_is_walked_within_a_budget() -> None:
    text = "L = ['Topic :: Utilities']\n" + "L = [L, L]\n" * 2000 + "setup(name='acme', classifiers=L)"
    declaration = parse(text)
    assert declaration.name == "acme"
    assert declaration.intent


def test_private_classifier_denies_intent() -> None:
    text = (
        "setup(\n    name='acme-tools',\n    classifiers=[\n"
        "        'Programming Language :: Python :: 3',\n        'Private :: Do Not Upload',\n    ],\n)\n"
    )
    declaration = parse(text)
    assert declaration.name == "acme-tools"
    assert not declaration.intent
    assert declaration.intent_reason == "classifier Private :: Do Not Upload"


@pytest.mark.parametrize(
    "text",
    [
        "CLASSIFIERS = ['private :: do not upload']\nsetup(name='acme', classifiers=CLASSIFIERS)",
        "setup(name='acme', classifiers='''\nPrivate :: Do Not Upload\n'''.splitlines())",
        "META = dict(name='acme', classifiers=['Private :: Internal'])\nsetup(**META)",
        "BASE = ['Topic :: Utilities']\nsetup(name='acme', classifiers=BASE + ['Private :: Do Not Upload'])",
    ],
)
def test_private_classifier_spellings(text: str) -> None:
    declaration = parse(text)
    assert declaration.name == "acme"
    assert not declaration.intent


def test_ordinary_classifiers_keep_intent() -> None:
    text = "setup(name='acme', classifiers=['License :: OSI Approved :: MIT License'])"
    assert parse(text).intent


def test_code_filtering_private_classifiers_out_keeps_intent() -> None:
    text = "setup(name='acme', classifiers=[c for c in CLASSIFIERS if not c.startswith('Private ::')])"
    assert parse(text).intent


def test_invalid_escape_sequences_emit_no_warning(recwarn: pytest.WarningsRecorder) -> None:
    declaration = parse('from setuptools import setup\nsetup(name="a\\d", description="\\w+ \\.")\n')
    assert declaration.name == "a\\d"
    assert not recwarn.list


def test_invalid_escape_sequences_are_not_errors_under_strict_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parse('setup(name="acme", description="\\d")').name == "acme"


def test_private_classifier_search_is_linear_in_a_huge_string() -> None:
    def search(n: int) -> None:
        assert parse("setup(name='acme', classifiers=f(" + repr("\n" * n) + "))").intent

    assert_linear(search, 50_000)  # up to the original 200,000 newlines


PYTHON_2 = "from distutils.core import setup\nprint 'building'\n"


@pytest.mark.parametrize(
    "call",
    [
        "setup(name='acme-tools', version='1.0')",
        'setup(\n    version="1.0",\n    name = "acme-tools",\n)',
        "setup(name=u'acme-tools', description=u'it\\'s (fine)')",
        "# setup(name='wrong')\nsetup(author='x', # name='wrong'\n      name='acme-tools')",
        "setup(description='setup(name=\"wrong\")', name='acme-tools')",
        "def setup(**kwargs):\n    _setup(**kwargs)\nsetup(name='acme-tools')",
        "setup(options={'name': 'wrong'}, extras=dict(name='wrong'), name='acme-tools')",
    ],
)
def test_python_2_literal_name_is_read_by_pattern(call: str) -> None:
    declaration = parse(PYTHON_2 + call + "\n")
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "acme-tools"
    assert declaration.intent
    assert "read by pattern: not Python 3 syntax" in declaration.detail


@pytest.mark.parametrize(
    "call",
    [
        "NAME = 'acme'\nsetup(name=NAME)",
        "setup(name='acme' + SUFFIX)",
        "setup(name='acme' if X else 'other')",
        "setup(name=('acme'))",
        "setup(name='ac\\me')",
        "setup(version='1.0')",
        "setup(extras=dict(name='acme'))",
        "setup(name='acme',",
        "other(name='acme')",
        "setup(**META)\nsetup(name='acme')",  # only the first call is read
    ],
)
def test_python_2_without_a_plain_literal_name_stays_malformed(call: str) -> None:
    declaration = parse(PYTHON_2 + call + "\n")
    assert declaration.status is ParseStatus.MALFORMED
    assert "not valid Python 3" in declaration.detail


def test_python_2_private_classifier_denies_intent() -> None:
    text = PYTHON_2 + "setup(name='acme', classifiers=['Private :: Internal'])\n"
    declaration = parse(text)
    assert declaration.name == "acme"
    assert not declaration.intent
    assert declaration.intent_reason == "classifier Private :: Internal"


def test_python_2_through_the_registry() -> None:
    data = PYTHON_2.replace("\n", "\r\n") + "setup(\r\n    name='acme-tools',\r\n)\r\n"
    declaration = read_manifest("setup.py", data.encode("utf-8"))
    assert declaration is not None
    assert declaration.name == "acme-tools"
    assert "read by pattern" in declaration.detail


@pytest.mark.parametrize(
    ("make", "size"),
    [
        (lambda n: "setup(" * n, 35_000),
        (lambda n: "setup(name=" * n, 20_000),
        (lambda n: "setup(" + "(" * n + ")" * n, 100_000),
        (lambda n: "setup(name='a'" + ", name='a'" * n, 20_000),
        (lambda n: "setup(" + "u'" * n, 100_000),
        (lambda n: "setup(" + "'''" * n, 70_000),
        (lambda n: "setup(name='" + "\\'" * n, 100_000),
        (lambda n: "setup(" + "#" * n, 200_000),
        (lambda n: "setup(name=" + "x == " * n, 40_000),
        (lambda n: "\\" * n, 200_000),
        (lambda n: "'" * n, 200_000),
        (lambda n: '"""\\"' * n, 50_000),
    ],
    ids=[
        "calls",
        "name-calls",
        "parens",
        "names",
        "u-quotes",
        "triple-quotes",
        "escaped-quotes",
        "comment",
        "comparisons",
        "backslashes",
        "quotes",
        "docstrings",
    ],
)
def test_pattern_scan_is_linear_on_adversarial_text(make: Callable[[int], str], size: int) -> None:
    # The original text (size repetitions) against a quarter of it, in the same run: linear work
    # takes about 4 times as long, the catastrophic backtracking this guards against 16 times or more.
    def scan(n: int) -> None:
        text = PYTHON_2 + make(n)
        scan_setup_call(text)
        parse(text)

    assert_linear(scan, size // 4)


def test_registry_claims_setup_py_and_handles_crlf_and_bom() -> None:
    data = "\ufeffimport setuptools\r\nNAME = 'acme-tools'\r\nsetuptools.setup(\r\n    name=NAME,\r\n)\r\n"
    declaration = read_manifest("python/setup.py", data.encode("utf-8"))
    assert declaration is not None
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "acme-tools"
    assert declaration.manifest_type == "pypi"
    assert declaration.parser_version == "setup-py/3"
    assert declaration.path == "python/setup.py"
