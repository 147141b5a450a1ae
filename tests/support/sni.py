#!/usr/bin/python3
"""A stand-in for a desktop panel's tray, for tests: StatusNotifierItem over D-Bus.

Till's tray icon is a StatusNotifierItem (via libayatana-appindicator). A headless test
session has no panel, so `watch` plays the panel's part: it owns
org.kde.StatusNotifierWatcher on the session bus and records every item that registers.
The other subcommands read what a user would see in the panel (icon, status, tooltip,
the menu with its submenus) and click menu items through com.canonical.dbusmenu, as a panel
does.

Run with Debian's /usr/bin/python3 (python3-gi). Output is JSON on stdout.
"""

import json
import re
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
            # A real watcher keeps a set: an item registering again (libappindicator does
            # when its menu is replaced) is still one item.
            if item in items:
                record("reregistered", item)
            else:
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


def menu_label(props):
    """The label as shown: dbusmenu marks a mnemonic with "_" and a literal "_" as "__"."""
    return re.sub(r"_(_?)", r"\1", props.get("label", ""))


def menu_layout(item):
    """The menu as a tree: `[{id, label, enabled, visible, children}]`, in the menu's order.

    Separators are left out; `children` lists a submenu's entries and is empty otherwise.
    """
    service, path = split_item(item)
    menu_path = get_prop(service, path, ITEM_IFACE, "Menu")
    _revision, layout = call(service, menu_path, MENU_IFACE, "GetLayout",
                             GLib.Variant("(iias)", (0, -1, [])), "(u(ia{sv}av))")

    def entries(children):
        out = []
        for ident, props, grandchildren in children:
            if props.get("type") == "separator":
                continue
            out.append({
                "id": ident,
                "label": menu_label(props),
                "enabled": props.get("enabled", True),
                "visible": props.get("visible", True),
                "children": entries(grandchildren),
            })
        return out

    _root, _props, top = layout
    return service, menu_path, entries(top)


def find_entry(entries, label, parents=()):
    """The first entry labelled `label`, depth first in menu order, with its submenu chain."""
    for entry in entries:
        if entry["label"] == label:
            return entry, parents
        found = find_entry(entry["children"], label, parents + (entry,))
        if found:
            return found
    return None


#: How each kind of panel tells an app its root menu is opening (read in each panel's source).
#: "qt": AboutToShow, then an "opened" event (libdbusmenu-qt: KDE Plasma, LXQt; GNOME's
#: AppIndicator extension and COSMIC send both too). "gtk": AboutToShowGroup([0]) alone, once
#: the menu is up (libdbusmenu-gtk3: waybar, XFCE, Cinnamon). "budgie": an "opened" event alone.
PANEL_STYLES = ("qt", "gtk", "budgie")


def open_menu(item, style="qt"):
    """Opens the menu's root as a panel of `style` does when the tray icon is clicked.
    Nothing is chosen; the panel's menu stays up."""
    service, menu_path, _entries = menu_layout(item)
    if style == "qt":
        call(service, menu_path, MENU_IFACE, "AboutToShow", GLib.Variant("(i)", (0,)), None)
    if style == "gtk":
        call(service, menu_path, MENU_IFACE, "AboutToShowGroup", GLib.Variant("(ai)", ([0],)),
             None)
    if style in ("qt", "budgie"):
        call(service, menu_path, MENU_IFACE, "Event",
             GLib.Variant("(isvu)", (0, "opened", GLib.Variant("s", ""), 0)), None)


def click(item, label):
    """Clicks the entry labelled `label`, wherever it is in the menu, as a panel does.

    For an entry inside a submenu, a panel first opens each submenu on the way (AboutToShow,
    then an "opened" event) and sends "closed" once the entry is clicked. libdbusmenu takes a
    "clicked" event for any id without that, but an app may fill a submenu as it opens.
    """
    service, menu_path, entries = menu_layout(item)
    found = find_entry(entries, label)
    if not found:
        raise SystemExit(f"sni.py: no menu item labelled {label!r}; have {entries}")
    entry, parents = found

    def event(ident, name):
        call(service, menu_path, MENU_IFACE, "Event",
             GLib.Variant("(isvu)", (ident, name, GLib.Variant("s", ""), 0)), None)

    def about_to_show(ident):
        call(service, menu_path, MENU_IFACE, "AboutToShow", GLib.Variant("(i)", (ident,)), None)

    def courtesy(send, *args):
        # Opening and closing are courtesies; a click may already have changed the menu.
        try:
            send(*args)
        except GLib.Error:
            pass

    for parent in parents:
        courtesy(about_to_show, parent["id"])
        courtesy(event, parent["id"], "opened")
    event(entry["id"], "clicked")
    for parent in reversed(parents):
        courtesy(event, parent["id"], "closed")
    return entry


def main(argv):
    command = argv[1] if len(argv) > 1 else ""
    if command == "watch" and len(argv) == 3:
        watch(argv[2])
    elif command == "props" and len(argv) == 3:
        print(json.dumps(item_props(argv[2])))
    elif command == "menu" and len(argv) == 3:
        print(json.dumps(menu_layout(argv[2])[2]))
    elif command == "open" and (len(argv) == 3 or len(argv) == 4 and argv[3] in PANEL_STYLES):
        open_menu(argv[2], *argv[3:])
        print("null")
    elif command == "click" and len(argv) == 4:
        print(json.dumps(click(argv[2], argv[3])))
    else:
        sys.exit("usage: sni.py watch RECORD_FILE | props ITEM | menu ITEM | open ITEM [qt|gtk|budgie] | click ITEM LABEL")


if __name__ == "__main__":
    main(sys.argv)
