#!/usr/bin/env python3
"""Fails when a core source includes an adapter header (docs/design.md,
"Architecture"; style.md habit 1: the core is free of I/O libraries).

Core sources:
  - kiosk/*.h and kiosk/*.cpp (not kiosk/cmd, the programs);
  - the sources of the pure libraries in sync/CMakeLists.txt (PURE_SYNC_LIBRARIES)
    and the headers named like them.
Adapter headers:
  - SDL, Dear ImGui, GStreamer, curl and SQLite headers (<SDL2/...>, <imgui.h>,
    <gst/...>, <curl/...>, <sqlite3.h>);
  - project headers named for what they wrap (*_sqlite.h, *_curl.h, *_gst.h,
    *_sdl.h, sqlite_db.h), and any project header that includes an adapter
    header itself, at any depth (the report shows the chain).

Usage: layering_check.py [--root DIR]    check the tree (default: this repo)
       layering_check.py --self-test     check that a planted violation fails
Exit 0 clean, 1 violations found, 2 usage or unreadable input.
"""
import argparse
import pathlib
import re
import sys
import tempfile

# sync/CMakeLists.txt: the libraries that must link no SQLite, curl or UI.
PURE_SYNC_LIBRARIES = ("outpost_sync", "outpost_sync_policy", "outpost_sync_loop", "outpost_sync_daemon",
                       "outpost_clinic_ingest", "outpost_fhir_export")

SYSTEM_ADAPTER = re.compile(r"^(SDL2?/|SDL[_.]|imgui|gst/|gio/|glib|curl/|sqlite3\.h$)")
PROJECT_ADAPTER = re.compile(r"(_sqlite|_curl|_gst|_sdl)\.h$|(^|/)sqlite_db\.h$")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def includes(path):
    """(is_system, name) for each #include in `path`."""
    return [(kind == "<", name) for kind, name in INCLUDE.findall(path.read_text(errors="replace"))]


def pure_sync_sources(root):
    """The .cpp files of PURE_SYNC_LIBRARIES and the .h files beside them."""
    cmake = (root / "sync" / "CMakeLists.txt").read_text()
    sources = []
    for name, body in re.findall(r"outpost_library\(\s*(\S+)([^)]*)\)", cmake):
        if name not in PURE_SYNC_LIBRARIES:
            continue
        for src in body.split():
            cpp = root / "sync" / src
            sources.append(cpp)
            if cpp.with_suffix(".h").exists():
                sources.append(cpp.with_suffix(".h"))
    return sources


def core_sources(root):
    kiosk = sorted(p for p in (root / "kiosk").iterdir() if p.suffix in (".h", ".cpp"))
    return kiosk + sorted(set(pure_sync_sources(root)))


def adapter_chain(root, path, seen):
    """The include chain from `path` to an adapter header, or None."""
    for is_system, name in includes(path):
        if is_system:
            if SYSTEM_ADAPTER.search(name):
                return [f"<{name}>"]
            continue
        if PROJECT_ADAPTER.search(name):
            return [name]
        header = root / name
        if not header.exists():
            header = path.parent / name
        if not header.exists() or header in seen:
            continue
        seen.add(header)
        chain = adapter_chain(root, header, seen)
        if chain:
            return [name] + chain
    return None


def check(root):
    """The violations as printable lines (empty: clean)."""
    problems = []
    for src in core_sources(root):
        if not src.exists():
            problems.append(f"{src.relative_to(root)}: listed in a core library but missing")
            continue
        chain = adapter_chain(root, src, set())
        if chain:
            problems.append(f"{src.relative_to(root)}: core source includes an adapter header: "
                            + " -> ".join(chain))
    return problems


def self_test():
    """A clean tree passes; the same tree with one planted violation fails."""
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        (root / "kiosk" / "cmd").mkdir(parents=True)
        (root / "sync").mkdir()
        (root / "sync" / "CMakeLists.txt").write_text(
            "outpost_library(outpost_sync\n  bundle.cpp\n)\n"
            "outpost_library(outpost_outbox_sqlite outbox_sqlite.cpp)\n")
        (root / "kiosk" / "session.h").write_text("#pragma once\n#include <string>\n")
        (root / "kiosk" / "cmd" / "outpost.cpp").write_text("#include <SDL2/SDL.h>\n")
        (root / "sync" / "outbox_sqlite.h").write_text("#include <sqlite3.h>\n")
        (root / "sync" / "outbox_sqlite.cpp").write_text('#include "sync/outbox_sqlite.h"\n')
        (root / "sync" / "store.h").write_text('#include "sync/outbox_sqlite.h"\n')
        (root / "sync" / "bundle.cpp").write_text('#include "kiosk/session.h"\n')
        clean = check(root)
        if clean:
            print("self-test: the clean tree was reported:", *clean, sep="\n  ")
            return 1
        cases = {
            "kiosk/session.h": "#include <gst/gst.h>\n",          # system adapter header
            "sync/bundle.cpp": '#include "sync/store.h"\n',       # adapter reached through a header
        }
        for name, text in cases.items():
            original = (root / name).read_text()
            (root / name).write_text(original + text)
            found = check(root)
            (root / name).write_text(original)
            if not any(line.startswith(name + ":") for line in found):
                print(f"self-test: a violation planted in {name} was not reported")
                return 1
        print("self-test: a clean tree passes, planted violations fail")
        return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=pathlib.Path, default=pathlib.Path(__file__).resolve().parents[2])
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    try:
        problems = check(args.root)
    except OSError as e:
        print(f"layering_check: {e}", file=sys.stderr)
        return 2
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)} core source(s) include adapter headers "
              "(move the code to an adapter named for what it wraps)")
        return 1
    print(f"layering: {len(core_sources(args.root))} core sources include no adapter header")
    return 0


if __name__ == "__main__":
    sys.exit(main())
