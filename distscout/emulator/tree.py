"""A repository's file tree, with git-style object ids, built once so every lookup is a dict hit or a bisect.

Blob ids are real git blob ids (sha1 of `blob <size>\\0<content>`); tree ids are sha1 over the sorted child
entries, git-like, so they are deterministic and change when any file below them changes.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

EMPTY_TREE_SHA = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's id of the empty tree

EntryType = Literal["blob", "tree"]


@dataclass(frozen=True, slots=True)
class TreeEntry:
    path: str
    type: EntryType
    sha: str
    size: int  # bytes for a blob; 0 for a tree

    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2]

    @property
    def mode(self) -> str:
        return "100644" if self.type == "blob" else "040000"

    @property
    def sort_key(self) -> str:
        # Git orders a directory as if its name ended in '/', which also keeps every subtree contiguous.
        return self.path + "/" if self.type == "tree" else self.path


def blob_sha(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\x00" % len(content) + content, usedforsecurity=False).hexdigest()


def _tree_sha(children: list[TreeEntry]) -> str:
    digest = hashlib.sha1(b"tree\x00", usedforsecurity=False)
    for child in sorted(children, key=lambda entry: entry.sort_key):
        digest.update(f"{child.mode} {child.name}\x00{child.sha}\n".encode())
    return digest.hexdigest()


class RepoTree:
    """The immutable tree of one repository: files, directories, and their ids."""

    __slots__ = (
        "_blobs",
        "_children",
        "_contents",
        "_dirs_by_sha",
        "_entries",
        "_keys",
        "_paths",
        "root_sha",
    )

    def __init__(self, files: Mapping[str, bytes]) -> None:
        blob_entries = {
            path: TreeEntry(path, "blob", blob_sha(data), len(data)) for path, data in files.items()
        }
        children: dict[str, list[TreeEntry]] = {"": []}
        for path in files:
            parent = path.rpartition("/")[0]
            while parent not in children:
                children[parent] = []
                parent = parent.rpartition("/")[0]
        for entry in blob_entries.values():
            children[entry.path.rpartition("/")[0]].append(entry)
        dir_entries: dict[str, TreeEntry] = {}
        # Deepest directories first, so each directory's children already have their ids.
        for directory in sorted(children, key=lambda d: d.count("/") + bool(d), reverse=True):
            sha = _tree_sha(children[directory]) if children[directory] else EMPTY_TREE_SHA
            dir_entries[directory] = TreeEntry(directory, "tree", sha, 0)
            if directory:
                children[directory.rpartition("/")[0]].append(dir_entries[directory])
        self.root_sha = dir_entries[""].sha
        self._contents = MappingProxyType(dict(files))
        self._paths = MappingProxyType({**blob_entries, **dir_entries})
        self._blobs = MappingProxyType({entry.sha: files[entry.path] for entry in blob_entries.values()})
        self._dirs_by_sha = MappingProxyType({entry.sha: entry.path for entry in dir_entries.values()})
        self._children = MappingProxyType(
            {d: tuple(sorted(kids, key=lambda entry: entry.sort_key)) for d, kids in children.items()}
        )
        everything = [*blob_entries.values(), *(e for d, e in dir_entries.items() if d)]
        self._entries = tuple(sorted(everything, key=lambda entry: entry.sort_key))
        self._keys = [entry.sort_key for entry in self._entries]

    @property
    def is_empty(self) -> bool:
        return not self._contents

    @property
    def file_count(self) -> int:
        return len(self._contents)

    @property
    def total_size(self) -> int:
        return sum(len(data) for data in self._contents.values())

    def entry(self, path: str) -> TreeEntry | None:
        """The file or directory at `path` ('' is the root directory)."""
        return self._paths.get(path)

    def content(self, path: str) -> bytes | None:
        return self._contents.get(path)

    def blob(self, sha: str) -> bytes | None:
        return self._blobs.get(sha)

    def directory_for_sha(self, sha: str) -> str | None:
        return self._dirs_by_sha.get(sha)

    def children(self, directory: str) -> tuple[TreeEntry, ...]:
        """The direct children of a directory, in git order."""
        return self._children.get(directory, ())

    def descendants(self, directory: str) -> tuple[TreeEntry, ...]:
        """Every file and directory below `directory`, in git order (a bisect, not a scan)."""
        if not directory:
            return self._entries
        start = bisect_left(self._keys, directory + "/")
        stop = bisect_left(self._keys, directory + "0")  # '0' is the character right after '/'
        return self._entries[start + 1 : stop]  # +1 skips the directory itself
