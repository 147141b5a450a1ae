//! Declares the app's own IPC commands so each gets an `allow-…` permission, and the
//! capability files can grant the main window exactly these and nothing else.

const COMMANDS: &[&str] = &[
    "app_status",
    "close_main_window",
    "setup_vault",
    "unlock_vault",
    "lock_vault",
    "list_keys",
    "add_key",
    "recognize_value",
    "reveal_key",
    "delete_key",
    "audit_log",
    "list_providers",
    "edit_key",
    "replace_key_value",
    "rollback_key",
    "preview_import",
    "apply_import",
    "change_master_password",
    "due_items",
    "snooze_key",
    "verify_key",
    "rotation_step",
    "rotation_paste",
    "review_audit",
    "skip_audit",
    "take_route",
    "open_provider_console",
    "plan_copy",
    "copy_key",
    "list_purposes",
    "save_purpose",
    "remove_purpose",
    "quick_items",
    "hide_quick_window",
    "open_till",
    "list_lessons",
    "complete_lesson",
    "apply_team_file",
    "team_compliance",
    "tick_checklist_item",
    "onboarding_state",
    "save_onboarding",
    "team_report_markdown",
    "search_keys",
    "key_audit_history",
    "rotation_runbook",
    "settings_page",
    "save_settings",
    "theme_choice",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script failed");
}
