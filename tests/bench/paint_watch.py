#!/usr/bin/python3
"""Times a window from a trigger to its painted page, for tests/bench/footprint.mjs.

Screenshots through ImageMagick take ~100 ms each, too coarse to tell 150 ms from 300 ms.
This watcher reads the window's pixels straight from the X server (GDK, a few ms per
frame) in a tight loop. It waits for "go" on stdin (sent just before the trigger), then
prints one JSON line: when the window was mapped, when it first showed content (more than
a blank background), and when it first showed the frame it then kept for STABLE_MS (the
painted page). /usr/bin/python3 because it has python3-gi.

    paint_watch.py TITLE [STABLE_MS] [TIMEOUT_S]
"""

import hashlib
import json
import subprocess
import sys
import time

import gi

gi.require_version("Gdk", "3.0")
gi.require_version("GdkX11", "3.0")
from gi.repository import Gdk, GdkX11  # noqa: E402


def now_ms():
    return time.monotonic() * 1000


def find_window(title):
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", f"^{title}$"],
        capture_output=True,
        text=True,
        check=False,
    )
    ids = found.stdout.split()
    return int(ids[0]) if ids else None


def main():
    title = sys.argv[1]
    stable_ms = float(sys.argv[2]) if len(sys.argv) > 2 else 500
    timeout_ms = float(sys.argv[3]) * 1000 if len(sys.argv) > 3 else 20_000
    Gdk.init([])
    display = Gdk.Display.get_default()
    print("ready", flush=True)
    sys.stdin.readline()
    start = now_ms()
    deadline = start + timeout_ms
    result = {"mappedMs": None, "contentMs": None, "paintedMs": None, "frames": 0}

    xid = None
    while xid is None and now_ms() < deadline:
        xid = find_window(title)
    if xid is None:
        print(json.dumps(result), flush=True)
        return
    result["mappedMs"] = now_ms() - start
    window = GdkX11.X11Window.foreign_new_for_display(display, xid)

    signature, since = None, None
    while now_ms() < deadline:
        taken = now_ms()
        width, height = window.get_width(), window.get_height()
        pixbuf = Gdk.pixbuf_get_from_window(window, 0, 0, width, height)
        if pixbuf is None:
            continue
        pixels = pixbuf.get_pixels()
        result["frames"] += 1
        # A blank page has one or two colours; a drawn one has many.
        if len(set(pixels[::61])) <= 16:
            signature, since = None, None
            continue
        if result["contentMs"] is None:
            result["contentMs"] = taken - start
        current = hashlib.blake2b(pixels, digest_size=16).digest()
        if current != signature:
            signature, since = current, taken
        elif taken - since >= stable_ms:
            result["paintedMs"] = since - start
            break
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
