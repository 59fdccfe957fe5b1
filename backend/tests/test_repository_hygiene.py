"""The checkout is self-contained: nothing tracked points outside it or at documents it does not have.

A clean clone (the CI's, a contributor's) must build, test and read the same as the machine the code
was written on: no absolute paths into that machine's workspace, no ``../shared`` beside the checkout,
every ``docs/...`` a comment or README cites must exist in the repository, and every Markdown link
must lead to a file (and heading) it has.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
THIS = Path(__file__).resolve().relative_to(REPO).as_posix()

# Paths of the machine the project was first written on, and the reading material kept beside the
# checkout there: the repository must carry what it needs (e.g. the official specs in sim/specs/).
OUTSIDE = re.compile(r"/work/|\.\./shared\b|\bshared/(?:docs|specs)\b")
# A repository-relative ``docs/...`` path (not the tail of a URL or route such as ``/api/docs``).
DOCS_REF = re.compile(r"(?<![\w./-])docs/[\w./-]*\w")
# Byte-for-byte upstream copies: their text is not ours to edit (sim/specs/README.md).
VENDORED = ("sim/specs/",)


def tracked_text_files() -> dict[str, str]:
    # Tracked files and new ones not ignored yet: a stray path is caught before it is committed.
    listing = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    names = subprocess.run(listing, cwd=REPO, check=True, capture_output=True).stdout.decode().split("\0")
    files: dict[str, str] = {}
    for name in filter(None, names):
        path = REPO / name
        if name.startswith(VENDORED) or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue
        try:
            files[name] = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
    return files


def test_the_listing_sees_the_repository() -> None:
    files = tracked_text_files()
    # Guards the other tests against passing on an empty listing (not a git checkout, wrong root).
    assert {"README.md", "Taskfile.yml", "sim/tests/test_spec.py", THIS} <= set(files)


def test_no_tracked_file_points_outside_the_checkout() -> None:
    found = [
        f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
        for name, text in tracked_text_files().items()
        if name != THIS
        for m in OUTSIDE.finditer(text)
    ]
    assert not found, "paths outside the checkout (vendor the file or state the fact inline):\n" + "\n".join(found)


def test_every_cited_docs_path_exists() -> None:
    missing = []
    for name, text in tracked_text_files().items():
        for m in DOCS_REF.finditer(text):
            ref = m.group(0).rstrip(".")
            if not ((REPO / ref).exists() or (REPO / name).parent.joinpath(ref).exists()):
                missing.append(f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {ref}")
    assert not missing, "citations of documents the repository does not have:\n" + "\n".join(missing)


# A Markdown link or image to a path in the repository: ``[text](path)`` or ``[text](path#anchor)``.
MD_LINK = re.compile(r"\]\((?!https?:|mailto:)([^)\s#]*)(?:#([^)\s]*))?\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def heading_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a document's headings: lower case, punctuation dropped, spaces to
    hyphens, a repeated heading numbered."""
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    for m in re.finditer(r"^#+ (.+)$", FENCE.sub("", markdown), re.M):
        slug = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        anchors.add(slug if n == 0 else f"{slug}-{n}")
    return anchors


def test_every_markdown_link_resolves() -> None:
    files = tracked_text_files()
    broken = []
    for name, text in files.items():
        if not name.endswith(".md"):
            continue
        for m in MD_LINK.finditer(FENCE.sub("", text)):
            path, anchor = m.group(1), m.group(2)
            target = (REPO / name).parent.joinpath(path).resolve() if path else REPO / name
            if not target.exists():
                broken.append(f"{name}: {m.group(0)}")
            elif (
                anchor and target.suffix == ".md" and anchor not in heading_anchors(target.read_text(encoding="utf-8"))
            ):
                broken.append(f"{name}: {m.group(0)} (no such heading)")
    assert not broken, "links to files or headings the repository does not have:\n" + "\n".join(broken)
