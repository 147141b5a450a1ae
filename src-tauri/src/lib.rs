//! Till's desktop shell: the tray, the main window and the IPC commands.
//!
//! This crate only adapts `till-core` to Tauri: it builds the tray, opens and closes the
//! window, and exposes one thin command per user action. Till lives in the tray; the
//! window (and with it the web engine's processes) exists only while it is open and for
//! a short keep-warm time after it closes (`windows`).
#![forbid(unsafe_code)]

mod agents;
mod browser;
mod clipboard;
mod clipboard_managers;
mod commands;
mod copying;
mod error;
mod leaks;
mod lifecycle;
mod logging;
mod notifications;
mod quick;
mod route;
mod saving;
mod scheduler;
mod session_lock;
mod state;
mod tray;
#[cfg(target_os = "linux")]
mod tray_menu_opening;
#[cfg(target_os = "linux")]
mod webengine;
mod windows;
mod working_set;

use tauri::{Manager, RunEvent};

pub use error::StartupError;

/// Starts Till and blocks until the user quits; returns the exit code.
pub fn run() -> Result<i32, StartupError> {
    #[cfg(target_os = "linux")]
    let gl_drivers = webengine::prepare_environment();
    let state = state::AppState::from_env()?;
    logging::init(&state.paths);
    if let Some(problem) = &state.settings_problem {
        tracing::warn!(%problem, "settings.toml was not used; the defaults apply");
    }
    tracing::info!(version = till_core::VERSION, "starting Till");
    #[cfg(target_os = "linux")]
    gl_drivers.log();

    let app = tauri::Builder::default()
        // Must be first: a second launch hands over to the running Till and exits.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            // A login start (`--hidden`) finding Till already running leaves it be.
            if argv
                .iter()
                .any(|arg| arg == till_core::autostart::HIDDEN_FLAG)
            {
                return;
            }
            tracing::info!("second launch: showing the running Till");
            windows::show_main(app);
        }))
        .plugin(tauri_plugin_global_shortcut::Builder::new().build())
        // Save dialogs, shown from Rust only: no window is granted the plugin's commands.
        .plugin(tauri_plugin_dialog::init())
        .manage(state)
        .manage(agents::AgentsHost::default())
        .manage(leaks::LeaksHost::default())
        .invoke_handler(tauri::generate_handler![
            commands::app::app_status,
            commands::window::close_main_window,
            commands::vault::setup_vault,
            commands::vault::unlock_vault,
            commands::vault::lock_vault,
            commands::vault::list_keys,
            commands::vault::add_key,
            commands::vault::recognize_value,
            commands::vault::reveal_key,
            commands::vault::delete_key,
            commands::vault::audit_log,
            commands::vault::search_keys,
            commands::vault::key_audit_history,
            commands::vault::list_providers,
            commands::vault::edit_key,
            commands::vault::replace_key_value,
            commands::vault::rollback_key,
            commands::vault::preview_import,
            commands::vault::apply_import,
            commands::vault::change_master_password,
            commands::reminders::due_items,
            commands::reminders::snooze_key,
            commands::reminders::verify_key,
            commands::reminders::rotation_step,
            commands::reminders::rotation_paste,
            commands::reminders::rotation_runbook,
            commands::reminders::review_audit,
            commands::reminders::skip_audit,
            commands::reminders::take_route,
            commands::reminders::open_provider_console,
            commands::copying::plan_copy,
            commands::copying::copy_key,
            commands::copying::list_purposes,
            commands::copying::save_purpose,
            commands::copying::remove_purpose,
            commands::quick::quick_items,
            commands::training::list_lessons,
            commands::training::complete_lesson,
            commands::training::apply_team_file,
            commands::training::team_compliance,
            commands::training::tick_checklist_item,
            commands::training::onboarding_state,
            commands::training::save_onboarding,
            commands::training::team_report_markdown,
            commands::quick::hide_quick_window,
            commands::quick::new_agent_key_for,
            commands::quick::open_till,
            commands::settings::settings_page,
            commands::settings::save_settings,
            commands::settings::theme_choice,
            commands::autostart::autostart_status,
            commands::autostart::set_autostart,
            commands::files::save_backup,
            commands::files::save_metadata_csv,
            commands::files::save_audit_log,
            commands::files::save_team_report,
            commands::files::save_agent_usage_csv,
            commands::agents::agent_overview,
            commands::agents::mint_agent_key,
            commands::agents::copy_agent_token,
            commands::agents::forget_agent_token,
            commands::agents::revoke_agent_key,
            commands::agents::set_agent_caps,
            commands::agents::stop_all_agents,
            commands::agents::agent_usage_log,
            commands::agents::agent_hourly,
            commands::agents::agent_usage_csv,
            commands::agents::agent_models,
            commands::agents::take_agent_route,
            commands::leaks::leak_overview,
            commands::leaks::watch_folder,
            commands::leaks::unwatch_folder,
            commands::leaks::save_scan_limit,
            commands::leaks::scan_folder,
            commands::leaks::dismiss_leak,
            commands::leaks::reveal_leak_file,
            commands::leaks::leak_runbook,
            commands::leaks::start_leak_runbook,
            commands::leaks::leak_step_done,
            commands::leaks::record_leak,
        ])
        .setup(|app| {
            tray::create(app.handle())?;
            #[cfg(target_os = "linux")]
            tray_menu_opening::watch(app.handle());
            lifecycle::unlock_with_keyring_in_background(app.handle().clone());
            lifecycle::start_idle_lock(app.handle().clone());
            lifecycle::start_session_socket(app.handle());
            scheduler::start(app.handle().clone());
            session_lock::start(app.handle());
            agents::start(app.handle().clone());
            leaks::start(app.handle().clone());
            quick::register_shortcut(app.handle());
            quick::prewarm(app.handle());
            // At login (`--hidden`, see till_core::autostart) Till stays in the tray.
            let hidden = std::env::args().any(|arg| arg == till_core::autostart::HIDDEN_FLAG);
            if !hidden && std::env::args().any(|arg| arg == "--open") {
                windows::show_main(app.handle());
            }
            Ok(())
        })
        .build(tauri::generate_context!())
        .map_err(StartupError::Tauri)?;

    let code = app.run_return(|app, event| match event {
        // Closing the last window must not quit: Till stays in the tray. An explicit
        // exit (Quit in the tray menu) carries a code and goes through.
        RunEvent::ExitRequested {
            code: None, api, ..
        } => api.prevent_exit(),
        RunEvent::Exit => {
            agents::stop(app);
            app.state::<state::AppState>().lock();
        }
        _ => {}
    });
    tracing::info!(code, "Till exited");
    Ok(code)
}
