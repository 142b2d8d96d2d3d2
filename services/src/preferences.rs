//! Per-user preferences of the shell: theme, open workspace tabs, submenu state. They live in the
//! user's row, so they survive a reload, work without JavaScript and follow the user to another
//! browser (docs/decisions/0004-shell-state-on-the-server.md).

use crate::audit::{Actor, Changes};
use crate::entities::users;
use crate::error::ServiceError;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait, IntoActiveModel,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};

/// The themes a user can choose.
pub const THEMES: [&str; 3] = ["system", "light", "dark"];

/// Most workspace tabs kept per user; opening another drops the oldest.
pub const MAX_TABS: usize = 12;

/// Per-user state of the shell, kept across sign-ins: the open workspace tabs (paths, in order)
/// and whether the submenu is collapsed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiState {
    /// Open workspace tabs as paths, e.g. `["/admin/users", "/admin/profile"]`.
    #[serde(default)]
    pub tabs: Vec<String>,
    /// Whether the submenu is collapsed.
    #[serde(default)]
    pub submenu_collapsed: bool,
}

impl UiState {
    /// Parses the stored JSON; anything unreadable is an empty state.
    pub fn parse(json: &str) -> UiState {
        serde_json::from_str(json).unwrap_or_default()
    }
}

/// Stores the actor's theme (`system`, `light` or `dark`).
///
/// # Errors
/// `Validation{theme}` for any other value.
pub async fn set_theme(
    db: &DatabaseConnection,
    actor: &Actor,
    theme: &str,
) -> Result<(), ServiceError> {
    if !THEMES.contains(&theme) {
        return Err(ServiceError::field(
            "theme",
            "must be system, light or dark",
        ));
    }
    let user = users::Entity::find_by_id(actor.user_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if user.theme == theme {
        return Ok(());
    }
    let txn = db.begin().await?;
    let before = user.theme.clone();
    let mut model = user.into_active_model();
    model.theme = Set(theme.to_owned());
    model.update(&txn).await?;
    actor
        .audit(
            &txn,
            "update",
            "user",
            actor.user_id,
            Changes::new().field("theme", before, theme),
        )
        .await?;
    txn.commit().await?;
    Ok(())
}

/// The actor's shell state.
///
/// # Errors
/// `NotFound` when the user is gone.
pub async fn ui_state(db: &DatabaseConnection, user_id: i64) -> Result<UiState, ServiceError> {
    let user = users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(UiState::parse(&user.ui_state))
}

/// Applies `change` to the user's shell state and stores it. Tabs must be absolute paths; at
/// most [`MAX_TABS`] are kept (the oldest go first). Not audited: it is the user's own view, not
/// business data.
///
/// # Errors
/// `NotFound` when the user is gone.
pub async fn update_ui_state(
    db: &DatabaseConnection,
    user_id: i64,
    change: impl FnOnce(&mut UiState),
) -> Result<UiState, ServiceError> {
    let user = users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut state = UiState::parse(&user.ui_state);
    let before = state.clone();
    change(&mut state);
    state.tabs.retain(|t| t.starts_with('/') && t.len() <= 512);
    let mut seen = std::collections::HashSet::new();
    state.tabs.retain(|t| seen.insert(t.clone()));
    if state.tabs.len() > MAX_TABS {
        let extra = state.tabs.len() - MAX_TABS;
        state.tabs.drain(..extra);
    }
    if state != before {
        let mut model = user.into_active_model();
        model.ui_state = Set(serde_json::to_string(&state).map_err(anyhow::Error::from)?);
        model.update(db).await?;
    }
    Ok(state)
}
