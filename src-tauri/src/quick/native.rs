//! Quick search as a native GTK popup (Linux): an entry, up to eight matches and one line
//! of news, styled like Till's window in its light and dark themes.
//!
//! Why not a web view: one costs a whole web engine (≈150 MiB PSS) to be ready in time,
//! while this popup costs a few MiB and maps within milliseconds of the shortcut. It is
//! built once (at start when prewarmed, else on first use) and then shown and hidden.
//! GTK widgets live on the main thread only, so the popup sits in a thread-local and
//! every entry point hops onto the main thread first. What each key does is `picker.rs`;
//! this file only draws it and passes the keys on.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use gtk::gdk::keys::constants as key;
use gtk::glib;
use gtk::prelude::*;
use tauri::{AppHandle, Manager};
use till_core::settings::{Settings, Theme};
use till_core::shortlist::QuickItem;

use super::picker::{Outcome, Picker, Tone};
use super::AppVault;
use crate::state::AppState;
use crate::windows;

/// The popup's title: what window managers and the end-to-end tests find it by.
const TITLE: &str = "Till quick search";
/// How long "Copied …" stays before the popup closes.
const DONE_LINGER: Duration = Duration::from_millis(600);
/// How long the popup stays closed before its memory is trimmed (`crate::working_set`).
const QUICK_TRIM_AFTER: Duration = Duration::from_secs(2);

/// Colours from `ui/src/app.css` (same names), so both themes read like Till's window.
const STYLE: &str = "
#till-quick { background: #ffffff; color: #10201e; }
#till-quick.dark { background: #13201e; color: #e6efed; }
#till-quick entry { font-size: 16px; padding: 8px 10px; }
#till-quick.dark entry { background: #1b2b29; color: #e6efed; border-color: #6f8c88; }
#till-quick list, #till-quick row { background: transparent; color: inherit; }
#till-quick row { border-radius: 8px; padding: 6px 9px; }
#till-quick row:selected { background: #0f766e; color: #ffffff; }
#till-quick.dark row:selected { background: #2dd4bf; color: #04201c; }
#till-quick .name { font-weight: bold; }
#till-quick .meta, #till-quick .keys { font-size: 12px; color: #4d5d5b; }
#till-quick.dark .meta, #till-quick.dark .keys { color: #a3b5b2; }
#till-quick row:selected .meta { color: inherit; }
#till-quick .done { color: #067647; }
#till-quick.dark .done { color: #5ee39a; }
#till-quick .ask { background: #fef3c7; color: #7c3a0a; border-radius: 6px; padding: 6px 8px; }
#till-quick.dark .ask { background: #3d2306; color: #fcd34d; }
#till-quick .problem { color: #b42318; }
#till-quick.dark .problem { color: #ff8a80; }
";

/// The news line's style class for each tone.
const TONES: [(Tone, &str); 3] = [
    (Tone::Done, "done"),
    (Tone::Ask, "ask"),
    (Tone::Problem, "problem"),
];

thread_local! {
    /// The popup, once built; main thread only (GTK's rule).
    static POPUP: RefCell<Option<Rc<Popup>>> = const { RefCell::new(None) };
}

/// Builds the hidden popup now, so the first shortcut only maps it.
pub fn prewarm(app: &AppHandle) {
    on_main_thread(app, |popup| popup.window.realize());
}

/// Shows the popup with focus, its list fresh for what was typed.
pub fn show(app: &AppHandle) {
    on_main_thread(app, |popup| popup.show());
}

/// Hides the popup, forgetting what was typed.
pub fn hide(app: &AppHandle) {
    on_main_thread(app, |popup| popup.close());
}

fn on_main_thread(app: &AppHandle, action: impl FnOnce(&Rc<Popup>) + Send + 'static) {
    let handle = app.clone();
    let posted = app.run_on_main_thread(move || {
        let popup = POPUP.with(|slot| {
            slot.borrow_mut()
                .get_or_insert_with(|| Popup::build(handle))
                .clone()
        });
        action(&popup);
    });
    if let Err(error) = posted {
        tracing::error!(%error, "could not reach the main thread for quick search");
    }
}

/// The popup's widgets and state.
struct Popup {
    app: AppHandle,
    window: gtk::Window,
    entry: gtk::Entry,
    news: gtk::Label,
    list: gtk::ListBox,
    picker: RefCell<Picker>,
    /// Counts closes and shows, so a "close after the copy" timer from an earlier showing
    /// does not close a later one.
    showing: Cell<u64>,
}

impl Popup {
    fn build(app: AppHandle) -> Rc<Self> {
        let window = gtk::Window::new(gtk::WindowType::Toplevel);
        window.set_title(TITLE);
        window.set_widget_name("till-quick");
        window.set_default_size(560, 380);
        window.set_resizable(false);
        window.set_decorated(false);
        window.set_keep_above(true);
        window.set_skip_taskbar_hint(true);
        window.set_skip_pager_hint(true);
        window.set_position(gtk::WindowPosition::Center);
        install_style(&window);

        let column = gtk::Box::new(gtk::Orientation::Vertical, 8);
        column.set_border_width(12);
        let entry = gtk::Entry::new();
        entry.set_placeholder_text(Some("Copy a key: type a name, provider, scope or purpose"));
        let news = gtk::Label::new(None);
        news.set_xalign(0.0);
        news.set_line_wrap(true);
        // Wrap to the popup's width instead of widening it.
        news.set_max_width_chars(1);
        news.set_hexpand(true);
        let list = gtk::ListBox::new();
        list.set_selection_mode(gtk::SelectionMode::Single);
        let keys = gtk::Label::new(Some("↑↓ choose · Enter copy (or open) · Esc close"));
        keys.set_xalign(0.0);
        keys.style_context().add_class("keys");
        column.pack_start(&entry, false, false, 0);
        column.pack_start(&news, false, false, 0);
        column.pack_start(&list, true, true, 0);
        column.pack_end(&keys, false, false, 0);
        window.add(&column);
        column.show_all();

        let popup = Rc::new(Self {
            app,
            window,
            entry,
            news,
            list,
            picker: RefCell::new(Picker::default()),
            showing: Cell::new(0),
        });
        popup.connect();
        popup
    }

    fn connect(self: &Rc<Self>) {
        let popup = Rc::clone(self);
        self.entry.connect_changed(move |entry| {
            let query = entry.text();
            popup
                .picker
                .borrow_mut()
                .set_query(&AppVault(&popup.app), query.as_str());
            popup.render();
        });
        let popup = Rc::clone(self);
        self.window
            .connect_key_press_event(move |_, event| popup.key(event.keyval()));
        // The keyboard must go to the popup, not to whatever is under the pointer.
        // `present` asks for focus before the X server has mapped the window, which it
        // refuses when no window manager is there to hand focus over; ask again once
        // the window is mapped.
        self.window.connect_map_event(|window, _| {
            if let Some(surface) = window.window() {
                surface.focus(gtk::current_event_time());
            }
            glib::Propagation::Proceed
        });
        self.window.connect_delete_event(|window, _| {
            window.hide();
            glib::Propagation::Stop
        });
    }

    fn show(self: &Rc<Self>) {
        let started = Instant::now();
        self.showing.set(self.showing.get() + 1);
        self.apply_theme();
        self.picker.borrow_mut().refresh(&AppVault(&self.app));
        self.render();
        self.window.present();
        self.entry.grab_focus();
        tracing::info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "quick search shown"
        );
    }

    fn close(&self) {
        self.showing.set(self.showing.get() + 1);
        self.window.hide();
        self.entry.set_text("");
        self.picker.borrow_mut().reset();
        self.render();
        // The popup ran GTK's list and entry code; once it has stayed closed a moment, that
        // goes back to the kernel like the window's (a burst of uses trims once).
        crate::working_set::trim_later(&self.app, QUICK_TRIM_AFTER, "quick search closed");
    }

    /// Handles the keys quick search owns; the rest go to the entry.
    fn key(self: &Rc<Self>, pressed: gtk::gdk::keys::Key) -> glib::Propagation {
        if pressed == key::Escape {
            let close = self.picker.borrow_mut().escape();
            if close {
                self.close();
            } else {
                self.render();
            }
        } else if pressed == key::Down {
            self.picker.borrow_mut().down();
            self.render();
        } else if pressed == key::Up {
            self.picker.borrow_mut().up();
            self.render();
        } else if pressed == key::Return || pressed == key::KP_Enter {
            let outcome = self.picker.borrow_mut().enter(&AppVault(&self.app));
            self.render();
            self.after(outcome);
        } else {
            return glib::Propagation::Proceed;
        }
        glib::Propagation::Stop
    }

    fn after(self: &Rc<Self>, outcome: Outcome) {
        match outcome {
            Outcome::OpenTill => {
                self.close();
                windows::show_main(&self.app);
            }
            Outcome::Copied => {
                let showing = self.showing.get();
                let popup = Rc::clone(self);
                glib::timeout_add_local_once(DONE_LINGER, move || {
                    if popup.showing.get() == showing {
                        popup.close();
                    }
                });
            }
            Outcome::MintAgentKey(request) => {
                self.close();
                if let Err(error) = super::open_mint_form(&self.app, &request) {
                    tracing::warn!(code = ?error.code, "could not open the mint form");
                }
            }
            Outcome::Nothing | Outcome::Asking | Outcome::Failed => {}
        }
    }

    /// Redraws the list and the news line from the picker.
    fn render(&self) {
        let picker = self.picker.borrow();
        for row in self.list.children() {
            self.list.remove(&row);
        }
        for (index, item) in picker.items().iter().enumerate() {
            let row = item_row(item);
            self.list.add(&row);
            if index == picker.active() {
                self.list.select_row(Some(&row));
            }
        }
        if let Some(text) = picker.empty_text() {
            let label = gtk::Label::new(Some(&text));
            label.set_xalign(0.0);
            label.style_context().add_class("meta");
            let row = gtk::ListBoxRow::new();
            row.set_selectable(false);
            row.add(&label);
            self.list.add(&row);
        }
        self.list.show_all();
        let news = picker.news();
        let style = self.news.style_context();
        for (tone, class) in TONES {
            if news.as_ref().is_some_and(|(shown, _)| *shown == tone) {
                style.add_class(class);
            } else {
                style.remove_class(class);
            }
        }
        self.news
            .set_text(news.as_ref().map_or("", |(_, text)| text.as_str()));
        self.news.set_visible(news.is_some());
    }

    /// Light or dark like the window: the saved choice, else the desktop's preference.
    fn apply_theme(&self) {
        let state = self.app.state::<AppState>();
        let dark = match Settings::load(&state.paths).map(|s| s.appearance.theme) {
            Ok(Theme::Dark) => true,
            Ok(Theme::Light) => false,
            Ok(Theme::System) | Err(_) => {
                gtk::Settings::default().is_some_and(|s| s.is_gtk_application_prefer_dark_theme())
            }
        };
        let style = self.window.style_context();
        if dark {
            style.add_class("dark");
        } else {
            style.remove_class("dark");
        }
    }
}

/// One match: the label core gives it ("GitHub reader", "For CI deploy", "New agent key
/// for …") over provider, environment and scopes.
fn item_row(item: &QuickItem) -> gtk::ListBoxRow {
    let name = item.label.clone();
    let mut meta = item.provider.clone();
    if let Some(environment) = &item.environment {
        meta.push_str(" · ");
        meta.push_str(environment);
    }
    if !item.scopes.is_empty() {
        meta.push_str(" · ");
        meta.push_str(&item.scopes.join(", "));
    }
    let column = gtk::Box::new(gtk::Orientation::Vertical, 1);
    for (text, class) in [(name, "name"), (meta, "meta")] {
        let label = gtk::Label::new(Some(&text));
        label.set_xalign(0.0);
        label.style_context().add_class(class);
        column.pack_start(&label, false, false, 0);
    }
    let row = gtk::ListBoxRow::new();
    row.add(&column);
    row
}

fn install_style(window: &gtk::Window) {
    let provider = gtk::CssProvider::new();
    if let Err(error) = provider.load_from_data(STYLE.as_bytes()) {
        tracing::warn!(%error, "quick search's style did not load");
        return;
    }
    let Some(screen) = WidgetExt::screen(window).or_else(gtk::gdk::Screen::default) else {
        tracing::warn!("quick search has no screen to style");
        return;
    };
    gtk::StyleContext::add_provider_for_screen(
        &screen,
        &provider,
        gtk::STYLE_PROVIDER_PRIORITY_APPLICATION,
    );
}
