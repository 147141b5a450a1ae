#!/usr/bin/python3
"""A stand-in for a desktop panel's tray, for tests: StatusNotifierItem over D-Bus.

Till's tray icon is a StatusNotifierItem (via libayatana-appindicator). A headless test
session has no panel, so `watch` plays the panel's part: it owns
org.kde.StatusNotifierWatcher on the session bus and records every item that registers.
The other subcommands read what a user would see in the panel (icon, status, tooltip,
menu labels) and click menu items through com.canonical.dbusmenu, as a panel does.

Run with Debian's /usr/bin/python3 (python3-gi). Output is JSON on stdout.
"""

import json
import sys
import time

from gi.repository import Gio, GLib

WATCHER_NAME = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
ITEM_IFACE = "org.kde.StatusNotifierItem"
MENU_IFACE = "com.canonical.dbusmenu"

WATCHER_XML = """
<node>
  <interface name="org.kde.StatusNotifierWatcher">
    <method name="RegisterStatusNotifierItem"><arg type="s" direction="in"/></method>
    <method name="RegisterStatusNotifierHost"><arg type="s" direction="in"/></method>
    <property name="RegisteredStatusNotifierItems" type="as" access="read"/>
    <property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
    <property name="ProtocolVersion" type="i" access="read"/>
    <signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
    <signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
    <signal name="StatusNotifierHostRegistered"/>
  </interface>
</node>
"""


def bus():
    return Gio.bus_get_sync(Gio.BusType.SESSION, None)


def watch(record_path):
    """Owns the watcher name; appends one JSON line per registered item to record_path."""
    items = []
    connection = bus()
    node = Gio.DBusNodeInfo.new_for_xml(WATCHER_XML)

    def record(event, item):
        with open(record_path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"event": event, "item": item, "at": time.time()}) + "\n")

    def on_call(conn, sender, _path, _iface, method, params, invocation):
        if method == "RegisterStatusNotifierItem":
            (service,) = params.unpack()
            # Items register either a bus name or an object path; keep both parts.
            item = sender + service if service.startswith("/") else service
            if not service.startswith("/"):
                item = service + "/StatusNotifierItem"
            items.append(item)
            record("registered", item)
            conn.emit_signal(None, WATCHER_PATH, WATCHER_NAME, "StatusNotifierItemRegistered",
                             GLib.Variant("(s)", (item,)))
        invocation.return_value(None)

    def on_get(_conn, _sender, _path, _iface, prop):
        if prop == "RegisteredStatusNotifierItems":
            return GLib.Variant("as", items)
        if prop == "IsStatusNotifierHostRegistered":
            return GLib.Variant("b", True)
        if prop == "ProtocolVersion":
            return GLib.Variant("i", 0)
        return None

    connection.register_object(WATCHER_PATH, node.interfaces[0], on_call, on_get, None)

    def on_name_lost(_conn, _name):
        sys.stderr.write("sni.py: could not own org.kde.StatusNotifierWatcher\n")
        sys.exit(3)

    def on_name_owner_changed(conn, _sender, _path, _iface, _signal, params):
        name, _old, new = params.unpack()
        if new == "":
            for item in [i for i in items if i.startswith(name + "/")]:
                items.remove(item)
                record("unregistered", item)

    connection.signal_subscribe("org.freedesktop.DBus", "org.freedesktop.DBus",
                                "NameOwnerChanged", "/org/freedesktop/DBus", None,
                                Gio.DBusSignalFlags.NONE, on_name_owner_changed)
    Gio.bus_own_name_on_connection(connection, WATCHER_NAME, Gio.BusNameOwnerFlags.NONE,
                                   lambda *_: record("ready", ""), on_name_lost)
    GLib.MainLoop().run()


def split_item(item):
    slash = item.index("/")
    return item[:slash], item[slash:]


def call(service, path, iface, method, args, reply_type):
    return bus().call_sync(service, path, iface, method, args,
                           GLib.VariantType.new(reply_type) if reply_type else None,
                           Gio.DBusCallFlags.NONE, 5000, None).unpack()


def get_prop(service, path, iface, name):
    (value,) = call(service, path, "org.freedesktop.DBus.Properties", "Get",
                    GLib.Variant("(ss)", (iface, name)), "(v)")
    return value


def item_props(item):
    service, path = split_item(item)
    props = {}
    for name in ("Id", "Title", "Status", "IconName", "IconThemePath", "ToolTip", "Menu",
                 "AttentionIconName"):
        try:
            props[name] = get_prop(service, path, ITEM_IFACE, name)
        except GLib.Error:
            props[name] = None
    (pid,) = call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                  "GetConnectionUnixProcessID", GLib.Variant("(s)", (service,)), "(u)")
    props["Pid"] = pid
    return props


def menu_layout(item):
    service, path = split_item(item)
    menu_path = get_prop(service, path, ITEM_IFACE, "Menu")
    _revision, layout = call(service, menu_path, MENU_IFACE, "GetLayout",
                             GLib.Variant("(iias)", (0, -1, [])), "(u(ia{sv}av))")

    def flatten(node):
        ident, props, children = node
        entries = []
        if ident != 0 and props.get("type") != "separator":
            entries.append({
                "id": ident,
                "label": props.get("label", "").replace("_", ""),
                "enabled": props.get("enabled", True),
                "visible": props.get("visible", True),
            })
        for child in children:
            entries.extend(flatten(child))
        return entries

    return service, menu_path, flatten(layout)


def click(item, label):
    service, menu_path, entries = menu_layout(item)
    matches = [e for e in entries if e["label"] == label]
    if not matches:
        raise SystemExit(f"sni.py: no menu item labelled {label!r}; have {entries}")
    call(service, menu_path, MENU_IFACE, "Event",
         GLib.Variant("(isvu)", (matches[0]["id"], "clicked", GLib.Variant("s", ""), 0)), None)
    return matches[0]


def main(argv):
    command = argv[1] if len(argv) > 1 else ""
    if command == "watch" and len(argv) == 3:
        watch(argv[2])
    elif command == "props" and len(argv) == 3:
        print(json.dumps(item_props(argv[2])))
    elif command == "menu" and len(argv) == 3:
        print(json.dumps(menu_layout(argv[2])[2]))
    elif command == "click" and len(argv) == 4:
        print(json.dumps(click(argv[2], argv[3])))
    else:
        sys.exit("usage: sni.py watch RECORD_FILE | props ITEM | menu ITEM | click ITEM LABEL")


if __name__ == "__main__":
    main(sys.argv)
