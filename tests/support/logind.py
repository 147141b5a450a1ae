#!/usr/bin/python3
"""A stand-in for systemd-logind on a private bus, for tests: emits one of its signals.

Till listens on the system bus for logind's PrepareForSleep (before sleep and after wake)
and the Lock signal of its session (`loginctl lock-session`), and its match rule names
org.freedesktop.login1 as the sender. So this script does what logind does: it owns
org.freedesktop.login1 on the bus at ADDRESS, emits the signal from that name, and exits.

    logind.py ADDRESS sleep|wake
    logind.py ADDRESS lock SESSION_PATH

Run with Debian's /usr/bin/python3 (python3-gi).
"""

import sys

from gi.repository import Gio, GLib

LOGIND = "org.freedesktop.login1"
PRIMARY_OWNER = 1


def main(address, what, *rest):
    flags = (
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
        | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION
    )
    bus = Gio.DBusConnection.new_for_address_sync(address, flags, None, None)
    reply = bus.call_sync(
        "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
        "RequestName", GLib.Variant("(su)", (LOGIND, 4)),  # 4: do not queue
        GLib.VariantType("(u)"), Gio.DBusCallFlags.NONE, 5000, None,
    )
    if reply.unpack()[0] != PRIMARY_OWNER:
        sys.exit(f"logind.py: {LOGIND} is taken on {address}")
    if what in ("sleep", "wake"):
        bus.emit_signal(
            None, "/org/freedesktop/login1", "org.freedesktop.login1.Manager",
            "PrepareForSleep", GLib.Variant("(b)", (what == "sleep",)),
        )
    elif what == "lock" and rest:
        bus.emit_signal(None, rest[0], "org.freedesktop.login1.Session", "Lock", None)
    else:
        sys.exit(__doc__)
    bus.flush_sync(None)
    bus.close_sync(None)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])
